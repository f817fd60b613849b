/*
 * compat.h - what the binding needs from CPython 3.9 to 3.13 that newer
 * versions have, and the platform's C type for a file offset. Included by
 * mmfmodule.h only, after <Python.h>.
 */
#ifndef MMF_PY_COMPAT_H
#define MMF_PY_COMPAT_H

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

/* v's value when v is an exact int small enough to read in place (one
 * digit before 3.12, a "compact" int since), without a call: the per-call
 * paths take their numbers this way. Returns 1, or 0, with nothing set,
 * for anything else (it then takes the general path). */
#if PY_VERSION_HEX >= 0x030c0000
static inline int
small_int(PyObject *v, Py_ssize_t *out)
{
    if (!PyLong_CheckExact(v)
        || !PyUnstable_Long_IsCompact((PyLongObject *)v)) {
        return 0;
    }
    *out = PyUnstable_Long_CompactValue((PyLongObject *)v);
    return 1;
}
#else
#if PY_VERSION_HEX < 0x030b0000
#include <longintrepr.h>
#endif
static inline int
small_int(PyObject *v, Py_ssize_t *out)
{
    Py_ssize_t size;

    if (!PyLong_CheckExact(v)) {
        return 0;
    }
    size = Py_SIZE(v);
    if (size < -1 || size > 1) {
        return 0;
    }
    /* 0 has no digit allocated */
    *out = size == 0 ? 0 : size * (Py_ssize_t)((PyLongObject *)v)->ob_digit[0];
    return 1;
}
#endif

#define FUNC_CAST(f) ((PyCFunction)(void (*)(void))(f))

#endif /* MMF_PY_COMPAT_H */
