/*
 * spare.c - the bytes objects readline() returns, recycled: a line the
 * program has let go of becomes the next line of the same size class,
 * without a trip through the allocator.
 *
 * A loop over lines (`while line := m.readline()`, `for line in
 * m.lines()`) drops each line when it takes the next one. Freeing the old
 * bytes object and allocating the new one costs about 100 instructions a
 * line, as much as the rest of the binding's work. So the map keeps a
 * reference to the last two lines it returned in each size class, and when
 * its reference to one is the only one left (Py_REFCNT 1: nobody else can
 * see the object), that object is filled with the new line instead, the
 * way CPython's own zip() and enumerate() reuse their result tuple. A line
 * the program still holds is never touched: when both are held, the map
 * allocates a new object and lets go of the older of the two.
 *
 * Size classes are those of CPython's small-object allocator (16 bytes):
 * a spare object is allocated with the whole block as its capacity and
 * then shortened (as _PyBytes_Resize() shortens in place), so a line uses
 * the same memory whether it was recycled or not, and a shorter line of
 * the class fits later. Lines of up to SPARE_MAX bytes are recycled; the
 * table of spares is allocated on first use and freed with the map.
 *
 * Not in free-threaded builds: there, another thread may take a reference
 * between the check of the count and the reuse.
 */
#include <stddef.h>

#include "mmfmodule.h"

/* Lines of up to this many bytes are recycled (the core's fast scan). */
#define SPARE_MAX 256
/* The allocator's granularity, and the header of a bytes object (with the
 * terminating NUL). */
#define SPARE_GRAIN 16
#define SPARE_HEAD (offsetof(PyBytesObject, ob_sval) + 1)
/* The block of a bytes object of n bytes, in grains. */
#define SPARE_BLOCK(n) ((SPARE_HEAD + (n) + SPARE_GRAIN - 1) / SPARE_GRAIN)
#define SPARE_CLASSES (SPARE_BLOCK(SPARE_MAX) - SPARE_BLOCK(1) + 1)
#define SPARE_SLOTS (2 * SPARE_CLASSES)

#ifndef Py_GIL_DISABLED
/* The object may be changed: set its length to n, and forget its hash. */
static char *
refill(PyObject *o, size_t n)
{
    char *s = PyBytes_AS_STRING(o);

    Py_SET_SIZE(o, (Py_ssize_t)n);
    s[n] = '\0';
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#endif
    ((PyBytesObject *)o)->ob_shash = -1;
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
    return s;
}

/* The table, with every slot holding None: never reusable (others hold
 * it), so the hot path needs no NULL check. NULL when out of memory. */
static PyObject **
new_table(void)
{
    PyObject **t = PyMem_Malloc(SPARE_SLOTS * sizeof(PyObject *));

    if (t != NULL) {
        for (size_t i = 0; i < SPARE_SLOTS; i++) {
            Py_INCREF(Py_None);
            t[i] = Py_None;
        }
    }
    return t;
}

#endif /* !Py_GIL_DISABLED */

char *
mmf_py_line_bytes(mmap_object *self, size_t n, PyObject **res)
{
#ifndef Py_GIL_DISABLED
    if (n - 1 < SPARE_MAX) {
        size_t block = SPARE_BLOCK(n);
        PyObject **slot, *o;

        if (self->spare == NULL && (self->spare = new_table()) == NULL) {
            goto plain; /* no table: lines are not recycled */
        }
        /* Two per class: in a loop, the line before is still held (by the
         * loop's variable) when the next one is made, the one before that
         * is not. Which of the two is free varies when line lengths do:
         * chosen by an index, not a branch, which would often mispredict. */
        slot = &self->spare[2 * (block - SPARE_BLOCK(1))];
        o = slot[Py_REFCNT(slot[0]) != 1];
        if (Py_REFCNT(o) == 1) {
            Py_INCREF(o);
            *res = o;
            return refill(o, n);
        }
        o = PyBytes_FromStringAndSize(
            NULL, (Py_ssize_t)(block * SPARE_GRAIN - SPARE_HEAD));
        if (o == NULL) {
            return NULL;
        }
        /* the newest first; the map lets go of the older one */
        Py_INCREF(o);
        Py_DECREF(slot[1]);
        slot[1] = slot[0];
        slot[0] = o;
        *res = o;
        return refill(o, n);
    }
plain:
#else
    (void)self; /* not recycled: see above */
#endif
    *res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
    return *res == NULL ? NULL : PyBytes_AS_STRING(*res);
}

void
mmf_py_spares_clear(mmap_object *self)
{
    PyObject **spare = self->spare;

    if (spare != NULL) {
        self->spare = NULL;
        for (size_t i = 0; i < SPARE_SLOTS; i++) {
            Py_DECREF(spare[i]);
        }
        PyMem_Free(spare);
    }
}
