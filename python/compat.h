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

#define FUNC_CAST(f) ((PyCFunction)(void (*)(void))(f))

#endif /* MMF_PY_COMPAT_H */
