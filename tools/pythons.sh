#!/bin/sh
# pythons.sh - list the CPython interpreters (3.9 and newer) to test on, one
# path a line: every pyenv version, then Debian's /usr/bin/python3.
# MMF_PYTHONS, when set, replaces the list (space-separated paths).
set -u
if [ -n "${MMF_PYTHONS:-}" ]; then
    for p in $MMF_PYTHONS; do echo "$p"; done
    exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
    for v in $(pyenv versions --bare 2>/dev/null); do
        case $v in
        3.9.* | 3.1[0-9].* | 3.[2-9][0-9].*) ;;
        *) continue ;;
        esac
        [ -x "$root/versions/$v/bin/python" ] && echo "$root/versions/$v/bin/python"
    done
fi
[ -x /usr/bin/python3 ] && echo /usr/bin/python3
exit 0
