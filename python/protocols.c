/*
 * protocols.c - mmap.mmap as a sequence (len(), iteration, `in`), as a
 * mapping (m[i], m[a:b:c] and their assignment) and as a buffer (each view
 * pins the map for as long as it lives).
 */
#include "mmfmodule.h"

/* ---- sequence and mapping slots -----------------------------------------
 * CPython fills both, and they differ: m[i] is an int (mapping), while the
 * sequence item, used by iteration and `in`, is a 1-byte bytes. */

Py_ssize_t
mmap_length(PyObject *op)
{
    mmap_object *self = (mmap_object *)op;
    Py_ssize_t len = -1;

    /* the fields, as in tell_impl() (methods.c) */
    Py_BEGIN_CRITICAL_SECTION(op);
    if (self->map.data != NULL) {
        len = (Py_ssize_t)self->map.size;
    }
    Py_END_CRITICAL_SECTION();
    if (len < 0) {
        mmf_py_set_error(&self->map, MMF_ECLOSED, &OP_PLAIN);
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
        return mmf_py_error(self, st, &OP_INDEX);
    }
    return PyBytes_FromStringAndSize((const char *)&b, 1);
}

PyObject *
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
        mmf_py_set_error(&self->map, st, &OP_INDEX);
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
        mmf_py_set_error(&self->map, st, &OP_INDEX);
        return -1;
    }
    return 0;
}

int
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
    x = PyNumber_AsSsize_t(v, NULL); /* clamps, as slices do */
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
        mmf_py_set_error(&self->map, st, &OP_INDEX);
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
        mmf_py_set_error(&self->map, st, &OP_INDEX);
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
        return mmf_py_error(self, st, &OP_INDEX);
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
        mmf_py_set_error(&self->map, st, &OP_INDEX);
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
    } else {
        job j = {.kind = JOB_COPY,
                 .start = (size_t)start,
                 .step = (ptrdiff_t)step,
                 .count = (size_t)slicelen,
                 .dst = PyBytes_AS_STRING(res)};
        st = mmf_py_run_job(self, &j, j.count);
    }
    if (st != MMF_OK) {
        Py_DECREF(res);
        return mmf_py_error(self, st, &OP_INDEX);
    }
    return res;
}

/* m[a:b] with a and b small exact ints or None, and no step: no Python
 * code can run, so the open map's length is read once from the field (as
 * tell() does) and the bytes copied in one core call, which checks the
 * rest. Returns 1 with *res set (NULL with an exception on failure), or 0
 * for any other key or a closed map, which take the general path. */
static int
get_small_slice(mmap_object *self, PySliceObject *key, PyObject **res)
{
    Py_ssize_t start = 0, stop = PY_SSIZE_T_MAX, n;
    Py_ssize_t len = (Py_ssize_t)self->map.size;
    mmf_status st;

    if (key->step != Py_None || self->map.data == NULL
        || (key->start != Py_None && !small_int(key->start, &start))
        || (key->stop != Py_None && !small_int(key->stop, &stop))) {
        return 0;
    }
    /* PySlice_AdjustIndices() for a step of 1, inline: the call costs
     * about 20 instructions of a ~900-instruction m[i:i+8] (callgrind) */
    if (start < 0) {
        start = start + len < 0 ? 0 : start + len;
    } else if (start > len) {
        start = len;
    }
    if (stop < 0) {
        stop = stop + len < 0 ? 0 : stop + len;
    } else if (stop > len) {
        stop = len;
    }
    n = stop > start ? stop - start : 0;
    if ((size_t)n >= LONG_JOB_BYTES) {
        return 0; /* a copy long enough to drop the GIL for */
    }
    *res = PyBytes_FromStringAndSize(NULL, n);
    if (*res != NULL && n > 0) {
        st = mmf_get_slice(&self->map, (size_t)start, 1, (size_t)n,
                           PyBytes_AS_STRING(*res));
        if (st != MMF_OK) {
            Py_CLEAR(*res);
            mmf_py_set_error(&self->map, st, &OP_INDEX);
        }
    }
    return 1;
}

static PyObject *
subscript_impl(mmap_object *self, PyObject *key)
{
    PyObject *res;
    Py_ssize_t i;
    size_t len;
    mmf_status st;

    /* An exact int runs no Python code: straight to the core, which
     * checks that the map is open, then the range (negative ones take the
     * general path). */
    if (small_int(key, &i) && i >= 0) {
        unsigned char b;

        st = mmf_get_byte(&self->map, (size_t)i, &b);
        return st == MMF_OK ? PyLong_FromLong(b)
                            : mmf_py_error(self, st, &OP_INDEX);
    }
    if (PySlice_Check(key)
        && get_small_slice(self, (PySliceObject *)key, &res)) {
        return res;
    }
    if ((st = mmf_len(&self->map, &len)) != MMF_OK) {
        return mmf_py_error(self, st, &OP_PLAIN);
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

PyObject *
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
        mmf_py_set_error(&self->map, st, &OP_INDEX);
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
        mmf_py_set_error(&self->map, st, &OP_INDEX);
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

    if (st == MMF_ECLOSED && mmf_access_mode(&self->map) == MMF_ACCESS_READ) {
        st = MMF_EREADONLY;
    }
    if (st == MMF_EREADONLY) {
        mmf_py_set_error(&self->map, st, &OP_PLAIN);
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

int
mmap_ass_subscript(PyObject *op, PyObject *key, PyObject *value)
{
    int res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = ass_subscript_impl((mmap_object *)op, key, value);
    Py_END_CRITICAL_SECTION();
    return res;
}

/* ---- buffer protocol: each view pins the map --------------------------- */

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
        mmf_py_set_error(&self->map, st, &OP_PLAIN);
        return -1;
    }
    readonly = check_writable(self) == MMF_EREADONLY;
    if (PyBuffer_FillInfo(view, (PyObject *)self, data, (Py_ssize_t)len,
                          readonly, flags)
        < 0) {
        mmf_unpin(&self->map);
        return -1;
    }
    return 0;
}

int
mmap_getbuffer(PyObject *op, Py_buffer *view, int flags)
{
    int res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = getbuffer_impl((mmap_object *)op, view, flags);
    Py_END_CRITICAL_SECTION();
    return res;
}

void
mmap_releasebuffer(PyObject *op, Py_buffer *Py_UNUSED(view))
{
    Py_BEGIN_CRITICAL_SECTION(op);
    mmf_unpin(&((mmap_object *)op)->map);
    Py_END_CRITICAL_SECTION();
}
