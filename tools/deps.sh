#!/bin/sh
# deps.sh WHAT - install the Debian packages that WHAT (demo, check, bench,
# fuzz) needs and that are missing. Installs only when run as root; otherwise
# it names what is missing and goes on (the steps that need it will say so).
set -u
what=${1:-check}

base="gcc make pkg-config python3-dev"
case $what in
demo)  pkgs="$base" ;;
bench) pkgs="$base" ;;
fuzz)  pkgs="$base clang libclang-rt-14-dev" ;;
*)     pkgs="$base clang libclang-rt-14-dev libcmocka-dev valgrind \
       python3-pytest python3-hypothesis python3-exceptiongroup \
       python3-tomli python3-setuptools python3-pip python3-wheel \
       libpython3.11-testsuite" ;;
esac

missing=
for p in $pkgs; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
    case $st in *" installed") ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing Debian packages:$missing (run as root to install)" >&2
    exit 0
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || apt-get update
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || apt-get install -y --no-install-recommends $missing
