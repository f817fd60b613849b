#!/bin/sh
# check.sh [all|c|py] - the README's test command: build with -Werror and
# run every test (.ci/run and `make check` call it). `all`, the default,
# first installs the Debian packages it needs (tools/deps.sh, as root);
# `c` and `py` run one half and install nothing. Each step prints its own
# output; the last line is the summary "check: N passed, N failed" (and
# ", N skipped" when a step could not run here, each named with its
# reason). Exit status 1 if any step failed.
#
# C steps: the library with gcc and clang (-Werror); the C tests (cmocka)
# with gcc, with clang ASan+UBSan and under valgrind, and under TSan; the
# poison mode; the C examples against the stdlib's output; install +
# pkg-config; the fuzz corpus replay, and the statuses it saw each function
# return against those mmf.h documents (tests/fuzz/statuses.py); the cross
# builds under qemu-user (tools/cross.sh) and the Windows build under Wine
# (tools/win.sh); the code's formatting (tools/format.sh).
# Python steps: the sdist, once; then for every interpreter
# (tools/pythons.sh; MMF_PYTHONS="py1 py2" replaces the list) a wheel built
# from the sdist and installed into a fresh venv with tests/requirements.txt,
# the pytest suite, CPython's own test_mmap and stubtest + mypy against that
# install, and the golden trace replayed on mmf; then, with Debian's
# python3, the README's snippets and the pytest suite with the extension
# built with ASan+UBSan. As root, CPython 3.14 and 3.15 too: a Debian 13
# chroot (tools/chroot.sh) where the 3.15 stdlib records the golden trace
# (tests/py/golden.py) and the whole Python half runs again on both.
set -u
# Run with `env -i` (no PATH, no HOME), the commands and tools it starts
# still need both.
: "${PATH:=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
export PATH HOME
cd "$(dirname "$0")/.." || exit 1
what=${1:-all}
B=build/check
run_id="$$-$(date +%s)"
passed=0
failed=0
failures=
skipped=0
skips=

step() {
    name=$1
    shift
    echo "=== $name"
    if "$@"; then
        passed=$((passed + 1))
        echo "--- ok: $name"
    else
        failed=$((failed + 1))
        failures="$failures
  $name"
        echo "--- FAILED: $name"
    fi
}

skip() { # name reason
    skipped=$((skipped + 1))
    skips="$skips
  $1: $2"
    echo "=== $1"
    echo "--- skipped: $1 ($2)"
}

# ---- C --------------------------------------------------------------------
# Sources, -I flags and warnings: mmf.mk, through tools/vars.sh.
. tools/vars.sh
core_src=$mmf_core_src
inc=$mmf_inc
warn="$mmf_warn -Werror"
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
# The guard tests provoke SIGBUS/SIGSEGV on purpose: ASan must let them
# through to our handler.
asan_env="ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1:detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1"

c_tests() {
    ls tests/c/test_*.c 2>/dev/null
}

build_c_tests() { # dir cc flags...
    dir=$1
    cc=$2
    shift 2
    mkdir -p "$dir" || return 1
    helpers=
    [ -f tests/c/helpers.c ] && helpers=tests/c/helpers.c
    for t in $(c_tests); do
        n=$(basename "$t" .c)
        # shellcheck disable=SC2086
        $cc $inc -g -O1 $warn "$@" "$t" $helpers $core_src \
            -lcmocka -lpthread -o "$dir/$n" || return 1
    done
}

run_c_tests() { # dir [wrapper...]
    dir=$1
    shift
    rc=0
    for t in $(c_tests); do
        n=$(basename "$t" .c)
        echo "  -- $n"
        "$@" "$dir/$n" || rc=1
    done
    return $rc
}

# ThreadSanitizer (H-31, C half): the thread contract and concurrent faults.
ctest_tsan() {
    mkdir -p $B/ctest-tsan || return 1
    rc=0
    for n in test_threads test_guard_faults test_guard_chain; do
        # shellcheck disable=SC2086
        clang -fsanitize=thread $inc -g -O1 $warn tests/c/$n.c \
            tests/c/helpers.c $core_src -lcmocka -lpthread \
            -o $B/ctest-tsan/$n || return 1
        echo "  -- $n"
        TSAN_OPTIONS=handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1:halt_on_error=1 \
            $B/ctest-tsan/$n || rc=1
    done
    return $rc
}

# Poison mode (H-45): library and test built with -DMMF_POISON.
ctest_poison() {
    mkdir -p $B/ctest-poison || return 1
    # shellcheck disable=SC2086
    gcc -DMMF_POISON $inc -g -O1 $warn tests/c/debug_poison.c \
        tests/c/helpers.c $core_src -lcmocka -lpthread \
        -o $B/ctest-poison/debug_poison && $B/ctest-poison/debug_poison
}

# The fault guard under lld --gc-sections (docs/hazards.md H-51): the table of
# the fast primitives (section mmf_extable) must survive the collection of
# unused sections, in the C tests and in the extension; then the guard
# tests run on those builds.
ctest_lld_gc() {
    command -v ld.lld >/dev/null || {
        echo "  ld.lld missing (tools/deps.sh installs lld)"
        return 1
    }
    gc="-fuse-ld=lld -Wl,--gc-sections -ffunction-sections -fdata-sections"
    mkdir -p $B/ctest-lld || return 1
    for n in test_guard_faults test_guard_chain test_io_read test_io_write \
        test_io_items test_io_map; do
        # shellcheck disable=SC2086
        clang $gc $inc -g -O2 $warn tests/c/$n.c \
            tests/c/helpers.c $core_src -lcmocka -lpthread \
            -o $B/ctest-lld/$n || return 1
        echo "  -- $n (clang, lld, --gc-sections)"
        $B/ctest-lld/$n || return 1
    done
    make -s python BUILD=$B/py-lld CC=clang CFLAGS="-O2 -g $gc" \
        >/dev/null 2>&1 || return 1
    ext=$(ls $B/py-lld/*/mmf*.so) || return 1
    readelf -S "$ext" | grep -q mmf_extable || {
        echo "  $ext has no mmf_extable section"
        return 1
    }
    venv=$(test_venv "$(command -v python3)") || return 1
    MMF_REQUIRE=1 MMF_BUILD_DIR=$(dirname "$ext") "$venv/bin/python" -m pytest \
        tests/py/test_hostile_truncate.py tests/py/test_hostile_process.py \
        tests/py/test_never_hang.py -q \
        -p no:cacheprovider -k "h05 or h08 or h09 or h10 or h42 or h43 or h46"
}

lib_gcc() { make -s lib STRICT=1 BUILD=$B/gcc CC=gcc >/dev/null; }
lib_clang() { make -s lib STRICT=1 BUILD=$B/clang CC=clang >/dev/null; }
ctest_gcc() { build_c_tests $B/ctest-gcc gcc && run_c_tests $B/ctest-gcc; }
ctest_asan() {
    build_c_tests $B/ctest-asan clang $san \
        && run_c_tests $B/ctest-asan env $asan_env
}
ctest_valgrind() {
    run_c_tests $B/ctest-gcc valgrind -q --error-exitcode=99 \
        --leak-check=full --errors-for-leak-kinds=definite \
        --child-silent-after-fork=yes
}

examples_match_stdlib() {
    make -s lib BUILD=$B/gcc >/dev/null || return 1
    mkdir -p $B/ex || return 1
    for e in hello anonymous fork; do
        gcc -Iinclude $warn "examples/$e.c" -o "$B/ex/$e" $B/gcc/libmmf.a \
            -lpthread || return 1
    done
    (
        cd $B/ex || exit 1
        ./hello >c.out && ./anonymous >>c.out && ./fork >>c.out || exit 1
        sed 's/^import mmf as mmap/import mmap/' ../../../examples/hello.py \
            >hello_std.py
        sed 's/^import mmf as mmap/import mmap/' ../../../examples/anonymous.py \
            >anonymous_std.py
        sed 's/^import mmf as mmap/import mmap/' ../../../examples/fork.py \
            >fork_std.py
        py=$(command -v python3)
        { $py hello_std.py && $py anonymous_std.py && $py fork_std.py; } \
            >py.out || exit 1
        diff -u py.out c.out && echo "  C examples print what the stdlib prints"
    )
}

install_pkgconfig() {
    prefix=$(pwd)/$B/prefix
    rm -rf "$prefix"
    make -s install BUILD=$B/gcc PREFIX="$prefix" >/dev/null || return 1
    (
        cd $B || exit 1
        export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
        # shellcheck disable=SC2046
        cc ../../examples/hello.c -I../../examples -o hello_pc \
            $(pkg-config --cflags --libs mmf) || exit 1
        cd ex && LD_LIBRARY_PATH="$prefix/lib" ../hello_pc >pc.out \
            && head -3 py.out | diff -u - pc.out \
            && echo "  out-of-tree build with pkg-config prints what the stdlib prints"
    )
}

fuzz_replay() {
    [ -f tests/fuzz/fuzz_ops.c ] || { echo "  no fuzz target yet"; return 0; }
    mkdir -p $B/fuzz || return 1
    # shellcheck disable=SC2086
    clang $inc -g -O1 $warn $san tests/fuzz/fuzz_ops.c \
        tests/fuzz/replay.c $core_src -lpthread -o $B/fuzz/replay \
        || return 1
    env $asan_env MMF_FUZZ_STATUSES=$B/fuzz/statuses.txt \
        $B/fuzz/replay tests/fuzz/corpus || return 1
    # every status returned is one the function's comment in mmf.h lists
    python3 tests/fuzz/statuses.py include/mmf.h $B/fuzz/statuses.txt
}

# ---- Python ------------------------------------------------------------------
# The Python half tests what a user installs: the sdist is built once; for
# each interpreter a wheel is built from that sdist (PEP 517, isolated
# build, -Werror), installed into a fresh venv with the pinned test
# dependencies (tests/requirements.txt, from PyPI), and the suites run
# against that install, never against a build folder. Each interpreter
# needs only itself, its venv module and PyPI.
pyver() { "$1" -c 'import platform; print(platform.python_version())'; }

py_id() { # python -> a folder name: version, and -deb for Debian's
    case $1 in
    /usr/bin/*) echo "$(pyver "$1")-deb" ;;
    *) pyver "$1" ;;
    esac
}

venv_of() { echo "$(pwd)/$B/venv-$(py_id "$1")"; }

# The sdist is built by the first interpreter (Debian's python3 when there
# is one) with the pinned `build`, in a venv of its own.
tools_python() {
    if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else
        sh tools/pythons.sh | head -n 1
    fi
}

sdist_build() {
    py=$(tools_python)
    [ -n "$py" ] || { echo "  no python interpreter"; return 1; }
    rm -rf "$B/venv-tools" "$B/dist"
    "$py" -m venv "$B/venv-tools" || return 1
    "$B/venv-tools/bin/python" -m pip install -q --disable-pip-version-check \
        -c tests/requirements.txt build || return 1
    "$B/venv-tools/bin/python" -m build -q --sdist -o "$B/dist" . \
        >"$B/sdist.log" 2>&1 || { cat "$B/sdist.log"; return 1; }
    sdist_check
}

# The sdist must hold every source the build reads and nothing generated.
sdist_check() {
    tarball=$(ls "$B"/dist/mmf-*.tar.gz) || return 1
    tar tzf "$tarball" | grep -v '/$' | sed 's|^[^/]*/||' | sort >"$B/sdist.txt"
    echo "  $tarball:"
    sed 's/^/    /' "$B/sdist.txt"
    rc=0
    for f in $(mmf_var PY_SRC) $(mmf_var PY_HDR) python/mmf.pyi setup.py \
        pyproject.toml mmf.mk README.md $core_src $mmf_core_hdr; do
        grep -qx "$f" "$B/sdist.txt" || { echo "  missing: $f"; rc=1; }
    done
    if grep -E '\.(o|so|a|pyc)$|^build/|^dist/' "$B/sdist.txt"; then
        echo "  generated files in the sdist (above)"
        rc=1
    fi
    return $rc
}

# A venv of the python with the pinned test dependencies, made afresh once
# per run of this script (the C half's steps that run pytest use it too);
# prints its folder.
test_venv() { # python
    venv=$(venv_of "$1")
    if [ "$(cat "$venv/.mmf-run" 2>/dev/null)" != "$run_id" ]; then
        rm -rf "$venv"
        { "$1" -m venv "$venv" && "$venv/bin/python" -m pip install -q \
            --disable-pip-version-check -r tests/requirements.txt; } >&2 \
            || return 1
        echo "$run_id" >"$venv/.mmf-run"
    fi
    echo "$venv"
}

# A fresh venv with the test dependencies and the wheel built from the sdist.
py_install() { # python
    venv=$(test_venv "$1") || return 1
    wheels=$B/wheels-$(py_id "$1")
    tarball=$(ls "$B"/dist/mmf-*.tar.gz 2>/dev/null) \
        || { echo "  no sdist (the sdist step failed)"; return 1; }
    rm -rf "$wheels"
    pip="$venv/bin/python -m pip -q --disable-pip-version-check"
    MMF_STRICT=1 $pip wheel --no-deps -w "$wheels" "$tarball" || return 1
    $pip install --no-deps "$wheels"/mmf-*.whl || return 1
    (cd "$B" && "$venv/bin/python" -c 'import mmf, sys
print("  %s: mmf %s from %s" % (sys.version.split()[0], mmf.__version__, mmf.__file__))
assert mmf.__file__.startswith(sys.prefix), "not the installed wheel"')
}

# The suites below run the venv's python from the checkout's root: pytest
# and the runner import mmf from the venv (MMF_INSTALLED=1 makes conftest
# check that it is the installed one).
py_pytest() { # python
    MMF_REQUIRE=1 MMF_INSTALLED=1 "$(venv_of "$1")/bin/python" -m pytest \
        tests/py -q -rs -p no:cacheprovider
}

py_conformance() { # python
    MMF_REQUIRE=1 MMF_INSTALLED=1 "$(venv_of "$1")/bin/python" \
        tests/py/run_stdlib_suite.py
}

# The stub against the module (stubtest), mypy --strict on the examples,
# and proof that mypy reads the installed stub: a wrong use must be flagged.
py_types() { # python
    venv=$(venv_of "$1")
    mypy="$venv/bin/python -m mypy --cache-dir $venv/mypy-cache"
    allow="--allowlist tests/stubtest/allowlist.txt"
    if "$venv/bin/python" -c 'import sys; sys.exit(sys.version_info >= (3, 12))'
    then
        allow="$allow --allowlist tests/stubtest/allowlist-py39-py311.txt"
    fi
    # shellcheck disable=SC2086
    "$venv/bin/python" -m mypy.stubtest $allow mmf || return 1
    $mypy --strict examples/*.py || return 1
    out=$($mypy -c 'import mmf; x: str = mmf.PAGESIZE' 2>&1)
    case $out in
    *"Incompatible types in assignment"*)
        echo "  mypy reads the installed stub (import mmf is typed)" ;;
    *) echo "$out"; echo "  mypy does not see mmf's types"; return 1 ;;
    esac
}

# The pytest suite once more with the extension and core built with
# ASan+UBSan (make python), in Debian python3's venv.
py_pytest_asan() { # python
    venv=$(venv_of "$1")
    dir=$B/py-asan
    make -s python PYTHON="$1" STRICT=1 BUILD="$dir" CC=clang \
        CFLAGS="-O1 -g $san" >/dev/null || return 1
    tag=$("$1" -c 'import sys; print(sys.implementation.cache_tag)')
    libasan=$(clang -print-file-name=libclang_rt.asan-x86_64.so)
    # shellcheck disable=SC2086
    env $asan_env ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1:detect_leaks=0 \
        LD_PRELOAD="$libasan" PYTHONMALLOC=malloc MMF_REQUIRE=1 MMF_QUICK=1 \
        MMF_BUILD_DIR="$dir/$tag" \
        "$venv/bin/python" -m pytest tests/py -q -p no:cacheprovider -x
}

# The README's snippets: Python blocks (with each interpreter, in pytest),
# and its C and sh blocks (once, here: they build and install).
readme_snippets() { # python
    MMF_README_ALL=1 "$(venv_of "$1")/bin/python" -m pytest \
        tests/py/test_readme.py -q -p no:cacheprovider
}

# ---- CPython 3.14 and 3.15 ----------------------------------------------------
# The released interpreters are the reference (docs/behaviour.md): Debian's
# sid builds, in a Debian 13 chroot that tools/chroot.sh builds and reuses
# (the host's apt sources are never touched). There the 3.15 stdlib records
# the golden trace that every interpreter replays against mmf, and the
# whole Python half of this script runs on 3.14 and 3.15.
golden=$B/golden-3.15.jsonl
chroot_pythons="/usr/bin/python3.14 /usr/bin/python3.15"

golden_record() {
    rm -f "$golden"
    sh tools/chroot.sh run python3.15 tests/py/golden.py record \
        --module mmap --count 4000 --out "$golden"
}

py_golden() { # python
    "$(venv_of "$1")/bin/python" tests/py/golden.py replay --module mmf \
        "$golden"
}

chroot_suite() {
    sh tools/chroot.sh run env MMF_IN_CHROOT=1 \
        MMF_PYTHONS="$chroot_pythons" sh tools/check.sh py
}

# ---- run ----------------------------------------------------------------------------
if [ "$what" = all ]; then
    step "Debian packages (tools/deps.sh check)" sh tools/deps.sh check
fi
if [ "$what" = all ] || [ "$what" = c ]; then
    step "libmmf, gcc -Werror" lib_gcc
    step "libmmf, clang -Werror" lib_clang
    step "C tests (gcc)" ctest_gcc
    step "C tests (clang ASan+UBSan)" ctest_asan
    step "C tests (valgrind)" ctest_valgrind
    step "C tests under TSan (threads, guard)" ctest_tsan
    step "C poison mode, a stale pointer after close (H-45)" ctest_poison
    step "C guard tests and extension, lld --gc-sections (H-51)" ctest_lld_gc
    step "C examples vs the stdlib" examples_match_stdlib
    step "make install + pkg-config" install_pkgconfig
    step "fuzz corpus replay (ASan+UBSan)" fuzz_replay
    # tools/cross.sh on Debian 12 and 13: it installs Debian's cross
    # toolchains for an amd64 host and runs the musl build natively, so
    # another host (or a system without apt) cannot run it.
    host=$(uname -m)
    command -v apt-get >/dev/null || host="$host without apt-get"
    if [ "$host" = x86_64 ]; then
        step "cross: aarch64, i386, s390x, musl under qemu-user" \
            sh tools/cross.sh
        # tools/win.sh: mingw-w64 and Wine from Debian's packages, the
        # same way
        step "windows: libmmf, C tests, examples, fuzz replay under Wine (mingw-w64)" \
            sh tools/win.sh
    else
        skip "cross: aarch64, i386, s390x, musl under qemu-user" \
            "needs an x86-64 Debian host; this is $host"
        skip "windows: libmmf, C tests, examples, fuzz replay under Wine" \
            "needs an x86-64 Debian host; this is $host"
    fi
    step "C formatting (clang-format, .clang-format)" sh tools/format.sh check
fi
# The chroot's steps run on the host (as root); inside it, MMF_IN_CHROOT
# is set and the Python half runs on 3.14 and 3.15 alone.
with_chroot=
if [ -z "${MMF_IN_CHROOT:-}" ] && { [ "$what" = all ] || [ "$what" = py ]; }
then
    if [ "$(id -u)" = 0 ]; then
        with_chroot=1
        step "CPython 3.14 and 3.15: Debian 13 chroot (tools/chroot.sh)" \
            sh tools/chroot.sh setup
        step "golden trace: 4,000 sequences recorded with the 3.15 stdlib" \
            golden_record
    else
        skip "CPython 3.14 and 3.15, golden trace" \
            "building and entering the chroot needs root"
    fi
fi
if [ "$what" = all ] || [ "$what" = py ]; then
    step "sdist (python -m build --sdist)" sdist_build
    for py in $(sh tools/pythons.sh); do
        v=$(pyver "$py")
        step "wheel from the sdist, fresh venv: CPython $v ($py)" \
            py_install "$py"
        step "pytest, installed wheel: CPython $v ($py)" py_pytest "$py"
        step "conformance: CPython $v test_mmap ($py)" py_conformance "$py"
        step "stubtest + mypy --strict examples: CPython $v ($py)" \
            py_types "$py"
        if [ -f "$golden" ]; then
            step "golden trace replayed on mmf: CPython $v ($py)" \
                py_golden "$py"
        else
            skip "golden trace replay: CPython $v" \
                "no trace recorded by the 3.15 stdlib (needs the chroot)"
        fi
    done
    # These two need Debian's python3 (and clang): skipped where absent.
    deb=$(sh tools/pythons.sh | grep -x /usr/bin/python3)
    if [ -n "$deb" ]; then
        step "README snippets: Python, C, sh ($deb)" readme_snippets "$deb"
    else
        skip "README snippets" "no /usr/bin/python3 in the interpreter list"
    fi
    if [ -n "$deb" ] && command -v clang >/dev/null 2>&1; then
        step "pytest with ASan+UBSan extension ($deb)" py_pytest_asan "$deb"
    else
        skip "pytest with ASan+UBSan extension" \
            "needs /usr/bin/python3 in the interpreter list and clang"
    fi
    if [ -n "$with_chroot" ]; then
        step "CPython 3.14 and 3.15 (chroot): the whole Python half" \
            chroot_suite
    fi
fi

echo
if [ "$failed" -gt 0 ]; then
    echo "failed steps:$failures"
fi
if [ "$skipped" -gt 0 ]; then
    echo "skipped steps:$skips"
    echo "check: $passed passed, $failed failed, $skipped skipped"
else
    echo "check: $passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
