# mmf - memory-mapped file objects: libmmf (C) and the mmf Python module.
#
#   make               build/libmmf.a, build/libmmf.so and the extension for python3
#   make demo          sh tools/demo.sh: build, install mmf into build/venv,
#                      run the C and Python examples
#   make check         sh tools/check.sh: install what is missing (Debian, as
#                      root), build with -Werror, run every test (C,
#                      sanitizers, valgrind, Python on every interpreter
#                      against the installed wheel, conformance, fuzz replay)
#   make python PYTHON=python3.12   build the extension into build/<cache_tag>/
#   make install PREFIX=/usr/local  header, libraries, mmf.pc (ldconfig when
#                                   PREFIX is a system folder)
#   make bench [QUICK=1]            stdlib mmap vs mmf
#   make fuzz SECONDS=N             run libFuzzer
#
# Platform code is chosen here, by directory (src/posix/ + src/linux/), never
# by #ifdef.

CC       ?= cc
PREFIX   ?= /usr/local
PYTHON   ?= python3
BUILD    ?= build
PLATFORM ?= linux
# One version for C and Python: MMF_VERSION_STRING in the header.
VERSION  := $(shell sed -n 's/^\#define MMF_VERSION_STRING "\(.*\)"/\1/p' include/mmf.h)

# Sources, headers, warnings and the release flags: mmf.mk, the one list
# (setup.py and tools/*.sh read it too).
include mmf.mk

CFLAGS   ?= $(RELEASE_CFLAGS)
STRICT   ?=
ifeq ($(STRICT),1)
WARN     += -Werror
endif
PLAT_DIRS := $(PLAT_DIRS_$(PLATFORM))
ifeq ($(PLAT_DIRS),)
$(error PLATFORM=$(PLATFORM): mmf.mk has no PLAT_DIRS_$(PLATFORM))
endif
CPPFLAGS += -Iinclude -Isrc $(PLAT_DIRS:%=-I%)
LIBS     := $(PLAT_LIBS_$(PLATFORM))

CORE_SRC += $(PLAT_SRC_$(PLATFORM))
CORE_HDR += $(PLAT_HDR_$(PLATFORM))
# PLATFORM=win (CC=x86_64-w64-mingw32-gcc, tools/win.sh): the library is
# build/libmmf.a and build/mmf.dll with its import library.
ifeq ($(PLATFORM),win)
SHARED   := $(BUILD)/mmf.dll
else
SHARED   := $(BUILD)/libmmf.so
endif
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
PIC_OBJ  := $(CORE_SRC:%.c=$(BUILD)/pic/%.o)

.PHONY: all lib python examples demo check test test-c test-py install uninstall \
        bench fuzz clean deps format
all: lib python

lib: $(BUILD)/libmmf.a $(SHARED)

$(BUILD)/obj/%.o: %.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -fvisibility=hidden -c $< -o $@

$(BUILD)/pic/%.o: %.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -fvisibility=hidden -fPIC -c $< -o $@

$(BUILD)/libmmf.a: $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libmmf.so: $(PIC_OBJ)
	$(CC) -shared -Wl,-soname,libmmf.so.0 $(LDFLAGS) -o $@ $^ $(LIBS)

# Windows: the DLL's objects export the API (MMF_BUILD_DLL); a program
# linking build/libmmf.dll.a defines MMF_USE_DLL. libgcc (the CPU
# detection of the search, emutls) is linked in: mmf.dll needs no
# libgcc_s_seh-1.dll beside it.
$(BUILD)/dll/%.o: %.c $(CORE_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DMMF_BUILD_DLL $(CFLAGS) $(WARN) -c $< -o $@

$(BUILD)/mmf.dll: $(CORE_SRC:%.c=$(BUILD)/dll/%.o)
	$(CC) -shared -static-libgcc -Wl,--out-implib,$(BUILD)/libmmf.dll.a \
	    $(LDFLAGS) -o $@ $^ $(LIBS)

# ---- Python extension ------------------------------------------------------
# The core sources are compiled straight into the extension (no libmmf.so
# at run time), as setup.py does for pip.
PYINFO = $(shell $(PYTHON) -c 'import sys,sysconfig as s; \
    print(sys.implementation.cache_tag, s.get_config_var("EXT_SUFFIX"), \
    s.get_paths()["include"])')
python: lib $(PY_HDR)
	@set -e; set -- $(PYINFO); \
	mkdir -p $(BUILD)/$$1; \
	echo "  build $(BUILD)/$$1/mmf$$2"; \
	$(CC) $(CPPFLAGS) -I$$3 $(CFLAGS) $(WARN) -fPIC -shared \
	    -fvisibility=hidden $(PY_DEFS) $(PY_SRC) $(CORE_SRC) \
	    -o $(BUILD)/$$1/mmf$$2 $(LIBS)

# ---- examples ----------------------------------------------------------------
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/%,$(wildcard examples/*.c))
$(BUILD)/examples/%: examples/%.c $(BUILD)/libmmf.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $< -o $@ $(BUILD)/libmmf.a $(LIBS)

examples: $(EXAMPLES)

# The README's commands are `sh tools/demo.sh` and `sh tools/check.sh` (a
# bare machine has no make); these targets are the same scripts.
demo:
	@sh tools/demo.sh

# ---- tests ---------------------------------------------------------------------
check:
	@sh tools/check.sh

test-c:
	@sh tools/check.sh c

test-py:
	@sh tools/check.sh py

# ---- install -------------------------------------------------------------------
install: lib
	install -d $(DESTDIR)$(PREFIX)/include/mmf $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/mmf.h $(DESTDIR)$(PREFIX)/include/mmf.h
	install -m 644 include/mmf/*.h $(DESTDIR)$(PREFIX)/include/mmf/
	install -m 644 $(BUILD)/libmmf.a $(DESTDIR)$(PREFIX)/lib/libmmf.a
	install -m 755 $(BUILD)/libmmf.so $(DESTDIR)$(PREFIX)/lib/libmmf.so.0
	ln -sf libmmf.so.0 $(DESTDIR)$(PREFIX)/lib/libmmf.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' mmf.pc.in \
	    > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mmf.pc
	@# A program linked with -lmmf finds libmmf.so.0 in a system folder
	@# only once the loader's cache knows it; elsewhere, through the rpath
	@# that mmf.pc's Libs carries.
	@case "$(DESTDIR):$(PREFIX)" in :/usr | :/usr/local) \
	    if [ "$$(id -u)" = 0 ]; then echo "  ldconfig"; ldconfig; fi ;; esac

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/include/mmf
	rm -f $(DESTDIR)$(PREFIX)/include/mmf.h \
	      $(DESTDIR)$(PREFIX)/lib/libmmf.a $(DESTDIR)$(PREFIX)/lib/libmmf.so \
	      $(DESTDIR)$(PREFIX)/lib/libmmf.so.0 \
	      $(DESTDIR)$(PREFIX)/lib/pkgconfig/mmf.pc

# ---- benchmarks and fuzzing ----------------------------------------------------------
bench:
	@sh tools/deps.sh bench
	@$(MAKE) --no-print-directory lib python
	@sh tools/bench.sh $(BUILD) $(PYTHON) $(QUICK)

SECONDS ?= 60
fuzz:
	@sh tools/fuzz.sh $(SECONDS)

# clang-format pinned in tests/requirements.txt; `make check` fails on
# code it would change.
format:
	@sh tools/format.sh fix

clean:
	rm -rf $(BUILD)
