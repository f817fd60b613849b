/*
 * type.c - the type mmap.mmap: constructor (with the mmap.__new__ audit
 * event), destructor, repr, the context manager, the `closed` attribute,
 * the method table, the slots and the spec.
 */
#include "mmfmodule.h"

/* ---- constructor and destructor ---------------------------------------- */

typedef struct new_args {
    int fd;
    Py_ssize_t length;
    int flags;
    int prot;
    int access;
    py_offset offset;
    int trackfd;
    int hugepages; /* mmf addition: MMF_OPT_HUGEPAGES */
    int memfd;     /* mmf addition: MMF_OPT_MEMFD */
} new_args;

static int
parse_new_args(PyObject *args, PyObject *kwds, new_args *a)
{
    static char *kwlist[] = {"fileno", "length", "flags",   "prot",
                             "access", "offset", "trackfd", "hugepages",
                             "memfd",  NULL};

    a->flags = MAP_SHARED;
    a->prot = PROT_READ | PROT_WRITE;
    a->access = MMF_ACCESS_DEFAULT;
    a->offset = 0;
    a->trackfd = 1;
    a->hugepages = 0;
    a->memfd = 0;
    return PyArg_ParseTupleAndKeywords(
        args, kwds, "in|iii" OFFSET_FORMAT "$ppp", kwlist, &a->fd, &a->length,
        &a->flags, &a->prot, &a->access, &a->offset, &a->trackfd,
        &a->hugepages, &a->memfd);
}

/* mmf_open_anon()'s options, from the keywords. */
static unsigned
new_options(const new_args *a)
{
    return (a->hugepages ? MMF_OPT_HUGEPAGES : 0)
           | (a->memfd ? MMF_OPT_MEMFD : 0);
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
    if (st == MMF_OK && new_options(a) != 0) {
        /* the options exist for anonymous maps only (mmf_open_anon()) */
        if (a->fd != -1) {
            PyErr_SetString(PyExc_ValueError, MSG_OPT_ANON);
            return 0;
        }
        st = mmf_check_options(flags, new_options(a));
    }
    if (st != MMF_OK) {
        /* statuses that need no object */
        mmf_py_set_error(NULL, st, &OP_PLAIN);
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
                    access, a.offset)
        < 0) {
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
    if (new_options(&a) != 0) {
        st = mmf_open_anon(&self->map, (size_t)a.length, a.flags, a.prot,
                           (mmf_access)a.access, new_options(&a));
    } else {
        st = mmf_open(&self->map, a.fd, (size_t)a.length, a.flags, a.prot,
                      (mmf_access)a.access, (int64_t)a.offset, a.trackfd);
    }
    Py_END_ALLOW_THREADS
    if (st != MMF_OK) {
        mmf_py_set_error(&self->map, st, &OP_PLAIN);
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
        Py_BEGIN_ALLOW_THREADS(void)
        mmf_close(&self->map);
        Py_END_ALLOW_THREADS
    }
    mmf_py_spares_clear(self);
    tp->tp_free(op);
    Py_DECREF(tp);
}

static int
mmap_traverse(PyObject *op, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(op));
    return 0;
}

/* ---- repr -------------------------------------------------------------- */

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
        "<%s closed=False, access=%s, length=%zu, pos=%zu, offset=%lld>", name,
        access_name(self), len, pos, map_offset(self));
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

/* ---- the context manager and `closed` ---------------------------------- */

static MMF_PY_DOC(mmap_enter_doc, "__enter__($self, /)", "Return self.");

static PyObject *
enter_impl(mmap_object *self)
{
    size_t len;
    mmf_status st = mmf_len(&self->map, &len);

    if (st != MMF_OK) {
        return mmf_py_error(self, st, &OP_PLAIN);
    }
    Py_INCREF(self);
    return (PyObject *)self;
}

static NOARGS_METHOD(mmap_enter, enter_impl)

    static MMF_PY_DOC(mmap_exit_doc,
                      "__exit__($self, exc_type, exc_value, traceback, /)",
                      "Close the map.");

static PyObject *
exit_impl(mmap_object *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)args;
    if (!check_nargs("__exit__", nargs, 3, 3)) {
        return NULL;
    }
    return mmf_py_close(self);
}

static FASTCALL_METHOD(mmap_exit, exit_impl)

    static PyObject *mmap_closed_get(PyObject *op, void *Py_UNUSED(closure))
{
    int closed;

    Py_BEGIN_CRITICAL_SECTION(op);
    closed = mmf_closed(&((mmap_object *)op)->map);
    Py_END_CRITICAL_SECTION();
    return PyBool_FromLong(closed);
}

/* ---- the type ---------------------------------------------------------- */

static PyMethodDef mmap_methods[] = {
    {"close", mmap_close, METH_NOARGS, mmap_close_doc},
    {"find", FUNC_CAST(mmap_find), METH_FASTCALL, mmap_find_doc},
    {"rfind", FUNC_CAST(mmap_rfind), METH_FASTCALL, mmap_rfind_doc},
    {"count", FUNC_CAST(mmap_count), METH_FASTCALL, mmap_count_doc},
    {"readinto", mmap_readinto, METH_O, mmap_readinto_doc},
    {"protect", mmap_protect, METH_O, mmap_protect_doc},
    {"page_size", mmap_page_size, METH_NOARGS, mmap_page_size_doc},
    {"fd", mmap_fd, METH_NOARGS, mmap_fd_doc},
    {"lock", FUNC_CAST(mmap_lock), METH_FASTCALL, mmap_lock_doc},
    {"unlock", FUNC_CAST(mmap_unlock), METH_FASTCALL, mmap_unlock_doc},
    {"populate", FUNC_CAST(mmap_populate), METH_FASTCALL, mmap_populate_doc},
    {"resident", FUNC_CAST(mmap_resident), METH_FASTCALL, mmap_resident_doc},
    {"flush", FUNC_CAST(mmap_flush), METH_FASTCALL | METH_KEYWORDS,
     mmap_flush_doc},
    {"madvise", FUNC_CAST(mmap_madvise), METH_FASTCALL, mmap_madvise_doc},
    {"move", FUNC_CAST(mmap_move), METH_FASTCALL, mmap_move_doc},
    {"read", FUNC_CAST(mmap_read), METH_FASTCALL, mmap_read_doc},
    {"read_byte", mmap_read_byte, METH_NOARGS, mmap_read_byte_doc},
    {"readline", mmap_readline, METH_NOARGS, mmap_readline_doc},
    {"lines", mmap_lines, METH_NOARGS, mmap_lines_doc},
    {"resize", mmap_resize, METH_O, mmap_resize_doc},
    {"seek", FUNC_CAST(mmap_seek), METH_FASTCALL, mmap_seek_doc},
    {"seekable", mmap_seekable, METH_NOARGS, mmap_seekable_doc},
    {"set_name", mmap_set_name, METH_O, mmap_set_name_doc},
    {"size", mmap_size, METH_NOARGS, mmap_size_doc},
    {"tell", mmap_tell, METH_NOARGS, mmap_tell_doc},
    {"write", mmap_write, METH_O, mmap_write_doc},
    {"write_byte", mmap_write_byte, METH_O, mmap_write_byte_doc},
    {"__enter__", mmap_enter, METH_NOARGS, mmap_enter_doc},
    {"__exit__", FUNC_CAST(mmap_exit), METH_FASTCALL, mmap_exit_doc},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef mmap_getset[] = {
    {"closed", mmap_closed_get, NULL, "True if the map is closed.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMemberDef mmap_members[] = {{"__weaklistoffset__", Py_T_PYSSIZET,
                                      offsetof(mmap_object, weakreflist),
                                      Py_READONLY, NULL},
                                     {NULL, 0, 0, 0, NULL}};

PyDoc_STRVAR(
    mmap_doc,
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
    "To map anonymous memory, pass -1 as fileno. mmf additions, for "
    "anonymous\n"
    "maps: hugepages=True asks for transparent huge pages (maps of 2 MiB or\n"
    "more; shared ones get them only where the kernel's shmem_enabled\n"
    "allows, see page_size()); memfd=True backs a shared map with a sealed "
    "memfd, which can grow\n"
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
    {0, NULL}};

PyType_Spec mmf_py_mmap_spec = {
    .name = "mmap.mmap",
    .basicsize = sizeof(mmap_object),
    .flags = (Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC
              | MMAP_TYPE_FLAGS_EXTRA),
    .slots = mmap_slots,
};
