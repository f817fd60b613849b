# lib.sh - what the scripts of tools/ share: `. tools/lib.sh` (from the
# project root) defines
#   install_missing TAG PACKAGE...  installs the Debian packages that are
#       not installed (as root), or says which are missing and returns 1;
#       TAG starts its lines ("win", "cross").
install_missing() {
    tag=$1
    shift
    miss=
    for p in "$@"; do
        case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
        *" installed") ;;
        *) miss="$miss $p" ;;
        esac
    done
    [ -z "$miss" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "$tag: missing Debian packages:$miss (run as root to install)"
        return 1
    fi
    echo "$tag: installing$miss"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends $miss >/dev/null
}
