/*
 * additions.c - the methods beyond the stdlib's mmap.mmap: count(),
 * readinto(), lines() and its iterator type, protect(), the memory
 * controls lock(), unlock(), populate() and resident(), page_size() and
 * fd().
 */
#include "mmfmodule.h"

/* ---- count() ----------------------------------------------------------- */

MMF_PY_DOC(
    mmap_count_doc, "count($self, sub, start=None, end=None, /)",
    "Return the number of non-overlapping occurrences of sub in [start, "
    "end).\n\n"
    "start defaults to the current position (as for find()), end to the\n"
    "length. Beyond the stdlib API; one-byte needles use a SIMD count.");

/* count(sub[, start[, end]]): bounds as for find(). */
static PyObject *
count_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    job j = {.kind = JOB_COUNT};

    if (!mmf_py_scan_job(self, args, nargs, "count", &j)) {
        return NULL;
    }
    return PyLong_FromSize_t(j.total);
}

FASTCALL_METHOD(mmap_count, count_impl)

/* ---- readinto() -------------------------------------------------------- */

MMF_PY_DOC(
    mmap_readinto_doc, "readinto($self, buffer, /)",
    "Read up to len(buffer) bytes at the current position into buffer,\n"
    "advance, and return the count (0 at the end). Beyond the stdlib API.");

/* readinto(buffer): read at the cursor into a writable buffer, as
 * io.RawIOBase.readinto() does; returns the count. */
static PyObject *
readinto_impl(mmap_object *self, PyObject *arg)
{
    Py_buffer view;
    size_t remaining = 0, n;
    mmf_status st;

    /* io's converter ("w*") and its message, whatever refused the buffer */
    if (PyObject_GetBuffer(arg, &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS)
        < 0) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, MSG_READINTO, Py_TYPE(arg)->tp_name);
        return NULL;
    }
    st = mmf_remaining(&self->map, &remaining);
    n = (size_t)view.len < remaining ? (size_t)view.len : remaining;
    if (st == MMF_OK && mmf_overlaps(&self->map, view.buf, n)) {
        /* a view of the map itself: one memmove, not forward chunks that
         * would read bytes an earlier chunk already overwrote */
        st = mmf_read(&self->map, view.buf, n, &n);
    } else if (st == MMF_OK) {
        st = mmf_py_read_at_cursor(self, view.buf, n);
    }
    PyBuffer_Release(&view);
    if (st != MMF_OK) {
        return mmf_py_error(self, st, &OP_PLAIN);
    }
    return PyLong_FromSize_t(n);
}

O_METHOD(mmap_readinto, readinto_impl)

/* ---- lines() and its iterator ------------------------------------------ */

/* The module state of a type derived from mmap (a subclass may come from
 * anywhere, so walk the MRO to our own type). */
static module_state *
state_of(PyTypeObject *tp)
{
    PyObject *mro = tp->tp_mro;

    for (Py_ssize_t i = 0; mro != NULL && i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);
        PyObject *mod;

        if (!(base->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
            continue;
        }
        mod = PyType_GetModule(base);
        if (mod == NULL) {
            PyErr_Clear();
            continue;
        }
        if (PyModule_GetDef(mod) == &mmf_py_module_def) {
            return (module_state *)PyModule_GetState(mod);
        }
    }
    PyErr_SetString(PyExc_TypeError, "mmf: not an mmf.mmap object");
    return NULL;
}

MMF_PY_DOC(
    mmap_lines_doc, "lines($self, /)",
    "Return an iterator over the lines from the current position.\n\n"
    "Each step returns what readline() would and moves the position past the\n"
    "line, so it mixes with readline(), seek() and tell(). The iteration "
    "ends\n"
    "at the end of the map (after a seek back, it yields again). Beyond the\n"
    "stdlib API: iterating over the map itself still yields single bytes.");

static PyObject *
lines_impl(mmap_object *self)
{
    module_state *state;
    lines_object *it;

    if (mmf_closed(&self->map)) {
        return mmf_py_error(self, MMF_ECLOSED, &OP_PLAIN);
    }
    if ((state = state_of(Py_TYPE(self))) == NULL) {
        return NULL;
    }
    it = PyObject_GC_New(lines_object, state->lines_type);
    if (it == NULL) {
        return NULL;
    }
    Py_INCREF(self);
    it->map = self;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

NOARGS_METHOD(mmap_lines, lines_impl)

/* One line, as readline() returns it; the end of the map ends the
 * iteration (NULL without an exception), a closed map raises ValueError. */
static PyObject *
lines_next(PyObject *op)
{
    mmap_object *self = ((lines_object *)op)->map;
    PyObject *res;

    Py_BEGIN_CRITICAL_SECTION((PyObject *)self);
    res = mmf_py_readline(self);
    Py_END_CRITICAL_SECTION();
    if (res != NULL && PyBytes_GET_SIZE(res) == 0) {
        Py_CLEAR(res); /* the end of the map: StopIteration */
    }
    return res;
}

static PyObject *
lines_new(PyTypeObject *tp, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    PyErr_Format(PyExc_TypeError, "cannot create '%s' instances", tp->tp_name);
    return NULL;
}

static void
lines_dealloc(PyObject *op)
{
    PyTypeObject *tp = Py_TYPE(op);

    PyObject_GC_UnTrack(op);
    Py_CLEAR(((lines_object *)op)->map);
    PyObject_GC_Del(op);
    Py_DECREF(tp);
}

static int
lines_traverse(PyObject *op, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(((lines_object *)op)->map);
    return 0;
}

static PyType_Slot lines_slots[] = {
    {Py_tp_new, (void *)lines_new},
    {Py_tp_dealloc, (void *)lines_dealloc},
    {Py_tp_traverse, (void *)lines_traverse},
    {Py_tp_iter, (void *)PyObject_SelfIter},
    {Py_tp_iternext, (void *)lines_next},
    {Py_tp_doc,
     (void *)"Iterator over the lines of a map (see mmap.lines())."},
    {0, NULL}};

PyType_Spec mmf_py_lines_spec = {
    .name = "mmf.LineIterator",
    .basicsize = sizeof(lines_object),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | MMAP_TYPE_FLAGS_EXTRA,
    .slots = lines_slots,
};

/* ---- protect() --------------------------------------------------------- */

MMF_PY_DOC(
    mmap_protect_doc, "protect($self, prot, /)",
    "Change the protection of the whole map to prot (PROT_* bits, mprotect):\n"
    "PROT_READ makes it read-only, PROT_READ | PROT_WRITE writable again.\n"
    "An ACCESS_READ map stays read-only; BufferError while buffers are\n"
    "exported. Beyond the stdlib API.");

static PyObject *
protect_impl(mmap_object *self, PyObject *arg)
{
    int prot;
    mmf_status st;

    if (!as_int(arg, &prot)) {
        return NULL;
    }
    st = mmf_protect(&self->map, prot);
    if (st != MMF_OK) {
        return mmf_py_error(self, st, &OP_PROTECT);
    }
    Py_RETURN_NONE;
}

O_METHOD(mmap_protect, protect_impl)

/* ---- memory control ---------------------------------------------------- */

typedef enum { MEM_LOCK, MEM_UNLOCK, MEM_POPULATE, MEM_RESIDENT } mem_op;

/* The memory control calls run in pieces of this many bytes, with the GIL
 * taken back between them to run signal handlers (docs/hazards.md H-47):
 * populating 64 MiB of cached pages, or asking mincore about them, takes
 * milliseconds. */
#define MEM_CHUNK_BYTES ((size_t)64 << 20)

/* One piece of a memory control call, [start, start + length). */
static mmf_status
mem_piece(mmf_map *map, mem_op op, size_t start, size_t length, int write,
          size_t *bytes)
{
    size_t part = 0;
    mmf_status st = MMF_OK;

    switch (op) {
    case MEM_LOCK:
        st = mmf_lock(map, start, length);
        break;
    case MEM_UNLOCK:
        st = mmf_unlock(map, start, length);
        break;
    case MEM_POPULATE:
        st = mmf_populate(map, start, length, write);
        break;
    case MEM_RESIDENT:
        st = mmf_resident(map, start, length, &part);
        *bytes += part;
        break;
    }
    return st;
}

/* lock/unlock/populate/resident(start=0, length=None[, write=False], /):
 * a byte range, clamped to the map. The map is pinned and the GIL
 * released: these calls can take long (populate, mlock of much), so they
 * run in pieces of MEM_CHUNK_BYTES with a signal check between them (the
 * core widens each piece to whole pages: a page on the border of two is
 * locked or populated twice, and counted once by resident). */
static PyObject *
mem_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs,
         const char *name, mem_op op)
{
    Py_ssize_t start = 0, length = PY_SSIZE_T_MAX;
    int write = 0;
    size_t bytes = 0, len = 0, pos, left, n;
    call_pin pin;
    mmf_status st;

    if (!check_nargs(name, nargs, 0, op == MEM_POPULATE ? 3 : 2)
        || (nargs > 0 && !as_ssize(args[0], &start))
        || (nargs > 1 && args[1] != Py_None && !as_ssize(args[1], &length))
        || (nargs > 2 && (write = PyObject_IsTrue(args[2])) < 0)) {
        return NULL;
    }
    if (start < 0 || length < 0) {
        PyErr_Format(PyExc_ValueError, MSG_MEM_NEGATIVE, name);
        return NULL;
    }
    st = mmf_py_call_pin_take(self, &pin, NULL, &len);
    if (st == MMF_OK) {
        /* start past the end: one call, for the core's MMF_ERANGE */
        pos = (size_t)start;
        left = pos > len ? 0 : len - pos;
        left = (size_t)length < left ? (size_t)length : left;
        do {
            n = left < MEM_CHUNK_BYTES ? left : MEM_CHUNK_BYTES;
            Py_BEGIN_ALLOW_THREADS
            st = mem_piece(&self->map, op, pos, n, write, &bytes);
            Py_END_ALLOW_THREADS
            pos += n;
            left -= n;
            if (st == MMF_OK && left > 0 && PyErr_CheckSignals() < 0) {
                st = ST_PYERR;
            }
        } while (st == MMF_OK && left > 0);
        mmf_py_call_pin_release(&pin);
    }
    if (st != MMF_OK) {
        return mmf_py_error(self, st, &OP_MEMCTL);
    }
    if (op == MEM_RESIDENT) {
        return PyLong_FromSize_t(bytes);
    }
    Py_RETURN_NONE;
}

MMF_PY_DOC(
    mmap_lock_doc, "lock($self, start=0, length=None, /)",
    "Lock the pages of [start, start + length) in RAM (mlock). Beyond the\n"
    "stdlib API. length defaults to the end; the range is widened to pages.");

static PyObject *
lock_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return mem_impl(self, args, nargs, "lock", MEM_LOCK);
}

FASTCALL_METHOD(mmap_lock, lock_impl)

MMF_PY_DOC(mmap_unlock_doc, "unlock($self, start=0, length=None, /)",
           "Unlock the pages of [start, start + length) (munlock).");

static PyObject *
unlock_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return mem_impl(self, args, nargs, "unlock", MEM_UNLOCK);
}

FASTCALL_METHOD(mmap_unlock, unlock_impl)

MMF_PY_DOC(
    mmap_populate_doc, "populate($self, start=0, length=None, write=False, /)",
    "Prefault the pages of [start, start + length), for writing when write\n"
    "is true (MADV_POPULATE_READ/WRITE, or touching each page on older\n"
    "kernels). Beyond the stdlib API.");

static PyObject *
populate_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return mem_impl(self, args, nargs, "populate", MEM_POPULATE);
}

FASTCALL_METHOD(mmap_populate, populate_impl)

MMF_PY_DOC(
    mmap_resident_doc, "resident($self, start=0, length=None, /)",
    "Return how many bytes of [start, start + length) are resident in RAM\n"
    "(mincore). Beyond the stdlib API.");

static PyObject *
resident_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return mem_impl(self, args, nargs, "resident", MEM_RESIDENT);
}

FASTCALL_METHOD(mmap_resident, resident_impl)

/* ---- page_size() and fd() ---------------------------------------------- */

MMF_PY_DOC(
    mmap_page_size_doc, "page_size($self, /)",
    "Return the size of the pages backing the map: the huge page size for a\n"
    "map made with hugepages=True that got them, else PAGESIZE. Beyond the\n"
    "stdlib API.");

static PyObject *
page_size_impl(mmap_object *self)
{
    if (mmf_closed(&self->map)) {
        return mmf_py_error(self, MMF_ECLOSED, &OP_PLAIN);
    }
    return PyLong_FromSize_t(mmf_page_size(&self->map));
}

NOARGS_METHOD(mmap_page_size, page_size_impl)

MMF_PY_DOC(
    mmap_fd_doc, "fd($self, /)",
    "Return the map's own file descriptor (a duplicate of the one given, or\n"
    "the memfd of memfd=True), or -1. It stays the map's: do not close it.\n"
    "Beyond the stdlib API (not named fileno(): code that finds a fileno()\n"
    "takes an object for a file, and an anonymous map has none).");

static PyObject *
fd_impl(mmap_object *self)
{
    if (mmf_closed(&self->map)) {
        return mmf_py_error(self, MMF_ECLOSED, &OP_PLAIN);
    }
    return PyLong_FromLong(mmf_fileno(&self->map));
}

NOARGS_METHOD(mmap_fd, fd_impl)
