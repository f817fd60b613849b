/*
 * fast.h - the Windows backend's fast primitives (internal.h), in the
 * portable form: functions over the armed guard (guard.c), and one byte
 * loaded or stored through them. Found through the include path
 * (-Isrc/win).
 */
#ifndef MMF_WIN_FAST_H
#define MMF_WIN_FAST_H

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

#endif /* MMF_WIN_FAST_H */
