#!/bin/sh
# demo.sh BUILD PYTHON - run the three examples of Python's mmap
# documentation: in C over libmmf, then in Python with `import mmf as mmap`.
set -eu
build=$1
py=$2
top=$(pwd)
tag=$("$py" -c 'import sys; print(sys.implementation.cache_tag)')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for e in hello anonymous fork; do
    echo "== C: examples/$e.c"
    "$top/$build/examples/$e"
done
for e in hello anonymous fork; do
    echo "== Python ($("$py" -c 'import platform; print(platform.python_version())')): examples/$e.py"
    PYTHONPATH="$top/$build/$tag" "$py" "$top/examples/$e.py"
done
