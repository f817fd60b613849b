/*
 * fast.c - the fast primitives (internal.h) in the portable form: a copy
 * or a memchr run by mmf__guarded(), the backend's guard (guard.c). Built
 * on every platform; empty where the platform's own fast.h defines them
 * (x86-64 Linux), which is when fast.h above does not say
 * MMF__FAST_GUARDED.
 */
#include <string.h>

#include "internal.h"

#if MMF__FAST_GUARDED
struct fast_op {
    void *dst;
    const void *src;
    size_t n;
    int c;
    size_t idx;
};

static void
op_fast_copy(void *p)
{
    struct fast_op *o = p;
    memmove(o->dst, o->src, o->n);
}

static void
op_fast_memchr(void *p)
{
    struct fast_op *o = p;
    const unsigned char *q = memchr(o->src, o->c, o->n);
    o->idx = q ? (size_t)(q - (const unsigned char *)o->src) : o->n;
}

mmf_status
mmf__fast_copy(const mmf_map *m, void *dst, const void *src, size_t n)
{
    struct fast_op o = {dst, src, n, 0, 0};
    return mmf__guarded(m, op_fast_copy, &o);
}

mmf_status
mmf__fast_memchr(const mmf_map *m, const void *s, int c, size_t n, size_t *idx)
{
    struct fast_op o = {NULL, s, n, c, n};
    mmf_status st = mmf__guarded(m, op_fast_memchr, &o);
    *idx = o.idx;
    return st;
}
#endif /* MMF__FAST_GUARDED */
