#!/bin/sh
# check.sh [all|c|py] - build with -Werror and run every test; `make check`
# calls it. Each step prints its own output; the last line is the summary
# "check: N passed, N failed". Exit status 1 if any step failed.
#
# Steps: the library with gcc and clang (-Werror); the C tests (cmocka) with
# gcc, with clang ASan+UBSan and under valgrind; the C examples against the
# stdlib's output; install + pkg-config; the fuzz corpus replay; then for
# every interpreter (tools/pythons.sh): the extension (-Werror), CPython's
# own test_mmap in place, and the pytest suite; the pytest suite once more
# with the extension built with ASan+UBSan.
set -u
cd "$(dirname "$0")/.." || exit 1
what=${1:-all}
B=build/check
passed=0
failed=0
failures=

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

# ---- C --------------------------------------------------------------------
core_src="$(ls src/*.c src/posix/*.c)"
warn="-Wall -Wextra -Wshadow -Wstrict-prototypes -Werror"
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
        $cc -Iinclude -Isrc -Isrc/posix -g -O1 $warn "$@" "$t" $helpers $core_src \
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
    for n in test_threads test_guard; do
        # shellcheck disable=SC2086
        clang -fsanitize=thread -Iinclude -Isrc -Isrc/posix -g -O1 $warn tests/c/$n.c \
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
    gcc -DMMF_POISON -Iinclude -Isrc -Isrc/posix -g -O1 $warn tests/c/debug_poison.c \
        tests/c/helpers.c $core_src -lcmocka -lpthread \
        -o $B/ctest-poison/debug_poison && $B/ctest-poison/debug_poison
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
    clang -Iinclude -Isrc -Isrc/posix -g -O1 $san tests/fuzz/fuzz_ops.c \
        tests/fuzz/replay.c $core_src -lpthread -o $B/fuzz/replay \
        || return 1
    env $asan_env $B/fuzz/replay tests/fuzz/corpus
}

# ---- Python ------------------------------------------------------------------
pypath_for() { # python -> PYTHONPATH entries beyond the build dir
    case $1 in
    /usr/bin/*) echo "" ;;
    *) echo ":/usr/lib/python3/dist-packages" ;;
    esac
}

py_build() { # python build-dir [extra make args]
    py=$1
    dir=$2
    shift 2
    make -s python PYTHON="$py" STRICT=1 BUILD="$dir" "$@" >/dev/null
}

py_tag() { "$1" -c 'import sys; print(sys.implementation.cache_tag)'; }

py_conformance() { # python
    dir=$B/py-$(basename "$(dirname "$(dirname "$1")")")
    py_build "$1" "$dir" || return 1
    MMF_REQUIRE=1 "$1" tests/py/run_stdlib_suite.py \
        --build-dir "$dir/$(py_tag "$1")"
}

py_pytest() { # python
    dir=$B/py-$(basename "$(dirname "$(dirname "$1")")")
    py_build "$1" "$dir" || return 1
    MMF_REQUIRE=1 PYTHONPATH="$dir/$(py_tag "$1")$(pypath_for "$1")" \
        "$1" -m pytest tests/py -q -p no:cacheprovider
}

py_pytest_asan() { # python (the extension and core built with ASan+UBSan)
    dir=$B/py-asan
    py_build "$1" "$dir" CC=clang CFLAGS="-O1 -g $san" || return 1
    libasan=$(clang -print-file-name=libclang_rt.asan-x86_64.so)
    # shellcheck disable=SC2086
    env $asan_env ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1:detect_leaks=0 \
        LD_PRELOAD="$libasan" PYTHONMALLOC=malloc MMF_REQUIRE=1 MMF_QUICK=1 \
        PYTHONPATH="$dir/$(py_tag "$1")$(pypath_for "$1")" \
        "$1" -m pytest tests/py -q -p no:cacheprovider -x
}

pip_install() { # python: pip install --no-build-isolation . into a folder
    target=$B/pip
    rm -rf "$target"
    "$1" -m pip install -q --no-build-isolation --no-deps --target "$target" . \
        || return 1
    (cd "$B" && PYTHONPATH=pip "$1" -c 'import mmf, os
assert mmf.__file__.startswith(os.path.abspath("pip")), mmf.__file__
with mmf.mmap(-1, 8) as m:
    m.write(b"pip ok\n")
    m.seek(0)
    print("  installed by pip:", m.readline())')
}

# ---- run ----------------------------------------------------------------------------
if [ "$what" = all ] || [ "$what" = c ]; then
    step "libmmf, gcc -Werror" lib_gcc
    step "libmmf, clang -Werror" lib_clang
    step "C tests (gcc)" ctest_gcc
    step "C tests (clang ASan+UBSan)" ctest_asan
    step "C tests (valgrind)" ctest_valgrind
    step "C tests under TSan (threads, guard)" ctest_tsan
    step "C poison mode, a stale pointer after close (H-45)" ctest_poison
    step "C examples vs the stdlib" examples_match_stdlib
    step "make install + pkg-config" install_pkgconfig
    step "fuzz corpus replay (ASan+UBSan)" fuzz_replay
fi
if [ "$what" = all ] || [ "$what" = py ]; then
    for py in $(sh tools/pythons.sh); do
        v=$("$py" -c 'import platform; print(platform.python_version())')
        step "conformance: CPython $v test_mmap ($py)" py_conformance "$py"
        step "pytest: CPython $v ($py)" py_pytest "$py"
    done
    step "pip install --no-build-isolation . (/usr/bin/python3)" \
        pip_install /usr/bin/python3
    step "pytest with ASan+UBSan extension (/usr/bin/python3)" \
        py_pytest_asan /usr/bin/python3
fi

echo
if [ "$failed" -gt 0 ]; then
    echo "failed steps:$failures"
fi
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
