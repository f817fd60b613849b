/*
 * test_search_passes.c - the search kernels' filter passes
 * (mmf__scan_fwd/rev) on every instruction set the CPU offers: passes that
 * give up resume where they stopped, on tiny haystacks too; chunks of
 * Two-Way join the passes; exact passes cover their range; near misses
 * inside chunks. Against a naive reference, on haystacks of pages between
 * PROT_NONE ones (search_check.h).
 *
 * Sizes print with %llu and a cast: Windows' C runtime has no %zu.
 */
#include "search_check.h"

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        ISA_TESTS(passes_resume_where_they_stopped),
        ISA_TESTS(passes_on_tiny_haystacks),
        ISA_TESTS(chunks_join_the_passes),
        ISA_TESTS(exact_passes_cover_their_range),
        ISA_TESTS(near_misses_inside_chunks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
