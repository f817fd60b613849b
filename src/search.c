/*
 * search.c - forward and reverse substring search over plain memory.
 * Placeholder: straightforward loops, replaced by the SIMD/Two-Way kernels.
 */
#define _GNU_SOURCE
#include <string.h>

#include "internal.h"

ptrdiff_t
mmf__search_fwd(const unsigned char *hay, size_t hlen,
                const unsigned char *needle, size_t nlen)
{
    if (nlen == 0)
        return 0;
    if (nlen > hlen)
        return -1;
    const unsigned char *p = memmem(hay, hlen, needle, nlen);
    return p ? p - hay : -1;
}

ptrdiff_t
mmf__search_rev(const unsigned char *hay, size_t hlen,
                const unsigned char *needle, size_t nlen)
{
    if (nlen > hlen)
        return -1;
    for (size_t i = hlen - nlen + 1; i-- > 0;)
        if (memcmp(hay + i, needle, nlen) == 0)
            return (ptrdiff_t)i;
    return -1;
}
