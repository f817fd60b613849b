#!/bin/sh
# bench.sh BUILD PYTHON [QUICK] - the benchmarks; `make bench [QUICK=1]` calls it.
#
# 0. The build users get: an sdist of the checkout (`python -m build
#    --sdist`), a wheel built from it by pip (`pip wheel --no-deps`, the
#    compiler flags of PYTHON's sysconfig plus setup.py's: -O3 -DNDEBUG on
#    CPython), installed into the venv BUILD/bench-venv made with PYTHON,
#    together with the pinned Python packages the benchmark needs:
#    `-r tests/requirements.txt` (pyperf and stringzilla are pinned there,
#    with the test dependencies). The venv is
#    reused while PYTHON and the pins are unchanged; the wheel is rebuilt
#    every run. The mmf file measured and its compile command are printed.
# 1. bench/bench_mmap.py with the venv's python (no PYTHONPATH): the stdlib
#    mmap against that mmf, one Markdown table with a row per target of
#    docs/performance.md, the per-call rows measured with pyperf in worker
#    processes (bench/bench_calls.py), and a second table with the peer,
#    StringZilla, on the same files. Its data is cached in BUILD/bench-data;
#    the tables are also written to BUILD/bench.md (for the README).
# 2. If bench/bench_search.c exists: build it against src/search.c and run it
#    (the C search kernels alone). A build failure is reported and skipped.
# 3. bench/callcost.py: instructions per call of the per-call rows, by
#    group (interpreter, arguments, objects, module, core, guard, libc),
#    under callgrind, into BUILD/callcost.md (for the README).
# 4. bench/bench_guard.c: the fault guard's cost per call.
#
# QUICK non-empty and not 0: reduced sizes, repeats and pyperf processes
# (about 3 minutes in all; the full run about 15 to 20). BENCH_ARGS in the
# environment: more options for bench_mmap.py, e.g. BENCH_ARGS="--only call"
# (then steps 2 and 3 are skipped). Exit status: that of bench_mmap.py (a
# bench_search failure is reported, not fatal).
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
. tools/vars.sh

qflag=
case $quick in
"" | 0) ;;
*) qflag=--quick ;;
esac

# ---- 0. the venv and the wheel ---------------------------------------------------
venv=$build/bench-venv
mkdir -p "$build"
# pyperf and stringzilla are pinned with the test dependencies, in one place
reqs=$(pwd)/tests/requirements.txt
stamp=$("$python" -c 'import os, sys; print(os.path.realpath(sys.executable), sys.version)' |
    tr '\n' ' ')
stamp="$stamp $(cksum <"$reqs")"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.bench-stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "=== bench venv: $venv ($python)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs"
    echo "$stamp" >"$venv/.bench-stamp"
fi
vpy=$venv/bin/python

echo "=== wheel: sdist of the checkout, then pip wheel from the sdist"
dist=$build/bench-dist
rm -rf "$dist"
mkdir -p "$dist"
if "$vpy" -c 'import build' 2>/dev/null; then
    "$vpy" -m build --sdist --outdir "$dist" . >"$dist/sdist.log" 2>&1 || {
        cat "$dist/sdist.log" >&2
        echo "bench: cannot build the sdist" >&2
        exit 1
    }
    src=$(ls "$dist"/mmf-*.tar.gz)
else
    # no `build` in the venv: pip builds from a clean copy of the checkout's
    # files (not in place, so no object file of another build is reused)
    src=$dist/src
    mkdir -p "$src"
    # (files deleted in the work tree but still in the index: cp says so)
    git ls-files -z --cached --others --exclude-standard |
        xargs -0 cp --parents -t "$src" 2>/dev/null || true
fi
"$vpy" -m pip wheel -v --no-deps --disable-pip-version-check -w "$dist" "$src" \
    >"$dist/wheel.log" 2>&1 || {
    tail -40 "$dist/wheel.log" >&2
    echo "bench: pip wheel failed (log: $dist/wheel.log)" >&2
    exit 1
}
whl=$(ls "$dist"/mmf-*.whl)
"$vpy" -m pip install -q --no-deps --force-reinstall --disable-pip-version-check "$whl"
cc_line=$(grep -m1 -E '(^| )[^ ]*(gcc|cc|clang)[^ ]* .*python/[a-z_]+\.c' "$dist/wheel.log" |
    sed 's/^ *//' || true)
mmf_file=$(cd / && env -u PYTHONPATH "$vpy" -c 'import mmf; print(mmf.__file__)')
echo "mmf measured: $mmf_file"
echo "  from $(basename "$whl") (pip wheel of $(basename "$src"))"
echo "  compiled with: ${cc_line:-(not found in $dist/wheel.log)}"
flags=$(echo "$cc_line" | tr ' ' '\n' | grep -E '^-(O|g|D|f|m)' | grep -v '^-DMMF_EMBED' |
    tr '\n' ' ' | sed 's/ $//')
MMF_BENCH_BUILD="pip wheel $(basename "$whl"), flags: ${flags:-unknown}"
export MMF_BENCH_BUILD

# ---- 1. bench_mmap.py ---------------------------------------------------------------
echo "=== bench_mmap.py ($vpy${qflag:+, quick})"
# shellcheck disable=SC2086
env -u PYTHONPATH "$vpy" bench/bench_mmap.py --require-mmf --data-dir "$build/bench-data" \
    --markdown "$build/bench.md" $qflag ${BENCH_ARGS:-} || exit $?
echo "(the tables are in $build/bench.md)"

case " ${BENCH_ARGS:-} " in
*" --only "*) exit 0 ;;
esac

if [ -f bench/bench_search.c ]; then
    echo "=== bench_search (C kernels)"
    # The kernels are src/search.c plus, when present, its SIMD half.
    simd=
    [ -f src/search_simd.c ] && simd=src/search_simd.c
    # shellcheck disable=SC2086
    if cc $mmf_release $mmf_inc bench/bench_search.c src/search.c $simd \
        -o "$build/bench_search" -lm; then
        # argument: haystack MiB (see the top comment of bench_search.c)
        mib=1024
        [ -n "$qflag" ] && mib=64
        "$build/bench_search" "$mib" || echo "bench: bench_search failed" >&2
    else
        echo "bench: cannot build bench/bench_search.c; skipped" >&2
    fi
fi

echo "=== callcost (instructions per call by group, callgrind)"
# shellcheck disable=SC2086
if command -v valgrind >/dev/null; then
    (cd / && env -u PYTHONPATH "$vpy" "$OLDPWD/bench/callcost.py" \
        --markdown "$build/callcost.md") || echo "bench: callcost failed" >&2
else
    echo "bench: no valgrind: callcost skipped" >&2
fi

if [ -f bench/bench_guard.c ]; then
    echo "=== bench_guard (the fault guard's cost per call)"
    # shellcheck disable=SC2046
    if cc $mmf_release $mmf_inc bench/bench_guard.c $mmf_core_src \
        $mmf_libs -o "$build/bench_guard"; then
        "$build/bench_guard" || echo "bench: bench_guard failed" >&2
    else
        echo "bench: cannot build bench/bench_guard.c; skipped" >&2
    fi
fi
