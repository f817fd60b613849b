/*
 * test_search_kernels.c - the search kernels (mmf__search_fwd,
 * mmf__search_rev and the short-window mmf__search_short_fwd/rev) against a
 * naive reference, on every instruction set the CPU offers (portable, SSE2,
 * AVX2: each test runs once per level): edge cases, every alignment, random
 * cases over small alphabets, inputs that defeat the filter, and
 * repetitive worst cases with a time bound. The filter passes themselves:
 * test_search_passes.c.
 *
 * Haystacks and needles sit against PROT_NONE pages, so any read outside
 * hay[0, hlen) or needle[0, nlen) crashes the test (gh-105235).
 *
 *   cc -Iinclude -Isrc -Isrc/posix -O1 -g tests/c/test_search_kernels.c \
 *       src/search.c src/search_simd.c -lcmocka \
 *       -o build/tests/test_search_kernels
 *
 * Sizes print with %llu and a cast: Windows' C runtime has no %zu.
 */
#include "search_check.h"

static uchar big_needle[2100];

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
        ISA_TESTS(repetitive_worst_cases_are_linear),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
