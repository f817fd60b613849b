/*
 * mem.h - the POSIX backend's memory helpers for the search kernels
 * (src/search.c, which defines _GNU_SOURCE): memrchr(), which glibc, musl
 * and the BSDs have. A system without it gives its own mem.h.
 */
#ifndef MMF_POSIX_MEM_H
#define MMF_POSIX_MEM_H

#include <string.h>

/* The last c in s[0, n), or NULL. */
static inline const void *
mmf__memrchr(const void *s, int c, size_t n)
{
    return memrchr(s, c, n);
}

#endif /* MMF_POSIX_MEM_H */
