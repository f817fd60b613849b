/*
 * methods.c - the methods of the stdlib's mmap.mmap, in the stdlib's
 * order (close, find, flush, madvise, move, read, read_byte, readline,
 * resize, rfind, seek, seekable, set_name, size, tell, write, write_byte),
 * each with its docstring, its implementation (which runs under the
 * object's lock) and its wrapper.
 */
#include "mmfmodule.h"

/* ---- close() ----------------------------------------------------------- */

MMF_PY_DOC(mmap_close_doc, "close($self, /)",
           "Close the map. Raises BufferError while buffers are exported.");

/* close() keeps the GIL: mmf_close() clears and unmaps in one call, and
 * another thread must never see the map half closed. */
PyObject *
mmf_py_close(mmap_object *self)
{
    mmf_status st = mmf_close(&self->map);

    if (st != MMF_OK) {
        return mmf_py_error(self, st, &OP_CLOSE);
    }
    mmf_py_spares_clear(self);
    Py_RETURN_NONE;
}

NOARGS_METHOD(mmap_close, mmf_py_close)

/* ---- find() ------------------------------------------------------------ */

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
find_bounds(mmap_object *self, PyObject *const *args, Py_ssize_t nargs, job *j)
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
        mmf_py_set_error(&self->map, st, &OP_PLAIN);
        return 0;
    }
    j->start = has_start ? norm_bound(start, len, 0) : pos;
    j->end = has_end ? norm_bound(end, len, 1) : len;
    return 1;
}

/* Run a scan job (find, rfind, count) for the arguments (sub[, start[,
 * end]]): 1 with the result in j, or 0 with an exception set. */
int
mmf_py_scan_job(mmap_object *self, PyObject *const *args, Py_ssize_t nargs,
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
        st = mmf_py_run_job(self, j, j->end - j->start);
    }
    bytes_arg_release(&sub);
    if (ok && st != MMF_OK) {
        mmf_py_error(self, st, &OP_PLAIN);
        ok = 0;
    }
    return ok;
}

static PyObject *
scan_find(mmap_object *self, PyObject *const *args, Py_ssize_t nargs,
          int reverse)
{
    job j = {.kind = reverse ? JOB_RFIND : JOB_FIND, .found = -1};

    if (!mmf_py_scan_job(self, args, nargs, reverse ? "rfind" : "find", &j)) {
        return NULL;
    }
    return PyLong_FromSsize_t((Py_ssize_t)j.found);
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
    if (mmf_find(m, PyBytes_AS_STRING(args[0]), (size_t)nlen, from, to, &found)
            != MMF_OK
        || (found < 0 && to < m->size)) {
        return NULL;
    }
    return PyLong_FromSsize_t((Py_ssize_t)found);
}

MMF_PY_DOC(mmap_find_doc, "find($self, sub, start=None, end=None, /)",
           "Return the lowest index of sub in [start, end), or -1.\n\n"
           "start defaults to the current position, end to the length.");

static PyObject *
find_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *res = find_near(self, args, nargs);

    if (res != NULL || PyErr_Occurred()) {
        return res;
    }
    return scan_find(self, args, nargs, 0);
}

FASTCALL_METHOD(mmap_find, find_impl)

/* ---- flush() ----------------------------------------------------------- */

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
        } else {
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
    mmf_status st = mmf_py_call_pin_take(self, &pin, NULL, NULL);

    if (st != MMF_OK) {
        return st;
    }
    Py_BEGIN_ALLOW_THREADS
    st = mmf_flush(&self->map, offset, size, flags);
    Py_END_ALLOW_THREADS
    mmf_py_call_pin_release(&pin);
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
        return mmf_py_error(self, st, &OP_FLUSH);
    }
    if (size == -1) {
        size = (Py_ssize_t)len - offset; /* 3.15: to the end */
    }
    /* Python's signed values; the range is the core's to check */
    if (size < 0 || offset < 0) {
        PyErr_SetString(PyExc_ValueError, MSG_FLUSH);
        return NULL;
    }
    st = flush_pinned(self, (size_t)offset, (size_t)size, flags);
    if (st != MMF_OK) {
        return mmf_py_error(self, st, &OP_FLUSH);
    }
    Py_RETURN_NONE;
}

MMF_PY_DOC(
    mmap_flush_doc, "flush($self, offset=0, size=-1, /, *, flags=0)",
    "Write changes in [offset, offset + size) back to the file.\n\n"
    "size -1 means to the end; flags are MS_* values (0 means MS_SYNC).");

PyObject *
mmap_flush(PyObject *op, PyObject *const *args, Py_ssize_t nargs,
           PyObject *kwnames)
{
    PyObject *res;

    Py_BEGIN_CRITICAL_SECTION(op);
    res = flush_impl((mmap_object *)op, args, nargs, kwnames);
    Py_END_CRITICAL_SECTION();
    return res;
}

/* ---- madvise() --------------------------------------------------------- */

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

MMF_PY_DOC(mmap_madvise_doc, "madvise($self, option, start=0, length=None, /)",
           "Advise the kernel about [start, start + length) (to the end by "
           "default).");

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
        return mmf_py_error(self, st, &OP_MADVISE);
    }
    if (!has_length) {
        length = (Py_ssize_t)len;
    }
    if (!madvise_bounds(len, start, &length)) {
        return NULL;
    }
    st = mmf_py_call_pin_take(self, &pin, &data, NULL);
    if (st == MMF_OK) {
        /* A map at an unaligned offset (mmf.open(p, 'r', offset=123))
         * starts inside a page, which the core never widens down to (the
         * bytes below are not the map's). With no start given,
         * the whole map is a valid range: advise its whole pages (an
         * explicit start is the kernel's to judge, as in CPython). */
        size_t ps = mmf_page_size(&self->map);
        size_t skip = nargs < 2 ? (ps - (uintptr_t)data % ps) % ps : 0;
        if (skip == 0 || skip < (size_t)length) { /* else: no whole page */
            start += (Py_ssize_t)skip;
            length -= (Py_ssize_t)skip;
            Py_BEGIN_ALLOW_THREADS
            st =
                mmf_madvise(&self->map, option, (size_t)start, (size_t)length);
            Py_END_ALLOW_THREADS
        }
        mmf_py_call_pin_release(&pin);
    }
    if (st != MMF_OK) {
        return mmf_py_error(self, st, &OP_MADVISE);
    }
    Py_RETURN_NONE;
}

FASTCALL_METHOD(mmap_madvise, madvise_impl)

/* ---- move() ------------------------------------------------------------ */

MMF_PY_DOC(
    mmap_move_doc, "move($self, dest, src, count, /)",
    "Copy count bytes from src to dest inside the map (overlap allowed).");

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
        return mmf_py_error(self, st, &OP_MOVE);
    }
    Py_RETURN_NONE;
}

FASTCALL_METHOD(mmap_move, move_impl)

/* ---- read() ------------------------------------------------------------ */

/* Copy n bytes (n <= remaining) at the cursor to dst and move the cursor
 * past them; a long copy runs with the GIL released (mmf_py_run_job()),
 * then the cursor moves: the pin keeps the length, so pos + n stays
 * valid. */
mmf_status
mmf_py_read_at_cursor(mmap_object *self, void *dst, size_t n)
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
        st = mmf_py_run_job(self, &j, n);
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
    st = mmf_py_read_at_cursor(self, PyBytes_AS_STRING(res), n);
    if (st != MMF_OK) {
        Py_DECREF(res);
        return mmf_py_error(self, st, &OP_PLAIN);
    }
    return res;
}

MMF_PY_DOC(mmap_read_doc, "read($self, n=None, /)",
           "Return up to n bytes from the current position (all with None or "
           "n < 0).");

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
        return mmf_py_error(self, st, &OP_PLAIN);
    }
    if (n < 0 || (size_t)n > remaining) {
        n = (Py_ssize_t)remaining;
    }
    return read_bytes(self, (size_t)n);
}

FASTCALL_METHOD(mmap_read, read_impl)

/* ---- read_byte() ------------------------------------------------------- */

MMF_PY_DOC(
    mmap_read_byte_doc, "read_byte($self, /)",
    "Return the byte at the current position as an int, and advance by 1.");

static PyObject *
read_byte_impl(mmap_object *self)
{
    unsigned char b;
    mmf_status st = mmf_read_byte(&self->map, &b);

    if (st != MMF_OK) {
        return mmf_py_error(self, st, &OP_READ_BYTE);
    }
    return PyLong_FromLong(b);
}

NOARGS_METHOD(mmap_read_byte, read_byte_impl)

/* ---- readline() -------------------------------------------------------- */

/* mmf_readline_alloc()'s allocator: a bytes object of n bytes, perhaps a
 * recycled one (spare.c), kept in the context (runs no Python code, so the
 * map cannot change under the call). */
typedef struct {
    mmap_object *self;
    PyObject *res;
} line_ctx;

static void *
alloc_line(void *ctx, size_t n)
{
    line_ctx *c = ctx;

    return mmf_py_line_bytes(c->self, n, &c->res);
}

/* The length of the line at the cursor, when LONG_JOB_BYTES or more remain
 * (else 0, with *st MMF_OK: the caller reads the line in one core call).
 * Its end is looked for in the first LONG_JOB_BYTES with the GIL held,
 * then by an mmf_py_run_job() find, which a signal interrupts
 * (docs/hazards.md H-47). */
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
    *st = mmf_find(&self->map, "\n", 1, pos, pos + LONG_JOB_BYTES, &j.found);
    if (*st == MMF_OK && j.found < 0) {
        j.start = pos + LONG_JOB_BYTES;
        j.end = pos + rem;
        *st = mmf_py_run_job(self, &j, rem - LONG_JOB_BYTES);
    }
    if (*st != MMF_OK) {
        return 0;
    }
    return j.found < 0 ? rem : (size_t)j.found + 1 - pos;
}

MMF_PY_DOC(
    mmap_readline_doc, "readline($self, /)",
    "Return the bytes up to and including the next newline (or to the end).");

/* The line at the cursor as a new bytes object (b"" at the end); the cursor
 * moves past it. One core call finds and copies a line shorter than
 * LONG_JOB_BYTES, with the GIL held; a longer one is found and read as
 * long_line_length() and read_bytes() do, in chunks. */
PyObject *
mmf_py_readline(mmap_object *self)
{
    line_ctx c = {self, NULL};
    PyObject *res;
    size_t nread;
    mmf_status st;

    st = mmf_readline_alloc_upto(&self->map, LONG_JOB_BYTES, alloc_line, &c,
                                 &nread);
    res = c.res;
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
        } else if (st == MMF_ENOMEM && PyErr_Occurred()) {
            return NULL; /* the MemoryError of PyBytes_FromStringAndSize */
        }
        return mmf_py_error(self, st, &OP_PLAIN);
    }
    return res;
}

NOARGS_METHOD(mmap_readline, mmf_py_readline)

/* ---- resize() ---------------------------------------------------------- */

MMF_PY_DOC(mmap_resize_doc, "resize($self, newsize, /)",
           "Resize the map, and the file behind it, to newsize bytes.");

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
        return mmf_py_error(self, st, &OP_RESIZE);
    }
    Py_RETURN_NONE;
}

O_METHOD(mmap_resize, resize_impl)

/* ---- rfind() ----------------------------------------------------------- */

MMF_PY_DOC(mmap_rfind_doc, "rfind($self, sub, start=None, end=None, /)",
           "Return the highest index of sub in [start, end), or -1.\n\n"
           "start defaults to the current position, end to the length.");

static PyObject *
rfind_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    return scan_find(self, args, nargs, 1);
}

FASTCALL_METHOD(mmap_rfind, rfind_impl)

/* ---- seek() ------------------------------------------------------------ */

MMF_PY_DOC(
    mmap_seek_doc, "seek($self, pos, whence=0, /)",
    "Move the position (whence: 0 start, 1 current, 2 end); return it.");

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
        return mmf_py_error(self, st, &OP_SEEK);
    }
    /* seek(i) lands on i: the argument is the answer (an int is
     * immutable), with no new object. */
    if (PyLong_CheckExact(args[0]) && dist >= 0 && (size_t)dist == newpos) {
        Py_INCREF(args[0]);
        return args[0];
    }
    return PyLong_FromSize_t(newpos);
}

FASTCALL_METHOD(mmap_seek, seek_impl)

/* ---- seekable() -------------------------------------------------------- */

MMF_PY_DOC(mmap_seekable_doc, "seekable($self, /)",
           "Return True: a map is always seekable.");

PyObject *
mmap_seekable(PyObject *Py_UNUSED(op), PyObject *Py_UNUSED(unused))
{
    Py_RETURN_TRUE;
}

/* ---- set_name() -------------------------------------------------------- */

/* What set_name() puts before the name, as CPython does. */
#define NAME_PREFIX "cpython:mmap:"

MMF_PY_DOC(
    mmap_set_name_doc, "set_name($self, name, /)",
    "Name an anonymous map (shown as [anon:cpython:mmap:NAME] on Linux).");

static PyObject *
set_name_impl(mmap_object *self, PyObject *arg)
{
    /* one byte more than the core takes: a longer name is cut there,
     * and refused by the core as too long */
    char buf[MMF_NAME_MAX + 2];
    const char *name;
    Py_ssize_t n;
    mmf_status st;

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
    /* A drop-in never raises where the stdlib does not: the released 3.15
     * returns None once the name is valid (it annotates only in debug
     * builds and -X dev) and the map anonymous, also once closed or on a
     * kernel without anonymous VMA names. mmf annotates where the kernel
     * can and ignores the kernel's refusal (docs/behaviour.md). */
    PyOS_snprintf(buf, sizeof(buf), "%s%s", NAME_PREFIX, name);
    st = mmf_set_name(&self->map, buf);
    if (st == MMF_EINVAL || st == MMF_ENOTANON) {
        return mmf_py_error(self, st, &OP_SET_NAME);
    }
    Py_RETURN_NONE;
}

O_METHOD(mmap_set_name, set_name_impl)

/* ---- size() ------------------------------------------------------------ */

MMF_PY_DOC(mmap_size_doc, "size($self, /)",
           "Return the size of the file (the length for an anonymous map).");

static PyObject *
size_impl(mmap_object *self)
{
    uint64_t size = 0;
    call_pin pin;
    mmf_status st = mmf_py_call_pin_take(self, &pin, NULL, NULL);

    /* The pin keeps the private fd open while fstat runs without the GIL. */
    if (st == MMF_OK) {
        Py_BEGIN_ALLOW_THREADS
        st = mmf_size(&self->map, &size);
        Py_END_ALLOW_THREADS
        mmf_py_call_pin_release(&pin);
    }
    if (st != MMF_OK) {
        return mmf_py_error(self, st, &OP_SIZE);
    }
    return PyLong_FromUnsignedLongLong((unsigned long long)size);
}

NOARGS_METHOD(mmap_size, size_impl)

/* ---- tell() ------------------------------------------------------------ */

MMF_PY_DOC(mmap_tell_doc, "tell($self, /)", "Return the current position.");

static PyObject *
tell_impl(mmap_object *self)
{
    /* tell() and len() are the most frequent calls of all: they read the
     * map's fields as mmf_tell() and mmf_len() do (mmf.h documents them:
     * data is NULL once closed), without a call into the core. */
    if (self->map.data == NULL) {
        return mmf_py_error(self, MMF_ECLOSED, &OP_PLAIN);
    }
    return PyLong_FromSize_t(self->map.pos);
}

NOARGS_METHOD(mmap_tell, tell_impl)

/* ---- write() ----------------------------------------------------------- */

MMF_PY_DOC(
    mmap_write_doc, "write($self, bytes, /)",
    "Write bytes at the current position, advance, and return the count.");

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
        return mmf_py_error(self, st, &OP_WRITE);
    }
    return PyLong_FromSsize_t(data.len);
}

O_METHOD(mmap_write, write_impl)

/* ---- write_byte() ------------------------------------------------------ */

MMF_PY_DOC(
    mmap_write_byte_doc, "write_byte($self, byte, /)",
    "Write one byte (an int) at the current position and advance by 1.");

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
        return mmf_py_error(self, st, &OP_WRITE_BYTE);
    }
    Py_RETURN_NONE;
}

O_METHOD(mmap_write_byte, write_byte_impl)
