#!/bin/sh
# win.sh - libmmf on Windows, tested on this Linux machine: build the
# library (src/win/) with x86_64-w64-mingw32-gcc -Werror, cmocka from its
# Debian source package with the same compiler, the Windows C tests
# (tests/c/win/), the examples that Windows can run and the fuzz replay,
# and run them under Wine (WINEPREFIX in build/win/wine, WINEDEBUG=-all;
# the first start makes the prefix, about 20 s).
#
# cmocka's source comes through a private apt configuration
# (build/win/apt: the host's apt sources and dpkg state are not touched),
# as tools/cross.sh does. As root, installs what is missing (Debian
# packages: gcc-mingw-w64-x86-64, wine, wine64).
#
# A test that meets a real Windows difference or a named Wine limit skips
# with the reason (tests/c/win/helpers.h: W_SKIP); nothing else skips.
# The examples' output must be the POSIX build's (line ends aside: the
# Windows C runtime writes "\r\n" to a text-mode stdout). Prints the
# tests run, passed and skipped per program, the reasons, and ends with
# one line "win: N passed, N failed". Exit status 1 if anything failed.
set -u
: "${PATH:=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
export PATH
cd "$(dirname "$0")/.." || exit 1
B=$(pwd)/build/win
cc=x86_64-w64-mingw32-gcc
# -I flags and warnings: mmf.mk's, through tools/vars.sh (make builds the
# library itself from mmf.mk's lists).
PLATFORM=win
. tools/vars.sh
. tools/lib.sh
inc=$mmf_inc
warn="$mmf_warn -Werror"
cflags="-g -O1"
WINEPREFIX=$B/wine
WINEDEBUG=-all
export WINEPREFIX WINEDEBUG
passed=0
failed=0
failures=

# ---- what it needs -----------------------------------------------------------
need="gcc-mingw-w64-x86-64 wine wine64"

# A private apt for cmocka's source package; nothing of the host's apt
# or dpkg state changes.
A=$B/apt
apt_private() {
    apt-get -q -o Dir::Etc::sourcelist="$A/sources.list" \
        -o Dir::Etc::sourceparts=- -o Dir::Etc::preferencesparts=- \
        -o Dir::State="$A/state" -o Dir::State::status="$A/status" \
        -o Dir::Cache="$A/cache" -o Debug::NoLocking=1 "$@"
}

apt_setup() {
    [ -f "$A/ready" ] && return 0
    suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
    # the archive's keyring: .gpg up to Debian 12, .pgp in later keyrings
    key=
    for k in /usr/share/keyrings/debian-archive-keyring.gpg \
        /usr/share/keyrings/debian-archive-keyring.pgp; do
        [ -f "$k" ] && { key=$k; break; }
    done
    [ -n "$key" ] || { echo "  no Debian archive keyring"; return 1; }
    mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial" || return 1
    : >"$A/status"
    printf '%s\n' \
        "deb-src [signed-by=$key] http://deb.debian.org/debian $suite main" \
        >"$A/sources.list"
    apt_private update >"$A/update.log" 2>&1 || { cat "$A/update.log"; return 1; }
    touch "$A/ready"
}

# cmocka from Debian's source package, compiled with mingw into a static
# library in build/win/cmocka: its upstream tarball (orig_tar_fetch in
# tools/lib.sh); src/cmocka.c, the one file compiled, is upstream's
# (bookworm's one Debian patch is to the documentation's build).
C=$B/cmocka
cmocka_build() {
    [ -f "$C/lib/libcmocka.a" ] && return 0
    rm -rf "$C"
    mkdir -p "$C/src/cmocka" "$C/lib" "$C/include" || return 1
    apt_private source --print-uris cmocka >"$C/uris" 2>&1 \
        || { cat "$C/uris"; return 1; }
    orig_tar_fetch "$C/uris" "$C/src/cmocka" || return 1
    s=$C/src/cmocka
    cp "$s/include/cmocka.h" "$C/include/" || return 1
    cat >"$C/src/config.h" <<'CFG'
#define HAVE_SIGNAL_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_MALLOC_H 1
#define HAVE_SETJMP_H 1
#define HAVE_STDARG_H 1
#define HAVE_STDDEF_H 1
#define HAVE_STDINT_H 1
#define HAVE_TIME_H 1
#define HAVE_SIGNAL 1
#define HAVE_STRUCT_TIMESPEC 1
#define HAVE_SNPRINTF 1
#define HAVE_VSNPRINTF 1
#define HAVE__SNPRINTF_S 1
#define HAVE__VSNPRINTF_S 1
CFG
    $cc -DHAVE_CONFIG_H -I"$C/src" -I"$s/include" -O2 \
        -c "$s/src/cmocka.c" -o "$C/src/cmocka.o" >"$C/build.log" 2>&1 \
        || { cat "$C/build.log"; return 1; }
    x86_64-w64-mingw32-ar rcs "$C/lib/libcmocka.a" "$C/src/cmocka.o"
}

# ---- build ---------------------------------------------------------------------
build_lib() {
    make -s lib PLATFORM=win STRICT=1 BUILD="$B/lib" CC=$cc \
        CFLAGS="$cflags" >"$B/lib.log" 2>&1 || { cat "$B/lib.log"; return 1; }
}

# The Windows tests, and those of tests/c/ that test portable behaviour
# and build on Windows with the Windows form of their fixtures
# (tests/c/win/helpers.h, win/pages.h): the search kernels, find and
# count. The other tests/c/ programs drive the POSIX API itself
# (docs/windows.md).
portable_tests="tests/c/test_search_kernels.c tests/c/test_search_passes.c
    tests/c/test_find.c tests/c/test_count.c"
win_tests() { ls tests/c/win/test_*.c $portable_tests; }

# The tests link the static library (its system call table included) and
# cmocka; two compilers at a time.
build_tests() {
    rm -rf "$B/tests"
    mkdir -p "$B/tests" || return 1
    for t in $(win_tests); do
        n=$(basename "$t" .c)
        # shellcheck disable=SC2086
        $cc $inc -I"$C/include" $cflags $warn "$t" tests/c/win/helpers.c \
            "$B/lib/libmmf.a" "$C/lib/libcmocka.a" -o "$B/tests/$n.exe" &
        [ "$(jobs -p | wc -l)" -ge 2 ] && { wait -n 2>/dev/null || wait; }
    done
    wait
    rc=0
    for t in $(win_tests); do
        [ -f "$B/tests/$(basename "$t" .c).exe" ] || rc=1
    done
    return $rc
}

# The examples Windows can run: hello and anonymous (fork.c needs fork(),
# which Windows does not have); one more build of hello linked with
# mmf.dll, to prove the DLL's exports; the fuzz replay.
build_examples() {
    mkdir -p "$B/ex" || return 1
    for e in hello anonymous; do
        # shellcheck disable=SC2086
        $cc -Iinclude $cflags $warn "examples/$e.c" -o "$B/ex/$e.exe" \
            "$B/lib/libmmf.a" || return 1
    done
    # shellcheck disable=SC2086
    $cc -Iinclude -DMMF_USE_DLL $cflags $warn examples/hello.c \
        -o "$B/ex/hello_dll.exe" "$B/lib/libmmf.dll.a" || return 1
    cp "$B/lib/mmf.dll" "$B/ex/" || return 1
    mkdir -p "$B/fuzz" || return 1
    # shellcheck disable=SC2086
    $cc $inc $cflags $warn tests/fuzz/fuzz_ops.c tests/fuzz/replay.c \
        "$B/lib/libmmf.a" -o "$B/fuzz/replay.exe"
}

# ---- run ------------------------------------------------------------------------
# The prefix is ready once wineserver has written its registry, when it
# exits (a few seconds after wineboot).
wine_start() {
    [ -f "$WINEPREFIX/system.reg" ] && return 0
    echo "  making the Wine prefix (once, about 20 s)"
    timeout 300 wineboot -i >"$B/wineboot.log" 2>&1
    if command -v wineserver >/dev/null; then
        timeout 60 wineserver -w
    fi
    [ -f "$WINEPREFIX/system.reg" ] || { cat "$B/wineboot.log"; return 1; }
}

# The POSIX build's output of the same examples (gcc, the host).
host_examples() {
    mkdir -p "$B/host" || return 1
    make -s lib BUILD="$B/host/build" CC=gcc >/dev/null || return 1
    for e in hello anonymous; do
        gcc -Iinclude "examples/$e.c" -o "$B/host/$e" \
            "$B/host/build/libmmf.a" -lpthread || return 1
    done
    (cd "$B/host" && ./hello && ./anonymous) >"$B/host/expected.out"
}

run_examples() {
    host_examples || { echo "  the examples do not run on the host"; return 1; }
    # stdout only: the wine launcher may say things on stderr
    (cd "$B/ex" && wine ./hello.exe && wine ./anonymous.exe) \
        2>"$B/ex/err" | tr -d '\r' >"$B/ex/out"
    diff -u "$B/host/expected.out" "$B/ex/out" || { cat "$B/ex/err"; return 1; }
    (cd "$B/ex" && wine ./hello_dll.exe) 2>"$B/ex/err" | tr -d '\r' \
        >"$B/ex/dll.out"
    head -3 "$B/host/expected.out" | diff -u - "$B/ex/dll.out" \
        || { cat "$B/ex/err"; return 1; }
    echo "  hello and anonymous print what they print on Linux (static and with mmf.dll)"
    echo "  not run: fork (Windows has no fork())"
}


# The corpus, under the Windows model of fuzz_ops.c (tests/fuzz/fuzz_win.h):
# truncation under a map is refused, shared anonymous maps grow.
run_fuzz() {
    wine "$B/fuzz/replay.exe" tests/fuzz/corpus 2>&1 | tr -d '\r' \
        >"$B/fuzz/out"
    tail -1 "$B/fuzz/out"
    grep -q "all checks held" "$B/fuzz/out" || { tail -20 "$B/fuzz/out"; return 1; }
}


# Each test program in turn; cmocka's lines summed: run, passed, skipped
# (with the reason W_SKIP printed before each skip).
nrun=0 npass=0 nskip=0
run_tests() {
    rc=0
    : >"$B/skips"
    for t in $(win_tests); do
        n=$(basename "$t" .c)
        (cd "$B/tests" && timeout 300 wine ./$n.exe) 2>&1 | tr -d '\r' \
            >"$B/tests/$n.out"
        # cmocka 1.1.5 (Debian 12): "[==========] 43 test(s) run.",
        # "[  SKIPPED ] 1 test(s), listed below:"; 1.1.7 (Debian 13) names
        # the group: "[==========] find: 43 test(s) run.", "[  SKIPPED ]
        # find: 1 test(s), listed below:".
        r=$(cmocka_count '==========' 'test(s) run\.' "$B/tests/$n.out")
        p=$(cmocka_count '  PASSED  ' 'test(s)\.' "$B/tests/$n.out")
        s=$(cmocka_count '  SKIPPED ' 'test(s), listed below:' "$B/tests/$n.out")
        if [ -z "$r" ] || [ "${r:-0}" != $((${p:-0} + ${s:-0})) ]; then
            rc=1
            echo "  FAILED: $n"
            grep -E 'FAILED|ERROR|error|Assert|==|returned' "$B/tests/$n.out" | head -20
        fi
        echo "  $n: ${r:-0} run, ${p:-0} passed, ${s:-0} skipped"
        nrun=$((nrun + ${r:-0})) npass=$((npass + ${p:-0}))
        nskip=$((nskip + ${s:-0}))
        awk -v prog="$n" '
            /^w_skip: / { reason = substr($0, 9); next }
            /^  \(.*skipped\)$/ { reason = substr($0, 4, length($0) - 4); next }
            /^\[  SKIPPED \] / && reason != "" {
                sub(/^\[  SKIPPED \] /, "")
                print "    " prog ": " $0 ": " reason; reason = "" }' \
            "$B/tests/$n.out" >>"$B/skips"
    done
    return $rc
}

step() {
    name=$1
    shift
    echo "=== win: $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures="$failures
  $name"
        echo "--- FAILED: $name"
    fi
}

c_tests() {
    build_tests || { echo "  the tests do not build"; return 1; }
    run_tests
    r=$?
    echo "  C tests under Wine: $nrun run, $npass passed, $nskip skipped"
    cat "$B/skips"
    return $r
}

start=$(date +%s)
mkdir -p "$B" || exit 1
# shellcheck disable=SC2086
install_missing win $need || exit 1
step "libmmf, $cc -Werror (static and mmf.dll)" build_lib
cmocka() { apt_setup && cmocka_build; }
step "cmocka from Debian's source package, built with $cc" cmocka
step "examples and fuzz replay build" build_examples
step "Wine prefix" wine_start
step "examples under Wine against the Linux output" run_examples
step "fuzz corpus replay under Wine" run_fuzz
step "C tests under Wine (tests/c/win; test_search_*, test_find, test_count)" c_tests
echo
echo "win ($(($(date +%s) - start)) s):$failures"
echo "win: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
