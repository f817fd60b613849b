/*
 * mem.h - the Windows backend's memory helpers for the search kernels
 * (src/search.c): the C runtime has no memrchr(), so here is one.
 */
#ifndef MMF_WIN_MEM_H
#define MMF_WIN_MEM_H

#include <stddef.h>

/* The last c in s[0, n), or NULL. */
static inline const void *
mmf__memrchr(const void *s, int c, size_t n)
{
    const unsigned char *p = (const unsigned char *)s + n;

    while (n-- > 0)
        if (*--p == (unsigned char)c)
            return p;
    return NULL;
}

#endif /* MMF_WIN_MEM_H */
