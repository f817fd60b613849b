/*
 * errors.c - the messages that must match CPython's word for word, and the
 * one place that turns a libmmf status into a Python exception.
 */
#include "mmfmodule.h"

/* ---- messages ---------------------------------------------------------- */

const char MSG_CLOSED[] = "mmap closed or invalid";
const char MSG_READONLY[] = "mmap can't modify a readonly memory map.";
const char MSG_NORESIZE[] =
    "mmap can't resize a readonly or copy-on-write memory map.";
const char MSG_NOREAD[] = "mmap is not readable";
const char MSG_EMPTY[] = "cannot mmap an empty file";
const char MSG_OFFSET[] = "mmap offset is greater than file size";
const char MSG_LENGTH[] = "mmap length is greater than file size";
const char MSG_ACCESS[] = "mmap invalid access parameter.";
const char MSG_ACCESSFLAGS[] =
    "mmap can't specify both access and flags, prot.";
const char MSG_NOTANON[] = "Cannot set annotation on non-anonymous mappings";
const char MSG_FAULT[] =
    "mmap: memory fault at offset %zu (file truncated or I/O error)";
const char MSG_UNEXPECTED[] = "mmf: unexpected status %s (%s)";

const char MSG_NEG_LENGTH[] = "memory mapped length must be positive";
const char MSG_NEG_OFFSET[] = "memory mapped offset must be positive";
const char MSG_CLOSE_BUSY[] = "cannot close exported pointers exist";
const char MSG_READ_BYTE[] = "read byte out of range";
const char MSG_READ_ARG[] = "argument should be integer or None, not '%.200s'";
const char MSG_WRITE[] = "data out of range";
const char MSG_WRITE_BYTE[] = "write byte out of range";
const char MSG_BYTE_MIN[] = "unsigned byte integer is less than minimum";
const char MSG_BYTE_MAX[] = "unsigned byte integer is greater than maximum";
const char MSG_INT_RANGE[] = "Python int too large to convert to C int";
const char MSG_SIZE_NOTRACK[] = "can't get size with trackfd=False";
const char MSG_RESIZE_BUSY[] =
    "mmap can't resize with extant buffers exported.";
const char MSG_RESIZE_NOTRACK[] = "mmap can't resize with trackfd=False.";
const char MSG_RESIZE_RANGE[] = "new size out of range";
const char MSG_RESIZE_ANON[] = "mmap: can't expand a shared anonymous mapping";
const char MSG_FLUSH[] = "flush values out of range";
const char MSG_SEEK_WHENCE[] = "unknown seek type";
const char MSG_SEEK_RANGE[] = "seek out of range";
const char MSG_MOVE[] = "source, destination, or count out of range";
const char MSG_MADV_START[] = "madvise start out of bounds";
const char MSG_MADV_LENGTH[] = "madvise length invalid";
const char MSG_MADV_TOO_LARGE[] = "madvise length too large";
const char MSG_NAME_TYPE[] = "set_name() argument must be str, not %.200s";
const char MSG_NAME_NUL[] = "embedded null character";
const char MSG_NAME_LONG[] = "name is too long";
const char MSG_INDEX[] = "mmap index out of range";
const char MSG_PROTECT_BUSY[] =
    "mmap can't change protection with extant buffers exported.";
const char MSG_OPT_ANON[] =
    "hugepages and memfd need an anonymous map (fileno -1)";
const char MSG_OPT_BOTH[] = "hugepages and memfd do not combine";
const char MSG_OPT_HUGETLB[] =
    "hugepages (transparent huge pages) and MAP_HUGETLB do not combine";
const char MSG_OPT_SHARED[] = "memfd needs a shared map (MAP_SHARED)";
const char MSG_OPEN_MODE[] = "%s, not '%.20s'"; /* MSG_MODE, the mode */
const char MSG_MODE[] = "mode must be 'r', 'r+', 'w+' or 'c'";
const char MSG_OPEN_NEGATIVE[] = "size and offset must not be negative";
const char MSG_OPEN_SIZE[] = "mode 'w+' needs a size greater than 0";
const char MSG_MEM_START[] = "start is past the end of the map";
const char MSG_MEM_NEGATIVE[] = "%s(): start and length must not be negative";
const char MSG_READINTO[] =
    "readinto() argument must be read-write bytes-like object, not %.200s";
const char MSG_GET_KEY[] = "mmap indices must be integers";
const char MSG_SET_KEY[] = "mmap indices must be integer";
const char MSG_ITEM_DELETE[] = "mmap doesn't support item deletion";
const char MSG_SQ_ITEM_DELETE[] = "mmap object doesn't support item deletion";
const char MSG_SLICE_DELETE[] = "mmap object doesn't support slice deletion";
const char MSG_ITEM_TYPE[] = "mmap item value must be an int";
const char MSG_ITEM_RANGE[] = "mmap item value must be in range(0, 256)";
const char MSG_SLICE_SIZE[] = "mmap slice assignment is wrong size";
const char MSG_SQ_ITEM_VALUE[] = "mmap assignment must be length-1 bytes()";
const char MSG_NARGS[] = "%.200s expected %s%zd argument%s, got %zd";
const char MSG_FLUSH_NARGS[] =
    "flush() takes at most 2 positional arguments (%zd given)";
const char MSG_FLUSH_KW[] = "flush() got an unexpected keyword argument '%U'";

/* ---- each operation's messages ----------------------------------------- */

const op_errors OP_PLAIN = {0};
const op_errors OP_CLOSE = {.busy = MSG_CLOSE_BUSY};
const op_errors OP_READ_BYTE = {.range = MSG_READ_BYTE};
const op_errors OP_WRITE = {.range = MSG_WRITE};
const op_errors OP_WRITE_BYTE = {.range = MSG_WRITE_BYTE};
const op_errors OP_SIZE = {.notrack = MSG_SIZE_NOTRACK};
const op_errors OP_RESIZE = {
    .range = MSG_RESIZE_RANGE,
    .busy = MSG_RESIZE_BUSY,
    .notrack = MSG_RESIZE_NOTRACK,
    .notsup = MSG_RESIZE_ANON,
};
const op_errors OP_FLUSH = {.range = MSG_FLUSH};
const op_errors OP_SET_NAME = {.inval = MSG_NAME_LONG};
const op_errors OP_SEEK = {
    .range = MSG_SEEK_RANGE,
    .inval = MSG_SEEK_WHENCE,
};
const op_errors OP_MOVE = {.range = MSG_MOVE};
const op_errors OP_MADVISE = {.range = MSG_MADV_START};
const op_errors OP_INDEX = {.range = MSG_INDEX, .range_is_index = 1};
const op_errors OP_MEMCTL = {.range = MSG_MEM_START};
const op_errors OP_PROTECT = {.busy = MSG_PROTECT_BUSY};

/* ---- statuses to exceptions -------------------------------------------- */

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
        PyErr_Format(PyExc_SystemError, MSG_UNEXPECTED, mmf_status_name(st),
                     mmf_strerror(st));
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

/* mmf_py_set_error() : Set the Python exception for status st, returned by
 * an operation on map (NULL before there is one) described by op. No default
 * case: -Wswitch (an error with STRICT=1) flags a status added to mmf.h
 * without a mapping here. */
void
mmf_py_set_error(const mmf_map *map, mmf_status st, const op_errors *op)
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
    case MMF_EOPTBOTH:
        PyErr_SetString(PyExc_ValueError, MSG_OPT_BOTH);
        return;
    case MMF_EOPTHUGETLB:
        PyErr_SetString(PyExc_ValueError, MSG_OPT_HUGETLB);
        return;
    case MMF_EOPTSHARED:
        PyErr_SetString(PyExc_ValueError, MSG_OPT_SHARED);
        return;
    case MMF_EMODE:
        PyErr_SetString(PyExc_ValueError, MSG_MODE);
        return;
    case MMF_ENOSIZE:
        PyErr_SetString(PyExc_ValueError, MSG_OPEN_SIZE);
        return;
    case MMF_OK:
        break;
    }
    /* MMF_OK or a value outside the list: a bug in the caller or the core. */
    set_message(PyExc_SystemError, NULL, st);
}

/* The same, for functions returning a PyObject *. */
PyObject *
mmf_py_error(mmap_object *self, mmf_status st, const op_errors *op)
{
    if (st != ST_PYERR) {
        mmf_py_set_error(&self->map, st, op);
    }
    return NULL;
}
