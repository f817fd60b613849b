/*
 * module.c - the module mmf: its constants (those of CPython's mmap, and
 * the access modes), mmf.open(), reinstall_fault_guard(), the module
 * definition and its state (the two types), and PyInit_mmf.
 */
#include "mmfmodule.h"

/* ---- constants ------------------------------------------------------- */

#define ADD_CONSTANT(module, name)                                            \
    do {                                                                      \
        if (PyModule_AddIntConstant(module, #name, name) < 0) {               \
            return -1;                                                        \
        }                                                                     \
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
                                   (long)mmf_granularity())
               < 0
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
        (PyTypeObject *)PyType_FromModuleAndSpec(m, &mmf_py_mmap_spec, NULL);
    if (state->mmap_type == NULL
        || PyModule_AddType(m, state->mmap_type) < 0) {
        return -1;
    }
    state->lines_type =
        (PyTypeObject *)PyType_FromModuleAndSpec(m, &mmf_py_lines_spec, NULL);
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

PyDoc_STRVAR(
    reinstall_fault_guard_doc,
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

PyDoc_STRVAR(
    open_doc,
    "open($module, path, mode='r', size=None, offset=0)\n--\n\n"
    "Open the file at path and map it; return an mmap object (beyond the\n"
    "stdlib API; the modes of numpy.memmap):\n\n"
    "  'r'   read-only (ACCESS_READ)\n"
    "  'r+'  read-write, shared with the file (ACCESS_WRITE)\n"
    "  'w+'  create or truncate, size the file to offset + size with its "
    "disk\n"
    "        space allocated (a full disk fails here with ENOSPC), "
    "read-write\n"
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
    /* Python's signed values; the mode and the size are the core's to
     * check */
    if (size < 0 || offset < 0) {
        PyErr_SetString(PyExc_ValueError, MSG_OPEN_NEGATIVE);
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
    } else if (st == MMF_EMODE) {
        PyErr_Format(PyExc_ValueError, MSG_OPEN_MODE, MSG_MODE, mode);
    } else if (st != MMF_OK) {
        mmf_py_set_error(&self->map, st, &OP_PLAIN);
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
    {NULL, NULL, 0, NULL}};

static PyModuleDef_Slot mod_slots[] = {
    {Py_mod_exec, (void *)mod_exec},
#if PY_VERSION_HEX >= 0x030c0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030d0000
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}};

PyDoc_STRVAR(
    mod_doc,
    "Memory-mapped file objects: a drop-in replacement for the mmap module\n"
    "(`import mmf as mmap`), with the CPython 3.15 API, built on libmmf.");

struct PyModuleDef mmf_py_module_def = {
    PyModuleDef_HEAD_INIT,      .m_name = "mmf",
    .m_doc = mod_doc,           .m_size = sizeof(module_state),
    .m_methods = mod_methods,   .m_slots = mod_slots,
    .m_traverse = mod_traverse, .m_clear = mod_clear,
    .m_free = mod_free,
};

PyMODINIT_FUNC
PyInit_mmf(void)
{
    return PyModuleDef_Init(&mmf_py_module_def);
}
