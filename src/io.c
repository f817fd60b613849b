/*
 * io.c - every operation that touches mapped bytes: read, write, items,
 * slices, move, line scan and search.
 *
 * The bytes are touched only by the closed set of primitives at the top
 * (copy, gather, scatter, memchr, search), and only through mmf__guarded()
 * or, for short accesses, the fast paths of the backend's fast.h
 * (mmf__fast_copy, mmf__fast_memchr), so that a fault inside the map
 * becomes MMF_EFAULT. Every function checks
 * the object's state first and validates ranges with overflow-safe
 * arithmetic (size - off < n, never off + n > size) before touching memory;
 * a failing call changes neither the cursor nor the bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- the primitives ---------------------------------------------------- */

struct copy_op {
    unsigned char *dst;
    const unsigned char *src;
    size_t n;
};

static void
op_copy(void *p)
{
    struct copy_op *c = p;
    memmove(c->dst, c->src, c->n);
}

struct stride_op {
    unsigned char *base; /* the first index */
    ptrdiff_t step;
    size_t count;
    unsigned char *buf; /* contiguous side */
};

static void
op_gather(void *p)
{
    struct stride_op *s = p;
    /* Index arithmetic, not a walking pointer: one step past the last
     * element may lie outside the address space (a huge step). */
    for (size_t i = 0; i < s->count; i++)
        s->buf[i] = s->base[(ptrdiff_t)i * s->step];
}

/* A write into the map must fail before it changes anything: a page that
 * cannot be had (a full tmpfs, a hole past the end of the file, the end of
 * a device) faults on its first store, so a write that spans pages first
 * stores into each of them the value one of its bytes has: a compare-and-
 * swap of the byte with itself, a real store (unlike an atomic "or 0",
 * which compilers may turn into a load) that cannot lose a store another
 * process makes meanwhile (populate() touches bytes nobody overwrites).
 * One byte every TOUCH_STEP, the smallest page size there is, reaches
 * every page. */
#define TOUCH_STEP ((uintptr_t)4096)

static void
touch(unsigned char *p)
{
    unsigned char v = __atomic_load_n(p, __ATOMIC_RELAXED);
    __atomic_compare_exchange_n(p, &v, v, 0, __ATOMIC_RELAXED,
                                __ATOMIC_RELAXED);
}

static int
one_page(const unsigned char *p, size_t n)
{
    return ((uintptr_t)p ^ ((uintptr_t)p + n - 1)) < TOUCH_STEP;
}

static void
touch_range(unsigned char *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, end = a + n;
    touch(p);
    for (a = (a | (TOUCH_STEP - 1)) + 1; a < end; a += TOUCH_STEP)
        touch(p + (a - (uintptr_t)p));
}

/* A read of a byte in every page of [p, p + n): a source in the map that is
 * gone faults here, before the copy wrote anything. */
static void
probe_range(const unsigned char *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, end = a + n;
    const volatile unsigned char *q = p;
    (void)*q;
    for (a = (a | (TOUCH_STEP - 1)) + 1; a < end; a += TOUCH_STEP)
        (void)q[a - (uintptr_t)p];
}

static void
op_copy_in(void *p)
{
    struct copy_op *c = p;
    probe_range(c->src, c->n);
    touch_range(c->dst, c->n);
    memmove(c->dst, c->src, c->n);
}

static void
op_scatter(void *p)
{
    struct stride_op *s = p;
    uintptr_t last = 0;
    for (size_t i = 0; i < s->count; i++) {
        unsigned char *q = s->base + (ptrdiff_t)i * s->step;
        if (i == 0 || ((uintptr_t)q ^ last) >= TOUCH_STEP) {
            touch(q);
            last = (uintptr_t)q;
        }
    }
    for (size_t i = 0; i < s->count; i++)
        s->base[(ptrdiff_t)i * s->step] = s->buf[i];
}

struct search_op {
    const unsigned char *hay;
    size_t hlen;
    const unsigned char *needle;
    size_t nlen;
    ptrdiff_t found;
    size_t next; /* op_count: just past the last occurrence counted */
};

static void
op_memchr(void *p)
{
    struct search_op *s = p;
    const unsigned char *q = memchr(s->hay, s->needle[0], s->hlen);
    s->found = q ? q - s->hay : -1;
}

static void
op_find(void *p)
{
    struct search_op *s = p;
    s->found = mmf__search_fwd(s->hay, s->hlen, s->needle, s->nlen);
}

static void
op_count(void *p)
{
    struct search_op *s = p;
    s->found =
        (ptrdiff_t)mmf__count(s->hay, s->hlen, s->needle, s->nlen, &s->next);
}

static void
op_rfind(void *p)
{
    struct search_op *s = p;
    s->found = mmf__search_rev(s->hay, s->hlen, s->needle, s->nlen);
}

static void
op_zero(void *p)
{
    struct copy_op *c = p;
    memset(c->dst, 0, c->n);
}

struct touch_op {
    unsigned char *p;
    size_t n;
    int write;
};

static void
op_touch(void *p)
{
    struct touch_op *t = p;
    if (t->write)
        touch_range(t->p, t->n);
    else
        probe_range(t->p, t->n);
}

mmf_status
mmf__touch(mmf_map *m, size_t off, size_t n, int write)
{
    struct touch_op t = {m->data + off, n, write};
    return n == 0 ? MMF_OK : mmf__guarded(m, op_touch, &t);
}

mmf_status
mmf__zero(mmf_map *m, size_t off, size_t n)
{
    struct copy_op c = {m->data + off, NULL, n};
    return n == 0 ? MMF_OK : mmf__guarded(m, op_zero, &c);
}

/* Two ranges of n bytes that share no byte (compared as integers: they may
 * lie in different objects). */
static int
disjoint(const void *a, const void *b, size_t n)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return x < y ? y - x >= n : x - y >= n;
}

static mmf_status
copy_general(const mmf_map *m, void *dst, const void *src, size_t n)
{
    struct copy_op c = {dst, src, n};

    if (dst == src) /* a move onto itself touches nothing */
        return MMF_OK;
    if (n <= MMF__FAST_MAX && (n <= 64 || disjoint(dst, src, n)))
        return n == 0 ? MMF_OK : mmf__fast_copy(m, dst, src, n);
    return mmf__guarded(m, op_copy, &c);
}

/* memmove through the guard. The common short copy (1 to 64 bytes, which
 * the fast copy takes whatever the overlap) is inlined into each caller. */
static inline mmf_status
copy(const mmf_map *m, void *dst, const void *src, size_t n)
{
    if (n - 1 < 64 && dst != src)
        return mmf__fast_copy(m, dst, src, n);
    return copy_general(m, dst, src, n);
}

/* copy() into the map: all or nothing when a page of the destination or of
 * the source is unavailable (see touch()). */
static mmf_status
copy_in(const mmf_map *m, void *dst, const void *src, size_t n)
{
    struct copy_op c = {dst, src, n};

    if (n == 0 || dst == src)
        return MMF_OK;
    if (one_page(dst, n) && one_page(src, n))
        return copy(m, dst, src, n);
    return mmf__guarded(m, op_copy_in, &c);
}

/* ---- state checks -------------------------------------------------------- */

static mmf_status
check_read(const mmf_map *m)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    return m->readable ? MMF_OK : MMF_ENOREAD;
}


static size_t
remaining(const mmf_map *m)
{
    return m->pos < m->size ? m->size - m->pos : 0;
}

/* ---- at the cursor -------------------------------------------------------- */

mmf_status
mmf_read(mmf_map *m, void *dst, size_t n, size_t *nread)
{
    mmf_status s;

    *nread = 0;
    if ((s = check_read(m)) != MMF_OK)
        return s;
    if (n > remaining(m))
        n = remaining(m);
    if ((s = copy(m, dst, m->data + m->pos, n)) != MMF_OK)
        return s;
    m->pos += n;
    *nread = n;
    return MMF_OK;
}

mmf_status
mmf_read_byte(mmf_map *m, unsigned char *out)
{
    mmf_status s = check_read(m);
    if (s != MMF_OK)
        return s;
    if (m->pos >= m->size)
        return MMF_ERANGE;
    if ((s = mmf__load_byte(m, m->data + m->pos, out)) != MMF_OK)
        return s;
    m->pos++;
    return MMF_OK;
}

/* The rest of a line longer than the fast scan: the guarded memchr. */
static mmf_status
long_line(const mmf_map *m, size_t from, size_t to, size_t *len)
{
    struct search_op op = {
        m->data + from, to - from, (const unsigned char *)"\n", 1, -1, 0};
    mmf_status s = mmf__guarded(m, op_memchr, &op);
    if (s != MMF_OK)
        return s;
    if (op.found >= 0)
        *len = from + (size_t)op.found + 1 - m->pos;
    else if (to == m->size)
        *len = m->size - m->pos;
    else
        return MMF_ERANGE;
    return MMF_OK;
}

/* The length of the line at the cursor, when it ends (with its newline or
 * the map's end) within max bytes; MMF_ERANGE when it is longer. Inlined
 * into the readers of lines. */
static inline __attribute__((always_inline)) mmf_status
line_length(const mmf_map *m, size_t max, size_t *len)
{
    mmf_status s;
    size_t rem, head, idx;

    *len = 0;
    if ((s = check_read(m)) != MMF_OK)
        return s;
    if ((rem = remaining(m)) == 0)
        return MMF_OK;
    /* Most lines are short: the fast scan first. */
    head = rem < MMF__FAST_MAX ? rem : MMF__FAST_MAX;
    if ((s = mmf__fast_memchr(m, m->data + m->pos, '\n', head, &idx))
        != MMF_OK)
        return s;
    if (idx < head)
        *len = idx + 1;
    else if (head == rem)
        *len = rem;
    else if (max > head)
        return long_line(m, m->pos + head,
                         rem - head > max - head ? m->pos + max : m->size,
                         len);
    else
        return MMF_ERANGE;
    return *len <= max ? MMF_OK : MMF_ERANGE;
}

mmf_status
mmf_line_length(const mmf_map *m, size_t *len)
{
    return line_length(m, SIZE_MAX, len);
}

mmf_status
mmf_readline(mmf_map *m, void *dst, size_t cap, size_t *nread)
{
    size_t len;
    mmf_status s;

    *nread = 0;
    if ((s = mmf_line_length(m, &len)) != MMF_OK)
        return s;
    return mmf_read(m, dst, len < cap ? len : cap, nread);
}

mmf_status
mmf_readline_alloc(mmf_map *m, mmf_alloc_fn alloc, void *ctx, size_t *nread)
{
    return mmf_readline_alloc_upto(m, SIZE_MAX, alloc, ctx, nread);
}

mmf_status
mmf_readline_alloc_upto(mmf_map *m, size_t max, mmf_alloc_fn alloc, void *ctx,
                        size_t *nread)
{
    size_t len;
    void *dst;
    mmf_status s;

    *nread = 0;
    if ((s = line_length(m, max, &len)) != MMF_OK)
        return s;
    if ((dst = alloc(ctx, len)) == NULL)
        return MMF_ENOMEM;
    s = len <= MMF__FAST_MAX ? mmf__fast_copy(m, dst, m->data + m->pos, len)
                             : copy(m, dst, m->data + m->pos, len);
    if (s != MMF_OK)
        return s;
    m->pos += len;
    *nread = len;
    return MMF_OK;
}

mmf_status
mmf_next_line(mmf_map *m, size_t *off, size_t *len)
{
    mmf_status s;

    *off = m->pos;
    if ((s = line_length(m, SIZE_MAX, len)) != MMF_OK)
        return s;
    m->pos += *len;
    return MMF_OK;
}

mmf_status
mmf_write(mmf_map *m, const void *src, size_t n)
{
    mmf_status s = mmf_check_writable(m);
    if (s != MMF_OK)
        return s;
    if (m->pos > m->size || m->size - m->pos < n)
        return MMF_ERANGE;
    if ((s = copy_in(m, m->data + m->pos, src, n)) != MMF_OK)
        return s;
    m->pos += n;
    return MMF_OK;
}

mmf_status
mmf_write_byte(mmf_map *m, unsigned char b)
{
    mmf_status s = mmf_check_writable(m);
    if (s != MMF_OK)
        return s;
    if (m->pos >= m->size)
        return MMF_ERANGE;
    if ((s = mmf__store_byte(m, m->data + m->pos, b)) != MMF_OK)
        return s;
    m->pos++;
    return MMF_OK;
}

/* ---- random access ---------------------------------------------------------- */

mmf_status
mmf_get_byte(const mmf_map *m, size_t i, unsigned char *out)
{
    mmf_status s = check_read(m);
    if (s != MMF_OK)
        return s;
    if (i >= m->size)
        return MMF_ERANGE;
    return mmf__load_byte(m, m->data + i, out);
}

mmf_status
mmf_set_byte(mmf_map *m, size_t i, unsigned char b)
{
    mmf_status s = mmf_check_writable(m);
    if (s != MMF_OK)
        return s;
    if (i >= m->size)
        return MMF_ERANGE;
    return mmf__store_byte(m, m->data + i, b);
}

/* Do count indices start, start + step, ... all lie in [0, size)? */
static mmf_status
check_slice(const mmf_map *m, size_t start, ptrdiff_t step, size_t count)
{
    if (count == 0)
        return MMF_OK;
    if (start >= m->size)
        return MMF_ERANGE;
    if (count == 1)
        return MMF_OK;
    if (step == 0)
        return MMF_EINVAL;
    size_t span = count - 1;
    if (step > 0 && span > (m->size - 1 - start) / (size_t)step)
        return MMF_ERANGE;
    if (step < 0 && span > start / ((size_t)-(step + 1) + 1))
        return MMF_ERANGE;
    return MMF_OK;
}

mmf_status
mmf_get_slice(const mmf_map *m, size_t start, ptrdiff_t step, size_t count,
              void *dst)
{
    mmf_status s = check_read(m);
    if (s != MMF_OK)
        return s;
    if (step == 1) { /* the common slice, checked in one step */
        if (count == 0)
            return MMF_OK;
        if (start >= m->size || count > m->size - start)
            return MMF_ERANGE;
        return copy(m, dst, m->data + start, count);
    }
    if ((s = check_slice(m, start, step, count)) != MMF_OK)
        return s;
    if (count == 0)
        return MMF_OK;
    struct stride_op op = {m->data + start, step, count, dst};
    return mmf__guarded(m, op_gather, &op);
}

int
mmf_overlaps(const mmf_map *m, const void *p, size_t n)
{
    const unsigned char *q = p;
    return n > 0 && m->data != NULL && q < m->data + m->size
           && m->data < q + n;
}

mmf_status
mmf_set_slice(mmf_map *m, size_t start, ptrdiff_t step, size_t count,
              const void *src)
{
    mmf_status s = mmf_check_writable(m);
    if (s != MMF_OK || (s = check_slice(m, start, step, count)) != MMF_OK)
        return s;
    if (count == 0)
        return MMF_OK;
    if (step == 1)
        return copy_in(m, m->data + start, src, count);
    unsigned char *tmp = NULL;
    if (mmf_overlaps(m, src, count)) {
        /* A strided write from the map into itself: read it all first. */
        if ((tmp = malloc(count)) == NULL)
            return MMF_ENOMEM;
        if ((s = copy(m, tmp, src, count)) != MMF_OK) {
            free(tmp);
            return s;
        }
        src = tmp;
    }
    struct stride_op op = {m->data + start, step, count, (void *)src};
    s = mmf__guarded(m, op_scatter, &op);
    free(tmp);
    return s;
}

mmf_status
mmf_move(mmf_map *m, size_t dest, size_t src, size_t count)
{
    mmf_status s = mmf_check_writable(m);
    if (s != MMF_OK)
        return s;
    if (!m->readable)
        return MMF_ENOREAD;
    if (dest > m->size || src > m->size || m->size - dest < count
        || m->size - src < count)
        return MMF_ERANGE;
    return copy_in(m, m->data + dest, m->data + src, count);
}

/* ---- search ---------------------------------------------------------------- */

static mmf_status
search(const mmf_map *m, const void *needle, size_t nlen, size_t start,
       size_t end, int reverse, ptrdiff_t *out)
{
    mmf_status s;

    *out = -1;
    if ((s = check_read(m)) != MMF_OK)
        return s;
    if (end > m->size)
        end = m->size;
    if (start > end || end - start < nlen)
        return MMF_OK;
    if (nlen == 0) {
        *out = (ptrdiff_t)(reverse ? end : start);
        return MMF_OK;
    }
    if (end - start <= MMF__FAST_MAX && nlen == 1 && !reverse) {
        /* One byte forward (the next line's end): the fast memchr. */
        size_t idx;

        if ((s = mmf__fast_memchr(m, m->data + start,
                                  *(const unsigned char *)needle, end - start,
                                  &idx))
            != MMF_OK)
            return s;
        if (idx < end - start)
            *out = (ptrdiff_t)(start + idx);
        return MMF_OK;
    }
    if (end - start <= MMF__FAST_MAX) {
        /* A short window: one fast copy, then a search that cannot fault. */
        unsigned char win[MMF__FAST_MAX];
        ptrdiff_t r;

        if ((s = mmf__fast_copy(m, win, m->data + start, end - start))
            != MMF_OK)
            return s;
        r = reverse ? mmf__search_short_rev(win, end - start, needle, nlen)
                    : mmf__search_short_fwd(win, end - start, needle, nlen);
        if (r >= 0)
            *out = (ptrdiff_t)start + r;
        return MMF_OK;
    }
    struct search_op op = {m->data + start, end - start, needle, nlen, -1, 0};
    s = mmf__guarded(m, reverse ? op_rfind : op_find, &op);
    if (s == MMF_OK && op.found >= 0)
        *out = (ptrdiff_t)start + op.found;
    return s;
}

mmf_status
mmf_find(const mmf_map *m, const void *needle, size_t nlen, size_t start,
         size_t end, ptrdiff_t *out)
{
    return search(m, needle, nlen, start, end, 0, out);
}

mmf_status
mmf_rfind(const mmf_map *m, const void *needle, size_t nlen, size_t start,
          size_t end, ptrdiff_t *out)
{
    return search(m, needle, nlen, start, end, 1, out);
}

mmf_status
mmf_count_part(const mmf_map *m, const void *needle, size_t nlen, size_t start,
               size_t end, size_t *count, size_t *resume)
{
    mmf_status s;

    *count = 0;
    *resume = start;
    if ((s = check_read(m)) != MMF_OK)
        return s;
    if (end > m->size)
        end = m->size;
    if (start > end)
        return MMF_OK;
    *resume = end;
    if (nlen == 0) {
        *count = end - start + 1;
        return MMF_OK;
    }
    struct search_op op = {m->data + start, end - start, needle, nlen, 0, 0};
    if ((s = mmf__guarded(m, op_count, &op)) != MMF_OK)
        return s;
    *count = (size_t)op.found;
    if (nlen <= end - start) {
        /* past the last occurrence, and past every position whose
         * occurrence would fit in [start, end) */
        size_t tail = end - nlen + 1;
        *resume = start + op.next > tail ? start + op.next : tail;
    } else
        *resume = start;
    return MMF_OK;
}

mmf_status
mmf_count(const mmf_map *m, const void *needle, size_t nlen, size_t start,
          size_t end, size_t *count)
{
    size_t resume;
    return mmf_count_part(m, needle, nlen, start, end, count, &resume);
}
