/*
 * mmfmodule.h - the private header of the CPython binding of libmmf, the
 * module `mmf`: a drop-in replacement for the standard `mmap` module with
 * the CPython 3.15 API and semantics on CPython 3.9 and newer (the
 * behaviour, and the deliberate differences, are in docs/behaviour.md).
 *
 * The binding is thin: it converts arguments, calls one libmmf function and
 * turns the status into an exception in one place (mmf_py_set_error()). It
 * makes no system call and never touches a mapped byte itself; the only
 * pointer into the map that it handles is the one handed to Python by the
 * buffer protocol, which pins the map (mmf_pin) for as long as the view
 * lives.
 *
 * Order of work in every method (gh-103987, gh-157335): convert every
 * argument first (that can run Python code: __index__, __buffer__, which
 * may close or resize the map), then ask the core, which checks again that
 * the map is open and that the range lies in its current size. Nothing
 * about the map (size, cursor) is kept across a conversion.
 *
 * The files, one concern each:
 *   mmfmodule.h  this header: objects, module state, messages, shared
 *                declarations, the method wrappers
 *   compat.h     CPython 3.9 to 3.13 shims
 *   convert.h    argument converters (static inline: per-call paths)
 *   errors.c     the messages and the one status-to-exception mapper
 *   jobs.c       GIL-free searches and copies in chunks; fork-safe pins
 *   type.c       mmap.mmap: constructor, lifecycle, repr, context manager,
 *                the method table, slots and spec
 *   methods.c    the stdlib methods, in the stdlib's order
 *   protocols.c  sequence, mapping and buffer protocols
 *   additions.c  the methods beyond the stdlib and the lines() iterator
 *   spare.c      readline()'s bytes objects, recycled
 *   module.c     constants, mmf.open(), the module definition
 *
 * Names: what one file uses stays static there; what several share is
 * declared here, prefixed mmf_py_ (functions), MSG_ (messages) and OP_
 * (the messages of one operation). A method's wrapper is mmap_<name> (the
 * Python name), its docstring mmap_<name>_doc, both beside its code.
 */
#ifndef MMF_PY_MMFMODULE_H
#define MMF_PY_MMFMODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

/* The MAP_*, PROT_*, MS_* and MADV_* constants, and nothing else: the
 * binding calls none of the functions declared there. */
#include <sys/mman.h>

#include "mmf.h"

#include "compat.h"

/* Searches and copies at least this long release the GIL (with a pin). */
#define LONG_JOB_BYTES ((size_t)1 << 20)

/* A long job runs in chunks of about this many bytes, taking the GIL back
 * between them to check for signals: at 1 GB/s (the slowest search shape)
 * a chunk takes 16 ms, so Ctrl-C interrupts a scan of any length quickly. */
#define CHUNK_BYTES ((size_t)16 << 20)

/* Not a libmmf status: a Python exception is already set (a signal handler
 * raised between two chunks). */
#define ST_PYERR ((mmf_status)1)

/* A search first probes a window the core searches on its short path (see
 * probe_job() in jobs.c, find_near() in methods.c). */
#define MMF_FAST_WINDOW 256

typedef struct {
    PyObject_HEAD
    mmf_map map;
    PyObject *weakreflist;
    PyObject **spare; /* recycled lines, by size class (spare.c) */
} mmap_object;

typedef struct {
    PyTypeObject *mmap_type;
    PyTypeObject *lines_type;
} module_state;

/* The iterator of mmap.lines(): it keeps the map alive and reads from the
 * map's own cursor, so it mixes with readline(), seek() and tell(). */
typedef struct {
    PyObject_HEAD
    mmap_object *map;
} lines_object;

/* Defined in module.c, type.c and additions.c. */
extern struct PyModuleDef mmf_py_module_def;
extern PyType_Spec mmf_py_mmap_spec;
extern PyType_Spec mmf_py_lines_spec;

/* ---- messages (errors.c) -------------------------------------------------
 * Every message that must match CPython's word for word, in one place. */

extern const char MSG_CLOSED[];
extern const char MSG_READONLY[];
extern const char MSG_NORESIZE[];
extern const char MSG_NOREAD[];
extern const char MSG_EMPTY[];
extern const char MSG_OFFSET[];
extern const char MSG_LENGTH[];
extern const char MSG_ACCESS[];
extern const char MSG_ACCESSFLAGS[];
extern const char MSG_NOTANON[];
extern const char MSG_FAULT[];
extern const char MSG_UNEXPECTED[];
extern const char MSG_NEG_LENGTH[];
extern const char MSG_NEG_OFFSET[];
extern const char MSG_CLOSE_BUSY[];
extern const char MSG_READ_BYTE[];
extern const char MSG_READ_ARG[];
extern const char MSG_WRITE[];
extern const char MSG_WRITE_BYTE[];
extern const char MSG_BYTE_MIN[];
extern const char MSG_BYTE_MAX[];
extern const char MSG_INT_RANGE[];
extern const char MSG_SIZE_NOTRACK[];
extern const char MSG_RESIZE_BUSY[];
extern const char MSG_RESIZE_NOTRACK[];
extern const char MSG_RESIZE_RANGE[];
extern const char MSG_RESIZE_ANON[];
extern const char MSG_FLUSH[];
extern const char MSG_SEEK_WHENCE[];
extern const char MSG_SEEK_RANGE[];
extern const char MSG_MOVE[];
extern const char MSG_MADV_START[];
extern const char MSG_MADV_LENGTH[];
extern const char MSG_MADV_TOO_LARGE[];
extern const char MSG_NAME_TYPE[];
extern const char MSG_NAME_NUL[];
extern const char MSG_NAME_LONG[];
extern const char MSG_INDEX[];
extern const char MSG_PROTECT_BUSY[];
extern const char MSG_OPT_ANON[];
extern const char MSG_MODE[];
extern const char MSG_OPT_BOTH[];
extern const char MSG_OPT_HUGETLB[];
extern const char MSG_OPT_SHARED[];
extern const char MSG_OPEN_MODE[];
extern const char MSG_OPEN_NEGATIVE[];
extern const char MSG_OPEN_SIZE[];
extern const char MSG_MEM_START[];
extern const char MSG_MEM_NEGATIVE[];
extern const char MSG_READINTO[];
extern const char MSG_GET_KEY[];
extern const char MSG_SET_KEY[];
extern const char MSG_ITEM_DELETE[];
extern const char MSG_SQ_ITEM_DELETE[];
extern const char MSG_SLICE_DELETE[];
extern const char MSG_ITEM_TYPE[];
extern const char MSG_ITEM_RANGE[];
extern const char MSG_SLICE_SIZE[];
extern const char MSG_SQ_ITEM_VALUE[];
extern const char MSG_NARGS[];
extern const char MSG_FLUSH_NARGS[];
extern const char MSG_FLUSH_KW[];

/* ---- statuses to exceptions (errors.c) ----------------------------------
 * What ERANGE, EINVAL, EBUSY, ENOTRACK and ENOTSUP mean depends on the
 * operation: each operation names its messages in an op_errors. A status
 * an operation cannot return (NULL message) becomes a SystemError, so a
 * core bug shows up instead of passing as a plausible error. */

typedef struct op_errors {
    const char *range;     /* MMF_ERANGE */
    const char *inval;     /* MMF_EINVAL */
    const char *busy;      /* MMF_EBUSY: BufferError */
    const char *notrack;   /* MMF_ENOTRACK: ValueError */
    const char *notsup;    /* MMF_ENOTSUP */
    int range_is_index;    /* MMF_ERANGE raises IndexError, not ValueError */
    int notsup_is_notimpl; /* MMF_ENOTSUP raises NotImplementedError */
} op_errors;

extern const op_errors OP_PLAIN;
extern const op_errors OP_CLOSE;
extern const op_errors OP_READ_BYTE;
extern const op_errors OP_WRITE;
extern const op_errors OP_WRITE_BYTE;
extern const op_errors OP_SIZE;
extern const op_errors OP_RESIZE;
extern const op_errors OP_FLUSH;
extern const op_errors OP_SET_NAME;
extern const op_errors OP_SEEK;
extern const op_errors OP_MOVE;
extern const op_errors OP_MADVISE;
extern const op_errors OP_INDEX;
extern const op_errors OP_MEMCTL;
extern const op_errors OP_PROTECT;

/* mmf_py_set_error() : Set the Python exception for status st, returned by
 * an operation on map (NULL before there is one) described by op. */
void mmf_py_set_error(const mmf_map *map, mmf_status st, const op_errors *op);

/* The same, for functions returning a PyObject *: always NULL. ST_PYERR
 * (an exception already set) is passed through. */
PyObject *mmf_py_error(mmap_object *self, mmf_status st, const op_errors *op);

#include "convert.h"

/* MMF_OK if the map is open and writable, else MMF_ECLOSED or
 * MMF_EREADONLY: the core judges. */
static inline mmf_status
check_writable(mmap_object *self)
{
    return mmf_check_writable(&self->map);
}

/* ---- GIL-free jobs and the pins of GIL-free calls (jobs.c) ------------- */

/* A search or a copy out of the map, run by mmf_py_run_job(). */
typedef enum { JOB_FIND, JOB_RFIND, JOB_COUNT, JOB_COPY } job_kind;

typedef struct job {
    job_kind kind;
    const void *needle; /* JOB_FIND, JOB_RFIND, JOB_COUNT */
    size_t nlen;
    size_t start;    /* first index (searches, count, copy) */
    size_t end;      /* JOB_FIND, JOB_RFIND, JOB_COUNT */
    ptrdiff_t found; /* result of a search; a chunk's count */
    size_t total;    /* JOB_COUNT: the count so far */
    size_t resume;   /* JOB_COUNT: where the next chunk starts */
    ptrdiff_t step;  /* JOB_COPY */
    size_t count;    /* JOB_COPY */
    void *dst;       /* JOB_COPY */
} job;

/* A pin taken for a call that releases the GIL; listed, so that a forked
 * child drops the pins of threads it does not have (docs/hazards.md H-49). */
typedef struct call_pin {
    mmf_map *map;
    struct call_pin *prev, *next;
} call_pin;

mmf_status mmf_py_run_job(mmap_object *self, job *j, size_t work);
mmf_status mmf_py_call_pin_take(mmap_object *self, call_pin *p,
                                unsigned char **data, size_t *len);
void mmf_py_call_pin_release(call_pin *p);

/* ---- shared between the methods' files --------------------------------- */

/* close() (methods.c), also for __exit__ (type.c). */
PyObject *mmf_py_close(mmap_object *self);
/* readline() (methods.c), also for the lines() iterator (additions.c). */
PyObject *mmf_py_readline(mmap_object *self);
/* A new bytes object of n bytes for a line, in *res, and where to write
 * them (NULL with an exception set when there is no memory); and the
 * release of the spares, at close() and dealloc (spare.c). */
char *mmf_py_line_bytes(mmap_object *self, size_t n, PyObject **res);
void mmf_py_spares_clear(mmap_object *self);
/* read() and readinto()'s copy at the cursor (methods.c). */
mmf_status mmf_py_read_at_cursor(mmap_object *self, void *dst, size_t n);
/* find(), rfind() and count()'s arguments and search (methods.c). */
int mmf_py_scan_job(mmap_object *self, PyObject *const *args, Py_ssize_t nargs,
                    const char *name, job *j);

/* ---- method wrappers -----------------------------------------------------
 * Each takes the object's lock (free-threaded builds) around an
 * implementation, one macro per calling convention. The first argument is
 * the full name of the wrapper, so that grep finds its definition. */

#define MMF_PY_DOC(name, sig, text)                                           \
    const char name[] = PyDoc_STR(sig "\n--\n\n" text)

#define NOARGS_METHOD(wrapper, impl)                                          \
    PyObject *wrapper(PyObject *op, PyObject *Py_UNUSED(unused))              \
    {                                                                         \
        PyObject *res;                                                        \
        Py_BEGIN_CRITICAL_SECTION(op);                                        \
        res = impl((mmap_object *)op);                                        \
        Py_END_CRITICAL_SECTION();                                            \
        return res;                                                           \
    }

#define O_METHOD(wrapper, impl)                                               \
    PyObject *wrapper(PyObject *op, PyObject *arg)                            \
    {                                                                         \
        PyObject *res;                                                        \
        Py_BEGIN_CRITICAL_SECTION(op);                                        \
        res = impl((mmap_object *)op, arg);                                   \
        Py_END_CRITICAL_SECTION();                                            \
        return res;                                                           \
    }

#define FASTCALL_METHOD(wrapper, impl)                                        \
    PyObject *wrapper(PyObject *op, PyObject *const *args, Py_ssize_t nargs)  \
    {                                                                         \
        PyObject *res;                                                        \
        Py_BEGIN_CRITICAL_SECTION(op);                                        \
        res = impl((mmap_object *)op, args, nargs);                           \
        Py_END_CRITICAL_SECTION();                                            \
        return res;                                                           \
    }

#define MMF_PY_NOARGS(name)                                                   \
    PyObject *name(PyObject *op, PyObject *unused);                           \
    extern const char name##_doc[]
#define MMF_PY_O(name)                                                        \
    PyObject *name(PyObject *op, PyObject *arg);                              \
    extern const char name##_doc[]
#define MMF_PY_FASTCALL(name)                                                 \
    PyObject *name(PyObject *op, PyObject *const *args, Py_ssize_t nargs);    \
    extern const char name##_doc[]

/* The methods, for the table in type.c. methods.c: */
MMF_PY_NOARGS(mmap_close);
MMF_PY_FASTCALL(mmap_find);
PyObject *mmap_flush(PyObject *op, PyObject *const *args, Py_ssize_t nargs,
                     PyObject *kwnames);
extern const char mmap_flush_doc[];
MMF_PY_FASTCALL(mmap_madvise);
MMF_PY_FASTCALL(mmap_move);
MMF_PY_FASTCALL(mmap_read);
MMF_PY_NOARGS(mmap_read_byte);
MMF_PY_NOARGS(mmap_readline);
MMF_PY_O(mmap_resize);
MMF_PY_FASTCALL(mmap_rfind);
MMF_PY_FASTCALL(mmap_seek);
MMF_PY_NOARGS(mmap_seekable);
MMF_PY_O(mmap_set_name);
MMF_PY_NOARGS(mmap_size);
MMF_PY_NOARGS(mmap_tell);
MMF_PY_O(mmap_write);
MMF_PY_O(mmap_write_byte);
/* additions.c: */
MMF_PY_FASTCALL(mmap_count);
MMF_PY_O(mmap_readinto);
MMF_PY_NOARGS(mmap_lines);
MMF_PY_O(mmap_protect);
MMF_PY_FASTCALL(mmap_lock);
MMF_PY_FASTCALL(mmap_unlock);
MMF_PY_FASTCALL(mmap_populate);
MMF_PY_FASTCALL(mmap_resident);
MMF_PY_NOARGS(mmap_page_size);
MMF_PY_NOARGS(mmap_fd);

/* The slots of protocols.c, for the type's spec in type.c. */
Py_ssize_t mmap_length(PyObject *op);
PyObject *mmap_item(PyObject *op, Py_ssize_t i);
int mmap_ass_item(PyObject *op, Py_ssize_t i, PyObject *v);
PyObject *mmap_subscript(PyObject *op, PyObject *key);
int mmap_ass_subscript(PyObject *op, PyObject *key, PyObject *value);
int mmap_getbuffer(PyObject *op, Py_buffer *view, int flags);
void mmap_releasebuffer(PyObject *op, Py_buffer *view);

#endif /* MMF_PY_MMFMODULE_H */
