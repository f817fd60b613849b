# lib.sh - what the scripts of tools/ share: `. tools/lib.sh` (from the
# project root) defines
#   install_missing TAG PACKAGE...  installs the Debian packages that are
#       not installed (as root), or says which are missing and returns 1;
#       TAG starts its lines ("win", "cross");
#   orig_tar_fetch URIS DIR  unpacks into DIR the upstream tarball (the
#       .orig.tar) that URIS, the output of `apt-get source --print-uris`,
#       names with its SHA256 in the signed index; apt-helper fetches and
#       checks it. Only that file: the mirror this runs against may lack
#       the rest of a source package (trixie's .dsc and .debian.tar.xz of
#       cmocka answer 404 there while the .orig.tar is served);
#   cmocka_count TAG TAIL FILE  the N of cmocka's summary line
#       "[TAG] N TAIL" (cmocka 1.1.5, Debian 12) or "[TAG] GROUP: N TAIL"
#       (1.1.7, Debian 13) in FILE.
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

orig_tar_fetch() {
    _uris=$1
    _dir=$2
    # 'URI' FILE SIZE SHA256:HASH
    # shellcheck disable=SC2046
    set -- $(awk '$2 ~ /\.orig\.tar\.[a-z0-9]+$/ {
        gsub("\047", "", $1); print $1, $2, $4; exit }' "$_uris")
    [ $# = 3 ] || { echo "  no .orig.tar in:"; cat "$_uris"; return 1; }
    mkdir -p "$_dir" || return 1
    /usr/lib/apt/apt-helper -o APT::Sandbox::User=root \
        download-file "$1" "$_dir.$2" "$3" >"$_dir.log" 2>&1 \
        && tar -xf "$_dir.$2" -C "$_dir" --strip-components=1 \
        || { cat "$_dir.log"; return 1; }
}

cmocka_count() {
    sed -n "s/^\[$1\] \([^ ]*: \)\{0,1\}\([0-9][0-9]*\) $2.*/\2/p" "$3" |
        head -1
}
