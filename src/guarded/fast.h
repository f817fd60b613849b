/*
 * fast.h - the fast primitives (internal.h) in the portable form:
 * functions over the armed guard (fast.c, through mmf__guarded()), and one
 * byte loaded or stored through them. The last directory of a platform's
 * list (mmf.mk): a system with a faster path puts its own fast.h in its
 * directory, found first (-Isrc/linux before -Isrc/guarded); Linux's has
 * the x86-64 exception-table fast path and includes this one elsewhere.
 */
#ifndef MMF_GUARDED_FAST_H
#define MMF_GUARDED_FAST_H

/* Tells fast.c that the primitives below are its to define. */
#define MMF__FAST_GUARDED 1

mmf_status mmf__fast_copy(const mmf_map *m, void *dst, const void *src,
                          size_t n);
mmf_status mmf__fast_memchr(const mmf_map *m, const void *s, int c, size_t n,
                            size_t *idx);

static inline mmf_status
mmf__load_byte(const mmf_map *m, const unsigned char *p, unsigned char *out)
{
    return mmf__fast_copy(m, out, p, 1);
}

static inline mmf_status
mmf__store_byte(const mmf_map *m, unsigned char *p, unsigned char b)
{
    return mmf__fast_copy(m, p, &b, 1);
}

#endif /* MMF_GUARDED_FAST_H */
