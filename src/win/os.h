/*
 * os.h - inside the Windows backend: what os.c, path.c and resize.c
 * share. A map is a section (a file mapping object: of the file, or of the
 * paging file for anonymous memory) and a view of it; data is delta bytes
 * into the view (mmf_open_path() at an offset that is not a multiple of
 * the granularity). An empty map of mmf_open_path() is a reservation of
 * one granularity instead (Windows cannot map an empty file).
 */
#ifndef MMF_WIN_OS_H
#define MMF_WIN_OS_H

#include "internal.h"
#include "sys.h"

/* The start of the view: data is delta bytes into it. */
static inline unsigned char *
mmf__os_base(const mmf_map *m)
{
    return m->data - m->delta;
}

/* The section's page protection and the view's access for flags and prot
 * (MMF_MAP_*, MMF_PROT_*; os.c). */
DWORD mmf__os_section_protect(int flags, int prot);
DWORD mmf__os_view_access(int flags, int prot);

/* Make the section of m for size bytes of file from its start (file is
 * m->file, the caller's HANDLE when m keeps none, or INVALID_HANDLE_VALUE
 * for the paging file; named m->tagname), and map view_length bytes of it
 * from view_offset into *view with the access prot gives (MMF_PROT_*;
 * without read or write, the view is mapped readable and the caller
 * takes the access away). On success m->section is set;
 * on failure m->section is unchanged, nothing is left open, and the error
 * is recorded in m (MMF_ESYS). */
mmf_status mmf__os_map_section(mmf_map *m, HANDLE file, int prot,
                               uint64_t size, uint64_t view_offset,
                               size_t view_length, void **view);

/* Unmap the view at base (or free the reservation: m->reserved) and close
 * m's section; both are cleared in m, errors ignored. */
void mmf__os_unmap(mmf_map *m, void *base);

/* Give the view of m the protection of m->prot (VirtualProtect), unless
 * it is read-write, the access every view can start with. */
mmf_status mmf__os_reprotect(mmf_map *m);

/* path (UTF-8) as a new UTF-16 string (free() it), or NULL with the
 * error recorded in m (MMF_ESYS from "MultiByteToWideChar", or
 * ERROR_NOT_ENOUGH_MEMORY). */
wchar_t *mmf__os_wide(mmf_map *m, const char *s);

#endif /* MMF_WIN_OS_H */
