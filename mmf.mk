# mmf.mk - what libmmf and the mmf extension are built from, and how: the
# one list. Read by the Makefile (include), by setup.py (pip install) and by
# the scripts in tools/ (through tools/vars.sh). Only `NAME = words` lines
# and comments, so that every reader parses it the same way; a new source
# file is named here and nowhere else.

# The portable core: no system call, no #ifdef on the platform.
CORE_SRC = src/io.c src/map.c src/search.c src/search_simd.c src/status.c
CORE_HDR = include/mmf.h src/internal.h src/search.h

# A platform is a list of directories: the system's own, then the POSIX one
# it completes, then src/guarded, the portable fast primitives over the
# backend's guard (used where the system has no faster path). Headers are
# searched in that order (src/linux/fast.h before src/guarded/fast.h). A
# macOS or BSD build adds a directory and its lines; Windows has one
# directory of its own.
PLAT_DIRS_linux = src/linux src/posix src/guarded
PLAT_SRC_linux = src/guarded/fast.c src/linux/extable.c src/linux/os_linux.c src/linux/sys_linux.c src/posix/guard.c src/posix/os.c src/posix/sys.c
PLAT_HDR_linux = include/mmf/unix.h src/guarded/fast.h src/linux/fast.h src/posix/guard.h src/posix/mem.h src/posix/os.h src/posix/sys.h
PLAT_LIBS_linux = -lpthread

# Windows (x86_64-w64-mingw32-gcc, tools/win.sh): the C library only.
PLAT_DIRS_win = src/win src/guarded
PLAT_SRC_win = src/guarded/fast.c src/win/guard.c src/win/os.c src/win/path.c src/win/resize.c src/win/sys.c
PLAT_HDR_win = include/mmf/win.h src/guarded/fast.h src/win/mem.h src/win/os.h src/win/sys.h
PLAT_LIBS_win =

# The Python binding: compiled together with the core into one module.
PY_SRC = python/additions.c python/errors.c python/jobs.c python/methods.c python/module.c python/protocols.c python/spare.c python/type.c
PY_HDR = python/compat.h python/convert.h python/mmfmodule.h
PY_DEFS = -DMMF_EMBED=1

# Warnings every build uses (tools/check.sh adds -Werror).
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes
# The optimisation users get: pip builds with the interpreter's flags
# (-O3 -DNDEBUG on CPython's release builds); `make` and the benchmarks use
# the same, so what is measured is what is installed.
RELEASE_CFLAGS = -O3 -DNDEBUG -g
# Link-time optimisation of the extension, where the compiler is GCC
# (setup.py; MMF_LTO=0 turns it off): the binding's per-call paths then
# inline the core's small functions (mmf_read_byte, the line scan), which
# live in other files.
LTO_GCC = -flto=auto
