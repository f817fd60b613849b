/*
 * test_search.c - the search kernels (mmf__search_fwd, mmf__search_rev and
 * the short-window mmf__search_short_fwd/rev) against a naive reference, on
 * every instruction set the CPU offers (portable, SSE2, AVX2: each test
 * runs once per level).
 *
 * Haystacks and needles sit against PROT_NONE pages, so any read outside
 * hay[0, hlen) or needle[0, nlen) crashes the test (gh-105235).
 *
 *   cc -Iinclude -Isrc -Isrc/posix -O1 -g tests/c/test_search.c src/search.c \
 *       src/search_simd.c -lcmocka -o build/tests/test_search
 *
 * Sizes print with %llu and a cast: Windows' C runtime has no %zu.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Pages between inaccessible ones, and the CPU clock: the platform's (one
 * choice point; the test also runs on Windows, tools/win.sh). */
#if defined(_WIN32)
#include "win/pages.h"
#else
#include "pages_posix.h"
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#include "internal.h"
#include "search.h"

typedef unsigned char uchar;

/* Big buffers are static, so that a failed assertion (which leaves the
 * test by longjmp) leaks nothing. */
static uchar big_hay[1 << 20];
static uchar big_needle[2100];

/* ---- reference and helpers ---------------------------------------------- */

static ptrdiff_t
naive_fwd(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    if (nlen > hlen)
        return -1;
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (memcmp(h + i, n, nlen) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static ptrdiff_t
naive_rev(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    if (nlen > hlen)
        return -1;
    for (size_t i = hlen - nlen + 1; i-- > 0;)
        if (memcmp(h + i, n, nlen) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t
rnd(void)
{
    uint64_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static size_t
below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rnd() % n);
}

/* A region of `pages` read-write pages between two PROT_NONE pages. */
struct arena {
    uchar *map;
    uchar *lo; /* first usable byte, right after the lower guard */
    uchar *hi; /* one past the last usable byte: the upper guard */
    size_t maplen;
};

static void
arena_open(struct arena *a, size_t pages)
{
    size_t ps = t_page_size();

    a->maplen = (pages + 2) * ps;
    a->map = t_pages(a->maplen);
    assert_true(a->map != NULL);
    assert_int_equal(t_no_access(a->map, ps), 0);
    assert_int_equal(t_no_access(a->map + a->maplen - ps, ps), 0);
    a->lo = a->map + ps;
    a->hi = a->map + a->maplen - ps;
}

static void
arena_close(struct arena *a)
{
    t_pages_free(a->map, a->maplen);
}

/* Compare both kernels with the reference on one case; on a mismatch,
 * print the case before failing. */
static void
check(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    ptrdiff_t want_f = naive_fwd(h, hlen, n, nlen);
    ptrdiff_t want_r = naive_rev(h, hlen, n, nlen);
    ptrdiff_t got_f = mmf__search_fwd(h, hlen, n, nlen);
    ptrdiff_t got_r = mmf__search_rev(h, hlen, n, nlen);
    /* the short-window searches hold for any length */
    ptrdiff_t short_f = mmf__search_short_fwd(h, hlen, n, nlen);
    ptrdiff_t short_r = mmf__search_short_rev(h, hlen, n, nlen);

    if (short_f != want_f || short_r != want_r) {
        print_message("short: hlen=%llu nlen=%llu: fwd %lld (want %lld), "
                      "rev %lld (want %lld)\n",
                      (unsigned long long)hlen, (unsigned long long)nlen,
                      (long long)short_f, (long long)want_f,
                      (long long)short_r, (long long)want_r);
    }
    assert_int_equal(short_f, want_f);
    assert_int_equal(short_r, want_r);
    if (got_f != want_f || got_r != want_r) {
        print_message("hlen=%llu nlen=%llu hay%%64=%u: fwd %lld (want %lld), "
                      "rev %lld (want %lld)\n  needle: %.*s\n",
                      (unsigned long long)hlen, (unsigned long long)nlen,
                      (unsigned int)((uintptr_t)h % 64), (long long)got_f,
                      (long long)want_f, (long long)got_r, (long long)want_r,
                      (int)(nlen < 80 ? nlen : 80), (const char *)n);
    }
    assert_int_equal(got_f, want_f);
    assert_int_equal(got_r, want_r);
}

/* Copy needle to the end of the needle arena (so that reading past it
 * faults) and check it against hay. */
static void
check_guarded(struct arena *na, const uchar *h, size_t hlen, const uchar *n,
              size_t nlen)
{
    uchar *nd = na->hi - nlen;

    memmove(nd, n, nlen);
    check(h, hlen, nd, nlen);
}

/* ---- the instruction-set fixture ---------------------------------------- */

static int isa_scalar = MMF__ISA_SCALAR;
static int isa_sse2 = MMF__ISA_SSE2;
static int isa_avx2 = MMF__ISA_AVX2;

static int
isa_setup(void **state)
{
    int want = **(int **)state;

    if ((int)mmf__search_set_isa((enum mmf__isa)want) != want) {
        print_message("  (instruction set %d not available: skipped)\n", want);
        *state = NULL;
    }
    return 0;
}

static int
isa_teardown(void **state)
{
    (void)state;
    mmf__search_set_isa(MMF__ISA_UNKNOWN);
    return 0;
}

#define SKIP_IF_NO_ISA(state)                                                 \
    do {                                                                      \
        if (*(state) == NULL)                                                 \
            skip();                                                           \
    } while (0)

/* ---- edge cases --------------------------------------------------------- */

static void
empty_needle_matches_at_the_ends(void **state)
{
    const uchar hay[] = "abc";

    SKIP_IF_NO_ISA(state);
    assert_int_equal(mmf__search_fwd(hay, 3, hay, 0), 0);
    assert_int_equal(mmf__search_rev(hay, 3, hay, 0), 3);
    assert_int_equal(mmf__search_fwd(hay, 0, hay, 0), 0);
    assert_int_equal(mmf__search_rev(hay, 0, hay, 0), 0);
}

static void
needle_longer_than_haystack_is_absent(void **state)
{
    const uchar hay[] = "abcabcabc";

    SKIP_IF_NO_ISA(state);
    for (size_t hlen = 0; hlen < 9; hlen++) {
        assert_int_equal(mmf__search_fwd(hay, hlen, hay, hlen + 1), -1);
        assert_int_equal(mmf__search_rev(hay, hlen, hay, hlen + 1), -1);
    }
    assert_int_equal(mmf__search_fwd(hay, 9, hay, 9), 0);
    assert_int_equal(mmf__search_rev(hay, 9, hay, 9), 0);
}

/* Needles of every length 1 .. 300 placed at the very start and the very
 * end of haystacks of 'a's and of a 3-letter alphabet. */
static void
needle_at_the_start_and_the_end(void **state)
{
    struct arena ha, na;
    size_t hlen = 1200;

    SKIP_IF_NO_ISA(state);
    arena_open(&ha, 1);
    arena_open(&na, 1);
    for (int kind = 0; kind < 2; kind++) {
        uchar *h = ha.hi - hlen;
        for (size_t i = 0; i < hlen; i++)
            h[i] = kind == 0 ? 'a' : (uchar)('a' + below(3));
        for (size_t nlen = 1; nlen <= 300; nlen++) {
            check_guarded(&na, h, hlen, h, nlen);
            check_guarded(&na, h, hlen, h + hlen - nlen, nlen);
            check_guarded(&na, h, nlen, h, nlen);
        }
    }
    arena_close(&na);
    arena_close(&ha);
}

/* A haystack at every alignment modulo 64, with needles found, almost found
 * and absent. */
static void
every_alignment(void **state)
{
    struct arena ha, na;
    uchar src[700], nd[300];

    SKIP_IF_NO_ISA(state);
    arena_open(&ha, 1);
    arena_open(&na, 1);
    for (size_t i = 0; i < sizeof(src); i++)
        src[i] = (uchar)('a' + below(2));
    for (size_t align = 0; align < 64; align++) {
        uchar *h = ha.lo + align;
        size_t hlen = 600 - align;
        memcpy(h, src, hlen);
        for (size_t nlen = 1; nlen <= 300; nlen += 1 + nlen / 8) {
            size_t at = below(hlen - nlen + 1);
            memcpy(nd, h + at, nlen);
            check_guarded(&na, h, hlen, nd, nlen);
            nd[below(nlen)] = 'c';
            check_guarded(&na, h, hlen, nd, nlen);
        }
    }
    arena_close(&na);
    arena_close(&ha);
}

/* The haystack ends at a PROT_NONE page and a needle's prefix matches its
 * last bytes; it also starts right after one and a needle's suffix matches
 * its first bytes (the reverse search's mirror case). gh-105235. */
static void
prefix_match_at_a_prot_none_page(void **state)
{
    struct arena ha, na;
    uchar nd[300];

    SKIP_IF_NO_ISA(state);
    arena_open(&ha, 2);
    arena_open(&na, 1);
    for (size_t hlen = 1; hlen <= 1000; hlen += 1 + hlen / 16) {
        uchar *tail = ha.hi - hlen, *head = ha.lo;
        for (size_t i = 0; i < hlen; i++)
            tail[i] = head[i] = (uchar)('a' + below(3));
        for (size_t nlen = 2; nlen <= 300; nlen += 1 + nlen / 4) {
            size_t k = below(nlen - 1) + 1; /* bytes that match */
            if (k > hlen)
                k = hlen;
            /* last k bytes of the haystack, then bytes past its end */
            memcpy(nd, tail + hlen - k, k);
            memset(nd + k, 'b', nlen - k);
            check_guarded(&na, tail, hlen, nd, nlen);
            /* bytes before its start, then its first k bytes */
            memset(nd, 'b', nlen - k);
            memcpy(nd + nlen - k, head, k);
            check_guarded(&na, head, hlen, nd, nlen);
        }
    }
    arena_close(&na);
    arena_close(&ha);
}

/* ---- random cases over small alphabets ---------------------------------- */

/* A haystack over `letters` letters: random, or periodic with noise, so
 * that needles match partially at many positions. */
static void
make_haystack(uchar *h, size_t hlen, int letters)
{
    size_t period = 1 + below(12);
    uchar unit[12];

    for (size_t i = 0; i < period; i++)
        unit[i] = (uchar)('a' + below((size_t)letters));
    for (size_t i = 0; i < hlen; i++) {
        if (rnd() % 4 == 0)
            h[i] = unit[i % period];
        else if (rnd() % 2 == 0)
            h[i] = (uchar)('a' + below((size_t)letters));
        else
            h[i] = unit[i % period];
        if (rnd() % 64 == 0)
            h[i] = (uchar)('a' + below((size_t)letters));
    }
}

/* A needle of nlen bytes: random, a piece of the haystack (so found), the
 * same with one byte changed, or a periodic string. */
static void
make_needle(uchar *n, size_t nlen, const uchar *h, size_t hlen, int letters)
{
    switch (rnd() % 4) {
    case 0:
        for (size_t i = 0; i < nlen; i++)
            n[i] = (uchar)('a' + below((size_t)letters));
        break;
    case 1:
    case 2:
        if (nlen <= hlen) {
            memcpy(n, h + below(hlen - nlen + 1), nlen);
            if (rnd() % 2)
                n[below(nlen)] = (uchar)('a' + below((size_t)letters + 1));
            break;
        }
        /* fall through */
    default:
        for (size_t i = 0; i < nlen; i++)
            n[i] = (uchar)('a' + (i % 3 == 2));
        if (rnd() % 2)
            n[nlen - 1] = 'c';
        break;
    }
}

static void
random_small_alphabets(void **state)
{
    struct arena ha, na;
    uchar nd[300];
    size_t cap;

    SKIP_IF_NO_ISA(state);
    arena_open(&ha, 6);
    arena_open(&na, 1);
    cap = (size_t)(ha.hi - ha.lo);
    for (int trial = 0; trial < 4000; trial++) {
        int letters = 2 + (int)below(3);
        size_t hlen = rnd() % 8 == 0 ? below(cap) : below(1500);
        size_t nlen = 1 + (rnd() % 2 ? below(16) : below(300));
        uchar *h;
        switch (trial % 3) {
        case 0:
            h = ha.hi - hlen;
            break; /* ends at a guard */
        case 1:
            h = ha.lo;
            break; /* starts at a guard */
        default:
            h = ha.lo + below(cap - hlen + 1); /* anywhere */
        }
        make_haystack(h, hlen, letters);
        make_needle(nd, nlen, h, hlen, letters);
        check_guarded(&na, h, hlen, nd, nlen);
    }
    arena_close(&na);
    arena_close(&ha);
}

/* ---- inputs that defeat the filter -----------------------------------------
 * A periodic haystack and a needle with the same period whose defect comes
 * last: every period passes the filter and the verification runs almost
 * to the end of the needle. The kernels must give up filtering, run Two-Way
 * chunks and come back; segments of other data follow, and the needle is
 * planted at varied places. */

static void
fill_periodic(uchar *p, size_t len, const char *unit)
{
    size_t u = strlen(unit);

    for (size_t i = 0; i < len; i++)
        p[i] = (uchar)unit[i % u];
}

static void
periodic_needle(uchar *nd, size_t nlen, const char *unit)
{
    fill_periodic(nd, nlen, unit);
    nd[nlen - 1] = nd[nlen - 1] == 'a' ? 'b' : 'a';
    if (strlen(unit) == 2)
        nd[nlen - 2] = nd[nlen - 1]; /* "aa" or "bb": absent from (ab)* */
}

static void
filter_defeated_then_recovered(void **state)
{
    static const char *units[] = {"ab", "aab", "abaab"};
    static const size_t lens[] = {8, 40, 301, 1000};
    size_t hlen = 160000;
    uchar *hay, *nd;

    SKIP_IF_NO_ISA(state);
    hay = big_hay;
    nd = big_needle;
    for (size_t u = 0; u < 3; u++) {
        for (size_t l = 0; l < 4; l++) {
            size_t nlen = lens[l], cut = 70000 + below(60000);
            fill_periodic(hay, hlen, units[u]);
            for (size_t i = cut; i < cut + 10000; i++)
                hay[i] = (uchar)('a' + below(4));
            periodic_needle(nd, nlen, units[u]);
            check(hay, hlen, nd, nlen); /* absent */
            memcpy(hay + below(hlen - nlen), nd, nlen);
            memcpy(hay + 65536 * (1 + below(2)) - below(nlen), nd, nlen);
            check(hay, hlen, nd, nlen);
        }
    }
}

/* The occurrences of n in h after planting n at p, in a haystack that had
 * none, all overlap [p, p + nlen): the reference looks only there. */
static ptrdiff_t
window_ref(const uchar *h, size_t hlen, const uchar *n, size_t nlen, size_t p,
           int rev)
{
    size_t lo = p >= nlen ? p - nlen + 1 : 0;
    size_t hi = p + 2 * nlen - 1 < hlen ? p + 2 * nlen - 1 : hlen;
    ptrdiff_t r = rev ? naive_rev(h + lo, hi - lo, n, nlen)
                      : naive_fwd(h + lo, hi - lo, n, nlen);

    return r < 0 ? r : (ptrdiff_t)lo + r;
}

/* Filter passes chained as the driver chains them, but with no Two-Way in
 * between: each pass resumes where the last one gave up. */
static ptrdiff_t
chain_fwd(struct mmf__scan *sc)
{
    size_t pos = 0;
    ptrdiff_t r;

    do {
        sc->origin = pos;
        sc->work = 0;
        sc->failed = MMF__NONE;
        r = mmf__scan_fwd(sc, &pos);
    } while (r < 0 && pos <= sc->last);
    return r;
}

static ptrdiff_t
chain_rev(struct mmf__scan *sc)
{
    size_t end = sc->last + 1;
    ptrdiff_t r;

    do {
        sc->origin = end;
        sc->work = 0;
        sc->failed = MMF__NONE;
        r = mmf__scan_rev(sc, &end);
    } while (r < 0 && end > 0);
    return r;
}

/* Haystacks where filter passes give up, and needles absent from them.
 * Plain shapes: the unit repeated, and the needle the same with its last
 * byte or two changed (so verification runs to the needle's end). Gapped:
 * a 'c' every nlen / 2 bytes, and the needle purely periodic, which makes
 * Two-Way take its periodic branch. Sparse: the same with a 'c' every
 * nlen - 1 bytes, so that verifications fail at every needle position in
 * turn and no learned filter helps. Noisy: plain, with one byte in 16
 * redrawn. "bba" puts the rarest byte at adjacent positions, and first in
 * the needle. */
enum shape_kind { PLAIN, GAPPED, SPARSE, NOISY };

struct shape {
    const char *unit;
    enum shape_kind kind;
};

static const struct shape shapes[] = {
    {"ab", PLAIN},   {"aab", PLAIN},  {"bba", PLAIN}, {"ab", GAPPED},
    {"aab", GAPPED}, {"bba", GAPPED}, {"ab", SPARSE}, {"aab", SPARSE},
    {"ab", NOISY},   {"aab", NOISY},
};

#define NSHAPES (sizeof(shapes) / sizeof(shapes[0]))

static uint32_t
mix(size_t i)
{
    uint64_t z = (uint64_t)i * 0x9e3779b97f4a7c15u;

    z = (z ^ (z >> 29)) * 0xbf58476d1ce4e5b9u;
    return (uint32_t)(z ^ (z >> 32));
}

/* Write bytes [lo, hi) of the shape's haystack. */
static void
shape_fill(uchar *h, size_t lo, size_t hi, const struct shape *sh, size_t nlen)
{
    size_t u = strlen(sh->unit);
    size_t gap = sh->kind == GAPPED ? nlen / 2 : nlen - 1;

    for (size_t i = lo; i < hi; i++) {
        h[i] = (uchar)sh->unit[i % u];
        if ((sh->kind == GAPPED || sh->kind == SPARSE) && i % gap == 0 && i)
            h[i] = 'c';
        if (sh->kind == NOISY && mix(i) % 16 == 0)
            h[i] = (uchar)('a' + (mix(i) >> 8) % 2);
    }
}

static void
shape_haystack(uchar *h, size_t hlen, const struct shape *sh, size_t nlen)
{
    shape_fill(h, 0, hlen, sh, nlen);
}

static void
shape_needle(uchar *nd, size_t nlen, const struct shape *sh)
{
    if (sh->kind == GAPPED || sh->kind == SPARSE)
        fill_periodic(nd, nlen, sh->unit);
    else
        periodic_needle(nd, nlen, sh->unit);
}

/* The answer after planting the needle at p: noise may hold other copies,
 * elsewhere only the window around p can. */
static ptrdiff_t
shape_ref(const uchar *h, size_t hlen, const uchar *n, size_t nlen, size_t p,
          int rev, const struct shape *sh)
{
    if (sh->kind != NOISY)
        return window_ref(h, hlen, n, nlen, p, rev);
    return rev ? naive_rev(h, hlen, n, nlen) : naive_fwd(h, hlen, n, nlen);
}

/* A pass as the driver runs it, from *pos up or below *pos down; true if
 * it gave up (rather than finding the needle or running out). */
static int
gives_up(struct mmf__scan *sc, size_t *pos, int rev)
{
    ptrdiff_t r;

    sc->origin = *pos;
    sc->work = 0;
    sc->failed = MMF__NONE;
    r = rev ? mmf__scan_rev(sc, pos) : mmf__scan_fwd(sc, pos);
    return r < 0 && (rev ? *pos > 0 : *pos <= sc->last);
}

/* Where the kernel's first chunk without a filter starts, going that way:
 * after the first pass and the learned one gave up. False if it never
 * gets there. */
static int
first_chunk(const uchar *hay, size_t hlen, const uchar *nd, size_t nlen,
            int rev, size_t *at)
{
    struct mmf__scan a, b;

    mmf__scan_init(&a, hay, hlen, nd, nlen);
    *at = rev ? a.last + 1 : 0;
    if (!gives_up(&a, at, rev))
        return 0;
    return !mmf__scan_learn(&a, &b) || gives_up(&b, at, rev);
}

/* A pass that gives up must leave no candidate untried: plant the needle
 * at every position of a haystack where passes give up every few hundred
 * positions, and chain passes without learning or chunks. */
static void
passes_resume_where_they_stopped(void **state)
{
    static const size_t lens[] = {8, 16, 17, 40, 301};
    uchar hay[1600], nd[301];
    struct mmf__scan sc;

    SKIP_IF_NO_ISA(state);
    for (size_t k = 0; k < NSHAPES; k++) {
        if (shapes[k].kind == NOISY)
            continue; /* the reference would take too long */
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
            size_t nlen = lens[l];
            shape_needle(nd, nlen, &shapes[k]);
            shape_haystack(hay, sizeof(hay), &shapes[k], nlen);
            for (size_t p = 0; p + nlen <= sizeof(hay); p++) {
                memcpy(hay + p, nd, nlen);
                mmf__scan_init(&sc, hay, sizeof(hay), nd, nlen);
                assert_int_equal(chain_fwd(&sc),
                                 window_ref(hay, sizeof(hay), nd, nlen, p, 0));
                assert_int_equal(chain_rev(&sc),
                                 window_ref(hay, sizeof(hay), nd, nlen, p, 1));
                shape_fill(hay, p, p + nlen, &shapes[k], nlen);
            }
        }
    }
}

/* The kernel sends haystacks with fewer than 17 candidates elsewhere;
 * the passes must still handle them (their own short-input paths). */
static void
passes_on_tiny_haystacks(void **state)
{
    struct arena ha;
    uchar nd[8];
    struct mmf__scan sc;

    SKIP_IF_NO_ISA(state);
    arena_open(&ha, 1);
    for (int trial = 0; trial < 3000; trial++) {
        size_t nlen = 2 + below(7), hlen = nlen + below(20);
        uchar *h = ha.hi - hlen;
        for (size_t i = 0; i < hlen; i++)
            h[i] = (uchar)('a' + below(2));
        for (size_t i = 0; i < nlen; i++)
            nd[i] = (uchar)('a' + below(2));
        mmf__scan_init(&sc, h, hlen, nd, nlen);
        assert_int_equal(chain_fwd(&sc), naive_fwd(h, hlen, nd, nlen));
        assert_int_equal(chain_rev(&sc), naive_rev(h, hlen, nd, nlen));
    }
    arena_close(&ha);
}

/* Plant the needle around the place where the first chunk searched
 * without a filter hands back to the filter, each way. */
static void
chunks_join_the_passes(void **state)
{
    static const size_t lens[] = {8, 16, 17, 40, 301};
    size_t hlen = 200000, reached = 0;
    uchar *hay, nd[301];

    SKIP_IF_NO_ISA(state);
    hay = big_hay;
    for (size_t k = 0; k < NSHAPES; k++) {
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
            const struct shape *sh = &shapes[k];
            size_t nlen = lens[l], chunk = mmf__chunk_len(nlen), q, e;
            shape_needle(nd, nlen, sh);
            shape_haystack(hay, hlen, sh, nlen);
            if (!first_chunk(hay, hlen, nd, nlen, 0, &q)
                || !first_chunk(hay, hlen, nd, nlen, 1, &e)
                || q + chunk + nlen + 2 > hlen || e < chunk + nlen + 2)
                continue;
            reached++;
            for (size_t d = 0; d <= nlen + 4; d++) {
                if (d == 9 && nlen > 13)
                    d = nlen - 4; /* the needle's middle adds nothing */
                size_t pf = q + chunk + 2 - d, pr = e - chunk - 2 + d;
                memcpy(hay + pf, nd, nlen);
                assert_int_equal(mmf__search_fwd(hay, hlen, nd, nlen),
                                 shape_ref(hay, hlen, nd, nlen, pf, 0, sh));
                shape_fill(hay, pf, pf + nlen, sh, nlen);
                memcpy(hay + pr, nd, nlen);
                assert_int_equal(mmf__search_rev(hay, hlen, nd, nlen),
                                 shape_ref(hay, hlen, nd, nlen, pr, 1, sh));
                shape_fill(hay, pr, pr + nlen, sh, nlen);
            }
        }
    }
    print_message("  (%llu cases reach a chunk)\n",
                  (unsigned long long)reached);
    assert_true(reached >= 4);
}

/* The exact passes (short needles, after filters gave up) find the first
 * and the last match among exactly the candidates they are given. */
static void
exact_passes_cover_their_range(void **state)
{
    struct arena ha;
    struct mmf__scan sc;
    uchar nd[MMF__EXACT_MAX];

    SKIP_IF_NO_ISA(state);
    if (mmf__exact_max() == 0) {
        print_message("  (this kernel has no exact passes: skipped)\n");
        skip();
    }
    arena_open(&ha, 1);
    for (int trial = 0; trial < 20000; trial++) {
        size_t nlen = 2 + below(mmf__exact_max() - 1);
        size_t hlen = nlen + 16 + below(300), from, to;
        uchar *h = ha.hi - hlen;
        ptrdiff_t want_f = -1, want_r = -1;
        for (size_t i = 0; i < hlen; i++)
            h[i] = (uchar)('a' + (below(8) == 0));
        for (size_t i = 0; i < nlen; i++)
            nd[i] = (uchar)('a' + (below(8) == 0));
        mmf__scan_init(&sc, h, hlen, nd, nlen);
        from = below(sc.last + 2);
        to = from + below(sc.last + 2 - from);
        for (size_t s = from; s < to; s++) {
            if (memcmp(h + s, nd, nlen) == 0) {
                want_f = want_f < 0 ? (ptrdiff_t)s : want_f;
                want_r = (ptrdiff_t)s;
            }
        }
        assert_int_equal(mmf__exact_fwd(&sc, from, to), want_f);
        assert_int_equal(mmf__exact_rev(&sc, from, to), want_r);
    }
    arena_close(&ha);
}

/* Inside the chunks, plant copies of the needle with one byte changed,
 * each byte in turn, then the needle itself beyond them. Also small
 * haystacks, where the chunk runs to an end of the haystack, with the
 * needle near that end. */
static void
near_misses_inside_chunks(void **state)
{
    static const size_t lens[] = {4, 8, 15, 16, 17, 40};
    size_t hlen = 100000, q, e, reached = 0;
    uchar *hay, nd[40], miss[40];

    SKIP_IF_NO_ISA(state);
    hay = big_hay;
    for (size_t k = 0; k < NSHAPES; k++) {
        for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
            const struct shape *sh = &shapes[k];
            size_t nlen = lens[l];
            shape_needle(nd, nlen, sh);
            shape_haystack(hay, hlen, sh, nlen);
            if (!first_chunk(hay, hlen, nd, nlen, 0, &q)
                || !first_chunk(hay, hlen, nd, nlen, 1, &e)
                || q + 1000 + 97 * nlen > hlen || e < 1000 + 98 * nlen)
                continue;
            reached++;
            for (size_t i = 0; i < nlen; i++) {
                memcpy(miss, nd, nlen);
                miss[i] = 'd';
                memcpy(hay + q + 500 + 97 * i, miss, nlen);
                memcpy(hay + e - 500 - 97 * i - nlen, miss, nlen);
            }
            check(hay, hlen, nd, nlen);
            memcpy(hay + q + 600 + 97 * nlen, nd, nlen);
            memcpy(hay + e - 600 - 97 * nlen - nlen, nd, nlen);
            check(hay, hlen, nd, nlen);
            /* a haystack the first chunk runs to the end of */
            for (size_t p = 0; p < 40; p++) {
                size_t small = 3000;
                shape_haystack(hay, small, sh, nlen);
                memcpy(hay + p, nd, nlen);
                check(hay, small, nd, nlen);
                shape_fill(hay, p, p + nlen, sh, nlen);
                memcpy(hay + small - nlen - p, nd, nlen);
                check(hay, small, nd, nlen);
            }
        }
    }
    print_message("  (%llu cases reach a chunk)\n",
                  (unsigned long long)reached);
    assert_true(reached >= 4);
}

/* ---- repetitive worst cases, with a time bound -------------------------- */

/* Seconds of CPU time. */
static double
now(void)
{
    return t_cpu_seconds();
}

/* The time of one plain byte-at-a-time pass over h: the yardstick of a
 * linear search, scaled by the same sanitizer or emulator overhead. */
static double
linear_pass_time(const uchar *h, size_t hlen)
{
    volatile uint32_t sink;
    double best = 1e9;

    for (int rep = 0; rep < 3; rep++) {
        double t = now();
        uint32_t acc = 0;
        for (size_t i = 0; i < hlen; i++)
            acc = acc * 31 + h[i];
        sink = acc;
        t = now() - t;
        best = t < best ? t : best;
    }
    (void)sink;
    return best;
}

/* Search for n in h both ways, expecting `want` from both, and fail if
 * either takes longer than 12 linear passes plus 2 ms (best of up to 3). A
 * quadratic search of the cases below takes 40 passes or more. */
static void
expect_fast(const uchar *h, size_t hlen, const uchar *n, size_t nlen,
            ptrdiff_t want, double pass)
{
    double tf = 1e9, tr = 1e9, t, bound = 12 * pass + 0.002;
    int reps = UNDER_ASAN || RUNNING_ON_VALGRIND ? 1 : 3;

    for (int rep = 0; rep < reps && (tf > bound || tr > bound); rep++) {
        t = now();
        assert_int_equal(mmf__search_fwd(h, hlen, n, nlen), want);
        t = now() - t;
        tf = t < tf ? t : tf;
        t = now();
        assert_int_equal(mmf__search_rev(h, hlen, n, nlen), want);
        t = now() - t;
        tr = t < tr ? t : tr;
    }
    if (tf > bound || tr > bound)
        print_message("nlen=%llu: fwd %.2f ms, rev %.2f ms, pass %.2f ms\n",
                      (unsigned long long)nlen, tf * 1e3, tr * 1e3,
                      pass * 1e3);
    if (UNDER_ASAN || RUNNING_ON_VALGRIND)
        return; /* instrumentation (memchr interceptors) skews the ratio */
    assert_true(tf <= bound);
    assert_true(tr <= bound);
}

static void
repetitive_worst_cases_are_linear(void **state)
{
    static const size_t ks[] = {1,  2,   7,   8,   16,  31,  32, 33,
                                64, 100, 128, 255, 256, 299, 300};
    size_t hlen = 1 << 20;
    uchar *hay, *nd;
    double pass;

    SKIP_IF_NO_ISA(state);
    hay = big_hay;
    nd = big_needle;
    memset(hay, 'a', hlen);
    pass = linear_pass_time(hay, hlen);
    for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
        size_t k = ks[i];
        memset(nd, 'a', 2 * k + 2);
        nd[k] = 'b'; /* a^k b */
        expect_fast(hay, hlen, nd, k + 1, -1, pass);
        expect_fast(hay, hlen, nd + k, k + 1, -1, pass); /* b a^k */
        nd[k] = 'a';
        nd[1] = 'b'; /* a b a^k */
        expect_fast(hay, hlen, nd, k + 2, -1, pass);
        /* the same three, planted once: found at that place both ways */
        size_t at = below(hlen - k - 2);
        memcpy(hay + at, nd, k + 2);
        expect_fast(hay, hlen, nd, k + 2, (ptrdiff_t)at, pass);
        memset(hay + at, 'a', k + 2);
    }
    /* (ab)* against (ab)^m aa and (aab)* against (aab)^m b: the filter
     * passes every period, verification runs to the needle's end. */
    for (size_t nlen = 8; nlen <= 2048; nlen *= 2) {
        fill_periodic(hay, hlen, "ab");
        periodic_needle(nd, nlen, "ab");
        expect_fast(hay, hlen, nd, nlen, -1, pass);
        fill_periodic(hay, hlen, "aab");
        periodic_needle(nd, nlen, "aab");
        expect_fast(hay, hlen, nd, nlen, -1, pass);
    }
}

/* ---- the runner --------------------------------------------------------- */

#define ISA_TESTS(f)                                                          \
    {#f " [portable]", f, isa_setup, isa_teardown, &isa_scalar},              \
        {#f " [sse2]", f, isa_setup, isa_teardown, &isa_sse2},                \
    {                                                                         \
        #f " [avx2]", f, isa_setup, isa_teardown, &isa_avx2                   \
    }

int
main(void)
{
    const struct CMUnitTest tests[] = {
        ISA_TESTS(empty_needle_matches_at_the_ends),
        ISA_TESTS(needle_longer_than_haystack_is_absent),
        ISA_TESTS(needle_at_the_start_and_the_end),
        ISA_TESTS(every_alignment),
        ISA_TESTS(prefix_match_at_a_prot_none_page),
        ISA_TESTS(random_small_alphabets),
        ISA_TESTS(filter_defeated_then_recovered),
        ISA_TESTS(passes_resume_where_they_stopped),
        ISA_TESTS(passes_on_tiny_haystacks),
        ISA_TESTS(chunks_join_the_passes),
        ISA_TESTS(exact_passes_cover_their_range),
        ISA_TESTS(near_misses_inside_chunks),
        ISA_TESTS(repetitive_worst_cases_are_linear),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
