/*
 * mmf/unix.h - what mmf.h needs from a POSIX system (libuv's uv/unix.h
 * model): the platform's mapping constants under portable names, and the
 * private fields of mmf_map that the POSIX backend keeps. Included by
 * mmf.h; not to be included directly.
 */
#ifndef MMF_UNIX_H
#define MMF_UNIX_H

#include <stdint.h>
#include <sys/mman.h>

/* flags and prot of mmf_open() are the platform's own values here; these
 * names let code that is to build on every platform spell them once. */
#define MMF_MAP_SHARED MAP_SHARED
#define MMF_MAP_PRIVATE MAP_PRIVATE
#define MMF_PROT_NONE PROT_NONE
#define MMF_PROT_READ PROT_READ
#define MMF_PROT_WRITE PROT_WRITE
#define MMF_PROT_EXEC PROT_EXEC

/* The POSIX backend's fields (src/posix/os.c). */
#define MMF_PLATFORM_FIELDS                                                 \
    int flags;              /* final platform mapping flags */              \
    int prot;               /* platform protection bits */                  \
    uint64_t fd_dev;        /* identity of fd, checked before each use */   \
    uint64_t fd_ino;                                                        \
    unsigned char fd_known; /* 1 once fd_dev/fd_ino are set */              \
    unsigned char memfd;    /* 1 for an mmf_open_anon(MMF_OPT_MEMFD) map */

#endif /* MMF_UNIX_H */
