#!/bin/sh
# deps.sh WHAT - install the Debian packages that WHAT (demo, check, bench,
# fuzz) needs and that are missing, on Debian 12 or 13. Installs only when
# run as root (apt-get update first); otherwise it names what is missing
# and goes on (the steps that need it will say so).
#
# Debian gives the C tools and the interpreter only; the Python test
# dependencies come from PyPI (tests/requirements.txt, into venvs).
set -u
: "${PATH:=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
export PATH
what=${1:-check}

# ca-certificates: pip reaches PyPI over HTTPS; python3-venv: the venvs.
base="ca-certificates gcc libc6-dev make pkg-config python3-dev python3-venv"
case $what in
demo) pkgs="$base" ;;
bench) pkgs="$base valgrind" ;;
fuzz) pkgs="$base clang" ;;
*) pkgs="$base clang libcmocka-dev lld valgrind crossbuild-essential-arm64 crossbuild-essential-i386 crossbuild-essential-s390x qemu-user musl-tools dpkg-dev" ;;
esac

missing() { # package... -> those not installed
    for p in "$@"; do
        st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
        case $st in *" installed") ;; *) printf ' %s' "$p" ;; esac
    done
}

updated=
install() { # package...
    [ $# -gt 0 ] || return 0
    if [ "$(id -u)" != 0 ]; then
        echo "deps: missing Debian packages: $* (run as root to install)" >&2
        return 0
    fi
    echo "deps: installing $*"
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$updated" ]; then
        apt-get update -qq >/dev/null 2>&1 || apt-get update || return 1
        updated=1
    fi
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
        || apt-get install -y --no-install-recommends "$@"
}

# shellcheck disable=SC2086,SC2046
install $(missing $pkgs) || exit 1

# Packages named after a version: the sanitizer runtimes of the installed
# clang, and the interpreter's own test suite (CPython's test_mmap).
extra=
if [ "$what" != demo ] && [ "$what" != bench ] \
    && command -v clang >/dev/null 2>&1; then
    extra="libclang-rt-$(clang -dumpversion | cut -d. -f1)-dev"
fi
if [ "$what" = check ] && command -v python3 >/dev/null 2>&1; then
    v=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    extra="$extra libpython$v-testsuite"
fi
# shellcheck disable=SC2086,SC2046
install $(missing $extra)
