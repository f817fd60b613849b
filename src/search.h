/*
 * search.h - what the two files of the search kernel share: the state of
 * one filter pass, candidate verification with its cost accounting, and the
 * filter entry points. Private to src/search.c and src/search_simd.c (and
 * tests/c/test_search_*.c); internal.h declares the kernel itself.
 *
 * The kernel (src/search.c) cycles through three methods. A filter pass
 * compares three needle bytes, chosen for rarity, at every candidate
 * position (SIMD on x86, memchr elsewhere: src/search_simd.c) and verifies
 * the survivors. Each verification is charged to a budget; when the charge
 * outgrows the positions the pass has covered, the pass gives up, and a
 * second pass continues with a filter learned from the failures (for
 * periodic data). If that gives up too, a chunk of candidates is searched
 * without a filter: an exact SIMD pass for needles of up to 16 bytes,
 * Two-Way for longer ones; then the cycle starts again. So text runs at
 * the filter's speed and every input, however repetitive, stays linear.
 */
#ifndef MMF_SEARCH_H
#define MMF_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Cost units: about one CPU cycle. A candidate costs a fixed overhead (a
 * bit scan, a compare, a likely branch miss) plus one unit per 8 bytes found
 * equal. A pass stops when its charge exceeds BUDGET_PER_BYTE units per
 * position covered, plus BUDGET_SLACK: verification then costs more than
 * Two-Way would. */
#define MMF__CAND_COST 12
#define MMF__BUDGET_PER_BYTE 3
#define MMF__BUDGET_SLACK 4096

/* One filter pass over the candidate start positions 0 .. last. */
struct mmf__scan {
    const unsigned char *hay;
    const unsigned char *needle;
    size_t nlen;           /* >= 2 */
    size_t last;           /* the last candidate: hlen - nlen */
    size_t off[3];         /* needle positions the filter compares */
    unsigned char byte[3]; /* needle[off[i]] */
    size_t origin;         /* the candidate where this pass started */
    size_t work;           /* verification cost charged to this pass */
    size_t failed;         /* the last candidate verified in vain, or NONE */
};

#define MMF__NONE ((size_t)-1)

/* Do a[0, n) and b[0, n) hold the same bytes (n >= 2)? Compares words, the
 * last one overlapping the one before, so that the usual early mismatch
 * costs one compare. Adds to *cost the 8-byte words found equal. Reads
 * nothing outside the two ranges. */
static inline int
mmf__same(const unsigned char *a, const unsigned char *b, size_t n,
          size_t *cost)
{
    uint64_t x, y;
    uint32_t x4, y4;
    uint16_t x2, y2;
    size_t i;

    if (n >= 8) {
        for (i = 0; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y)
                break;
        }
        *cost += i / 8;
        if (i + 8 < n)
            return 0;
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        memcpy(&x4, a, 4);
        memcpy(&y4, b, 4);
        if (x4 != y4)
            return 0;
        memcpy(&x4, a + n - 4, 4);
        memcpy(&y4, b + n - 4, 4);
        return x4 == y4;
    }
    memcpy(&x2, a, 2);
    memcpy(&y2, b, 2);
    if (x2 != y2)
        return 0;
    memcpy(&x2, a + n - 2, 2);
    memcpy(&y2, b + n - 2, 2);
    return x2 == y2;
}

/* Does the needle occur at candidate s? Charges the comparison to the pass
 * and remembers a failure. */
static inline int
mmf__verify(struct mmf__scan *sc, size_t s)
{
    sc->work += MMF__CAND_COST;
    if (mmf__same(sc->hay + s, sc->needle, sc->nlen, &sc->work))
        return 1;
    sc->failed = s;
    return 0;
}

/* Has the pass spent more on verification than covering `covered`
 * positions allows? */
static inline int
mmf__over_budget(const struct mmf__scan *sc, size_t covered)
{
    return sc->work > MMF__BUDGET_PER_BYTE * covered + MMF__BUDGET_SLACK;
}

/* Fill in sc for a search of needle[0, nlen) in hay[0, hlen), where
 * 2 <= nlen <= hlen: the filter bytes and last (origin, work and failed
 * are left to each pass). */
void mmf__scan_init(struct mmf__scan *sc, const unsigned char *hay,
                    size_t hlen, const unsigned char *needle, size_t nlen);

/* After a pass over sc gave up, make *b a filter for structured data: the
 * rarest byte of sc, the needle position where the last failed
 * verification found a difference (on structured data, candidates tend to
 * fail at the same place), and the position where the needle stops
 * repeating its beginning (if it does; else sc's second byte). Returns 0,
 * leaving *b alone, when no verification failed. */
int mmf__scan_learn(const struct mmf__scan *sc, struct mmf__scan *b);

/* Candidates one chunk without a filter covers: many more than the passes
 * before it may waste before giving up (BUDGET_SLACK), and than learning
 * a filter or factorizing the needle for Two-Way costs. */
static inline size_t
mmf__chunk_len(size_t nlen)
{
    return nlen > 4096 ? 16 * nlen : 65536;
}

/* Filter passes. mmf__scan_fwd() tries the candidates *pos .. last in
 * increasing order; mmf__scan_rev() tries 0 .. *end - 1 in decreasing order.
 * Both return the first match they verify. Otherwise they return -1 and
 * leave in *pos (*end) the bound of the candidates not yet tried: last + 1
 * (0) when all were tried, anything else when the pass ran over budget.
 * The caller sets origin, work and failed (NONE) before the call.
 *
 * The _scalar variants (src/search.c) run anywhere; the plain names
 * (src/search_simd.c) pick the widest vector unit the CPU has. */
ptrdiff_t mmf__scan_fwd(struct mmf__scan *sc, size_t *pos);
ptrdiff_t mmf__scan_rev(struct mmf__scan *sc, size_t *end);
ptrdiff_t mmf__scan_fwd_scalar(struct mmf__scan *sc, size_t *pos);
ptrdiff_t mmf__scan_rev_scalar(struct mmf__scan *sc, size_t *end);

/* Exact passes, for needles of at most mmf__exact_max() bytes (0 when
 * the CPU has no vector unit we use): every needle byte compared at every
 * position, so no verification and a cost independent of the data; the
 * kernel runs them instead of Two-Way after a filter pass gave up.
 * mmf__exact_fwd() returns the first match among the candidates from ..
 * to - 1 (to <= last + 1), mmf__exact_rev() the last; -1 if none. */
#define MMF__EXACT_MAX 16
size_t mmf__exact_max(void);
ptrdiff_t mmf__exact_fwd(const struct mmf__scan *sc, size_t from, size_t to);
ptrdiff_t mmf__exact_rev(const struct mmf__scan *sc, size_t from, size_t to);

/* The instruction sets mmf__scan_fwd/rev may use. */
enum mmf__isa {
    MMF__ISA_UNKNOWN = 0,
    MMF__ISA_SCALAR = 1,
    MMF__ISA_SSE2 = 2,
    MMF__ISA_AVX2 = 3
};

/* The instruction set in use, detected on the first call (every open makes
 * one, for the fast primitives of src/linux/extable.c, which read
 * mmf__isa_level). */
enum mmf__isa mmf__isa(void);
#if defined(__GNUC__) && defined(__ELF__)
__attribute__((visibility("hidden")))
#endif
extern int mmf__isa_level;

/* For tests: cap the instruction set at `isa` (MMF__ISA_UNKNOWN restores
 * detection). Returns the level in effect afterwards, which is lower than
 * asked when the CPU lacks it. Not for production code: it is the one
 * mutable static of the kernel, the cached detection result. */
enum mmf__isa mmf__search_set_isa(enum mmf__isa isa);

/* Occurrences of c in h[0, n): SIMD (src/search_simd.c) or scalar. */
size_t mmf__count_byte(const unsigned char *h, size_t n, unsigned char c);
size_t mmf__count_byte_scalar(const unsigned char *h, size_t n,
                              unsigned char c);

#endif /* MMF_SEARCH_H */
