/*
 * convert.h - argument converters, as Argument Clinic converts in CPython
 * 3.15, on every version (3.9's PyLong_AsLong() would still take a float
 * through __int__). `static inline`: they run on every call of the methods
 * that take numbers or bytes (seek, read, find, write, m[i] = ...), so each
 * caller gets its own copy, as when they were in one file. Included by
 * mmfmodule.h only.
 */
#ifndef MMF_PY_CONVERT_H
#define MMF_PY_CONVERT_H

/* Check a positional argument count, with _PyArg_CheckPositional()'s
 * message ("find expected at least 1 argument, got 0"). */
static inline int
check_nargs(const char *name, Py_ssize_t nargs, Py_ssize_t min, Py_ssize_t max)
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
static inline PyObject *
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
static inline int
as_ssize(PyObject *obj, Py_ssize_t *out)
{
    Py_ssize_t v;
    PyObject *index;

    if (small_int(obj, out)) {
        return 1;
    }
    index = index_of(obj);

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
static inline int
as_int(PyObject *obj, int *out)
{
    long v;
    Py_ssize_t small;
    PyObject *index;

    if (small_int(obj, &small) && small >= INT_MIN && small <= INT_MAX) {
        *out = (int)small;
        return 1;
    }
    index = index_of(obj);

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
static inline int
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
static inline int
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

static inline int
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

static inline void
bytes_arg_release(bytes_arg *b)
{
    if (b->has_view) {
        PyBuffer_Release(&b->view);
        b->has_view = 0;
    }
}

#endif /* MMF_PY_CONVERT_H */
