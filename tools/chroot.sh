#!/bin/sh
# chroot.sh - CPython 3.14 and 3.15 (Debian's sid builds) in a Debian 13
# chroot, for testing mmf against the released interpreters.
#
#   sh tools/chroot.sh setup          build or update the chroot (root)
#   sh tools/chroot.sh run CMD ARG... run CMD inside it, in a copy of this
#                                     checkout at /mmf (mounted read-write)
#   sh tools/chroot.sh pythons        the interpreters it has, one a line
#
# The chroot lives in $MMF_CHROOT (default /var/lib/mmf/trixie), outside
# the checkout, so that later runs reuse it. sid is named only inside it,
# pinned low (priority 100): only the packages asked for with -t sid come
# from sid. The host's apt sources are never touched: adding sid or trixie
# there would upgrade the host's C library and its python3.
#
# `run` mounts proc, sys, dev, dev/pts, dev/shm and the checkout, and
# unmounts all of them when the command ends, whatever its status.
set -eu
root=${MMF_CHROOT:-/var/lib/mmf/trixie}
mirror=${MMF_MIRROR:-http://deb.debian.org/debian}
top=$(cd "$(dirname "$0")/.." && pwd)
# Bump when the package list changes, so that `setup` installs again.
stamp_want="3"
# python3-pip-whl from sid too: trixie's pip cannot set up a 3.15 venv.
sid_pkgs="python3.14 python3.14-dev python3.14-venv libpython3.14-testsuite
          python3.15 python3.15-dev python3.15-venv libpython3.15-testsuite
          python3-pip-whl"
base_pkgs="gcc make libc6-dev ca-certificates"

need_root() {
    [ "$(id -u)" = 0 ] || { echo "chroot.sh: $1 needs root" >&2; exit 2; }
}

mounted=
mount_one() { # fstype-or-bind source target
    mkdir -p "$3"
    if [ "$1" = bind ]; then
        mount --bind "$2" "$3"
    else
        mount -t "$1" "$2" "$3"
    fi
    mounted="$3 $mounted"
}

unmount_all() {
    for m in $mounted; do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    mounted=
}

mount_all() { # [checkout]
    trap unmount_all EXIT INT TERM
    mount_one proc proc "$root/proc"
    mount_one sysfs sysfs "$root/sys"
    mount_one bind /dev "$root/dev"
    mount_one devpts devpts "$root/dev/pts"
    mount_one tmpfs tmpfs "$root/dev/shm"
    if [ $# -gt 0 ]; then mount_one bind "$1" "$root/mmf"; fi
}

in_root() { # cmd... (clean environment, as a new user's)
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
        ${CI:+CI=$CI} chroot "$root" "$@"
}

setup() {
    need_root setup
    mkdir -p "$(dirname "$root")"
    exec 8>"$root.setup-lock"
    flock 8
    if [ ! -x "$root/usr/bin/apt-get" ]; then
        command -v debootstrap >/dev/null 2>&1 || {
            apt-get update -qq >/dev/null 2>&1 || apt-get update
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                --no-install-recommends debootstrap >/dev/null
        }
        mkdir -p "$(dirname "$root")"
        rm -rf "$root"
        echo "chroot: debootstrap trixie into $root"
        debootstrap --variant=minbase trixie "$root" "$mirror" >"$root.log" 2>&1 \
            || { tail -20 "$root.log" >&2; exit 1; }
    fi
    [ "$(cat "$root/.mmf-stamp" 2>/dev/null)" = "$stamp_want" ] && return 0
    cat >"$root/etc/apt/sources.list.d/sid.list" <<EOF
deb $mirror sid main
EOF
    cat >"$root/etc/apt/preferences.d/sid" <<EOF
Package: *
Pin: release n=sid
Pin-Priority: 100
EOF
    cat >"$root/etc/apt/apt.conf.d/90mmf" <<EOF
Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
EOF
    host_config
    mount_all
    in_root apt-get -o Acquire::Check-Valid-Until=false update -qq
    # shellcheck disable=SC2086
    in_root apt-get -o Acquire::Check-Valid-Until=false install -y -qq $base_pkgs
    # shellcheck disable=SC2086
    in_root apt-get -o Acquire::Check-Valid-Until=false install -y -qq -t sid $sid_pkgs
    unmount_all
    trap - EXIT INT TERM
    echo "$stamp_want" >"$root/.mmf-stamp"
}

# The host's name resolution and its locally added certificate authorities
# (a proxy's, say) hold inside too, so that pip reaches PyPI as it does on
# the host.
host_config() {
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    mkdir -p "$root/usr/local/share/ca-certificates"
    for c in /usr/local/share/ca-certificates/*.crt; do
        [ -f "$c" ] && cp "$c" "$root/usr/local/share/ca-certificates/"
    done
    if [ -x "$root/usr/sbin/update-ca-certificates" ]; then
        in_root update-ca-certificates >/dev/null 2>&1 || true
    fi
}

pythons() {
    for v in 3.14 3.15; do
        [ -x "$root/usr/bin/python$v" ] && echo "/usr/bin/python$v"
    done
    return 0
}

run() {
    need_root run
    # One run at a time: each mounts and unmounts the same points.
    exec 9>"$root.lock"
    flock 9
    [ "$(cat "$root/.mmf-stamp" 2>/dev/null)" = "$stamp_want" ] || setup
    host_config
    mount_all "$top"
    rc=0
    in_root sh -c 'cd /mmf && exec "$@"' sh "$@" || rc=$?
    unmount_all
    trap - EXIT INT TERM
    return $rc
}

cmd=${1:-setup}
[ $# -gt 0 ] && shift
case $cmd in
setup) setup ;;
run) run "$@" ;;
pythons) pythons ;;
*) echo "usage: chroot.sh setup | run CMD... | pythons" >&2; exit 2 ;;
esac
