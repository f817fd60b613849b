/*
 * search.c - forward and reverse substring search over plain memory: the
 * kernels behind mmf_find() and mmf_rfind().
 *
 * A 1-byte needle is memchr/memrchr, and a haystack with fewer than 17
 * candidate positions is compared position by position. Otherwise the
 * search cycles (see search.h) through filter passes that compare three
 * rare needle bytes at every position and verify the survivors; when
 * verification grows too expensive for the positions covered, a pass with
 * a filter learned from the failures; and when that fails too, a chunk
 * searched without a filter: exact SIMD compares for short needles, else
 * Two-Way (Crochemore and Perrin, 1991), which is linear on any input.
 * The reverse search is the mirror image: the filter walks down, and
 * Two-Way runs on the needle and the haystack read backwards (a stride of
 * -1, nothing copied).
 *
 * Everything here may run under the fault guard, so nothing allocates,
 * locks or writes to static memory; reads stay inside hay[0, hlen) and
 * needle[0, nlen), even when the haystack ends at a PROT_NONE page.
 */
/* memrchr() for the POSIX backend's mem.h (glibc and musl declare it for
 * _GNU_SOURCE); no effect elsewhere */
#define _GNU_SOURCE
#include <string.h>

#include "internal.h"
#include "mem.h" /* the backend's mmf__memrchr() */
#include "search.h"

/* How common each byte value is in English text and in binary files, from
 * 0 (never seen) to 255 (the space). The filter compares the needle's
 * rarest bytes, so that few positions survive it. Letters follow English
 * letter frequencies (log scale), capitals 45 below their small letter;
 * 0x00 and 0xff rank high for binary data, UTF-8 continuation bytes mid. */
/* clang-format off */
static const unsigned char byte_freq[256] = {
    235,  20,  20,  20,  20,  20,  20,  20,  /* 00 */
     20, 140, 190,  30,  30, 120,  20,  20,
     20,  20,  20,  20,  20,  20,  20,  20,  /* 10 */
     20,  20,  20,  20,  20,  20,  20,  20,
    255, 120, 150, 100, 100, 100, 100, 155,  /* 20  !"#$%&' */
    130, 130, 110, 110, 190, 155, 190, 130,  /* ()*+,-./ */
    150, 150, 140, 140, 140, 140, 140, 140,  /* 30 0-7 */
    140, 140, 125, 125, 110, 120, 110, 120,  /* 89:;<=>? */
    100, 171, 146, 155, 161, 178, 151, 150,  /* 40 @A-G */
    167, 169, 111, 136, 160, 153, 168, 170,  /* H-O */
    149, 105, 166, 167, 173, 155, 140, 153,  /* 50 P-W */
    111, 150, 100, 110, 100, 110,  90, 125,  /* XYZ[\]^_ */
     90, 216, 191, 200, 206, 223, 196, 195,  /* 60 `a-g */
    212, 214, 156, 181, 205, 198, 213, 215,  /* h-o */
    194, 150, 211, 212, 218, 200, 185, 198,  /* 70 p-w */
    156, 195, 145, 105, 100, 105,  90,  20,  /* xyz{|}~ DEL */
     90,  90,  90,  90,  90,  90,  90,  90,  /* 80 */
     90,  90,  90,  90,  90,  90,  90,  90,
     90,  90,  90,  90,  90,  90,  90,  90,  /* 90 */
     90,  90,  90,  90,  90,  90,  90,  90,
     90,  90,  90,  90,  90,  90,  90,  90,  /* a0 */
     90,  90,  90,  90,  90,  90,  90,  90,
     90,  90,  90,  90,  90,  90,  90,  90,  /* b0 */
     90,  90,  90,  90,  90,  90,  90,  90,
     60,  60,  60, 100,  60,  60,  60,  60,  /* c0 */
     60,  60,  60,  60,  60,  60,  60,  60,
     60,  60,  60,  60,  60,  60,  60,  60,  /* d0 */
     60,  60,  60,  60,  60,  60,  60,  60,
     60,  60, 100,  60,  60,  60,  60,  60,  /* e0 */
     60,  60,  60,  60,  60,  60,  60,  60,
     60,  60,  60,  60,  60,  60,  60,  60,  /* f0 */
     60,  60,  60,  60,  60,  60,  60, 170,
};
/* clang-format on */

/* ---- choosing the filter bytes ------------------------------------------ */

/* Into pos[0 .. 2], the first positions of the three rarest distinct byte
 * values of needle[0, n), rarest first; n where there are fewer values.
 * One pass, in registers: it runs on every call. */
static void
rarest3(const unsigned char *needle, size_t n, size_t pos[3])
{
    unsigned int f0 = 256, f1 = 256, f2 = 256, f;
    int v0 = -1, v1 = -1;
    size_t p0 = n, p1 = n, p2 = n;

    for (size_t i = 0; i < n; i++) {
        f = byte_freq[needle[i]];
        if (f >= f2 || needle[i] == v0 || needle[i] == v1)
            continue;
        if (f >= f1) {
            f2 = f;
            p2 = i;
            continue;
        }
        f2 = f1;
        p2 = p1;
        if (f >= f0) {
            f1 = f;
            v1 = needle[i];
            p1 = i;
            continue;
        }
        f1 = f0;
        v1 = v0;
        p1 = p0;
        f0 = f;
        v0 = needle[i];
        p0 = i;
    }
    pos[0] = p0;
    pos[1] = p1;
    pos[2] = p2;
}

/* A position of a needle of n >= 3 bytes other than a and b. */
static size_t
other_position(size_t n, size_t a, size_t b)
{
    size_t p = n / 2;

    while (p == a || p == b)
        p = (p + 1) % n;
    return p;
}

/* The filter compares the rarest byte, the rarest of another value, and
 * the rarest of a third value; a needle with fewer distinct values gets
 * other positions instead (a 2-byte needle compares its second position
 * twice). */
void
mmf__scan_init(struct mmf__scan *sc, const unsigned char *hay, size_t hlen,
               const unsigned char *needle, size_t nlen)
{
    size_t *pos = sc->off;

    assert(nlen >= 2 && nlen <= hlen);
    rarest3(needle, nlen, pos);
    if (pos[1] == nlen)
        pos[1] = pos[0] == nlen - 1 ? 0 : nlen - 1;
    if (pos[2] == nlen)
        pos[2] = nlen == 2 ? pos[1] : other_position(nlen, pos[0], pos[1]);
    sc->hay = hay;
    sc->needle = needle;
    sc->nlen = nlen;
    sc->last = hlen - nlen;
    for (int i = 0; i < 3; i++)
        sc->byte[i] = needle[pos[i]];
}

/* Where the needle stops repeating its beginning: for the period p <= 8
 * whose repetition runs longest from the start, the first position that
 * breaks it; nlen if none does. Periodic data, which a filter on rare
 * bytes cannot tell from such a needle, differs from it there. */
static size_t
period_break(const unsigned char *x, size_t n)
{
    size_t best = 0, i;

    for (size_t p = 1; p <= 8 && p < n; p++) {
        for (i = p; i < n && x[i] == x[i - p];)
            i++;
        best = i > best ? i : best;
    }
    return best;
}

int
mmf__scan_learn(const struct mmf__scan *sc, struct mmf__scan *b)
{
    const unsigned char *h;
    size_t k = 0, brk;

    if (sc->failed == MMF__NONE)
        return 0;
    h = sc->hay + sc->failed;
    while (h[k] == sc->needle[k])
        k++; /* stops before nlen: the verification failed */
    brk = period_break(sc->needle, sc->nlen);
    *b = *sc;
    b->off[2] = k;
    if (brk < sc->nlen && brk != k && brk != sc->off[0])
        b->off[1] = brk;
    for (int i = 1; i < 3; i++)
        b->byte[i] = sc->needle[b->off[i]];
    return 1;
}

/* ---- the portable filter: memchr on the rarest byte --------------------- */

ptrdiff_t
mmf__scan_fwd_scalar(struct mmf__scan *sc, size_t *pos)
{
    const unsigned char *h0 = sc->hay + sc->off[0];
    const unsigned char *h1 = sc->hay + sc->off[1];
    const unsigned char *h2 = sc->hay + sc->off[2];
    const unsigned char *p;
    size_t s = *pos, end = sc->last + 1;

    while (s < end) {
        p = memchr(h0 + s, sc->byte[0], end - s);
        if (p == NULL)
            break;
        s = (size_t)(p - h0);
        if (h1[s] == sc->byte[1] && h2[s] == sc->byte[2]) {
            if (mmf__verify(sc, s))
                return (ptrdiff_t)s;
        } else {
            sc->work += MMF__CAND_COST;
        }
        s++;
        if (mmf__over_budget(sc, s - sc->origin)) {
            *pos = s;
            return -1;
        }
    }
    *pos = end;
    return -1;
}

ptrdiff_t
mmf__scan_rev_scalar(struct mmf__scan *sc, size_t *end)
{
    const unsigned char *h0 = sc->hay + sc->off[0];
    const unsigned char *h1 = sc->hay + sc->off[1];
    const unsigned char *h2 = sc->hay + sc->off[2];
    const unsigned char *p;
    size_t s, e = *end;

    while (e > 0) {
        p = mmf__memrchr(h0, sc->byte[0], e);
        if (p == NULL)
            break;
        s = (size_t)(p - h0);
        if (h1[s] == sc->byte[1] && h2[s] == sc->byte[2]) {
            if (mmf__verify(sc, s))
                return (ptrdiff_t)s;
        } else {
            sc->work += MMF__CAND_COST;
        }
        e = s;
        if (mmf__over_budget(sc, sc->origin - e)) {
            *end = e;
            return -1;
        }
    }
    *end = 0;
    return -1;
}

/* ---- Two-Way ---------------------------------------------------------------
 * The needle and the haystack are read through a base pointer and a stride:
 * element i of x is x[i * st]. With st == -1 and the bases at the last
 * bytes, the forward algorithm searches the reversed strings, and its first
 * match is the last match of the originals. */

struct twoway {
    const unsigned char *x; /* the needle's base */
    size_t n;               /* its length; 0 until factorized */
    size_t ell;             /* critical position: x = u v with |u| = ell */
    size_t per;             /* the period of x if periodic, else a shift */
    int periodic;           /* u is a suffix of v's first period */
};

static inline unsigned char
at(const unsigned char *p, ptrdiff_t st, size_t i)
{
    return p[(ptrdiff_t)i * st];
}

/* The start of the lexicographically greatest suffix of x[0, n) (the
 * order of bytes reversed when flip is set), and in *period the period of
 * that suffix. */
static size_t
max_suffix(const unsigned char *x, ptrdiff_t st, size_t n, int flip,
           size_t *period)
{
    size_t ms = 0, j = 1, k = 0, p = 1;

    while (j + k < n) {
        unsigned char a = at(x, st, j + k), b = at(x, st, ms + k);
        if (a == b) {
            if (k + 1 == p) {
                j += p;
                k = 0;
            } else {
                k++;
            }
        } else if ((a < b) != flip) { /* the suffix at j is smaller */
            j += k + 1;
            k = 0;
            p = j - ms;
        } else { /* the suffix at j is greater: it becomes the candidate */
            ms = j;
            j = ms + 1;
            k = 0;
            p = 1;
        }
    }
    *period = p;
    return ms;
}

/* Compute the critical factorization of x[0, n) (stride st), n >= 1. */
static void
twoway_init(struct twoway *t, const unsigned char *x, ptrdiff_t st, size_t n)
{
    size_t p1, p2, m1, m2, i;

    m1 = max_suffix(x, st, n, 0, &p1);
    m2 = max_suffix(x, st, n, 1, &p2);
    t->x = x;
    t->n = n;
    t->ell = m1 > m2 ? m1 : m2;
    t->per = m1 > m2 ? p1 : p2;
    t->periodic = t->ell + t->per <= n;
    for (i = 0; t->periodic && i < t->ell; i++)
        t->periodic = at(x, st, i) == at(x, st, i + t->per);
    if (!t->periodic)
        t->per = (t->ell > n - t->ell ? t->ell : n - t->ell) + 1;
}

/* The 8 bytes of a view at positions i .. i + 7, in memory order whatever
 * the stride: only compared for equality. */
static inline uint64_t
load8(const unsigned char *p, ptrdiff_t st, size_t i)
{
    uint64_t w;

    memcpy(&w, st > 0 ? p + i : p - i - 7, 8);
    return w;
}

static inline int
little_endian(void)
{
    const uint16_t one = 1;
    unsigned char low;

    memcpy(&low, &one, 1);
    return low == 1;
}

/* Of two different words that load8() read at position i of two views:
 * how many positions from i up agree (lead), from i + 7 down (trail). */
static inline size_t
lead_same(uint64_t a, uint64_t b, ptrdiff_t st)
{
    uint64_t d = a ^ b;

    if (little_endian() == (st > 0))
        return (size_t)__builtin_ctzll(d) / 8;
    return (size_t)__builtin_clzll(d) / 8;
}

static inline size_t
trail_same(uint64_t a, uint64_t b, ptrdiff_t st)
{
    uint64_t d = a ^ b;

    if (little_endian() == (st > 0))
        return (size_t)__builtin_clzll(d) / 8;
    return (size_t)__builtin_ctzll(d) / 8;
}

/* The first position k in [i, n) where views x and y differ, or n.
 * Compares 8 bytes at a step: periodic inputs match for long stretches. */
static inline size_t
mismatch_up(const unsigned char *x, const unsigned char *y, ptrdiff_t st,
            size_t i, size_t n)
{
    uint64_t a, b;

    for (; i + 8 <= n; i += 8) {
        a = load8(x, st, i);
        b = load8(y, st, i);
        if (a != b)
            return i + lead_same(a, b, st);
    }
    while (i < n && at(x, st, i) == at(y, st, i))
        i++;
    return i;
}

/* Going down from i: the smallest k in [lo, i] such that x and y agree on
 * positions k .. i - 1. */
static inline size_t
mismatch_down(const unsigned char *x, const unsigned char *y, ptrdiff_t st,
              size_t i, size_t lo)
{
    uint64_t a, b;

    for (; i >= lo + 8; i -= 8) {
        a = load8(x, st, i - 8);
        b = load8(y, st, i - 8);
        if (a != b)
            return i - trail_same(a, b, st);
    }
    while (i > lo && at(x, st, i - 1) == at(y, st, i - 1))
        i--;
    return i;
}

/* Two-Way for a periodic needle: the first j with y[j, j + n) == x, or -1.
 * mem counts the needle bytes known to match after a shift by the period,
 * which keeps the scan linear. */
static inline ptrdiff_t
twoway_periodic(const struct twoway *t, ptrdiff_t st, const unsigned char *y,
                size_t ylen)
{
    size_t n = t->n, ell = t->ell, j = 0, mem = 0, i;

    while (j + n <= ylen) {
        const unsigned char *yj = y + (ptrdiff_t)j * st;
        i = mismatch_up(t->x, yj, st, ell > mem ? ell : mem, n);
        if (i < n) {
            j += i - ell + 1;
            mem = 0;
            continue;
        }
        if (mismatch_down(t->x, yj, st, ell, mem) <= mem)
            return (ptrdiff_t)j;
        j += t->per;
        mem = n - t->per;
    }
    return -1;
}

/* Two-Way for a needle without a short period: no memory needed. */
static inline ptrdiff_t
twoway_plain(const struct twoway *t, ptrdiff_t st, const unsigned char *y,
             size_t ylen)
{
    size_t n = t->n, ell = t->ell, j = 0, i;

    while (j + n <= ylen) {
        const unsigned char *yj = y + (ptrdiff_t)j * st;
        i = mismatch_up(t->x, yj, st, ell, n);
        if (i < n) {
            j += i - ell + 1;
            continue;
        }
        if (mismatch_down(t->x, yj, st, ell, 0) == 0)
            return (ptrdiff_t)j;
        j += t->per;
    }
    return -1;
}

/* ---- the drivers -------------------------------------------------------- */

static size_t
min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Search the candidates pos .. pos + cnt - 1 without the filter: an exact
 * pass for a short needle, else Two-Way (the needle factorized on first
 * use). Returns the first match or -1. */
static ptrdiff_t
chunk_fwd(const struct mmf__scan *sc, struct twoway *tw, size_t pos,
          size_t cnt)
{
    const unsigned char *y = sc->hay + pos;
    size_t ylen = cnt + sc->nlen - 1;
    ptrdiff_t r;

    if (sc->nlen <= mmf__exact_max())
        return mmf__exact_fwd(sc, pos, pos + cnt);
    if (tw->n == 0)
        twoway_init(tw, sc->needle, 1, sc->nlen);
    r = tw->periodic ? twoway_periodic(tw, 1, y, ylen)
                     : twoway_plain(tw, 1, y, ylen);
    return r >= 0 ? (ptrdiff_t)pos + r : -1;
}

/* The mirror image: the last match among the candidates end - cnt ..
 * end - 1. Two-Way runs on the reversed needle over the reversed chunk,
 * whose first byte is hay[end + nlen - 2]. */
static ptrdiff_t
chunk_rev(const struct mmf__scan *sc, struct twoway *tw, size_t end,
          size_t cnt)
{
    const unsigned char *y = sc->hay + end + sc->nlen - 2;
    size_t ylen = cnt + sc->nlen - 1;
    ptrdiff_t r;

    if (sc->nlen <= mmf__exact_max())
        return mmf__exact_rev(sc, end - cnt, end);
    if (tw->n == 0)
        twoway_init(tw, sc->needle + sc->nlen - 1, -1, sc->nlen);
    r = tw->periodic ? twoway_periodic(tw, -1, y, ylen)
                     : twoway_plain(tw, -1, y, ylen);
    return r >= 0 ? (ptrdiff_t)(end - 1) - r : -1;
}

/* With this few candidates, choosing filter bytes costs more than it
 * saves: compare at each position (at most FEW * nlen bytes). */
#define FEW 16

static ptrdiff_t
search_few_fwd(const unsigned char *hay, size_t hlen,
               const unsigned char *needle, size_t nlen)
{
    for (size_t s = 0; s + nlen <= hlen; s++)
        if (hay[s] == needle[0] && memcmp(hay + s, needle, nlen) == 0)
            return (ptrdiff_t)s;
    return -1;
}

static ptrdiff_t
search_few_rev(const unsigned char *hay, size_t hlen,
               const unsigned char *needle, size_t nlen)
{
    for (size_t s = hlen - nlen + 1; s-- > 0;)
        if (hay[s] == needle[0] && memcmp(hay + s, needle, nlen) == 0)
            return (ptrdiff_t)s;
    return -1;
}

/* Start a pass at *pos (forward) or below *pos (reverse). */
static ptrdiff_t
pass_fwd(struct mmf__scan *sc, size_t *pos)
{
    sc->origin = *pos;
    sc->work = 0;
    sc->failed = MMF__NONE;
    return mmf__scan_fwd(sc, pos);
}

static ptrdiff_t
pass_rev(struct mmf__scan *sc, size_t *pos)
{
    sc->origin = *pos;
    sc->work = 0;
    sc->failed = MMF__NONE;
    return mmf__scan_rev(sc, pos);
}

/* Filter passes from the front. When one gives up, a pass with a filter
 * learned from its failures continues; when that gives up too, a chunk is
 * searched without a filter, and the cycle starts again after it.
 * 2 <= nlen <= hlen. */
static ptrdiff_t
search_long_fwd(const unsigned char *hay, size_t hlen,
                const unsigned char *needle, size_t nlen)
{
    struct mmf__scan sc, learned;
    struct twoway tw = {.n = 0};
    size_t pos = 0, cnt;
    ptrdiff_t r;

    mmf__scan_init(&sc, hay, hlen, needle, nlen);
    for (;;) {
        r = pass_fwd(&sc, &pos);
        if (r >= 0 || pos > sc.last)
            return r;
        if (mmf__scan_learn(&sc, &learned)) {
            r = pass_fwd(&learned, &pos);
            if (r >= 0 || pos > sc.last)
                return r;
        }
        cnt = min_size(mmf__chunk_len(nlen), sc.last + 1 - pos);
        r = chunk_fwd(&sc, &tw, pos, cnt);
        pos += cnt;
        if (r >= 0 || pos > sc.last)
            return r;
    }
}

/* The mirror image: passes from the back. 2 <= nlen <= hlen. */
static ptrdiff_t
search_long_rev(const unsigned char *hay, size_t hlen,
                const unsigned char *needle, size_t nlen)
{
    struct mmf__scan sc, learned;
    struct twoway tw = {.n = 0};
    size_t end, cnt;
    ptrdiff_t r;

    mmf__scan_init(&sc, hay, hlen, needle, nlen);
    end = sc.last + 1;
    for (;;) {
        r = pass_rev(&sc, &end);
        if (r >= 0 || end == 0)
            return r;
        if (mmf__scan_learn(&sc, &learned)) {
            r = pass_rev(&learned, &end);
            if (r >= 0 || end == 0)
                return r;
        }
        cnt = min_size(mmf__chunk_len(nlen), end);
        r = chunk_rev(&sc, &tw, end, cnt);
        end -= cnt;
        if (r >= 0 || end == 0)
            return r;
    }
}

/* ---- short haystacks ----------------------------------------------------
 * A window of a few hundred bytes: the first needle byte by memchr, then a
 * compare. After SHORT_MISSES failed compares (repetitive data) the rest
 * goes to the general search, so the worst case stays linear. */
#define SHORT_MISSES 8

ptrdiff_t
mmf__search_short_fwd(const unsigned char *hay, size_t hlen,
                      const unsigned char *needle, size_t nlen)
{
    const unsigned char *p = hay, *last;
    ptrdiff_t r;
    int misses = 0;

    if (nlen < 2 || nlen > hlen)
        return mmf__search_fwd(hay, hlen, needle, nlen);
    last = hay + (hlen - nlen);
    while (p <= last) {
        if ((p = memchr(p, needle[0], (size_t)(last - p) + 1)) == NULL)
            return -1;
        if (memcmp(p + 1, needle + 1, nlen - 1) == 0)
            return p - hay;
        if (++misses == SHORT_MISSES) {
            r = mmf__search_fwd(p + 1, hlen - (size_t)(p + 1 - hay), needle,
                                nlen);
            return r < 0 ? -1 : r + (p + 1 - hay);
        }
        p++;
    }
    return -1;
}

ptrdiff_t
mmf__search_short_rev(const unsigned char *hay, size_t hlen,
                      const unsigned char *needle, size_t nlen)
{
    size_t end; /* candidates lie in [0, end) */
    const unsigned char *p;
    int misses = 0;

    if (nlen < 2 || nlen > hlen)
        return mmf__search_rev(hay, hlen, needle, nlen);
    end = hlen - nlen + 1;
    while (end > 0) {
        if ((p = mmf__memrchr(hay, needle[0], end)) == NULL)
            return -1;
        if (memcmp(p + 1, needle + 1, nlen - 1) == 0)
            return p - hay;
        end = (size_t)(p - hay);
        if (++misses == SHORT_MISSES)
            return mmf__search_rev(hay, end + nlen - 1, needle, nlen);
    }
    return -1;
}

ptrdiff_t
mmf__search_fwd(const unsigned char *hay, size_t hlen,
                const unsigned char *needle, size_t nlen)
{
    const unsigned char *p;

    if (nlen == 0)
        return 0;
    if (nlen > hlen)
        return -1;
    if (nlen == 1) {
        p = memchr(hay, needle[0], hlen);
        return p != NULL ? p - hay : -1;
    }
    if (hlen - nlen < FEW)
        return search_few_fwd(hay, hlen, needle, nlen);
    return search_long_fwd(hay, hlen, needle, nlen);
}

ptrdiff_t
mmf__search_rev(const unsigned char *hay, size_t hlen,
                const unsigned char *needle, size_t nlen)
{
    const unsigned char *p;

    if (nlen == 0)
        return (ptrdiff_t)hlen;
    if (nlen > hlen)
        return -1;
    if (nlen == 1) {
        p = mmf__memrchr(hay, needle[0], hlen);
        return p != NULL ? p - hay : -1;
    }
    if (hlen - nlen < FEW)
        return search_few_rev(hay, hlen, needle, nlen);
    return search_long_rev(hay, hlen, needle, nlen);
}

/* ---- counting ---------------------------------------------------------------- */

size_t
mmf__count_byte_scalar(const unsigned char *h, size_t n, unsigned char c)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        count += h[i] == c;
    return count;
}

#define COUNT_WINDOW 32

size_t
mmf__count(const unsigned char *hay, size_t hlen, const unsigned char *needle,
           size_t nlen, size_t *next)
{
    size_t count = 0, pos = 0;

    *next = 0;
    if (nlen == 0)
        return hlen + 1;
    if (nlen == 1)
        return mmf__count_byte(hay, hlen, needle[0]);
    /* Dense matches would pay the kernel's set-up once per match: look at
     * the next COUNT_WINDOW positions first (at most that many compares of
     * nlen bytes per match, and matches are nlen apart: still linear). */
    while (hlen - pos >= nlen) {
        size_t last = hlen - nlen + 1, lim, i;
        ptrdiff_t at;
        lim = last - pos > COUNT_WINDOW ? pos + COUNT_WINDOW : last;
        for (i = pos; i < lim; i++)
            if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
                break;
        if (i < lim) {
            count++;
            pos = i + nlen;
            continue;
        }
        if (lim == last)
            break;
        at = mmf__search_fwd(hay + lim, hlen - lim, needle, nlen);
        if (at < 0)
            break;
        count++;
        pos = lim + (size_t)at + nlen;
    }
    *next = pos;
    return count;
}
