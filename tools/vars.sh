# vars.sh - mmf.mk for shell scripts: `. tools/vars.sh` (from the project
# root) sets, for PLATFORM (default linux):
#   mmf_inc       -I flags: include, src, the platform's directories
#   mmf_core_src  the core's and the platform's .c files
#   mmf_core_hdr  their headers
#   mmf_libs      what to link with (-lpthread)
#   mmf_warn      the warning flags (no -Werror)
#   mmf_release   the release optimisation flags
# and defines mmf_var NAME, which prints one variable of mmf.mk.
mmf_var() {
    sed -n "s/^$1 *= *//p" mmf.mk
}
: "${PLATFORM:=linux}"
mmf_plat_dirs=$(mmf_var "PLAT_DIRS_$PLATFORM")
mmf_inc="-Iinclude -Isrc $(for d in $mmf_plat_dirs; do printf ' -I%s' "$d"; done)"
mmf_core_src="$(mmf_var CORE_SRC) $(mmf_var "PLAT_SRC_$PLATFORM")"
mmf_core_hdr="$(mmf_var CORE_HDR) $(mmf_var "PLAT_HDR_$PLATFORM")"
mmf_libs=$(mmf_var "PLAT_LIBS_$PLATFORM")
mmf_warn=$(mmf_var WARN)
mmf_release=$(mmf_var RELEASE_CFLAGS)
