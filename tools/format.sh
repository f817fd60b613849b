#!/bin/sh
# format.sh [check|fix] - the C code in the style of .clang-format.
#   check (default): list the files clang-format would change, with the
#                    first lines of the difference; exit 1 if any
#   fix:             rewrite them in place (`make format`)
# clang-format is the release pinned in tests/requirements.txt, from PyPI,
# in its own venv (build/format-venv), so that every machine formats the
# same way whatever its Debian has.
set -u
: "${PATH:=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
export PATH
cd "$(dirname "$0")/.." || exit 1
mode=${1:-check}
venv=build/format-venv
pin=$(grep -E '^clang-format==' tests/requirements.txt) || {
    echo "format: no clang-format pin in tests/requirements.txt"
    exit 1
}
if [ "$("$venv/bin/clang-format" --version 2>/dev/null |
    sed -n 's/.*version \([0-9.]*\).*/\1/p')" != "${pin#clang-format==}" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv" && "$venv/bin/pip" install -q "$pin" || {
        echo "format: cannot install $pin"
        exit 1
    }
fi
files=$(ls include/*.h src/*.c src/*.h src/*/*.c src/*/*.h python/*.c \
    python/*.h tests/c/*.c tests/c/*.h tests/fuzz/*.c examples/*.c \
    bench/*.c 2>/dev/null)
if [ "$mode" = fix ]; then
    # shellcheck disable=SC2086
    exec "$venv/bin/clang-format" -i $files
fi
bad=0
for f in $files; do
    if ! "$venv/bin/clang-format" "$f" | cmp -s - "$f"; then
        echo "  not formatted: $f"
        "$venv/bin/clang-format" "$f" | diff -u "$f" - | sed -n '3,14p'
        bad=$((bad + 1))
    fi
done
echo "format: $(echo "$files" | wc -w) files, $bad not formatted ($("$venv/bin/clang-format" --version | sed 's/ *(.*//'))"
[ $bad = 0 ]
