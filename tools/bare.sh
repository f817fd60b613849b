#!/bin/sh
# bare.sh [SUITE] - the README's two commands on a bare Debian, as a new
# user runs them: a fresh `debootstrap --variant=minbase SUITE` (bookworm
# by default; trixie for Debian 13) plus git, a clone of this checkout's
# committed HEAD, then `sh tools/demo.sh` and `sh tools/check.sh` as root
# with `env -i`, the check started the way a background job is (setsid,
# SIGINT ignored, stdin /dev/null). Needs root; takes about 15 minutes.
# The tree is /var/lib/mmf/bare-SUITE (made anew each run); the host's
# locally added certificate authorities are copied in, as tools/chroot.sh
# does, so that pip reaches PyPI where a proxy intercepts TLS.
set -u
suite=${1:-bookworm}
top=$(cd "$(dirname "$0")/.." && pwd)
R=/var/lib/mmf/bare-$suite
[ "$(id -u)" = 0 ] || { echo "bare.sh needs root" >&2; exit 2; }
umount_all() {
    for m in dev/shm dev/pts dev sys proc; do umount -l "$R/$m" 2>/dev/null; done
}
umount_all
rm -rf "$R"
mkdir -p "$(dirname "$R")"
debootstrap --variant=minbase "$suite" "$R" http://deb.debian.org/debian \
    >"$R.log" 2>&1 || { tail -20 "$R.log"; exit 1; }
cp /etc/resolv.conf "$R/etc/resolv.conf"
mkdir -p "$R/usr/local/share/ca-certificates"
for c in /usr/local/share/ca-certificates/*.crt; do
    [ -f "$c" ] && cp "$c" "$R/usr/local/share/ca-certificates/"
done
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount --bind /dev "$R/dev"
mount -t devpts devpts "$R/dev/pts"
mount -t tmpfs tmpfs "$R/dev/shm"
trap umount_all EXIT INT TERM
chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq git >/dev/null' \
    || exit 1
git clone -q "$top" "$R/root/mmf" || exit 1
echo "=== sh tools/demo.sh"
chroot "$R" env -i sh -c 'cd /root/mmf && sh tools/demo.sh'
demo=$?
echo "demo exit $demo"
echo "=== sh tools/check.sh (setsid, SIGINT ignored, stdin /dev/null)"
chroot "$R" env -i setsid sh -c 'trap "" INT; cd /root/mmf && sh tools/check.sh' \
    </dev/null
check=$?
echo "check exit $check"
[ "$demo" -eq 0 ] && [ "$check" -eq 0 ]
