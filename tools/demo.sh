#!/bin/sh
# demo.sh - the README's first command: install what is missing (Debian
# packages, as root), build libmmf and its C examples, install the Python
# module into the venv build/venv (pip install ., from PyPI's setuptools),
# and run the three examples of Python's mmap documentation: in C over
# libmmf, then in Python with `import mmf as mmap`.
#
# PYTHON=python3.12 sh tools/demo.sh makes the venv with that interpreter.
set -eu
: "${PATH:=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
export PATH HOME
cd "$(dirname "$0")/.."
top=$(pwd)
py=${PYTHON:-python3}
venv=build/venv

sh tools/deps.sh demo
make -s lib examples >/dev/null
if ! "$venv/bin/python" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' \
    2>/dev/null; then
    rm -rf "$venv"
    "$py" -m venv "$venv"
fi
echo "== pip install . into $venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
    --force-reinstall --no-deps .

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for e in hello anonymous fork; do
    echo "== C: examples/$e.c"
    "$top/build/examples/$e"
done
v=$("$top/$venv/bin/python" -c 'import platform; print(platform.python_version())')
for e in hello anonymous fork; do
    echo "== Python $v: examples/$e.py"
    "$top/$venv/bin/python" "$top/examples/$e.py"
done
echo "== mmf is installed in $venv: try $venv/bin/python -c 'import mmf'"
