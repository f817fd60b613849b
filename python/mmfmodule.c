/*
 * mmfmodule.c - the CPython binding of libmmf: the module `mmf`, a drop-in
 * replacement for the standard `mmap` module with the CPython 3.15 API and
 * semantics on CPython 3.9 and newer (see SPEC.md).
 *
 * The binding is thin: it converts arguments, calls one libmmf function and
 * turns the status into an exception in one place (set_error()). It makes
 * no system call and never touches a mapped byte itself; the only pointer
 * into the map that it handles is the one handed to Python by the buffer
 * protocol, which pins the map (mmf_pin) for as long as the view lives.
 *
 * Order of work in every method (gh-103987, gh-157335): convert every
 * argument first (that can run Python code: __index__, __buffer__, which
 * may close or resize the map), then ask the core, which checks again that
 * the map is open and that the range lies in its current size. Nothing
 * about the map (size, cursor) is kept across a conversion.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <limits.h>
#include <string.h>

/* The MAP_*, PROT_*, MS_* and MADV_* constants, and nothing else: the
 * binding calls none of the functions declared there. */
#include <sys/mman.h>

#include "mmf.h"

/* ---- compatibility with CPython 3.9 to 3.13 -------------------------- */

#if PY_VERSION_HEX < 0x030c0000
#include <structmember.h>
#define Py_T_PYSSIZET T_PYSSIZET
#define Py_READONLY READONLY
#endif

#ifdef Py_TPFLAGS_IMMUTABLETYPE
#define MMAP_TYPE_FLAGS_EXTRA Py_TPFLAGS_IMMUTABLETYPE
#else
#define MMAP_TYPE_FLAGS_EXTRA 0
#endif

/* Per-object lock on free-threaded builds (3.13t+); nothing otherwise. */
#ifndef Py_BEGIN_CRITICAL_SECTION
#define Py_BEGIN_CRITICAL_SECTION(op) {
#define Py_END_CRITICAL_SECTION() }
#endif

/* off_t as CPython parses it on this platform ("l" on LP64). */
#if SIZEOF_LONG >= 8
typedef long py_offset;
#define OFFSET_FORMAT "l"
#else
typedef long long py_offset;
#define OFFSET_FORMAT "L"
#endif

#define FUNC_CAST(f) ((PyCFunction)(void (*)(void))(f))

/* Searches and copies at least this long release the GIL (with a pin). */
#define LONG_JOB_BYTES ((size_t)1 << 20)

/* A long job runs in chunks of about this many bytes, taking the GIL back
 * between them to check for signals: at 1 GB/s (the slowest search shape)
 * a chunk takes 16 ms, so Ctrl-C interrupts a scan of any length quickly. */
#define CHUNK_BYTES ((size_t)16 << 20)

/* Not a libmmf status: a Python exception is already set (a signal handler
 * raised between two chunks). */
#define ST_PYERR ((mmf_status)1)

/* Length of the prefix that set_name() puts before the name. */
#define NAME_PREFIX "cpython:mmap:"
#define NAME_MAX_BYTES 79

typedef struct {
    PyObject_HEAD
    mmf_map map;
    PyObject *weakreflist;
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

static struct PyModuleDef mod_def;

/* ---- messages -----------------------------------------------------------
 * Every message that must match CPython's word for word, in one place. */

static const char MSG_CLOSED[] = "mmap closed or invalid";
static const char MSG_READONLY[] = "mmap can't modify a readonly memory map.";
static const char MSG_NORESIZE[] =
    "mmap can't resize a readonly or copy-on-write memory map.";
static const char MSG_NOREAD[] = "mmap is not readable";
static const char MSG_EMPTY[] = "cannot mmap an empty file";
static const char MSG_OFFSET[] = "mmap offset is greater than file size";
static const char MSG_LENGTH[] = "mmap length is greater than file size";
static const char MSG_ACCESS[] = "mmap invalid access parameter.";
static const char MSG_ACCESSFLAGS[] =
    "mmap can't specify both access and flags, prot.";
static const char MSG_NOTANON[] =
    "Cannot set annotation on non-anonymous mappings";
static const char MSG_FAULT[] =
    "mmap: memory fault at offset %zu (file truncated or I/O error)";
static const char MSG_UNEXPECTED[] = "mmf: unexpected status %s (%s)";

static const char MSG_NEG_LENGTH[] = "memory mapped length must be positive";
static const char MSG_NEG_OFFSET[] = "memory mapped offset must be positive";
static const char MSG_CLOSE_BUSY[] = "cannot close exported pointers exist";
static const char MSG_READ_BYTE[] = "read byte out of range";
static const char MSG_READ_ARG[] =
    "argument should be integer or None, not '%.200s'";
static const char MSG_WRITE[] = "data out of range";
static const char MSG_WRITE_BYTE[] = "write byte out of range";
static const char MSG_BYTE_MIN[] =
    "unsigned byte integer is less than minimum";
static const char MSG_BYTE_MAX[] =
    "unsigned byte integer is greater than maximum";
static const char MSG_INT_RANGE[] = "Python int too large to convert to C int";
static const char MSG_SIZE_NOTRACK[] = "can't get size with trackfd=False";
static const char MSG_RESIZE_BUSY[] =
    "mmap can't resize with extant buffers exported.";
static const char MSG_RESIZE_NOTRACK[] =
    "mmap can't resize with trackfd=False.";
static const char MSG_RESIZE_RANGE[] = "new size out of range";
static const char MSG_RESIZE_ANON[] =
    "mmap: can't expand a shared anonymous mapping";
static const char MSG_FLUSH[] = "flush values out of range";
static const char MSG_SEEK_WHENCE[] = "unknown seek type";
static const char MSG_SEEK_RANGE[] = "seek out of range";
static const char MSG_MOVE[] = "source, destination, or count out of range";
static const char MSG_MADV_START[] = "madvise start out of bounds";
static const char MSG_MADV_LENGTH[] = "madvise length invalid";
static const char MSG_MADV_TOO_LARGE[] = "madvise length too large";
static const char MSG_NAME_TYPE[] =
    "set_name() argument must be str, not %.200s";
static const char MSG_NAME_NUL[] = "embedded null character";
static const char MSG_NAME_LONG[] = "name is too long";
static const char MSG_NAME_NOTANON[] =
    "Cannot set annotation on non-anonymous mappings";
static const char MSG_INDEX[] = "mmap index out of range";
static const char MSG_PROTECT_BUSY[] =
    "mmap can't change protection with extant buffers exported.";
static const char MSG_OPT_ANON[] =
    "hugepages and memfd need an anonymous map (fileno -1)";
static const char MSG_OPT_BOTH[] = "hugepages and memfd do not combine";
static const char MSG_OPT_HUGETLB[] =
    "hugepages (transparent huge pages) and MAP_HUGETLB do not combine";
static const char MSG_OPT_SHARED[] = "memfd needs a shared map (MAP_SHARED)";
static const char MSG_OPEN_MODE[] =
    "mode must be 'r', 'r+', 'w+' or 'c', not '%.20s'";
static const char MSG_OPEN_NEGATIVE[] = "size and offset must not be negative";
static const char MSG_OPEN_SIZE[] = "mode 'w+' needs a size greater than 0";
static const char MSG_MEM_START[] = "start is past the end of the map";
static const char MSG_MEM_NEGATIVE[] = "%s(): start and length must not be negative";
static const char MSG_READINTO[] =
    "readinto() argument must be read-write bytes-like object, not %.200s";
static const char MSG_GET_KEY[] = "mmap indices must be integers";
static const char MSG_SET_KEY[] = "mmap indices must be integer";
static const char MSG_ITEM_DELETE[] = "mmap doesn't support item deletion";
static const char MSG_SQ_ITEM_DELETE[] =
    "mmap object doesn't support item deletion";
static const char MSG_SLICE_DELETE[] =
    "mmap object doesn't support slice deletion";
static const char MSG_ITEM_TYPE[] = "mmap item value must be an int";
static const char MSG_ITEM_RANGE[] =
    "mmap item value must be in range(0, 256)";
static const char MSG_SLICE_SIZE[] = "mmap slice assignment is wrong size";
static const char MSG_SQ_ITEM_VALUE[] =
    "mmap assignment must be length-1 bytes()";
static const char MSG_NARGS[] = "%.200s expected %s%zd argument%s, got %zd";
static const char MSG_FLUSH_NARGS[] =
    "flush() takes at most 2 positional arguments (%zd given)";
static const char MSG_FLUSH_KW[] =
    "flush() got an unexpected keyword argument '%U'";

/* ---- statuses to exceptions -----------------------------------------------
 * What ERANGE, EINVAL, EBUSY, ENOTRACK and ENOTSUP mean depends on the
 * operation: each operation names its messages in an op_errors. A status
 * an operation cannot return (NULL message) becomes a SystemError, so a
 * core bug shows up instead of passing as a plausible error. */

typedef struct op_errors {
    const char *range;    /* MMF_ERANGE */
    const char *inval;    /* MMF_EINVAL */
    const char *busy;     /* MMF_EBUSY: BufferError */
    const char *notrack;  /* MMF_ENOTRACK: ValueError */
    const char *notsup;   /* MMF_ENOTSUP */
    int range_is_index;   /* MMF_ERANGE raises IndexError, not ValueError */
    int notsup_is_notimpl;  /* MMF_ENOTSUP raises NotImplementedError */
} op_errors;

static const op_errors OP_PLAIN = {0};
static const op_errors OP_CLOSE = {.busy = MSG_CLOSE_BUSY};
static const op_errors OP_READ_BYTE = {.range = MSG_READ_BYTE};
static const op_errors OP_WRITE = {.range = MSG_WRITE};
static const op_errors OP_WRITE_BYTE = {.range = MSG_WRITE_BYTE};
static const op_errors OP_SIZE = {.notrack = MSG_SIZE_NOTRACK};
static const op_errors OP_RESIZE = {
    .range = MSG_RESIZE_RANGE,
    .busy = MSG_RESIZE_BUSY,
    .notrack = MSG_RESIZE_NOTRACK,
    .notsup = MSG_RESIZE_ANON,
};
static const op_errors OP_FLUSH = {.range = MSG_FLUSH};
static const op_errors OP_SEEK = {
    .range = MSG_SEEK_RANGE,
    .inval = MSG_SEEK_WHENCE,
};
static const op_errors OP_MOVE = {.range = MSG_MOVE};
static const op_errors OP_MADVISE = {.range = MSG_MADV_START};
static const op_errors OP_INDEX = {.range = MSG_INDEX, .range_is_index = 1};

/* Raise OSError(err, msg); OSError() picks the subclass from err. */
static void
set_oserror(int err, const char *msg)
{
    /* Build the instance first: OSError(err, msg) returns the subclass
     * (PermissionError, ...), and raising the instance with its own type
     * is what `except PermissionError` matches on 3.9 and 3.10 too. */
    PyObject *exc = PyObject_CallFunction(PyExc_OSError, "is", err, msg);

    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
}

/* Raise type(msg), or SystemError if the operation has no message for st. */
static void
set_message(PyObject *type, const char *msg, mmf_status st)
{
    if (msg == NULL) {
        PyErr_Format(PyExc_SystemError, MSG_UNEXPECTED,
                     mmf_status_name(st), mmf_strerror(st));
        return;
    }
    PyErr_SetString(type, msg);
}

static void
set_os_status(const mmf_map *map, mmf_status st)
{
    char msg[128];

    if (map == NULL) {
        set_message(PyExc_SystemError, NULL, st);
        return;
    }
    if (st == MMF_EFAULT) {
        PyOS_snprintf(msg, sizeof(msg), MSG_FAULT, mmf_fault_offset(map));
        set_oserror(mmf_syserr(map), msg);
        return;
    }
    /* MMF_ESYS. PyErr_SetFromErrno() picks the subclass and message. */
    errno = mmf_syserr(map);
    PyErr_SetFromErrno(PyExc_OSError);
}

/* set_error() : Set the Python exception for status st, returned by an
 * operation on map (NULL before there is one) described by op. No default
 * case: -Wswitch (an error with STRICT=1) flags a status added to mmf.h
 * without a mapping here. */
static void
set_error(const mmf_map *map, mmf_status st, const op_errors *op)
{
    switch (st) {
    case MMF_ECLOSED:
        PyErr_SetString(PyExc_ValueError, MSG_CLOSED);
        return;
    case MMF_ERANGE:
        set_message(op->range_is_index ? PyExc_IndexError : PyExc_ValueError,
                    op->range, st);
        return;
    case MMF_EREADONLY:
        PyErr_SetString(PyExc_TypeError, MSG_READONLY);
        return;
    case MMF_ENORESIZE:
        PyErr_SetString(PyExc_TypeError, MSG_NORESIZE);
        return;
    case MMF_EBUSY:
        set_message(PyExc_BufferError, op->busy, st);
        return;
    case MMF_ENOMEM:
        PyErr_NoMemory();
        return;
    case MMF_ENOTSUP:
        set_message(op->notsup_is_notimpl ? PyExc_NotImplementedError
                                          : PyExc_ValueError,
                    op->notsup, st);
        return;
    case MMF_ESYS:
    case MMF_EFAULT:
        set_os_status(map, st);
        return;
    case MMF_EEMPTY:
        PyErr_SetString(PyExc_ValueError, MSG_EMPTY);
        return;
    case MMF_EOFFSET:
        PyErr_SetString(PyExc_ValueError, MSG_OFFSET);
        return;
    case MMF_ELENGTH:
        PyErr_SetString(PyExc_ValueError, MSG_LENGTH);
        return;
    case MMF_ENOTRACK:
        set_message(PyExc_ValueError, op->notrack, st);
        return;
    case MMF_EACCESS:
        PyErr_SetString(PyExc_ValueError, MSG_ACCESS);
        return;
    case MMF_EACCESSFLAGS:
        PyErr_SetString(PyExc_ValueError, MSG_ACCESSFLAGS);
        return;
    case MMF_ENOREAD:
        set_oserror(EACCES, MSG_NOREAD);
        return;
    case MMF_ENOTANON:
        PyErr_SetString(PyExc_ValueError, MSG_NOTANON);
        return;
    case MMF_EINVAL:
        set_message(PyExc_ValueError, op->inval, st);
        return;
    case MMF_OK:
        break;
    }
    /* MMF_OK or a value outside the list: a bug in the caller or the core. */
    set_message(PyExc_SystemError, NULL, st);
}

/* The same, for functions returning a PyObject *. */
static PyObject *
error(mmap_object *self, mmf_status st, const op_errors *op)
{
    if (st != ST_PYERR) {
        set_error(&self->map, st, op);
    }
    return NULL;
}

/* ---- argument conversion ------------------------------------------------
 * As Argument Clinic converts them in CPython 3.15, on every version (3.9's
 * PyLong_AsLong() would still take a float through __int__). */

/* Check a positional argument count, with _PyArg_CheckPositional()'s
 * message ("find expected at least 1 argument, got 0"). */
static int
check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t min,
            Py_ssize_t max)
{
    if (nargs < min) {
        PyErr_Format(PyExc_TypeError, MSG_NARGS, name,
                     min == max ? "" : "at least ", min, min == 1 ? "" : "s",
                     nargs);
        return 0;
    }
    if (nargs > max) {
        PyErr_Format(PyExc_TypeError, MSG_NARGS, name,
                     min == max ? "" : "at most ", max, max == 1 ? "" : "s",
                     nargs);
        return 0;
    }
    return 1;
}

/* obj as an int, a new reference: an exact int as it is (the common case,
 * without a call), anything else through PyNumber_Index(). */
static PyObject *
index_of(PyObject *obj)
{
    if (PyLong_CheckExact(obj)) {
        Py_INCREF(obj);
        return obj;
    }
    return PyNumber_Index(obj);
}

/* Py_ssize_t from an __index__ object ("n"). Returns 1, or 0 with an
 * exception set. */
static int
as_ssize(PyObject *obj, Py_ssize_t *out)
{
    Py_ssize_t v;
    PyObject *index = index_of(obj);

    if (index == NULL) {
        return 0;
    }
    v = PyLong_AsSsize_t(index);
    Py_DECREF(index);
    if (v == -1 && PyErr_Occurred()) {
        return 0;
    }
    *out = v;
    return 1;
}

/* C int from an __index__ object ("i"). */
static int
as_int(PyObject *obj, int *out)
{
    long v;
    PyObject *index = index_of(obj);

    if (index == NULL) {
        return 0;
    }
    v = PyLong_AsLong(index);
    Py_DECREF(index);
    if (v == -1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError)) {
            PyErr_SetString(PyExc_OverflowError, MSG_INT_RANGE);
        }
        return 0;
    }
    if (v < INT_MIN || v > INT_MAX) {
        PyErr_SetString(PyExc_OverflowError, MSG_INT_RANGE);
        return 0;
    }
    *out = (int)v;
    return 1;
}

/* unsigned char from an __index__ object ("b"). */
static int
as_ubyte(PyObject *obj, unsigned char *out)
{
    long v;
    PyObject *index = PyNumber_Index(obj);

    if (index == NULL) {
        return 0;
    }
    v = PyLong_AsLong(index);
    Py_DECREF(index);
    if (v == -1 && PyErr_Occurred()) {
        return 0;
    }
    if (v < 0 || v > UCHAR_MAX) {
        PyErr_SetString(PyExc_OverflowError,
                        v < 0 ? MSG_BYTE_MIN : MSG_BYTE_MAX);
        return 0;
    }
    *out = (unsigned char)v;
    return 1;
}

/* None (out unchanged) or Py_ssize_t, as _Py_convert_optional_to_ssize_t
 * does for read(). */
static int
as_opt_ssize(PyObject *obj, Py_ssize_t *out)
{
    Py_ssize_t v;

    if (obj == Py_None) {
        return 1;
    }
    if (!PyIndex_Check(obj)) {
        PyErr_Format(PyExc_TypeError, MSG_READ_ARG, Py_TYPE(obj)->tp_name);
        return 0;
    }
    v = PyNumber_AsSsize_t(obj, PyExc_OverflowError);
    if (v == -1 && PyErr_Occurred()) {
        return 0;
    }
    *out = v;
    return 1;
}

/* A bytes-like argument: bytes directly, anything else through the buffer
 * protocol (PyBUF_SIMPLE: contiguous bytes). */
typedef struct bytes_arg {
    const void *buf;
    Py_ssize_t len;
    Py_buffer view;
    int has_view;
} bytes_arg;

static int
bytes_arg_get(PyObject *obj, bytes_arg *b)
{
    b->has_view = 0;
    if (PyBytes_CheckExact(obj)) {
        b->buf = PyBytes_AS_STRING(obj);
        b->len = PyBytes_GET_SIZE(obj);
        return 1;
    }
    if (PyObject_GetBuffer(obj, &b->view, PyBUF_SIMPLE) < 0) {
        return 0;
    }
    b->has_view = 1;
    b->buf = b->view.buf;
    b->len = b->view.len;
    return 1;
}

static void
bytes_arg_release(bytes_arg *b)
{
    if (b->has_view) {
        PyBuffer_Release(&b->view);
        b->has_view = 0;
    }
}

/* ---- helpers over the core ---------------------------------------------- */

static const char *
access_name(const mmap_object *self)
{
    switch (mmf_access_mode(&self->map)) {
    case MMF_ACCESS_DEFAULT:
        return "ACCESS_DEFAULT";
    case MMF_ACCESS_READ:
        return "ACCESS_READ";
    case MMF_ACCESS_WRITE:
        return "ACCESS_WRITE";
    case MMF_ACCESS_COPY:
        return "ACCESS_COPY";
    }
    return "ACCESS_UNKNOWN";
}

static long long
map_offset(const mmap_object *self)
{
    return (long long)mmf_offset(&self->map);
}

/* MMF_OK if the map is open and writable, else MMF_ECLOSED or
 * MMF_EREADONLY: the core judges. */
static mmf_status
check_writable(mmap_object *self)
{
    return mmf_check_writable(&self->map);
}

/* A search or a copy out of the map, run by run_job(). */
typedef enum { JOB_FIND, JOB_RFIND, JOB_COUNT, JOB_COPY } job_kind;

typedef struct job {
    job_kind kind;
    const void *needle;  /* JOB_FIND, JOB_RFIND, JOB_COUNT */
    size_t nlen;
    size_t start;        /* first index (searches, count, copy) */
    size_t end;          /* JOB_FIND, JOB_RFIND, JOB_COUNT */
    ptrdiff_t found;     /* result of a search; a chunk's count */
    size_t total;        /* JOB_COUNT: the count so far */
    size_t resume;       /* JOB_COUNT: where the next chunk starts */
    ptrdiff_t step;      /* JOB_COPY */
    size_t count;        /* JOB_COPY */
    void *dst;           /* JOB_COPY */
} job;

static mmf_status
job_do(const mmf_map *map, job *j)
{
    switch (j->kind) {
    case JOB_FIND:
        return mmf_find(map, j->needle, j->nlen, j->start, j->end, &j->found);
    case JOB_RFIND:
        return mmf_rfind(map, j->needle, j->nlen, j->start, j->end,
                         &j->found);
    case JOB_COUNT: {
        size_t n = 0;
        mmf_status st = mmf_count_part(map, j->needle, j->nlen, j->start,
                                       j->end, &n, &j->resume);
        j->found = (ptrdiff_t)n;
        return st;
    }
    case JOB_COPY:
        return mmf_get_slice(map, j->start, j->step, j->count, j->dst);
    }
    return MMF_EINVAL;
}

/* The new positions a chunk of j covers: CHUNK_BYTES, or the needle's
 * length when that is more, so that the nlen - 1 bytes a chunk reads past
 * its positions never make the whole job quadratic. */
static size_t
job_step(const job *j)
{
    return j->nlen > CHUNK_BYTES ? j->nlen : CHUNK_BYTES;
}

/* The part of j that job_do() runs next, in c: at most `step` new
 * positions (a search's or a count's chunk reaches nlen - 1 bytes further,
 * so that no match straddles two chunks; the reverse search goes from the
 * end; a count resumes past the last match its chunk counted). */
static void
job_chunk(const job *j, job *c, size_t step)
{
    *c = *j;
    switch (j->kind) {
    case JOB_FIND:
    case JOB_COUNT:
        if (j->end - j->start > step + j->nlen) {
            c->end = j->start + step + j->nlen - 1;
        }
        return;
    case JOB_RFIND:
        if (j->end - j->start > step + j->nlen) {
            c->start = j->end - step - j->nlen + 1;
        }
        return;
    case JOB_COPY:
        if (j->count > CHUNK_BYTES) {
            c->count = CHUNK_BYTES;
        }
        return;
    }
}

/* Take the chunk c off j; 1 when j is done (found, or nothing left). */
static int
job_advance(job *j, const job *c)
{
    switch (j->kind) {
    case JOB_FIND:
        j->found = c->found;
        j->start = c->end - (c->end == j->end ? 0 : j->nlen - 1);
        return c->found >= 0 || c->end == j->end;
    case JOB_RFIND:
        j->found = c->found;
        j->end = c->start + (c->start == j->start ? 0 : j->nlen - 1);
        return c->found >= 0 || c->start == j->start;
    case JOB_COUNT:
        j->total += (size_t)c->found;
        j->start = c->resume;
        return c->end == j->end;
    case JOB_COPY:
        j->start += (size_t)((ptrdiff_t)c->count * j->step);
        j->dst = (char *)j->dst + c->count;
        j->count -= c->count;
        return j->count == 0;
    }
    return 1;
}

/* ---- the pins of GIL-free calls, dropped in a forked child ----
 * A call that releases the GIL pins the map first (run_job, mem_impl,
 * madvise_impl). If another thread forks meanwhile, the child has no such
 * thread, and its pin would make close() and resize() raise BufferError
 * there forever (issue 13, H-49). Such pins are listed (a node on the
 * pinning thread's stack); the child's pthread_atfork handler unpins them.
 * Exported buffers are not in the list: their views exist in the child. */
typedef struct call_pin {
    mmf_map *map;
    struct call_pin *prev, *next;
} call_pin;

#ifdef HAVE_FORK
#include <pthread.h>

static call_pin call_pins = {NULL, &call_pins, &call_pins};
static pthread_mutex_t call_pins_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t call_pins_once = PTHREAD_ONCE_INIT;

static void
call_pins_prepare(void)
{
    pthread_mutex_lock(&call_pins_lock);
}

static void
call_pins_parent(void)
{
    pthread_mutex_unlock(&call_pins_lock);
}

/* The child: only the forking thread exists, and it pins nothing now (it
 * is in os.fork(), holding the GIL): every listed pin is a dead thread's. */
static void
call_pins_child(void)
{
    call_pin *p;

    for (p = call_pins.next; p != &call_pins; p = p->next) {
        mmf_unpin(p->map);
    }
    call_pins.next = call_pins.prev = &call_pins;
    pthread_mutex_unlock(&call_pins_lock);
}

static void
call_pins_init(void)
{
    pthread_atfork(call_pins_prepare, call_pins_parent, call_pins_child);
}
#endif

/* Pin the map for a call that releases the GIL (with the GIL held). */
static mmf_status
call_pin_take(mmap_object *self, call_pin *p, unsigned char **data,
              size_t *len)
{
    mmf_status st = mmf_pin(&self->map, data, len);

    p->map = &self->map;
    p->prev = p->next = p;
#ifdef HAVE_FORK
    if (st == MMF_OK) {
        pthread_once(&call_pins_once, call_pins_init);
        pthread_mutex_lock(&call_pins_lock);
        p->next = call_pins.next;
        p->prev = &call_pins;
        call_pins.next->prev = p;
        call_pins.next = p;
        pthread_mutex_unlock(&call_pins_lock);
    }
#endif
    return st;
}

/* Unpin what call_pin_take() pinned (with the GIL held). */
static void
call_pin_release(call_pin *p)
{
#ifdef HAVE_FORK
    pthread_mutex_lock(&call_pins_lock);
    p->prev->next = p->next;
    p->next->prev = p->prev;
    pthread_mutex_unlock(&call_pins_lock);
#endif
    mmf_unpin(p->map);
}

/* run_job() : Run j over `work` bytes of the map. A long job pins the map
 * and releases the GIL: another thread may then use the map, but close()
 * and resize() fail with BufferError until the job is done, so the mapping
 * stays where it is. It runs in chunks, with the GIL taken back between
 * them to run signal handlers: an exception they raise (KeyboardInterrupt)
 * ends the job with ST_PYERR. The job only reads (const map), and its
 * buffers are owned by the caller. */
/* A search first looks near where it starts (the start for find, the end
 * for rfind), with the GIL held: in a big map most searches end within a
 * few bytes (the next line's end, the next field), and the set-up of a
 * long search, let alone of a GIL-free one, costs far more than such a
 * search. The first probe is a window the core searches on its short path
 * (MMF_FAST_WINDOW bytes), the second one of PROBE_BYTES. Returns MMF_OK
 * with *done set when the probes decided the search. */
#define MMF_FAST_WINDOW 256
#define PROBE_BYTES ((size_t)64 << 10)

static mmf_status
probe_job(const mmf_map *map, job *j, int *done)
{
    size_t steps[2], i;
    mmf_status st;
    job c;

    *done = 0;
    if (j->nlen == 0 || j->nlen > MMF_FAST_WINDOW / 4) {
        return MMF_OK;
    }
    steps[0] = MMF_FAST_WINDOW - (j->nlen - 1);
    steps[1] = PROBE_BYTES;
    for (i = 0; i < 2 && j->end - j->start > steps[i] + j->nlen; i++) {
        job_chunk(j, &c, steps[i]);
        if ((st = job_do(map, &c)) != MMF_OK) {
            return st;
        }
        if (job_advance(j, &c)) {
            *done = 1;
            return MMF_OK;
        }
    }
    return MMF_OK;
}

static mmf_status
run_job(mmap_object *self, job *j, size_t work)
{
    mmf_status st;
    job c;
    call_pin pin;
    int done = 0;

    if (work > MMF_FAST_WINDOW
        && (j->kind == JOB_FIND || j->kind == JOB_RFIND)) {
        st = probe_job(&self->map, j, &done);
        if (st != MMF_OK || done) {
            return st;
        }
        work = j->end - j->start;
    }
    if (work < LONG_JOB_BYTES || (j->kind != JOB_COPY && j->nlen == 0)) {
        st = job_do(&self->map, j);
        j->total = (size_t)j->found; /* JOB_COUNT's result */
        return st;
    }
    st = call_pin_take(self, &pin, NULL, NULL);
    if (st != MMF_OK) {
        return st;
    }
    while (!done) {
        job_chunk(j, &c, job_step(j));
        Py_BEGIN_ALLOW_THREADS
        st = job_do(&self->map, &c);
        Py_END_ALLOW_THREADS
        if (st != MMF_OK) {
            break;
        }
        done = job_advance(j, &c);
        if (!done && PyErr_CheckSignals() < 0) {
            st = ST_PYERR;
        }
        if (st != MMF_OK) {
            break;
        }
    }
    call_pin_release(&pin);
    return st;
}

/* ---- constructor and destructor ----------------------------------------- */

typedef struct new_args {
    int fd;
    Py_ssize_t length;
    int flags;
    int prot;
    int access;
    py_offset offset;
    int trackfd;
    int hugepages;  /* mmf addition: MMF_OPT_HUGEPAGES */
    int memfd;      /* mmf addition: MMF_OPT_MEMFD */
} new_args;

static int
parse_new_args(PyObject *args, PyObject *kwds, new_args *a)
{
    static char *kwlist[] = {"fileno", "length", "flags", "prot",
                             "access", "offset", "trackfd", "hugepages",
                             "memfd", NULL};

    a->flags = MAP_SHARED;
    a->prot = PROT_READ | PROT_WRITE;
    a->access = MMF_ACCESS_DEFAULT;
    a->offset = 0;
    a->trackfd = 1;
    a->hugepages = 0;
    a->memfd = 0;
    return PyArg_ParseTupleAndKeywords(args, kwds,
                                       "in|iii" OFFSET_FORMAT "$ppp",
                                       kwlist, &a->fd, &a->length, &a->flags,
                                       &a->prot, &a->access, &a->offset,
                                       &a->trackfd, &a->hugepages, &a->memfd);
}

/* Checks that come before the audit event, in CPython's order. On success
 * *access is the effective access mode (for the audit event). */
static int
validate_new_args(const new_args *a, int *access)
{
    int flags = a->flags, prot = a->prot;
    mmf_access acc = (mmf_access)a->access;
    mmf_status st;

    if (a->length < 0) {
        PyErr_SetString(PyExc_OverflowError, MSG_NEG_LENGTH);
        return 0;
    }
    if (a->offset < 0) {
        PyErr_SetString(PyExc_OverflowError, MSG_NEG_OFFSET);
        return 0;
    }
    st = mmf_resolve_access(&flags, &prot, &acc);
    if (st != MMF_OK) {
        /* Only EACCESS and EACCESSFLAGS, which need no object. */
        set_error(NULL, st, &OP_PLAIN);
        return 0;
    }
    if ((a->hugepages || a->memfd) && a->fd != -1) {
        PyErr_SetString(PyExc_ValueError, MSG_OPT_ANON);
        return 0;
    }
    if (a->hugepages && a->memfd) {
        PyErr_SetString(PyExc_ValueError, MSG_OPT_BOTH);
        return 0;
    }
#ifdef MAP_HUGETLB
    if (a->hugepages && (flags & MAP_HUGETLB)) {
        PyErr_SetString(PyExc_ValueError, MSG_OPT_HUGETLB);
        return 0;
    }
#endif
    if (a->memfd && !(flags & MAP_SHARED)) {
        PyErr_SetString(PyExc_ValueError, MSG_OPT_SHARED);
        return 0;
    }
    *access = (int)acc;
    return 1;
}

static PyObject *
mmap_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    new_args a;
    int access;
    mmf_status st;
    mmap_object *self;

    if (!parse_new_args(args, kwds, &a) || !validate_new_args(&a, &access)) {
        return NULL;
    }
    if (PySys_Audit("mmap.__new__", "ini" OFFSET_FORMAT, a.fd, a.length,
                    access, a.offset) < 0) {
        return NULL;
    }
    self = (mmap_object *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    /* tp_alloc zeroed the object: self->map is a closed map. Nobody else
     * can see self yet, so the GIL can go during fstat/dup/mmap. The
     * original flags/prot/access go in: mmf_open() resolves them again. */
    Py_BEGIN_ALLOW_THREADS
    if (a.hugepages || a.memfd) {
        st = mmf_open_anon(&self->map, (size_t)a.length, a.flags, a.prot,
                           (mmf_access)a.access,
                           (a.hugepages ? MMF_OPT_HUGEPAGES : 0)
                               | (a.memfd ? MMF_OPT_MEMFD : 0));
    }
    else {
        st = mmf_open(&self->map, a.fd, (size_t)a.length, a.flags, a.prot,
                      (mmf_access)a.access, (int64_t)a.offset, a.trackfd);
    }
    Py_END_ALLOW_THREADS
    if (st != MMF_OK) {
        set_error(&self->map, st, &OP_PLAIN);
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void
mmap_dealloc(PyObject *op)
{
    mmap_object *self = (mmap_object *)op;
    PyTypeObject *tp = Py_TYPE(op);

    PyObject_GC_UnTrack(op);
    if (self->weakreflist != NULL) {
        PyObject_ClearWeakRefs(op);
    }
    /* No exported view can be alive (each holds a reference), so this
     * closes; nobody else can reach self, so the GIL can go (not for a map
     * close() already closed: there is nothing to wait for). */
    if (!mmf_closed(&self->map)) {
        Py_BEGIN_ALLOW_THREADS
        (void)mmf_close(&self->map);
        Py_END_ALLOW_THREADS
    }
    tp->tp_free(op);
    Py_DECREF(tp);
}

static int
mmap_traverse(PyObject *op, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(op));
    return 0;
}

/* ---- methods (each *_impl runs under the object's lock) ----------------- */

/* close() keeps the GIL: mmf_close() clears and unmaps in one call, and
 * another thread must never see the map half closed. */
static PyObject *
close_impl(mmap_object *self)
{
    mmf_status st = mmf_close(&self->map);

    if (st != MMF_OK) {
        return error(self, st, &OP_CLOSE);
    }
    Py_RETURN_NONE;
}

static PyObject *
read_byte_impl(mmap_object *self)
{
    unsigned char b;
    mmf_status st = mmf_read_byte(&self->map, &b);

    if (st != MMF_OK) {
        return error(self, st, &OP_READ_BYTE);
    }
    return PyLong_FromLong(b);
}

/* mmf_readline_alloc()'s allocator: a new bytes object of n bytes, kept in
 * *ctx (runs no Python code, so the map cannot change under the call). */
static void *
alloc_bytes(void *ctx, size_t n)
{
    PyObject **res = ctx;

    *res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
    return *res == NULL ? NULL : PyBytes_AS_STRING(*res);
}

static PyObject *read_bytes(mmap_object *self, size_t n);

/* The length of the line at the cursor, when LONG_JOB_BYTES or more remain
 * (else 0, with *st MMF_OK: the caller reads the line in one core call).
 * Its end is looked for in the first LONG_JOB_BYTES with the GIL held,
 * then by a run_job() find, which a signal interrupts (H-47). */
static size_t
long_line_length(mmap_object *self, mmf_status *st)
{
    size_t pos = 0, rem = 0;
    job j = {.kind = JOB_FIND, .needle = "\n", .nlen = 1, .found = -1};

    if ((*st = mmf_remaining(&self->map, &rem)) != MMF_OK
        || rem < LONG_JOB_BYTES
        || (*st = mmf_tell(&self->map, &pos)) != MMF_OK) {
        return 0;
    }
    *st = mmf_find(&self->map, "\n", 1, pos, pos + LONG_JOB_BYTES,
                   &j.found);
    if (*st == MMF_OK && j.found < 0) {
        j.start = pos + LONG_JOB_BYTES;
        j.end = pos + rem;
        *st = run_job(self, &j, rem - LONG_JOB_BYTES);
    }
    if (*st != MMF_OK) {
        return 0;
    }
    return j.found < 0 ? rem : (size_t)j.found + 1 - pos;
}

/* The line at the cursor as a new bytes object (b"" at the end); the cursor
 * moves past it. One core call finds and copies a line shorter than
 * LONG_JOB_BYTES, with the GIL held; a longer one is found and read as
 * long_line_length() and read_bytes() do, in chunks. */
static PyObject *
readline_impl(mmap_object *self)
{
    PyObject *res = NULL;
    size_t nread;
    mmf_status st;

    st = mmf_readline_alloc_upto(&self->map, LONG_JOB_BYTES, alloc_bytes,
                                 &res, &nread);
    if (st == MMF_ERANGE) {
        /* a line of LONG_JOB_BYTES or more: its end is found, and the line
         * read, in chunks that a signal interrupts */
        nread = long_line_length(self, &st);
        if (st == MMF_OK) {
            return read_bytes(self, nread);
        }
    }
    if (st != MMF_OK) {
        if (res != NULL) {
            Py_DECREF(res);
        }
        else if (st == MMF_ENOMEM && PyErr_Occurred()) {
            return NULL; /* the MemoryError of PyBytes_FromStringAndSize */
        }
        return error(self, st, &OP_PLAIN);
    }
    return res;
}

/* Copy n bytes (n <= remaining) at the cursor to dst and move the cursor
 * past them; a long copy runs with the GIL released (run_job), then the
 * cursor moves: the pin keeps the length, so pos + n stays valid. */
static mmf_status
read_at_cursor(mmap_object *self, void *dst, size_t n)
{
    size_t pos = 0, nread;
    mmf_status st;
    job j = {.kind = JOB_COPY, .step = 1, .count = n, .dst = dst};

    if (n < LONG_JOB_BYTES) {
        return mmf_read(&self->map, dst, n, &nread);
    }
    st = mmf_tell(&self->map, &pos);
    j.start = pos;
    if (st == MMF_OK) {
        st = run_job(self, &j, n);
    }
    if (st == MMF_OK) {
        st = mmf_seek(&self->map, (int64_t)(pos + n), 0, NULL);
    }
    return st;
}

/* Read n bytes (n <= remaining) at the cursor into a new bytes object. */
static PyObject *
read_bytes(mmap_object *self, size_t n)
{
    mmf_status st;
    PyObject *res;

    if ((res = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n)) == NULL) {
        return NULL;
    }
    st = read_at_cursor(self, PyBytes_AS_STRING(res), n);
    if (st != MMF_OK) {
        Py_DECREF(res);
        return error(self, st, &OP_PLAIN);
    }
    return res;
}

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
        if (PyModule_GetDef(mod) == &mod_def) {
            return (module_state *)PyModule_GetState(mod);
        }
    }
    PyErr_SetString(PyExc_TypeError, "mmf: not an mmf.mmap object");
    return NULL;
}

static PyObject *
lines_impl(mmap_object *self)
{
    module_state *state;
    lines_object *it;

    if (mmf_closed(&self->map)) {
        return error(self, MMF_ECLOSED, &OP_PLAIN);
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

/* One line, as readline() returns it; the end of the map ends the
 * iteration (NULL without an exception), a closed map raises ValueError. */
static PyObject *
lines_next(PyObject *op)
{
    mmap_object *self = ((lines_object *)op)->map;
    PyObject *res;

    Py_BEGIN_CRITICAL_SECTION((PyObject *)self);
    res = readline_impl(self);
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
    PyErr_Format(PyExc_TypeError, "cannot create '%s' instances",
                 tp->tp_name);
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

static PyObject *
read_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n = -1;
    size_t remaining;
    mmf_status st;

    if (!check_nargs("read", nargs, 0, 1)
        || (nargs == 1 && !as_opt_ssize(args[0], &n))) {
        return NULL;
    }
    st = mmf_remaining(&self->map, &remaining);
    if (st != MMF_OK) {
        return error(self, st, &OP_PLAIN);
    }
    if (n < 0 || (size_t)n > remaining) {
        n = (Py_ssize_t)remaining;
    }
    return read_bytes(self, (size_t)n);
}

/* A find()/rfind() bound: negative counts from the end and stops at 0; a
 * bound past the end is clamped for `end`, but not for `start` (gh-151021:
 * a start past the end finds nothing). */
static size_t
norm_bound(Py_ssize_t v, size_t len, int clamp_high)
{
    if (v < 0) {
        v += (Py_ssize_t)len;
        return v < 0 ? 0 : (size_t)v;
    }
    if (clamp_high && (size_t)v > len) {
        return len;
    }
    return (size_t)v;
}

/* find()'s start and end. The map is checked first (CPython 3.15's order),
 * then they are converted (which may run Python code), then fitted to the
 * length and the cursor as they are now. A start of None means the
 * cursor, and `end` still counts: the released 3.15 ignores `end` when
 * start is None, by accident; mmf does not (a deliberate difference,
 * docs/behaviour.md). Returns 1, or 0 with an exception set. */
static int
find_bounds(mmap_object *self, PyObject *const *args, Py_ssize_t nargs,
            job *j)
{
    Py_ssize_t start = 0, end = 0;
    int has_start = nargs > 1 && args[1] != Py_None;
    int has_end = nargs > 2 && args[2] != Py_None;
    size_t len = 0, pos = 0;
    mmf_status st = mmf_len(&self->map, &len);

    if (st == MMF_OK) {
        if ((has_start && !as_ssize(args[1], &start))
            || (has_end && !as_ssize(args[2], &end))) {
            return 0;
        }
        st = mmf_len(&self->map, &len);
    }
    if (st == MMF_OK) {
        st = mmf_tell(&self->map, &pos);
    }
    if (st != MMF_OK) {
        set_error(&self->map, st, &OP_PLAIN);
        return 0;
    }
    j->start = has_start ? norm_bound(start, len, 0) : pos;
    j->end = has_end ? norm_bound(end, len, 1) : len;
    return 1;
}

/* Run a scan job (find, rfind, count) for the arguments (sub[, start[,
 * end]]): 1 with the result in j, or 0 with an exception set. */
static int
scan_job(mmap_object *self, PyObject *const *args, Py_ssize_t nargs,
         const char *name, job *j)
{
    bytes_arg sub;
    int ok;
    mmf_status st = MMF_OK;

    if (!check_nargs(name, nargs, 1, 3) || !bytes_arg_get(args[0], &sub)) {
        return 0;
    }
    ok = find_bounds(self, args, nargs, j);
    if (ok && j->start <= j->end) {
        j->needle = sub.buf;
        j->nlen = (size_t)sub.len;
        st = run_job(self, j, j->end - j->start);
    }
    bytes_arg_release(&sub);
    if (ok && st != MMF_OK) {
        error(self, st, &OP_PLAIN);
        ok = 0;
    }
    return ok;
}

static PyObject *
find_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs,
          int reverse)
{
    job j = {.kind = reverse ? JOB_RFIND : JOB_FIND, .found = -1};

    if (!scan_job(self, args, nargs, reverse ? "rfind" : "find", &j)) {
        return NULL;
    }
    return PyLong_FromSsize_t((Py_ssize_t)j.found);
}

/* count(sub[, start[, end]]): bounds as for find(). */
static PyObject *
count_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    job j = {.kind = JOB_COUNT};

    if (!scan_job(self, args, nargs, "count", &j)) {
        return NULL;
    }
    return PyLong_FromSize_t(j.total);
}

/* Does [p, p + n) share a byte with the map's bytes? */
static int
overlaps_map(mmap_object *self, const void *p, size_t n)
{
    unsigned char *data;
    size_t len;
    uintptr_t a = (uintptr_t)p, d;

    if (n == 0 || mmf_pin(&self->map, &data, &len) != MMF_OK) {
        return 0;
    }
    mmf_unpin(&self->map);
    d = (uintptr_t)data;
    return a < d + len && d < a + n;
}

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
    if (st == MMF_OK && overlaps_map(self, view.buf, n)) {
        /* a view of the map itself: one memmove, not forward chunks that
         * would read bytes an earlier chunk already overwrote */
        st = mmf_read(&self->map, view.buf, n, &n);
    }
    else if (st == MMF_OK) {
        st = read_at_cursor(self, view.buf, n);
    }
    PyBuffer_Release(&view);
    if (st != MMF_OK) {
        return error(self, st, &OP_PLAIN);
    }
    return PyLong_FromSize_t(n);
}

/* find(sub[, start]) with bytes and an exact int (or no start): how a
 * program finds the end of the next line or field. Nothing here can run
 * Python code; one core call searches the first MMF_FAST_WINDOW bytes and
 * decides most such calls. Returns the result, or NULL without an
 * exception when the general path must decide (also to report errors). */
static PyObject *
find_near(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    const mmf_map *m = &self->map;
    Py_ssize_t start, nlen;
    size_t from, to;
    ptrdiff_t found;

    if (nargs < 1 || nargs > 2 || !PyBytes_CheckExact(args[0])
        || m->data == NULL) {
        return NULL;
    }
    from = m->pos;
    if (nargs == 2) {
        if (!PyLong_CheckExact(args[1])) {
            return NULL;
        }
        start = PyLong_AsSsize_t(args[1]);
        if (start < 0) {
            PyErr_Clear(); /* negative, or too big: the general path */
            return NULL;
        }
        from = (size_t)start;
    }
    nlen = PyBytes_GET_SIZE(args[0]);
    if (nlen == 0 || from >= m->size) {
        return NULL;
    }
    to = m->size - from > MMF_FAST_WINDOW ? from + MMF_FAST_WINDOW : m->size;
    if (mmf_find(m, PyBytes_AS_STRING(args[0]), (size_t)nlen, from, to,
                 &found) != MMF_OK
        || (found < 0 && to < m->size)) {
        return NULL;
    }
    return PyLong_FromSsize_t((Py_ssize_t)found);
}

static PyObject *
find_method_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *res = find_near(self, args, nargs);

    if (res != NULL || PyErr_Occurred()) {
        return res;
    }
    return find_impl(self, args, nargs, 0);
}

static PyObject *
rfind_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return find_impl(self, args, nargs, 1);
}

static PyObject *
write_impl(mmap_object *self, PyObject *arg)
{
    bytes_arg data;
    mmf_status st;

    if (!bytes_arg_get(arg, &data)) {
        return NULL;
    }
    st = mmf_write(&self->map, data.buf, (size_t)data.len);
    bytes_arg_release(&data);
    if (st != MMF_OK) {
        return error(self, st, &OP_WRITE);
    }
    return PyLong_FromSsize_t(data.len);
}

static PyObject *
write_byte_impl(mmap_object *self, PyObject *arg)
{
    unsigned char b;
    mmf_status st;

    if (!as_ubyte(arg, &b)) {
        return NULL;
    }
    st = mmf_write_byte(&self->map, b);
    if (st != MMF_OK) {
        return error(self, st, &OP_WRITE_BYTE);
    }
    Py_RETURN_NONE;
}

static PyObject *
size_impl(mmap_object *self)
{
    uint64_t size = 0;
    call_pin pin;
    mmf_status st = call_pin_take(self, &pin, NULL, NULL);

    /* The pin keeps the private fd open while fstat runs without the GIL. */
    if (st == MMF_OK) {
        Py_BEGIN_ALLOW_THREADS
        st = mmf_size(&self->map, &size);
        Py_END_ALLOW_THREADS
        call_pin_release(&pin);
    }
    if (st != MMF_OK) {
        return error(self, st, &OP_SIZE);
    }
    return PyLong_FromUnsignedLongLong((unsigned long long)size);
}

/* resize() keeps the GIL, as CPython does: the mapping moves, and another
 * thread must not use the old address meanwhile. */
static PyObject *
resize_impl(mmap_object *self, PyObject *arg)
{
    Py_ssize_t newsize;
    mmf_status st;

    if (!as_ssize(arg, &newsize)) {
        return NULL;
    }
    /* A negative size is out of range like 0; the core reports ERANGE for
     * 0 after its checks for closed, pinned, untracked and read-only, which
     * is CPython's order. */
    st = mmf_resize(&self->map, newsize < 0 ? 0 : (size_t)newsize);
    if (st == MMF_ERANGE && newsize == 0) {
        /* CPython 3.15 passes 0 on to mremap(), which fails with EINVAL
         * (after truncating the file: mmf refuses before touching it, and
         * raises the same error). */
        errno = EINVAL;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    if (st != MMF_OK) {
        return error(self, st, &OP_RESIZE);
    }
    Py_RETURN_NONE;
}

static PyObject *
tell_impl(mmap_object *self)
{
    /* tell() and len() are the most frequent calls of all: they read the
     * map's fields as mmf_tell() and mmf_len() do (mmf.h documents them:
     * data is NULL once closed), without a call into the core. */
    if (self->map.data == NULL) {
        return error(self, MMF_ECLOSED, &OP_PLAIN);
    }
    return PyLong_FromSize_t(self->map.pos);
}

/* flush()'s keyword: flags=, keyword-only. */
static int
flush_kwargs(PyObject *const *kwvalues, PyObject *kwnames, int *flags)
{
    Py_ssize_t i, n = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);

    for (i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, i);

        if (PyUnicode_CompareWithASCIIString(name, "flags") == 0) {
            if (!as_int(kwvalues[i], flags)) {
                return 0;
            }
        }
        else {
            PyErr_Format(PyExc_TypeError, MSG_FLUSH_KW, name);
            return 0;
        }
    }
    return 1;
}

static mmf_status
flush_pinned(mmap_object *self, size_t offset, size_t size, int flags)
{
    call_pin pin;
    mmf_status st = call_pin_take(self, &pin, NULL, NULL);

    if (st != MMF_OK) {
        return st;
    }
    Py_BEGIN_ALLOW_THREADS
    st = mmf_flush(&self->map, offset, size, flags);
    Py_END_ALLOW_THREADS
    call_pin_release(&pin);
    return st;
}

static PyObject *
flush_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    Py_ssize_t offset = 0, size = -1;
    int flags = 0;
    size_t len;
    mmf_status st;

    if (nargs > 2) {
        PyErr_Format(PyExc_TypeError, MSG_FLUSH_NARGS, nargs);
        return NULL;
    }
    if ((nargs > 0 && !as_ssize(args[0], &offset))
        || (nargs > 1 && !as_ssize(args[1], &size))
        || !flush_kwargs(args + nargs, kwnames, &flags)) {
        return NULL;
    }
    st = mmf_len(&self->map, &len);
    if (st != MMF_OK) {
        return error(self, st, &OP_FLUSH);
    }
    if (size == -1) {
        size = (Py_ssize_t)len - offset;  /* 3.15: to the end */
    }
    if (size < 0 || offset < 0 || (Py_ssize_t)len - offset < size) {
        PyErr_SetString(PyExc_ValueError, MSG_FLUSH);
        return NULL;
    }
    st = flush_pinned(self, (size_t)offset, (size_t)size, flags);
    if (st != MMF_OK) {
        return error(self, st, &OP_FLUSH);
    }
    Py_RETURN_NONE;
}

static PyObject *
seek_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t dist;
    int whence = 0;
    size_t newpos;
    mmf_status st;

    if (!check_nargs("seek", nargs, 1, 2) || !as_ssize(args[0], &dist)
        || (nargs > 1 && !as_int(args[1], &whence))) {
        return NULL;
    }
    st = mmf_seek(&self->map, (int64_t)dist, whence, &newpos);
    if (st != MMF_OK) {
        return error(self, st, &OP_SEEK);
    }
    /* seek(i) lands on i: the argument is the answer (an int is
     * immutable), with no new object. */
    if (PyLong_CheckExact(args[0]) && dist >= 0 && (size_t)dist == newpos) {
        Py_INCREF(args[0]);
        return args[0];
    }
    return PyLong_FromSize_t(newpos);
}

static PyObject *
move_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t dest, src, count;
    mmf_status st;

    if (!check_nargs("move", nargs, 3, 3) || !as_ssize(args[0], &dest)
        || !as_ssize(args[1], &src) || !as_ssize(args[2], &count)) {
        return NULL;
    }
    /* A negative value becomes larger than any map (> PY_SSIZE_T_MAX), so
     * the core rejects it as out of range, after its closed and read-only
     * checks: CPython's order. */
    st = mmf_move(&self->map, (size_t)dest, (size_t)src, (size_t)count);
    if (st != MMF_OK) {
        return error(self, st, &OP_MOVE);
    }
    Py_RETURN_NONE;
}

/* madvise()'s bounds, checked in CPython's order against the current
 * length. On success *length is clamped to the end of the map. */
static int
madvise_bounds(size_t len, Py_ssize_t start, Py_ssize_t *length)
{
    if (start < 0 || (size_t)start >= len) {
        PyErr_SetString(PyExc_ValueError, MSG_MADV_START);
        return 0;
    }
    if (*length < 0) {
        PyErr_SetString(PyExc_ValueError, MSG_MADV_LENGTH);
        return 0;
    }
    if (PY_SSIZE_T_MAX - start < *length) {
        PyErr_SetString(PyExc_OverflowError, MSG_MADV_TOO_LARGE);
        return 0;
    }
    if ((size_t)(start + *length) > len) {
        *length = (Py_ssize_t)len - start;
    }
    return 1;
}

static PyObject *
madvise_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    int option;
    Py_ssize_t start = 0, length = 0;
    int has_length = nargs > 2 && args[2] != Py_None;
    size_t len = 0;
    unsigned char *data = NULL;
    call_pin pin;
    mmf_status st;

    if (!check_nargs("madvise", nargs, 1, 3) || !as_int(args[0], &option)
        || (nargs > 1 && !as_ssize(args[1], &start))) {
        return NULL;
    }
    /* The map is checked before length is converted (CPython 3.15). */
    st = mmf_len(&self->map, &len);
    if (st == MMF_OK && has_length) {
        if (!as_ssize(args[2], &length)) {
            return NULL;
        }
        st = mmf_len(&self->map, &len);
        /* length's __index__ closed the map: the released 3.15 checks the
         * bounds against the length the map had before "closed". */
        if (st == MMF_ECLOSED
            && !madvise_bounds(self->map.size, start, &length)) {
            return NULL;
        }
    }
    if (st != MMF_OK) {
        return error(self, st, &OP_MADVISE);
    }
    if (!has_length) {
        length = (Py_ssize_t)len;
    }
    if (!madvise_bounds(len, start, &length)) {
        return NULL;
    }
    st = call_pin_take(self, &pin, &data, NULL);
    if (st == MMF_OK) {
        /* A map at an unaligned offset (mmf.open(p, 'r', offset=123))
         * starts inside a page, which the core never widens down to (the
         * bytes below are not the map's: issue 13). With no start given,
         * the whole map is a valid range: advise its whole pages (an
         * explicit start is the kernel's to judge, as in CPython). */
        size_t ps = mmf_page_size(&self->map);
        size_t skip = nargs < 2 ? (ps - (uintptr_t)data % ps) % ps : 0;
        if (skip == 0 || skip < (size_t)length) { /* else: no whole page */
            start += (Py_ssize_t)skip;
            length -= (Py_ssize_t)skip;
            Py_BEGIN_ALLOW_THREADS
            st = mmf_madvise(&self->map, option, (size_t)start,
                             (size_t)length);
            Py_END_ALLOW_THREADS
        }
        call_pin_release(&pin);
    }
    if (st != MMF_OK) {
        return error(self, st, &OP_MADVISE);
    }
    Py_RETURN_NONE;
}

/* ---- memory control (beyond the stdlib) ---- */

typedef enum { MEM_LOCK, MEM_UNLOCK, MEM_POPULATE, MEM_RESIDENT } mem_op;

static const op_errors OP_MEMCTL = {.range = MSG_MEM_START};

/* The memory control calls run in pieces of this many bytes, with the GIL
 * taken back between them to run signal handlers (H-47): populating 64 MiB
 * of cached pages, or asking mincore about them, takes milliseconds. */
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
    st = call_pin_take(self, &pin, NULL, &len);
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
        call_pin_release(&pin);
    }
    if (st != MMF_OK) {
        return error(self, st, &OP_MEMCTL);
    }
    if (op == MEM_RESIDENT) {
        return PyLong_FromSize_t(bytes);
    }
    Py_RETURN_NONE;
}

static const op_errors OP_PROTECT = {.busy = MSG_PROTECT_BUSY};

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
        return error(self, st, &OP_PROTECT);
    }
    Py_RETURN_NONE;
}

static PyObject *
page_size_impl(mmap_object *self)
{
    if (mmf_closed(&self->map)) {
        return error(self, MMF_ECLOSED, &OP_PLAIN);
    }
    return PyLong_FromSize_t(mmf_page_size(&self->map));
}

static PyObject *
fileno_impl(mmap_object *self)
{
    if (mmf_closed(&self->map)) {
        return error(self, MMF_ECLOSED, &OP_PLAIN);
    }
    return PyLong_FromLong(mmf_fileno(&self->map));
}

static PyObject *
lock_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return mem_impl(self, args, nargs, "lock", MEM_LOCK);
}

static PyObject *
unlock_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return mem_impl(self, args, nargs, "unlock", MEM_UNLOCK);
}

static PyObject *
populate_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return mem_impl(self, args, nargs, "populate", MEM_POPULATE);
}

static PyObject *
resident_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return mem_impl(self, args, nargs, "resident", MEM_RESIDENT);
}

static PyObject *
set_name_impl(mmap_object *self, PyObject *arg)
{
    char buf[NAME_MAX_BYTES + 1];
    const char *name;
    Py_ssize_t n;

    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, MSG_NAME_TYPE, Py_TYPE(arg)->tp_name);
        return NULL;
    }
    name = PyUnicode_AsUTF8AndSize(arg, &n);
    if (name == NULL) {
        return NULL;
    }
    if (strlen(name) != (size_t)n) {
        PyErr_SetString(PyExc_ValueError, MSG_NAME_NUL);
        return NULL;
    }
    if ((size_t)n + strlen(NAME_PREFIX) > NAME_MAX_BYTES) {
        PyErr_SetString(PyExc_ValueError, MSG_NAME_LONG);
        return NULL;
    }
    /* A drop-in never raises where the stdlib does not: the released 3.15
     * returns None once the name is valid (it annotates only in debug
     * builds and -X dev), also on a closed map, a file map, or a kernel
     * without anonymous VMA names. mmf annotates where the kernel can and
     * ignores the kernel's refusal (docs/behaviour.md). */
    PyOS_snprintf(buf, sizeof(buf), "%s%s", NAME_PREFIX, name);
    if (mmf_set_name(&self->map, buf) == MMF_ENOTANON) {
        PyErr_SetString(PyExc_ValueError, MSG_NAME_NOTANON);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
enter_impl(mmap_object *self)
{
    size_t len;
    mmf_status st = mmf_len(&self->map, &len);

    if (st != MMF_OK) {
        return error(self, st, &OP_PLAIN);
    }
    Py_INCREF(self);
    return (PyObject *)self;
}

static PyObject *
exit_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)args;
    if (!check_nargs("__exit__", nargs, 3, 3)) {
        return NULL;
    }
    return close_impl(self);
}

/* Wrappers that take the object's lock (free-threaded builds) around an
 * implementation, one per calling convention. */
#define NOARGS_METHOD(name)                                      \
    static PyObject *                                            \
    mmap_##name(PyObject *op, PyObject *Py_UNUSED(unused))       \
    {                                                            \
        PyObject *res;                                           \
        Py_BEGIN_CRITICAL_SECTION(op);                           \
        res = name##_impl((mmap_object *)op);                    \
        Py_END_CRITICAL_SECTION();                               \
        return res;                                              \
    }

#define O_METHOD(name)                                           \
    static PyObject *                                            \
    mmap_##name(PyObject *op, PyObject *arg)                     \
    {                                                            \
        PyObject *res;                                           \
        Py_BEGIN_CRITICAL_SECTION(op);                           \
        res = name##_impl((mmap_object *)op, arg);               \
        Py_END_CRITICAL_SECTION();                               \
        return res;                                              \
    }

#define FASTCALL_METHOD(name)                                    \
    static PyObject *                                            \
    mmap_##name(PyObject *op, PyObject *const *args,             \
                Py_ssize_t nargs)                                \
    {                                                            \
        PyObject *res;                                           \
        Py_BEGIN_CRITICAL_SECTION(op);                           \
        res = name##_impl((mmap_object *)op, args, nargs);       \
        Py_END_CRITICAL_SECTION();                               \
        return res;                                              \
    }

NOARGS_METHOD(close)
NOARGS_METHOD(read_byte)
NOARGS_METHOD(readline)
NOARGS_METHOD(lines)
NOARGS_METHOD(page_size)
NOARGS_METHOD(fileno)
NOARGS_METHOD(size)
NOARGS_METHOD(tell)
NOARGS_METHOD(enter)
O_METHOD(write)
O_METHOD(readinto)
O_METHOD(protect)
O_METHOD(write_byte)
O_METHOD(resize)
O_METHOD(set_name)
FASTCALL_METHOD(read)
FASTCALL_METHOD(find_method)
FASTCALL_METHOD(rfind)
FASTCALL_METHOD(count)
FASTCALL_METHOD(lock)
FASTCALL_METHOD(unlock)
FASTCALL_METHOD(populate)
FASTCALL_METHOD(resident)
FASTCALL_METHOD(seek)
FASTCALL_METHOD(move)
FASTCALL_METHOD(madvise)
FASTCALL_METHOD(exit)

static PyObject *
mmap_flush(PyObject *op, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    PyObject *res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = flush_impl((mmap_object *)op, args, nargs, kwnames);
    Py_END_CRITICAL_SECTION();
    return res;
}

static PyObject *
mmap_seekable(PyObject *Py_UNUSED(op), PyObject *Py_UNUSED(unused))
{
    Py_RETURN_TRUE;
}

static PyObject *
mmap_closed_get(PyObject *op, void *Py_UNUSED(closure))
{
    int closed;

    Py_BEGIN_CRITICAL_SECTION(op);
    closed = mmf_closed(&((mmap_object *)op)->map);
    Py_END_CRITICAL_SECTION();
    return PyBool_FromLong(closed);
}

static PyObject *
repr_impl(mmap_object *self)
{
    const char *name = Py_TYPE(self)->tp_name;
    size_t len, pos;

    if (mmf_len(&self->map, &len) != MMF_OK
        || mmf_tell(&self->map, &pos) != MMF_OK) {
        return PyUnicode_FromFormat("<%s closed=True>", name);
    }
    return PyUnicode_FromFormat(
        "<%s closed=False, access=%s, length=%zu, pos=%zu, offset=%lld>",
        name, access_name(self), len, pos, map_offset(self));
}

static PyObject *
mmap_repr(PyObject *op)
{
    PyObject *res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = repr_impl((mmap_object *)op);
    Py_END_CRITICAL_SECTION();
    return res;
}

/* ---- sequence and mapping slots -----------------------------------------
 * CPython fills both, and they differ: m[i] is an int (mapping), while the
 * sequence item, used by iteration and `in`, is a 1-byte bytes. */

static Py_ssize_t
mmap_length(PyObject *op)
{
    mmap_object *self = (mmap_object *)op;
    Py_ssize_t len = -1;

    /* the fields, as in tell_impl() */
    Py_BEGIN_CRITICAL_SECTION(op);
    if (self->map.data != NULL) {
        len = (Py_ssize_t)self->map.size;
    }
    Py_END_CRITICAL_SECTION();
    if (len < 0) {
        set_error(&self->map, MMF_ECLOSED, &OP_PLAIN);
    }
    return len;
}

static PyObject *
item_impl(mmap_object *self, Py_ssize_t i)
{
    unsigned char b;
    /* A negative i becomes huge: out of range. */
    mmf_status st = mmf_get_byte(&self->map, (size_t)i, &b);

    if (st != MMF_OK) {
        return error(self, st, &OP_INDEX);
    }
    return PyBytes_FromStringAndSize((const char *)&b, 1);
}

static PyObject *
mmap_item(PyObject *op, Py_ssize_t i)
{
    PyObject *res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = item_impl((mmap_object *)op, i);
    Py_END_CRITICAL_SECTION();
    return res;
}

static int
ass_item_impl(mmap_object *self, Py_ssize_t i, PyObject *v)
{
    size_t len;
    mmf_status st = mmf_len(&self->map, &len);

    if (st != MMF_OK) {
        set_error(&self->map, st, &OP_INDEX);
        return -1;
    }
    if (i < 0 || (size_t)i >= len) {
        PyErr_SetString(PyExc_IndexError, MSG_INDEX);
        return -1;
    }
    if (v == NULL) {
        PyErr_SetString(PyExc_TypeError, MSG_SQ_ITEM_DELETE);
        return -1;
    }
    if (!PyBytes_Check(v) || PyBytes_GET_SIZE(v) != 1) {
        PyErr_SetString(PyExc_IndexError, MSG_SQ_ITEM_VALUE);
        return -1;
    }
    st = mmf_set_byte(&self->map, (size_t)i,
                      (unsigned char)PyBytes_AS_STRING(v)[0]);
    if (st != MMF_OK) {
        set_error(&self->map, st, &OP_INDEX);
        return -1;
    }
    return 0;
}

static int
mmap_ass_item(PyObject *op, Py_ssize_t i, PyObject *v)
{
    int res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = ass_item_impl((mmap_object *)op, i, v);
    Py_END_CRITICAL_SECTION();
    return res;
}

/* PySlice_Unpack() with the released 3.15's message for a key that is not
 * an integer ("... or have an __index__ method"; older interpreters say
 * "... or None or ..."): the same steps in the same order (step, start,
 * stop), so that __index__ hooks run as they do there. */
#if PY_VERSION_HEX < 0x030F0000
static const char MSG_SLICE_INDEX[] =
    "slice indices must be integers or have an __index__ method";

static int
slice_index(PyObject *v, Py_ssize_t *out)
{
    Py_ssize_t x;

    if (v == Py_None) {
        return 1;
    }
    if (!PyIndex_Check(v)) {
        PyErr_SetString(PyExc_TypeError, MSG_SLICE_INDEX);
        return 0;
    }
    x = PyNumber_AsSsize_t(v, NULL);    /* clamps, as slices do */
    if (x == -1 && PyErr_Occurred()) {
        return 0;
    }
    *out = x;
    return 1;
}

static int
slice_unpack(PyObject *key, Py_ssize_t *start, Py_ssize_t *stop,
             Py_ssize_t *step)
{
    PySliceObject *r = (PySliceObject *)key;

    *step = 1;
    if (!slice_index(r->step, step)) {
        return -1;
    }
    if (*step == 0) {
        PyErr_SetString(PyExc_ValueError, "slice step cannot be zero");
        return -1;
    }
    if (*step < -PY_SSIZE_T_MAX) {
        *step = -PY_SSIZE_T_MAX;
    }
    *start = *step < 0 ? PY_SSIZE_T_MAX : 0;
    if (!slice_index(r->start, start)) {
        return -1;
    }
    *stop = *step < 0 ? PY_SSIZE_T_MIN : PY_SSIZE_T_MAX;
    return slice_index(r->stop, stop) ? 0 : -1;
}
#else
#define slice_unpack PySlice_Unpack
#endif

static int fit_index(mmap_object *self, Py_ssize_t i, size_t *out);

/* m[key]'s index: converted, made non-negative and checked against the
 * current length. When the key's __index__ closed the map, the released
 * 3.15 still checks the range against the length the map had (it keeps
 * it), so an index out of that range raises IndexError and one inside it
 * "closed"; mmf's core also keeps the length of a closed map.
 * Returns 1, or 0 with an exception set. */
static int
index_key(mmap_object *self, PyObject *key, size_t *out)
{
    Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);

    if (i == -1 && PyErr_Occurred()) {
        return 0;
    }
    if (mmf_closed(&self->map)) {
        size_t last = self->map.size;

        if (i < 0) {
            i += (Py_ssize_t)last;
        }
        if (i < 0 || (size_t)i >= last) {
            PyErr_SetString(PyExc_IndexError, MSG_INDEX);
            return 0;
        }
    }
    return fit_index(self, i, out);
}

/* An index made non-negative and checked against the current length (the
 * map is checked open first). Returns 1, or 0 with an exception set. */
static int
fit_index(mmap_object *self, Py_ssize_t i, size_t *out)
{
    size_t len;
    mmf_status st = mmf_len(&self->map, &len);

    if (st != MMF_OK) {
        set_error(&self->map, st, &OP_INDEX);
        return 0;
    }
    if (i < 0) {
        i += (Py_ssize_t)len;
    }
    if (i < 0 || (size_t)i >= len) {
        PyErr_SetString(PyExc_IndexError, MSG_INDEX);
        return 0;
    }
    *out = (size_t)i;
    return 1;
}

/* A slice key against the current length (after every conversion). */
static int
slice_key(mmap_object *self, Py_ssize_t *start, Py_ssize_t *stop,
          Py_ssize_t step, Py_ssize_t *slicelen)
{
    size_t len;
    mmf_status st = mmf_len(&self->map, &len);

    if (st != MMF_OK) {
        set_error(&self->map, st, &OP_INDEX);
        return 0;
    }
    *slicelen = PySlice_AdjustIndices((Py_ssize_t)len, start, stop, step);
    return 1;
}

static PyObject *
get_index(mmap_object *self, PyObject *key)
{
    size_t i;
    unsigned char b;
    mmf_status st;

    if (!index_key(self, key, &i)) {
        return NULL;
    }
    st = mmf_get_byte(&self->map, i, &b);
    if (st != MMF_OK) {
        return error(self, st, &OP_INDEX);
    }
    return PyLong_FromLong(b);
}

static PyObject *
get_slice(mmap_object *self, PyObject *key)
{
    Py_ssize_t start, stop, step, slicelen;
    PyObject *res;
    size_t len;
    mmf_status st;

    if (slice_unpack(key, &start, &stop, &step) < 0) {
        return NULL;
    }
    /* after slice_unpack(), which may run __index__ */
    if ((st = mmf_len(&self->map, &len)) != MMF_OK) {
        set_error(&self->map, st, &OP_INDEX);
        return NULL;
    }
    slicelen = PySlice_AdjustIndices((Py_ssize_t)len, &start, &stop, step);
    if (slicelen <= 0) {
        return PyBytes_FromStringAndSize(NULL, 0);
    }
    res = PyBytes_FromStringAndSize(NULL, slicelen);
    if (res == NULL) {
        return NULL;
    }
    if ((size_t)slicelen < LONG_JOB_BYTES) {
        st = mmf_get_slice(&self->map, (size_t)start, (ptrdiff_t)step,
                           (size_t)slicelen, PyBytes_AS_STRING(res));
    }
    else {
        job j = {.kind = JOB_COPY, .start = (size_t)start,
                 .step = (ptrdiff_t)step, .count = (size_t)slicelen,
                 .dst = PyBytes_AS_STRING(res)};
        st = run_job(self, &j, j.count);
    }
    if (st != MMF_OK) {
        Py_DECREF(res);
        return error(self, st, &OP_INDEX);
    }
    return res;
}

static PyObject *
subscript_impl(mmap_object *self, PyObject *key)
{
    size_t len;
    mmf_status st;

    /* An exact int runs no Python code: straight to the core, which
     * checks that the map is open, then the range (negative ones take the
     * general path). */
    if (PyLong_CheckExact(key)) {
        Py_ssize_t i = PyLong_AsSsize_t(key);
        unsigned char b;

        if (i >= 0) {
            st = mmf_get_byte(&self->map, (size_t)i, &b);
            return st == MMF_OK ? PyLong_FromLong(b)
                                : error(self, st, &OP_INDEX);
        }
        PyErr_Clear();
    }
    if ((st = mmf_len(&self->map, &len)) != MMF_OK) {
        return error(self, st, &OP_PLAIN);
    }
    if (PyLong_CheckExact(key)) {
        return get_index(self, key);
    }
    if (PySlice_Check(key)) {
        return get_slice(self, key);
    }
    if (PyIndex_Check(key)) {
        return get_index(self, key);
    }
    PyErr_SetString(PyExc_TypeError, MSG_GET_KEY);
    return NULL;
}

static PyObject *
mmap_subscript(PyObject *op, PyObject *key)
{
    PyObject *res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = subscript_impl((mmap_object *)op, key);
    Py_END_CRITICAL_SECTION();
    return res;
}

/* m[i] = value, in the released 3.15's order: the key is converted, the
 * value is checked (deletion, type, range), and only then is the map
 * checked open and the index fitted to its length as it is now (the
 * value's __index__ may have closed or shrunk it). */
static int
set_index(mmap_object *self, PyObject *key, PyObject *value)
{
    size_t i;
    Py_ssize_t k, v;
    mmf_status st;

    k = PyNumber_AsSsize_t(key, PyExc_IndexError);
    if (k == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, MSG_ITEM_DELETE);
        return -1;
    }
    if (!PyIndex_Check(value)) {
        PyErr_SetString(PyExc_TypeError, MSG_ITEM_TYPE);
        return -1;
    }
    v = PyNumber_AsSsize_t(value, PyExc_TypeError);
    if (v == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (v < 0 || v > 255) {
        PyErr_SetString(PyExc_ValueError, MSG_ITEM_RANGE);
        return -1;
    }
    if (!fit_index(self, k, &i)) {
        return -1;
    }
    st = mmf_set_byte(&self->map, i, (unsigned char)v);
    if (st != MMF_OK) {
        set_error(&self->map, st, &OP_INDEX);
        return -1;
    }
    return 0;
}

/* m[a:b:c] = value. The slice is fitted to the length after the value's
 * buffer was taken (which may run __buffer__). */
static int
set_slice(mmap_object *self, PyObject *key, PyObject *value)
{
    Py_ssize_t start, stop, step, slicelen;
    bytes_arg data;
    mmf_status st = MMF_OK;
    int ok;

    if (slice_unpack(key, &start, &stop, &step) < 0) {
        return -1;
    }
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, MSG_SLICE_DELETE);
        return -1;
    }
    if (!bytes_arg_get(value, &data)) {
        return -1;
    }
    ok = slice_key(self, &start, &stop, step, &slicelen);
    if (ok && data.len != slicelen) {
        PyErr_SetString(PyExc_IndexError, MSG_SLICE_SIZE);
        ok = 0;
    }
    if (ok && slicelen > 0) {
        st = mmf_set_slice(&self->map, (size_t)start, (ptrdiff_t)step,
                           (size_t)slicelen, data.buf);
    }
    bytes_arg_release(&data);
    if (!ok) {
        return -1;
    }
    if (st != MMF_OK) {
        set_error(&self->map, st, &OP_INDEX);
        return -1;
    }
    return 0;
}

/* Assignment and deletion check writability first, even on a closed map
 * (whose access mode is kept), then the key and the value; whether the map
 * is open is checked last, as the released 3.15 does. */
static int
ass_subscript_impl(mmap_object *self, PyObject *key, PyObject *value)
{
    mmf_status st = check_writable(self);

    if (st == MMF_ECLOSED
        && mmf_access_mode(&self->map) == MMF_ACCESS_READ) {
        st = MMF_EREADONLY;
    }
    if (st == MMF_EREADONLY) {
        set_error(&self->map, st, &OP_PLAIN);
        return -1;
    }
    if (PyIndex_Check(key)) {
        return set_index(self, key, value);
    }
    if (PySlice_Check(key)) {
        return set_slice(self, key, value);
    }
    PyErr_SetString(PyExc_TypeError, MSG_SET_KEY);
    return -1;
}

static int
mmap_ass_subscript(PyObject *op, PyObject *key, PyObject *value)
{
    int res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = ass_subscript_impl((mmap_object *)op, key, value);
    Py_END_CRITICAL_SECTION();
    return res;
}

/* ---- buffer protocol: each view pins the map ---------------------------- */

static int
getbuffer_impl(mmap_object *self, Py_buffer *view, int flags)
{
    unsigned char *data;
    size_t len;
    int readonly;
    /* an unreadable map (PROT_NONE, exec-only, protect(0)) is not exported:
     * a reader of the view would die of SIGSEGV, outside the guard */
    mmf_status st = mmf_check_readable(&self->map);

    if (st == MMF_OK) {
        st = mmf_pin(&self->map, &data, &len);
    }

    if (st != MMF_OK) {
        set_error(&self->map, st, &OP_PLAIN);
        return -1;
    }
    readonly = check_writable(self) == MMF_EREADONLY;
    if (PyBuffer_FillInfo(view, (PyObject *)self, data, (Py_ssize_t)len,
                          readonly, flags) < 0) {
        mmf_unpin(&self->map);
        return -1;
    }
    return 0;
}

static int
mmap_getbuffer(PyObject *op, Py_buffer *view, int flags)
{
    int res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = getbuffer_impl((mmap_object *)op, view, flags);
    Py_END_CRITICAL_SECTION();
    return res;
}

static void
mmap_releasebuffer(PyObject *op, Py_buffer *Py_UNUSED(view))
{
    Py_BEGIN_CRITICAL_SECTION(op);
    mmf_unpin(&((mmap_object *)op)->map);
    Py_END_CRITICAL_SECTION();
}

/* ---- the type ----------------------------------------------------------- */

#define SIG(text) text "\n--\n\n"

PyDoc_STRVAR(close_doc, SIG("close($self, /)")
"Close the map. Raises BufferError while buffers are exported.");
PyDoc_STRVAR(read_byte_doc, SIG("read_byte($self, /)")
"Return the byte at the current position as an int, and advance by 1.");
PyDoc_STRVAR(readline_doc, SIG("readline($self, /)")
"Return the bytes up to and including the next newline (or to the end).");
PyDoc_STRVAR(lines_doc, SIG("lines($self, /)")
"Return an iterator over the lines from the current position.\n\n"
"Each step returns what readline() would and moves the position past the\n"
"line, so it mixes with readline(), seek() and tell(). The iteration ends\n"
"at the end of the map (after a seek back, it yields again). Beyond the\n"
"stdlib API: iterating over the map itself still yields single bytes.");
PyDoc_STRVAR(read_doc, SIG("read($self, n=None, /)")
"Return up to n bytes from the current position (all with None or n < 0).");
PyDoc_STRVAR(find_doc, SIG("find($self, sub, start=None, end=None, /)")
"Return the lowest index of sub in [start, end), or -1.\n\n"
"start defaults to the current position, end to the length.");
PyDoc_STRVAR(rfind_doc, SIG("rfind($self, sub, start=None, end=None, /)")
"Return the highest index of sub in [start, end), or -1.\n\n"
"start defaults to the current position, end to the length.");
PyDoc_STRVAR(count_doc, SIG("count($self, sub, start=None, end=None, /)")
"Return the number of non-overlapping occurrences of sub in [start, end).\n\n"
"start defaults to the current position (as for find()), end to the\n"
"length. Beyond the stdlib API; one-byte needles use a SIMD count.");
PyDoc_STRVAR(readinto_doc, SIG("readinto($self, buffer, /)")
"Read up to len(buffer) bytes at the current position into buffer,\n"
"advance, and return the count (0 at the end). Beyond the stdlib API.");
PyDoc_STRVAR(protect_doc, SIG("protect($self, prot, /)")
"Change the protection of the whole map to prot (PROT_* bits, mprotect):\n"
"PROT_READ makes it read-only, PROT_READ | PROT_WRITE writable again.\n"
"An ACCESS_READ map stays read-only; BufferError while buffers are\n"
"exported. Beyond the stdlib API.");
PyDoc_STRVAR(page_size_doc, SIG("page_size($self, /)")
"Return the size of the pages backing the map: the huge page size for a\n"
"map made with hugepages=True that got them, else PAGESIZE. Beyond the\n"
"stdlib API.");
PyDoc_STRVAR(fileno_doc, SIG("fd($self, /)")
"Return the map's own file descriptor (a duplicate of the one given, or\n"
"the memfd of memfd=True), or -1. It stays the map's: do not close it.\n"
"Beyond the stdlib API (not named fileno(): code that finds a fileno()\n"
"takes an object for a file, and an anonymous map has none).");
PyDoc_STRVAR(lock_doc, SIG("lock($self, start=0, length=None, /)")
"Lock the pages of [start, start + length) in RAM (mlock). Beyond the\n"
"stdlib API. length defaults to the end; the range is widened to pages.");
PyDoc_STRVAR(unlock_doc, SIG("unlock($self, start=0, length=None, /)")
"Unlock the pages of [start, start + length) (munlock).");
PyDoc_STRVAR(populate_doc,
SIG("populate($self, start=0, length=None, write=False, /)")
"Prefault the pages of [start, start + length), for writing when write\n"
"is true (MADV_POPULATE_READ/WRITE, or touching each page on older\n"
"kernels). Beyond the stdlib API.");
PyDoc_STRVAR(resident_doc, SIG("resident($self, start=0, length=None, /)")
"Return how many bytes of [start, start + length) are resident in RAM\n"
"(mincore). Beyond the stdlib API.");
PyDoc_STRVAR(write_doc, SIG("write($self, bytes, /)")
"Write bytes at the current position, advance, and return the count.");
PyDoc_STRVAR(write_byte_doc, SIG("write_byte($self, byte, /)")
"Write one byte (an int) at the current position and advance by 1.");
PyDoc_STRVAR(size_doc, SIG("size($self, /)")
"Return the size of the file (the length for an anonymous map).");
PyDoc_STRVAR(resize_doc, SIG("resize($self, newsize, /)")
"Resize the map, and the file behind it, to newsize bytes.");
PyDoc_STRVAR(tell_doc, SIG("tell($self, /)")
"Return the current position.");
PyDoc_STRVAR(flush_doc, SIG("flush($self, offset=0, size=-1, /, *, flags=0)")
"Write changes in [offset, offset + size) back to the file.\n\n"
"size -1 means to the end; flags are MS_* values (0 means MS_SYNC).");
PyDoc_STRVAR(seek_doc, SIG("seek($self, pos, whence=0, /)")
"Move the position (whence: 0 start, 1 current, 2 end); return it.");
PyDoc_STRVAR(seekable_doc, SIG("seekable($self, /)")
"Return True: a map is always seekable.");
PyDoc_STRVAR(move_doc, SIG("move($self, dest, src, count, /)")
"Copy count bytes from src to dest inside the map (overlap allowed).");
PyDoc_STRVAR(madvise_doc,
SIG("madvise($self, option, start=0, length=None, /)")
"Advise the kernel about [start, start + length) (to the end by default).");
PyDoc_STRVAR(set_name_doc, SIG("set_name($self, name, /)")
"Name an anonymous map (shown as [anon:cpython:mmap:NAME] on Linux).");
PyDoc_STRVAR(enter_doc, SIG("__enter__($self, /)")
"Return self.");
PyDoc_STRVAR(exit_doc,
SIG("__exit__($self, exc_type, exc_value, traceback, /)")
"Close the map.");

static PyMethodDef mmap_methods[] = {
    {"close", mmap_close, METH_NOARGS, close_doc},
    {"find", FUNC_CAST(mmap_find_method), METH_FASTCALL, find_doc},
    {"rfind", FUNC_CAST(mmap_rfind), METH_FASTCALL, rfind_doc},
    {"count", FUNC_CAST(mmap_count), METH_FASTCALL, count_doc},
    {"readinto", mmap_readinto, METH_O, readinto_doc},
    {"protect", mmap_protect, METH_O, protect_doc},
    {"page_size", mmap_page_size, METH_NOARGS, page_size_doc},
    {"fd", mmap_fileno, METH_NOARGS, fileno_doc},
    {"lock", FUNC_CAST(mmap_lock), METH_FASTCALL, lock_doc},
    {"unlock", FUNC_CAST(mmap_unlock), METH_FASTCALL, unlock_doc},
    {"populate", FUNC_CAST(mmap_populate), METH_FASTCALL, populate_doc},
    {"resident", FUNC_CAST(mmap_resident), METH_FASTCALL, resident_doc},
    {"flush", FUNC_CAST(mmap_flush), METH_FASTCALL | METH_KEYWORDS,
     flush_doc},
    {"madvise", FUNC_CAST(mmap_madvise), METH_FASTCALL, madvise_doc},
    {"move", FUNC_CAST(mmap_move), METH_FASTCALL, move_doc},
    {"read", FUNC_CAST(mmap_read), METH_FASTCALL, read_doc},
    {"read_byte", mmap_read_byte, METH_NOARGS, read_byte_doc},
    {"readline", mmap_readline, METH_NOARGS, readline_doc},
    {"lines", mmap_lines, METH_NOARGS, lines_doc},
    {"resize", mmap_resize, METH_O, resize_doc},
    {"seek", FUNC_CAST(mmap_seek), METH_FASTCALL, seek_doc},
    {"seekable", mmap_seekable, METH_NOARGS, seekable_doc},
    {"set_name", mmap_set_name, METH_O, set_name_doc},
    {"size", mmap_size, METH_NOARGS, size_doc},
    {"tell", mmap_tell, METH_NOARGS, tell_doc},
    {"write", mmap_write, METH_O, write_doc},
    {"write_byte", mmap_write_byte, METH_O, write_byte_doc},
    {"__enter__", mmap_enter, METH_NOARGS, enter_doc},
    {"__exit__", FUNC_CAST(mmap_exit), METH_FASTCALL, exit_doc},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef mmap_getset[] = {
    {"closed", mmap_closed_get, NULL, "True if the map is closed.", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMemberDef mmap_members[] = {
    {"__weaklistoffset__", Py_T_PYSSIZET, offsetof(mmap_object, weakreflist),
     Py_READONLY, NULL},
    {NULL, 0, 0, 0, NULL}
};

PyDoc_STRVAR(mmap_doc,
"mmap(fileno, length, flags=MAP_SHARED, prot=PROT_WRITE|PROT_READ,\n"
"     access=ACCESS_DEFAULT, offset=0, *, trackfd=True, hugepages=False,\n"
"     memfd=False)\n"
"\n"
"Map length bytes of the file open as fileno, from offset, and return a\n"
"mmap object. length 0 maps the whole file from offset. flags is\n"
"MAP_SHARED (changes reach the file and other processes) or MAP_PRIVATE\n"
"(copy-on-write); prot is a combination of PROT_READ and PROT_WRITE;\n"
"access (ACCESS_READ, ACCESS_WRITE or ACCESS_COPY) replaces both. With\n"
"trackfd=False no duplicate of the file descriptor is kept (size() and\n"
"resize() are then unavailable).\n"
"\n"
"To map anonymous memory, pass -1 as fileno. mmf additions, for anonymous\n"
"maps: hugepages=True asks for transparent huge pages (maps of 2 MiB or\n"
"more; shared ones get them only where the kernel's shmem_enabled\n"
"allows, see page_size()); memfd=True backs a shared map with a sealed memfd, which can grow\n"
"with resize() and be handed to another process (fd()).");

static PyType_Slot mmap_slots[] = {
    {Py_tp_new, (void *)mmap_new},
    {Py_tp_dealloc, (void *)mmap_dealloc},
    {Py_tp_traverse, (void *)mmap_traverse},
    {Py_tp_repr, (void *)mmap_repr},
    {Py_tp_doc, (void *)mmap_doc},
    {Py_tp_methods, mmap_methods},
    {Py_tp_members, mmap_members},
    {Py_tp_getset, mmap_getset},
    {Py_sq_length, (void *)mmap_length},
    {Py_sq_item, (void *)mmap_item},
    {Py_sq_ass_item, (void *)mmap_ass_item},
    {Py_mp_length, (void *)mmap_length},
    {Py_mp_subscript, (void *)mmap_subscript},
    {Py_mp_ass_subscript, (void *)mmap_ass_subscript},
    {Py_bf_getbuffer, (void *)mmap_getbuffer},
    {Py_bf_releasebuffer, (void *)mmap_releasebuffer},
    {0, NULL}
};

static PyType_Spec mmap_spec = {
    .name = "mmap.mmap",
    .basicsize = sizeof(mmap_object),
    .flags = (Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC
              | MMAP_TYPE_FLAGS_EXTRA),
    .slots = mmap_slots,
};

static PyType_Slot lines_slots[] = {
    {Py_tp_new, (void *)lines_new},
    {Py_tp_dealloc, (void *)lines_dealloc},
    {Py_tp_traverse, (void *)lines_traverse},
    {Py_tp_iter, (void *)PyObject_SelfIter},
    {Py_tp_iternext, (void *)lines_next},
    {Py_tp_doc, (void *)"Iterator over the lines of a map (see mmap.lines())."},
    {0, NULL}
};

static PyType_Spec lines_spec = {
    .name = "mmf.LineIterator",
    .basicsize = sizeof(lines_object),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | MMAP_TYPE_FLAGS_EXTRA,
    .slots = lines_slots,
};

/* ---- the module --------------------------------------------------------- */

#define ADD_CONSTANT(module, name)                                   \
    do {                                                             \
        if (PyModule_AddIntConstant(module, #name, name) < 0) {      \
            return -1;                                               \
        }                                                            \
    } while (0)

/* Exactly the constants that CPython's mmap exports, each where the
 * platform's <sys/mman.h> defines it. */
static int
add_map_constants(PyObject *m)
{
#ifdef PROT_EXEC
    ADD_CONSTANT(m, PROT_EXEC);
#endif
#ifdef PROT_READ
    ADD_CONSTANT(m, PROT_READ);
#endif
#ifdef PROT_WRITE
    ADD_CONSTANT(m, PROT_WRITE);
#endif
#ifdef MAP_SHARED
    ADD_CONSTANT(m, MAP_SHARED);
#endif
#ifdef MAP_PRIVATE
    ADD_CONSTANT(m, MAP_PRIVATE);
#endif
#ifdef MAP_DENYWRITE
    ADD_CONSTANT(m, MAP_DENYWRITE);
#endif
#ifdef MAP_EXECUTABLE
    ADD_CONSTANT(m, MAP_EXECUTABLE);
#endif
#ifdef MAP_ANONYMOUS
    if (PyModule_AddIntConstant(m, "MAP_ANON", MAP_ANONYMOUS) < 0) {
        return -1;
    }
    ADD_CONSTANT(m, MAP_ANONYMOUS);
#endif
#ifdef MAP_POPULATE
    ADD_CONSTANT(m, MAP_POPULATE);
#endif
#ifdef MAP_STACK
    ADD_CONSTANT(m, MAP_STACK);
#endif
#ifdef MAP_ALIGNED_SUPER
    ADD_CONSTANT(m, MAP_ALIGNED_SUPER);
#endif
#ifdef MAP_CONCEAL
    ADD_CONSTANT(m, MAP_CONCEAL);
#endif
#ifdef MAP_NORESERVE
    ADD_CONSTANT(m, MAP_NORESERVE);
#endif
#ifdef MAP_NOEXTEND
    ADD_CONSTANT(m, MAP_NOEXTEND);
#endif
#ifdef MAP_HASSEMAPHORE
    ADD_CONSTANT(m, MAP_HASSEMAPHORE);
#endif
#ifdef MAP_NOCACHE
    ADD_CONSTANT(m, MAP_NOCACHE);
#endif
#ifdef MAP_JIT
    ADD_CONSTANT(m, MAP_JIT);
#endif
#ifdef MAP_RESILIENT_CODESIGN
    ADD_CONSTANT(m, MAP_RESILIENT_CODESIGN);
#endif
#ifdef MAP_RESILIENT_MEDIA
    ADD_CONSTANT(m, MAP_RESILIENT_MEDIA);
#endif
#ifdef MAP_32BIT
    ADD_CONSTANT(m, MAP_32BIT);
#endif
#ifdef MAP_TRANSLATED_ALLOW_EXECUTE
    ADD_CONSTANT(m, MAP_TRANSLATED_ALLOW_EXECUTE);
#endif
#ifdef MAP_UNIX03
    ADD_CONSTANT(m, MAP_UNIX03);
#endif
#ifdef MAP_TPRO
    ADD_CONSTANT(m, MAP_TPRO);
#endif
#ifdef MS_ASYNC
    ADD_CONSTANT(m, MS_ASYNC);
#endif
#ifdef MS_INVALIDATE
    ADD_CONSTANT(m, MS_INVALIDATE);
#endif
#ifdef MS_SYNC
    ADD_CONSTANT(m, MS_SYNC);
#endif
    return 0;
}

static int
add_madv_constants(PyObject *m)
{
#ifdef MADV_NORMAL
    ADD_CONSTANT(m, MADV_NORMAL);
#endif
#ifdef MADV_RANDOM
    ADD_CONSTANT(m, MADV_RANDOM);
#endif
#ifdef MADV_SEQUENTIAL
    ADD_CONSTANT(m, MADV_SEQUENTIAL);
#endif
#ifdef MADV_WILLNEED
    ADD_CONSTANT(m, MADV_WILLNEED);
#endif
#ifdef MADV_DONTNEED
    ADD_CONSTANT(m, MADV_DONTNEED);
#endif
#ifdef MADV_REMOVE
    ADD_CONSTANT(m, MADV_REMOVE);
#endif
#ifdef MADV_DONTFORK
    ADD_CONSTANT(m, MADV_DONTFORK);
#endif
#ifdef MADV_DOFORK
    ADD_CONSTANT(m, MADV_DOFORK);
#endif
#ifdef MADV_HWPOISON
    ADD_CONSTANT(m, MADV_HWPOISON);
#endif
#ifdef MADV_MERGEABLE
    ADD_CONSTANT(m, MADV_MERGEABLE);
#endif
#ifdef MADV_UNMERGEABLE
    ADD_CONSTANT(m, MADV_UNMERGEABLE);
#endif
#ifdef MADV_SOFT_OFFLINE
    ADD_CONSTANT(m, MADV_SOFT_OFFLINE);
#endif
#ifdef MADV_HUGEPAGE
    ADD_CONSTANT(m, MADV_HUGEPAGE);
#endif
#ifdef MADV_NOHUGEPAGE
    ADD_CONSTANT(m, MADV_NOHUGEPAGE);
#endif
#ifdef MADV_DONTDUMP
    ADD_CONSTANT(m, MADV_DONTDUMP);
#endif
#ifdef MADV_DODUMP
    ADD_CONSTANT(m, MADV_DODUMP);
#endif
#ifdef MADV_FREE
    ADD_CONSTANT(m, MADV_FREE);
#endif
#ifdef MADV_NOSYNC
    ADD_CONSTANT(m, MADV_NOSYNC);
#endif
#ifdef MADV_AUTOSYNC
    ADD_CONSTANT(m, MADV_AUTOSYNC);
#endif
#ifdef MADV_NOCORE
    ADD_CONSTANT(m, MADV_NOCORE);
#endif
#ifdef MADV_CORE
    ADD_CONSTANT(m, MADV_CORE);
#endif
#ifdef MADV_PROTECT
    ADD_CONSTANT(m, MADV_PROTECT);
#endif
#ifdef MADV_FREE_REUSABLE
    ADD_CONSTANT(m, MADV_FREE_REUSABLE);
#endif
#ifdef MADV_FREE_REUSE
    ADD_CONSTANT(m, MADV_FREE_REUSE);
#endif
    return 0;
}

static int
add_constants(PyObject *m)
{
    if (PyModule_AddIntConstant(m, "PAGESIZE", (long)mmf_pagesize()) < 0
        || PyModule_AddIntConstant(m, "ALLOCATIONGRANULARITY",
                                   (long)mmf_granularity()) < 0
        || PyModule_AddIntConstant(m, "ACCESS_DEFAULT", MMF_ACCESS_DEFAULT) < 0
        || PyModule_AddIntConstant(m, "ACCESS_READ", MMF_ACCESS_READ) < 0
        || PyModule_AddIntConstant(m, "ACCESS_WRITE", MMF_ACCESS_WRITE) < 0
        || PyModule_AddIntConstant(m, "ACCESS_COPY", MMF_ACCESS_COPY) < 0
        || PyModule_AddStringConstant(m, "__version__", MMF_VERSION_STRING)
               < 0) {
        return -1;
    }
    return add_map_constants(m) < 0 || add_madv_constants(m) < 0 ? -1 : 0;
}

static module_state *
get_state(PyObject *m)
{
    return (module_state *)PyModule_GetState(m);
}

static int
mod_exec(PyObject *m)
{
    module_state *state = get_state(m);

    Py_INCREF(PyExc_OSError);
    if (PyModule_AddObject(m, "error", PyExc_OSError) < 0) {
        Py_DECREF(PyExc_OSError);
        return -1;
    }
    state->mmap_type =
        (PyTypeObject *)PyType_FromModuleAndSpec(m, &mmap_spec, NULL);
    if (state->mmap_type == NULL
        || PyModule_AddType(m, state->mmap_type) < 0) {
        return -1;
    }
    state->lines_type =
        (PyTypeObject *)PyType_FromModuleAndSpec(m, &lines_spec, NULL);
    if (state->lines_type == NULL
        || PyModule_AddType(m, state->lines_type) < 0) {
        return -1;
    }
    return add_constants(m);
}

static int
mod_traverse(PyObject *m, visitproc visit, void *arg)
{
    module_state *state = get_state(m);

    if (state != NULL) {
        Py_VISIT(state->mmap_type);
        Py_VISIT(state->lines_type);
    }
    return 0;
}

static int
mod_clear(PyObject *m)
{
    module_state *state = get_state(m);

    if (state != NULL) {
        Py_CLEAR(state->mmap_type);
        Py_CLEAR(state->lines_type);
    }
    return 0;
}

static void
mod_free(void *m)
{
    (void)mod_clear((PyObject *)m);
}

PyDoc_STRVAR(reinstall_fault_guard_doc,
"reinstall_fault_guard($module, /)\n--\n\n"
"Put mmf's SIGBUS/SIGSEGV fault guard back in front of other handlers.\n\n"
"Call it after something installed its own handler for those signals\n"
"(for example faulthandler.enable() after importing mmf). Idempotent.\n"
"Handlers installed before are kept and still get every fault that is\n"
"not mmf's own.");

static PyObject *
reinstall_fault_guard(PyObject *module, PyObject *unused)
{
    int err = 0;
    (void)module;
    (void)unused;
    if (mmf_guard_install(&err) != MMF_OK) {
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_NONE;
}

PyDoc_STRVAR(open_doc,
"open($module, path, mode='r', size=None, offset=0)\n--\n\n"
"Open the file at path and map it; return an mmap object (beyond the\n"
"stdlib API; the modes of numpy.memmap):\n\n"
"  'r'   read-only (ACCESS_READ)\n"
"  'r+'  read-write, shared with the file (ACCESS_WRITE)\n"
"  'w+'  create or truncate, size the file to offset + size with its disk\n"
"        space allocated (a full disk fails here with ENOSPC), read-write\n"
"  'c'   copy-on-write (ACCESS_COPY)\n\n"
"size is the length to map (None: to the end of the file; required for\n"
"'w+'). offset may be any byte offset. An empty file gives an empty map.\n"
"The map owns the descriptor it opened (see fd()).");

static PyObject *
mod_open(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"path", "mode", "size", "offset", NULL};
    PyObject *path_obj, *fspath, *path = NULL, *size_obj = Py_None;
    const char *mode = "r";
    Py_ssize_t size = 0;
    long long offset = 0;
    mmap_object *self;
    mmf_status st;
    module_state *state = get_state(module);

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|sOL:open", kwlist,
                                     &path_obj, &mode, &size_obj, &offset)) {
        return NULL;
    }
    /* __fspath__() is called once: the error's filename is what it gave */
    if ((fspath = PyOS_FSPath(path_obj)) == NULL) {
        return NULL;
    }
    if (!PyUnicode_FSConverter(fspath, &path)) {
        Py_DECREF(fspath);
        return NULL;
    }
    if (size_obj != Py_None && !as_ssize(size_obj, &size)) {
        Py_DECREF(fspath);
        Py_DECREF(path);
        return NULL;
    }
    if (strcmp(mode, "r") != 0 && strcmp(mode, "r+") != 0
        && strcmp(mode, "w+") != 0 && strcmp(mode, "c") != 0) {
        PyErr_Format(PyExc_ValueError, MSG_OPEN_MODE, mode);
    }
    else if (size < 0 || offset < 0) {
        PyErr_SetString(PyExc_ValueError, MSG_OPEN_NEGATIVE);
    }
    else if (strcmp(mode, "w+") == 0 && size == 0) {
        PyErr_SetString(PyExc_ValueError, MSG_OPEN_SIZE);
    }
    if (PyErr_Occurred()) {
        Py_DECREF(fspath);
        Py_DECREF(path);
        return NULL;
    }
    self = (mmap_object *)state->mmap_type->tp_alloc(state->mmap_type, 0);
    if (self == NULL) {
        Py_DECREF(fspath);
        Py_DECREF(path);
        return NULL;
    }
    /* tp_alloc zeroed the object: a closed map */
    Py_BEGIN_ALLOW_THREADS
    st = mmf_open_path(&self->map, PyBytes_AS_STRING(path), mode,
                       (uint64_t)size, (int64_t)offset);
    Py_END_ALLOW_THREADS
    if (st == MMF_ESYS && mmf_sysfunc(&self->map) != NULL
        && strcmp(mmf_sysfunc(&self->map), "open") == 0) {
        errno = mmf_syserr(&self->map);
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, fspath);
    }
    else if (st != MMF_OK) {
        set_error(&self->map, st, &OP_PLAIN);
    }
    Py_DECREF(fspath);
    Py_DECREF(path);
    if (st != MMF_OK) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyMethodDef mod_methods[] = {
    {"open", FUNC_CAST(mod_open), METH_VARARGS | METH_KEYWORDS, open_doc},
    {"reinstall_fault_guard", reinstall_fault_guard, METH_NOARGS,
     reinstall_fault_guard_doc},
    {NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot mod_slots[] = {
    {Py_mod_exec, (void *)mod_exec},
#if PY_VERSION_HEX >= 0x030c0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030d0000
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

PyDoc_STRVAR(mod_doc,
"Memory-mapped file objects: a drop-in replacement for the mmap module\n"
"(`import mmf as mmap`), with the CPython 3.15 API, built on libmmf.");

static struct PyModuleDef mod_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "mmf",
    .m_doc = mod_doc,
    .m_size = sizeof(module_state),
    .m_methods = mod_methods,
    .m_slots = mod_slots,
    .m_traverse = mod_traverse,
    .m_clear = mod_clear,
    .m_free = mod_free,
};

PyMODINIT_FUNC
PyInit_mmf(void)
{
    return PyModuleDef_Init(&mod_def);
}
