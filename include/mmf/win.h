/*
 * mmf/win.h - what mmf.h needs on Windows (libuv's uv/win.h model): the
 * mapping constants, which Windows does not have, as libmmf's own values
 * (those of Linux, so that numbers read the same everywhere), and the
 * private fields of mmf_map that the Windows backend (src/win/) keeps.
 * Included by mmf.h; not to be included directly. No <windows.h> here:
 * handles are kept as void *.
 */
#ifndef MMF_WIN_H
#define MMF_WIN_H

#include <stdint.h>

/* flags of mmf_open(): a shared view (section) or a copy-on-write one. */
#define MMF_MAP_SHARED 0x01
#define MMF_MAP_PRIVATE 0x02
/* prot of mmf_open() and mmf_protect(). Windows has no write-only pages:
 * MMF_PROT_WRITE alone maps read-write. */
#define MMF_PROT_NONE 0x0
#define MMF_PROT_READ 0x1
#define MMF_PROT_WRITE 0x2
#define MMF_PROT_EXEC 0x4

/* advice of mmf_madvise() (Linux's numbers): NORMAL is accepted and does
 * nothing, WILLNEED is PrefetchVirtualMemory(), FREE is
 * DiscardVirtualMemory(); any other value is MMF_ENOTSUP. */
#define MMF_MADV_NORMAL 0
#define MMF_MADV_WILLNEED 3
#define MMF_MADV_FREE 8

/* The Windows backend's fields (src/win/os.c). */
#define MMF_PLATFORM_FIELDS                                                 \
    int flags;          /* MMF_MAP_SHARED or MMF_MAP_PRIVATE */             \
    int prot;           /* MMF_PROT_* bits */                               \
    void *file;         /* private duplicate of the file HANDLE, or NULL */ \
    void *section;      /* the file mapping object HANDLE, or NULL */       \
    char *tagname;      /* copy of the section's name, or NULL */           \
    unsigned char reserved; /* 1: data is a reservation (an empty map) */

#endif /* MMF_WIN_H */
