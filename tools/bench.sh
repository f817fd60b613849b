#!/bin/sh
# bench.sh BUILD PYTHON [QUICK] - the benchmarks; `make bench [QUICK=1]` calls it.
#
# 1. bench/bench_mmap.py with PYTHON, importing mmf from BUILD/<cache_tag of
#    PYTHON> (built by `make python PYTHON=...`): the stdlib mmap against mmf,
#    one Markdown table with a row per target of PERF.md section 3. A missing
#    mmf is an error here. Its data is cached in BUILD/bench-data.
# 2. If bench/bench_search.c exists: build it against src/search.c and run it
#    (the C search kernels alone). A build failure is reported and skipped.
# 3. bench/bench_guard.c: the fault guard's cost per call.
#
# QUICK non-empty and not 0: reduced sizes and repeats (under a minute for
# step 1; bench_search on 64 MiB instead of 1024). Exit status: that of
# bench_mmap.py (a bench_search failure is reported, not fatal).
set -eu

[ $# -ge 2 ] || {
    echo "usage: $0 BUILD PYTHON [QUICK]" >&2
    exit 2
}
build=$1
python=$2
quick=${3:-}
case $build in
/*) ;;
*) build=$(pwd)/$build ;;
esac
cd "$(dirname "$0")/.."

tag=$("$python" -c 'import sys; print(sys.implementation.cache_tag)')
ext=$build/$tag
qflag=
case $quick in
"" | 0) ;;
*) qflag=--quick ;;
esac

echo "=== bench_mmap.py ($python, mmf from $ext${qflag:+, quick})"
PYTHONPATH="$ext${PYTHONPATH:+:$PYTHONPATH}" \
    "$python" bench/bench_mmap.py --require-mmf --data-dir "$build/bench-data" $qflag

if [ -f bench/bench_search.c ]; then
    echo "=== bench_search (C kernels)"
    # The kernels are src/search.c plus, when present, its SIMD half.
    simd=
    [ -f src/search_simd.c ] && simd=src/search_simd.c
    mkdir -p "$build"
    # shellcheck disable=SC2086
    if cc -O2 -Iinclude -Isrc -Isrc/posix bench/bench_search.c src/search.c $simd \
        -o "$build/bench_search" -lm; then
        # argument: haystack MiB (see the top comment of bench_search.c)
        mib=1024
        [ -n "$qflag" ] && mib=64
        "$build/bench_search" "$mib" || echo "bench: bench_search failed" >&2
    else
        echo "bench: cannot build bench/bench_search.c; skipped" >&2
    fi
fi

if [ -f bench/bench_guard.c ]; then
    echo "=== bench_guard (the fault guard's cost per call)"
    mkdir -p "$build"
    # shellcheck disable=SC2046
    if cc -O2 -Iinclude -Isrc -Isrc/posix bench/bench_guard.c $(ls src/*.c src/posix/*.c) \
        -lpthread -o "$build/bench_guard"; then
        "$build/bench_guard" || echo "bench: bench_guard failed" >&2
    else
        echo "bench: cannot build bench/bench_guard.c; skipped" >&2
    fi
fi
