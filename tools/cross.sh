#!/bin/sh
# cross.sh [TARGET...] - libmmf on other Linux targets: for
# aarch64, i386 and s390x (glibc, Debian's crossbuild-essential-*) and
# x86-64 musl (musl-gcc), build the library with -Werror, the C tests
# (cmocka), the examples and the fuzz replay, and run them: under qemu-user
# for the foreign architectures (qemu-ARCH -L /usr/TRIPLET), natively for
# musl. TARGET is aarch64, i386, s390x or musl; all four by default.
#
# Runs on x86-64 Debian 12 (qemu 7.2, cmocka 1.1.5) and 13 (qemu 10.0,
# cmocka 1.1.7). The target's cmocka: Debian's libcmocka0 and
# libcmocka-dev .debs for that architecture, fetched with `apt-get
# download` through a private apt configuration (build/cross/apt-SUITE:
# the host's apt sources are not touched, no foreign architecture is added
# to dpkg) and unpacked with `dpkg -x` into build/cross/<target>/sysroot.
# For musl and i386 (linked statically, see set_target), cmocka is built
# with the target's cc from the upstream tarball of its Debian source
# package (see cmocka_src).
#
# Tests that meet a known qemu-user difference detect it at run time and
# skip with the reason (tests/c/helpers.h: H_SKIP and its probes); tests
# that re-execute themselves do it through qemu ($MMF_TEST_QEMU). Per
# target the summary gives the tests run, passed and skipped with their
# reasons; the last line is "cross: N targets passed, N failed". Exit
# status 1 if any target failed. As root, installs what is missing
# (Debian packages: crossbuild-essential-arm64/i386/s390x, qemu-user,
# musl-tools, xz-utils, gcc, make).
# Takes about 2 minutes here on Debian 12, 2.5 on Debian 13 (2 cores;
# there the s390x fuzz replay goes input by input), 1 to 3 more the first
# time (packages, cmocka).
set -u
: "${PATH:=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
export PATH
cd "$(dirname "$0")/.." || exit 1
B=$(pwd)/build/cross
targets=${*:-aarch64 i386 s390x musl}
# -I flags and warnings: mmf.mk, through tools/vars.sh (the library itself
# is built by make, which reads mmf.mk).
. tools/vars.sh
. tools/lib.sh
inc=$mmf_inc
warn="$mmf_warn -Werror"
# 32-bit targets map with a 64-bit off_t (the backend also defines it).
cflags="-g -O1 -D_FILE_OFFSET_BITS=64"
jobs=2

# ---- what the targets need ------------------------------------------------
need="crossbuild-essential-arm64 crossbuild-essential-i386
crossbuild-essential-s390x qemu-user musl-tools xz-utils gcc make libc6-dev"

# A private apt: the host's sources, for the foreign architectures, in
# build/cross/apt-SUITE; nothing of the host's apt or dpkg state changes.
suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
A=$B/apt-$suite
apt_private() {
    apt-get -q -o Dir::Etc::sourcelist="$A/sources.list" \
        -o Dir::Etc::sourceparts=- -o Dir::Etc::preferencesparts=- \
        -o Dir::State="$A/state" -o Dir::State::status="$A/status" \
        -o Dir::Cache="$A/cache" \
        -o APT::Architecture=amd64 \
        -o APT::Architectures="amd64,arm64,i386,s390x" \
        -o Debug::NoLocking=1 "$@"
}

apt_setup() {
    [ -f "$A/ready" ] && return 0
    mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial" || return 1
    : >"$A/status"
    printf '%s\n' \
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
        "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
        >"$A/sources.list"
    apt_private update >"$A/update.log" 2>&1 || { cat "$A/update.log"; return 1; }
    touch "$A/ready"
}

# ---- targets -----------------------------------------------------------------
set_target() { # name -> cc, triplet, debarch, run
    case $1 in
    aarch64) cc=aarch64-linux-gnu-gcc triplet=aarch64-linux-gnu debarch=arm64
        run=qemu-aarch64 prefix=/usr/aarch64-linux-gnu ;;
    # i386 links statically: under qemu-i386 7.2 the child of fork() in a
    # dynamically linked glibc program spins for ever (fork(), the fork
    # example and every test that forks hang); static, it runs. Its
    # cmocka is therefore built from source, as musl's.
    i386) cc=i686-linux-gnu-gcc triplet=i386-linux-gnu debarch=i386
        run=qemu-i386 prefix=/usr/i686-linux-gnu ;;
    s390x) cc=s390x-linux-gnu-gcc triplet=s390x-linux-gnu debarch=s390x
        run=qemu-s390x prefix=/usr/s390x-linux-gnu ;;
    musl) cc=musl-gcc triplet=x86_64-linux-musl debarch= run= prefix= ;;
    *) echo "cross: unknown target $1"; return 1 ;;
    esac
    T=$B/$1
    sysroot=$T/sysroot
    case $1 in i386) ldflags=-static ;; *) ldflags= ;; esac
    # qemu's -L as a variable; MMF_TEST_QEMU: what a test that re-executes
    # itself runs (qemu-user cannot exec a foreign program by itself)
    if [ -n "$run" ]; then
        QEMU_LD_PREFIX=$prefix MMF_TEST_QEMU=$(command -v "$run")
        export QEMU_LD_PREFIX MMF_TEST_QEMU
    else
        unset QEMU_LD_PREFIX MMF_TEST_QEMU
    fi
}

# cmocka for a glibc target: Debian's .debs for its architecture.
cmocka_deb() {
    [ -f "$sysroot/usr/include/cmocka.h" ] && return 0
    mkdir -p "$T/debs" "$sysroot" || return 1
    (cd "$T/debs" && apt_private download "libcmocka0:$debarch" \
        "libcmocka-dev:$debarch") >"$T/debs/download.log" 2>&1 \
        || { cat "$T/debs/download.log"; return 1; }
    for d in "$T"/debs/*.deb; do dpkg -x "$d" "$sysroot" || return 1; done
}

# cmocka from source, compiled with $cc (musl; i386, which links
# statically): the upstream tarball of Debian's source package (the
# .orig.tar), named with its SHA256 by the signed index (apt-get source
# --print-uris through the same private configuration) and fetched and
# checked by apt-helper. Only that file: the mirror this runs against may
# lack the rest of the source package (here, trixie's .dsc and
# .debian.tar.xz of cmocka answer 404 while the .orig.tar is served), and
# src/cmocka.c, the one file compiled, is upstream's (bookworm's one Debian
# patch is to the documentation's build).
cmocka_src() {
    [ -f "$sysroot/usr/lib/libcmocka.a" ] && return 0
    rm -rf "$T/src"
    mkdir -p "$T/src/cmocka" "$sysroot/usr/lib" "$sysroot/usr/include" \
        || return 1
    apt_private source --print-uris cmocka >"$T/src/uris" 2>&1 \
        || { cat "$T/src/uris"; return 1; }
    orig_tar_fetch "$T/src/uris" "$T/src/cmocka" || return 1
    s=$T/src/cmocka
    cp "$s/include/cmocka.h" "$sysroot/usr/include/" || return 1
    cat >"$T/src/config.h" <<'CFG'
#define HAVE_SIGNAL_H 1
#define HAVE_STRINGS_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_MALLOC_H 1
#define HAVE_SETJMP_H 1
#define HAVE_STDARG_H 1
#define HAVE_STDDEF_H 1
#define HAVE_STDINT_H 1
#define HAVE_TIME_H 1
#define HAVE_SIGNAL 1
#define HAVE_STRSIGNAL 1
#define HAVE_CLOCK_GETTIME 1
#define HAVE_GCC_THREAD_LOCAL_STORAGE 1
#define HAVE_STRUCT_TIMESPEC 1
#define HAVE_SNPRINTF 1
#define HAVE_VSNPRINTF 1
#define HAVE_CLOCK_REALTIME 1
CFG
    $cc -D_GNU_SOURCE -DHAVE_CONFIG_H -I"$T/src" -I"$s/include" -O2 \
        -c "$s/src/cmocka.c" -o "$T/src/cmocka.o" \
        && ar rcs "$sysroot/usr/lib/libcmocka.a" "$T/src/cmocka.o"
}

# ---- build ---------------------------------------------------------------------
build_lib() {
    make -s lib STRICT=1 BUILD="$T/build" CC="$cc" CFLAGS="$cflags" \
        >"$T/lib.log" 2>&1 || { cat "$T/lib.log"; return 1; }
}

# The C tests link the static library (its hidden symbols, the system
# call table included, link statically) and the target's cmocka.
build_tests() {
    case $1 in
    musl | i386) cm="-I$sysroot/usr/include $sysroot/usr/lib/libcmocka.a" ;;
    *) l=$sysroot/usr/lib/$triplet
        cm="-I$sysroot/usr/include -L$l -Wl,-rpath,$l -lcmocka" ;;
    esac
    rm -rf "$T/tests"
    mkdir -p "$T/tests" || return 1
    rc=0
    for t in tests/c/test_*.c; do
        n=$(basename "$t" .c)
        # shellcheck disable=SC2086
        $cc $inc $cflags $warn "$t" tests/c/helpers.c "$T/build/libmmf.a" \
            $cm -lpthread $ldflags -o "$T/tests/$n" &
        [ "$(jobs -p | wc -l)" -ge $jobs ] && { wait -n 2>/dev/null || wait; }
    done
    wait
    for t in tests/c/test_*.c; do
        [ -x "$T/tests/$(basename "$t" .c)" ] || rc=1
    done
    return $rc
}

build_examples_fuzz() {
    mkdir -p "$T/ex" "$T/fuzz" || return 1
    for e in hello anonymous fork; do
        # shellcheck disable=SC2086
        $cc -Iinclude $cflags $warn "examples/$e.c" -o "$T/ex/$e" \
            "$T/build/libmmf.a" -lpthread $ldflags || return 1
    done
    # shellcheck disable=SC2086
    $cc $inc $cflags $warn tests/fuzz/fuzz_ops.c tests/fuzz/replay.c \
        "$T/build/libmmf.a" -lpthread $ldflags -o "$T/fuzz/replay"
}

# ---- run ------------------------------------------------------------------------
# The examples' output on the host (gcc, glibc) is what every target prints.
host_examples() {
    [ -f "$B/host/expected.out" ] && return 0
    mkdir -p "$B/host" || return 1
    make -s lib BUILD="$B/host/build" CC=gcc >/dev/null || return 1
    for e in hello anonymous fork; do
        gcc -Iinclude "examples/$e.c" -o "$B/host/$e" \
            "$B/host/build/libmmf.a" -lpthread || return 1
    done
    (cd "$B/host" && ./hello && ./anonymous && ./fork) >"$B/host/expected.out"
}

run_examples() {
    # shellcheck disable=SC2086
    (cd "$T/ex" && $run ./hello && $run ./anonymous && $run ./fork) \
        >"$T/ex/out" 2>&1 || { cat "$T/ex/out"; return 1; }
    diff -u "$B/host/expected.out" "$T/ex/out"
}


# Each test program in turn; cmocka's lines are kept in T/tests/*.out and
# summed: run, passed, skipped (each with the reason h_skip printed).
run_tests() {
    rc=0
    : >"$T/skips"
    nrun=0 npass=0 nskip=0
    for t in tests/c/test_*.c; do
        n=$(basename "$t" .c)
        # shellcheck disable=SC2086
        (cd "$T/tests" && timeout 300 $run ./$n) >"$T/tests/$n.out" 2>&1 \
            || { rc=1; echo "  FAILED: $n"; grep -E 'FAILED|ERROR|error|Assert|!=' \
                "$T/tests/$n.out" | head -20; }
        # cmocka 1.1.5 (Debian 12): "[==========] 43 test(s) run.",
        # "[  SKIPPED ] 1 test(s), listed below:"; 1.1.7 (Debian 13) names
        # the group: "[==========] io: 43 test(s) run.", "[  SKIPPED ] io:
        # 1 test(s), listed below:".
        r=$(cmocka_count '==========' 'test(s) run\.' "$T/tests/$n.out")
        p=$(cmocka_count '  PASSED  ' 'test(s)\.' "$T/tests/$n.out")
        s=$(cmocka_count '  SKIPPED ' 'test(s), listed below:' "$T/tests/$n.out")
        nrun=$((nrun + ${r:-0})) npass=$((npass + ${p:-0}))
        nskip=$((nskip + ${s:-0}))
        awk -v prog="$n" '
            /^h_skip: / { reason = substr($0, 9); next }
            /^  \(.*skipped\)$/ { reason = substr($0, 4, length($0) - 4); next }
            /^\[  SKIPPED \] / && reason != "" {
                sub(/^\[  SKIPPED \] /, "")
                print "    " prog ": " $0 ": " reason; reason = "" }' \
            "$T/tests/$n.out" >>"$T/skips"
    done
    return $rc
}

# The corpus in one process; where qemu-user itself dies of a SIGBUS
# ("QEMU internal SIGBUS": on s390x from qemu 8.2, a SIGBUS in a block
# copy past the end of a mapped file, see tests/c/helpers.h,
# h_file_sigbus_kills), input by input instead: an input that ends that
# way is skipped and counted, any other failure fails.
run_fuzz() {
    # shellcheck disable=SC2086
    $run "$T/fuzz/replay" tests/fuzz/corpus >"$T/fuzz/out" 2>&1 \
        && { tail -1 "$T/fuzz/out"; return 0; }
    grep -q 'QEMU internal SIGBUS' "$T/fuzz/out" \
        || { tail -20 "$T/fuzz/out"; return 1; }
    nin=0 nqemu=0
    for f in tests/fuzz/corpus/*; do
        # shellcheck disable=SC2086
        if $run "$T/fuzz/replay" "$f" >"$T/fuzz/one" 2>&1; then
            nin=$((nin + 1))
        elif grep -q 'QEMU internal SIGBUS' "$T/fuzz/one"; then
            nqemu=$((nqemu + 1))
        else
            echo "  $f:"; tail -20 "$T/fuzz/one"; return 1
        fi
    done
    echo "replay: $nin inputs, all checks held; $nqemu skipped: a SIGBUS" \
        "past the end of a mapped file kills qemu-user here (\"QEMU" \
        "internal SIGBUS\")"
}

# ---- one target ---------------------------------------------------------------
target() { # name
    set_target "$1" || return 1
    mkdir -p "$T" || return 1
    echo "=== cross: $1 ($cc${run:+, $run -L $prefix})"
    ok=1
    case $1 in musl | i386) cmocka_src ;; *) cmocka_deb ;; esac \
        || { echo "  no cmocka for $1"; ok=0; }
    build_lib || { echo "  libmmf does not build for $1"; return 1; }
    echo "  libmmf: -Werror, $cc"
    build_examples_fuzz || { echo "  examples or fuzz replay do not build"; ok=0; }
    [ $ok = 1 ] && { build_tests "$1" || { echo "  C tests do not build"; ok=0; }; }
    if [ $ok = 1 ]; then
        run_examples && echo "  examples print what they print on the host" || ok=0
        run_fuzz || ok=0
        run_tests || ok=0
        echo "  C tests: $nrun run, $npass passed, $nskip skipped"
        cat "$T/skips"
    fi
    summary="$summary
  $1: $nrun run, $npass passed, $nskip skipped$( [ $ok = 1 ] || echo ', FAILED')"
    [ $ok = 1 ]
}

start=$(date +%s)
# shellcheck disable=SC2086
install_missing cross $need || exit 1
apt_setup || exit 1
host_examples || { echo "cross: the examples do not run on the host"; exit 1; }
npassed=0 nfailed=0 summary=
for t in $targets; do
    nrun=0 npass=0 nskip=0
    if target "$t"; then npassed=$((npassed + 1)); else nfailed=$((nfailed + 1)); fi
done
echo
echo "cross (C tests run, passed, skipped; $(($(date +%s) - start)) s):$summary"
echo "cross: $npassed targets passed, $nfailed failed"
[ "$nfailed" -eq 0 ]
