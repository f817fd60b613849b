/*
 * test_find.c - mmf_find() and mmf_rfind() against a naive reference:
 * every start/end pair on small maps, random large haystacks, the empty
 * needle rules, no read past the window (PROT_NONE guard pages on both
 * sides), and linear time on repetitive input. It builds on Windows too
 * (tools/win.sh): sizes print with %llu and a cast.
 */
/* The fixtures, guard pages and clocks: POSIX's, or their Windows form
 * (one choice point) */
#if defined(_WIN32)
#include "win/helpers.h"
#include "win/pages.h"
#else
#include "helpers.h"
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

/* ---- the reference ------------------------------------------------------ */

static ptrdiff_t
ref_search(const unsigned char *h, size_t len, const unsigned char *n,
           size_t nl, size_t start, size_t end, int rev)
{
    size_t i;

    if (end > len)
        end = len;
    if (start > len || start > end || end - start < nl)
        return -1;
    if (!rev) {
        for (i = start; i + nl <= end; i++)
            if (memcmp(h + i, n, nl) == 0)
                return (ptrdiff_t)i;
    } else {
        for (i = end - nl + 1; i-- > start;)
            if (memcmp(h + i, n, nl) == 0)
                return (ptrdiff_t)i;
    }
    return -1;
}

/* Compare one query on both functions; fails the test with the whole
 * query on a mismatch. */
static void
check_query(const mmf_map *m, const unsigned char *hay, size_t len,
            const unsigned char *needle, size_t nl, size_t start, size_t end)
{
    int rev;

    for (rev = 0; rev <= 1; rev++) {
        ptrdiff_t got = -7,
                  want = ref_search(hay, len, needle, nl, start, end, rev);
        mmf_status st = rev ? mmf_rfind(m, needle, nl, start, end, &got)
                            : mmf_find(m, needle, nl, start, end, &got);
        if (st != MMF_OK || got != want) {
            char shown[41];
            size_t k, show = nl < 40 ? nl : 40;
            for (k = 0; k < show; k++)
                shown[k] = (needle[k] >= 32 && needle[k] < 127)
                               ? (char)needle[k]
                               : '?';
            shown[show] = '\0';
            fail_msg("%s(needle \"%s\"%s (%llu bytes), start %llu, end "
                     "%llu) on a %llu-byte map: %s, %lld; expected %lld",
                     rev ? "mmf_rfind" : "mmf_find", shown,
                     nl > 40 ? "..." : "", (unsigned long long)nl,
                     (unsigned long long)start, (unsigned long long)end,
                     (unsigned long long)len, mmf_status_name(st),
                     (long long)got, (long long)want);
        }
    }
}

/* xorshift64*, fixed seed: the same haystacks on every run */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t
rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static size_t
rnd_below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rnd() % n);
}

static void
fill_random(unsigned char *p, size_t n, const char *alphabet)
{
    size_t k, a = strlen(alphabet);
    for (k = 0; k < n; k++)
        p[k] = (unsigned char)alphabet[rnd_below(a)];
}

/* An anonymous private map holding hay[0, len). */
static void
open_hay(mmf_map *m, const unsigned char *hay, size_t len)
{
    h_open_anon(m, len, MMF_MAP_PRIVATE);
    ASSERT_OK(mmf_set_slice(m, 0, 1, len, hay));
}

/* ---- exhaustive small cases --------------------------------------------- */

static void
find_matches_reference_for_every_start_and_end(void **state)
{
    static const size_t lens[] = {1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 31, 33, 64};
    static const char *alphabets[] = {"ab", "abc", "a b\n\0\xff"};
    unsigned char hay[64], needle[80];
    size_t li, q;
    long long queries = 0;

    (void)state;
    for (li = 0; li < ARRAY_LEN(lens); li++) {
        size_t len = lens[li];
        const char *alpha = alphabets[li % ARRAY_LEN(alphabets)];
        mmf_map m = {0};

        if (li % 3 == 2) /* this alphabet has a NUL: not a C string */
            for (q = 0; q < len; q++)
                hay[q] = (unsigned char)"a b\n\0\xff"[rnd_below(6)];
        else
            fill_random(hay, len, alpha);
        open_hay(&m, hay, len);
        for (q = 0; q < 9; q++) {
            size_t nl, start, end;
            switch (q) {
            case 0:
                nl = 0;
                break;
            case 1:
                nl = 1;
                needle[0] = hay[rnd_below(len)];
                break;
            case 2:
                nl = 1;
                needle[0] = 'z';
                break;
            case 3: /* a piece of the haystack */
            case 4:
            case 5:
                nl = 1 + rnd_below(len < 5 ? len : 5);
                start = rnd_below(len - nl + 1);
                memcpy(needle, hay + start, nl);
                break;
            case 6: /* the whole haystack */
                nl = len;
                memcpy(needle, hay, len);
                break;
            case 7: /* longer than the map */
                nl = len + 1;
                memcpy(needle, hay, len);
                needle[len] = hay[0];
                break;
            default: /* random */
                nl = 2 + rnd_below(3);
                fill_random(needle, nl, "ab");
                break;
            }
            for (start = 0; start <= len + 2; start++) {
                for (end = 0; end <= len + 2; end++) {
                    check_query(&m, hay, len, needle, nl, start, end);
                    queries += 2;
                }
                check_query(&m, hay, len, needle, nl, start, SIZE_MAX);
            }
            check_query(&m, hay, len, needle, nl, SIZE_MAX, SIZE_MAX);
            check_query(&m, hay, len, needle, nl, SIZE_MAX, 0);
        }
        ASSERT_OK(mmf_close(&m));
    }
    h_note("%lld start/end queries compared", queries);
}

static void
find_empty_needle_rules(void **state)
{
    static const struct {
        size_t start, end;
        ptrdiff_t find, rfind;
    } cases[] = {
        {0, SIZE_MAX, 0, 10},
        {3, SIZE_MAX, 3, 10},
        {0, 5, 0, 5},
        {3, 3, 3, 3},
        {10, 10, 10, 10},
        {10, SIZE_MAX, 10, 10},
        {3, 20, 3, 10},
        {5, 3, -1, -1},
        {11, SIZE_MAX, -1, -1}, /* start past the length: not clamped */
        {11, 11, -1, -1},
        {11, 5, -1, -1},
        {SIZE_MAX, SIZE_MAX, -1, -1},
        {0, 0, 0, 0},
        {10, 3, -1, -1},
    };
    mmf_map m = {0};
    ptrdiff_t got;
    size_t i;

    (void)state;
    open_hay(&m, (const unsigned char *)"0123456789", 10);
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        ASSERT_OK(mmf_find(&m, "", 0, cases[i].start, cases[i].end, &got));
        if (got != cases[i].find)
            fail_msg("find(\"\", %llu, %llu) = %lld, expected %lld",
                     (unsigned long long)cases[i].start,
                     (unsigned long long)cases[i].end, (long long)got,
                     (long long)cases[i].find);
        ASSERT_OK(mmf_rfind(&m, "", 0, cases[i].start, cases[i].end, &got));
        if (got != cases[i].rfind)
            fail_msg("rfind(\"\", %llu, %llu) = %lld, expected %lld",
                     (unsigned long long)cases[i].start,
                     (unsigned long long)cases[i].end, (long long)got,
                     (long long)cases[i].rfind);
    }
    ASSERT_OK(mmf_close(&m));
}

static void
find_basic_cases_and_cursor(void **state)
{
    static const char text[] = "abcabcabd xyz abcabd";
    mmf_map m = {0};
    ptrdiff_t got;
    size_t len = sizeof text - 1;

    (void)state;
    open_hay(&m, (const unsigned char *)text, len);
    ASSERT_OK(mmf_seek(&m, 5, 0, NULL));
    ASSERT_OK(mmf_find(&m, "abd", 3, 0, SIZE_MAX, &got));
    ASSERT_EQ(got, 6);
    ASSERT_OK(mmf_rfind(&m, "abd", 3, 0, SIZE_MAX, &got));
    ASSERT_EQ(got, 17);
    ASSERT_OK(mmf_find(&m, "abd", 3, 7, SIZE_MAX, &got));
    ASSERT_EQ(got, 17);
    ASSERT_OK(mmf_rfind(&m, "abd", 3, 0, 19, &got)); /* 17..20 not inside */
    ASSERT_EQ(got, 6);
    ASSERT_OK(mmf_find(&m, "abd", 3, 0, 8, &got));
    ASSERT_EQ(got, -1);
    ASSERT_OK(mmf_find(&m, "abd", 3, 0, 9, &got));
    ASSERT_EQ(got, 6);
    ASSERT_OK(mmf_find(&m, text, len, 0, SIZE_MAX, &got));
    ASSERT_EQ(got, 0);
    ASSERT_OK(mmf_rfind(&m, text, len, 0, len, &got));
    ASSERT_EQ(got, 0);
    ASSERT_OK(mmf_find(&m, text, len, 1, SIZE_MAX, &got));
    ASSERT_EQ(got, -1);
    ASSERT_OK(
        mmf_find(&m, "abcabcabd xyz abcabd!", len + 1, 0, SIZE_MAX, &got));
    ASSERT_EQ(got, -1); /* longer than the map */
    ASSERT_OK(
        mmf_rfind(&m, "abcabcabd xyz abcabd!", len + 1, 0, SIZE_MAX, &got));
    ASSERT_EQ(got, -1);
    ASSERT_OK(mmf_find(&m, "xyz", 3, 10, 12, &got)); /* range too short */
    ASSERT_EQ(got, -1);
    ASSERT_UEQ(h_tell(&m), 5); /* searching never moves the cursor */
    ASSERT_OK(mmf_close(&m));
}

static void
find_needle_inside_the_map(void **state)
{
    static const char text[] = "needle in a haystack with a needle";
    mmf_map m = {0};
    unsigned char *p;
    ptrdiff_t got;

    (void)state;
    open_hay(&m, (const unsigned char *)text, sizeof text - 1);
    p = h_data(&m);
    ASSERT_OK(mmf_find(&m, p, 6, 1, SIZE_MAX, &got));
    ASSERT_EQ(got, 28);
    ASSERT_OK(mmf_rfind(&m, p + 28, 6, 0, 30, &got));
    ASSERT_EQ(got, 0);
    ASSERT_OK(mmf_find(&m, p, sizeof text - 1, 0, SIZE_MAX, &got));
    ASSERT_EQ(got, 0);
    ASSERT_OK(mmf_close(&m));
}

/* ---- random large haystacks --------------------------------------------- */

/* All occurrences, walked forwards and backwards with the start/end moved
 * past each hit, so that hits land at many offsets from where a search
 * began (and across the kernel's internal chunk boundaries). */
static void
walk_all_occurrences(const mmf_map *m, const unsigned char *hay, size_t len,
                     const unsigned char *needle, size_t nl)
{
    size_t start = 0, end = len;
    int guard;

    for (guard = 0; guard < 64; guard++) {
        ptrdiff_t want = ref_search(hay, len, needle, nl, start, SIZE_MAX, 0);
        check_query(m, hay, len, needle, nl, start, SIZE_MAX);
        if (want < 0)
            break;
        start = (size_t)want + 1;
    }
    for (guard = 0; guard < 64; guard++) {
        ptrdiff_t want = ref_search(hay, len, needle, nl, 0, end, 1);
        check_query(m, hay, len, needle, nl, 0, end);
        if (want < 0)
            break;
        end = (size_t)want + nl - 1;
    }
}

static void
find_matches_reference_on_random_large_haystacks(void **state)
{
    static const char *alphabets[] = {"ab", "ae ", "etaoin shrdlu"};
    static const size_t nls[] = {2,  3,   4,   7,    16,   24,  33,
                                 64, 100, 257, 1000, 4097, 5000};
    const size_t len = 140000;
    unsigned char *hay = malloc(len), *needle = malloc(6000);
    unsigned char *saved[ARRAY_LEN(nls)];
    size_t ai, q;

    (void)state;
    for (q = 0; q < ARRAY_LEN(nls); q++)
        saved[q] = malloc(nls[q]);
    for (ai = 0; ai < ARRAY_LEN(alphabets); ai++) {
        mmf_map m = {0};

        fill_random(hay, len, alphabets[ai]);
        /* plant needles at random places, some near 64 KiB multiples */
        for (q = 0; q < ARRAY_LEN(nls); q++) {
            size_t nl = nls[q], k;
            fill_random(saved[q], nl, alphabets[ai]);
            for (k = 0; k < 4; k++) {
                size_t at = k < 2 ? rnd_below(len - nl)
                                  : 65536 * (1 + rnd_below(2))
                                        + rnd_below(2 * nl + 1) - nl;
                if (at + nl <= len)
                    memcpy(hay + at, saved[q], nl);
            }
        }
        open_hay(&m, hay, len);
        for (q = 0; q < ARRAY_LEN(nls); q++) {
            size_t nl = nls[q], at;
            int r;

            walk_all_occurrences(&m, hay, len, saved[q], nl);
            /* a needle cut out of the haystack itself */
            at = rnd_below(len - nl);
            memcpy(needle, hay + at, nl);
            walk_all_occurrences(&m, hay, len, needle, nl);
            /* the same with its last or first byte changed: long partial
             * matches, usually absent */
            needle[nl - 1] ^= 0x40;
            check_query(&m, hay, len, needle, nl, 0, SIZE_MAX);
            needle[0] ^= 0x40;
            needle[nl - 1] ^= 0x40;
            check_query(&m, hay, len, needle, nl, 0, SIZE_MAX);
            /* random windows */
            for (r = 0; r < 3; r++) {
                size_t s = rnd_below(len + 1), e = rnd_below(len + 1);
                check_query(&m, hay, len, saved[q], nl, s, e);
                check_query(&m, hay, len, needle, nl, s, e);
            }
        }
        ASSERT_OK(mmf_close(&m));
    }
    for (q = 0; q < ARRAY_LEN(nls); q++)
        free(saved[q]);
    free(hay);
    free(needle);
}

/* Periodic haystacks and needles (the Two-Way periodic case). */
static void
find_periodic_needles(void **state)
{
    const size_t len = 100000;
    unsigned char *hay = malloc(len), needle[300];
    mmf_map m = {0};
    size_t i, nl, spots[] = {0, 70000, 65535, 99000};

    (void)state;
    for (i = 0; i < len; i++)
        hay[i] = "ab"[i % 2];
    /* "abab...abb" at a few places */
    for (i = 0; i < ARRAY_LEN(spots); i++)
        hay[spots[i] + 41] = 'b';
    open_hay(&m, hay, len);
    for (nl = 2; nl <= 260; nl += (nl < 12 ? 1 : 41)) {
        size_t k;
        for (k = 0; k < nl; k++)
            needle[k] = "ab"[k % 2];
        walk_all_occurrences(&m, hay, len, needle, nl);
        needle[nl - 1] = 'b'; /* ...ab b: only near the planted spots */
        walk_all_occurrences(&m, hay, len, needle, nl);
        needle[0] = 'b'; /* b...b */
        walk_all_occurrences(&m, hay, len, needle, nl);
    }
    ASSERT_OK(mmf_close(&m));
    free(hay);
}

/* ---- never reading outside [start, end) --------------------------------- */

/* A 3-page anonymous map whose first and last pages are PROT_NONE: the
 * window [PAGE, 2 * PAGE) is all that may be read. Queries end exactly at
 * the upper guard (find's over-read) or start exactly at the lower one
 * (rfind's), with needles whose prefix (suffix) matches at the edge. */
static void
find_does_not_read_beyond_the_window(void **state)
{
    unsigned char *page = malloc(PAGE), *p, needle[200];
    mmf_map m = {0};
    size_t w, nl;
    long long queries = 0;

    (void)state;
    h_open_anon(&m, 3 * PAGE, MMF_MAP_PRIVATE);
    fill_random(page, PAGE, "ab");
    memset(page, 'a', 300);
    memset(page + PAGE - 300, 'a', 300);
    ASSERT_OK(mmf_set_slice(&m, PAGE, 1, PAGE, page));
    ASSERT_OK(mmf_pin(&m, &p, NULL));
    ASSERT_EQ(t_no_access(p, PAGE), 0);
    ASSERT_EQ(t_no_access(p + 2 * PAGE, PAGE), 0);

    for (nl = 1; nl <= 160; nl += (nl < 40 ? 1 : 13)) {
        /* find: needle = the last nl-1 bytes of the window + one more */
        memcpy(needle, page + PAGE - (nl - 1), nl - 1);
        needle[nl - 1] = 'b';
        for (w = 0; w <= 200; w += (w < 70 ? 1 : 10)) {
            size_t s = 2 * PAGE - w;
            ptrdiff_t got, want;
            want = ref_search(page, PAGE, needle, nl, PAGE - w, PAGE, 0);
            ASSERT_OK(mmf_find(&m, needle, nl, s, 2 * PAGE, &got));
            if (got != (want < 0 ? -1 : want + (ptrdiff_t)PAGE))
                fail_msg("find(nl %llu, window %llu) = %lld",
                         (unsigned long long)nl, (unsigned long long)w,
                         (long long)got);
            want = ref_search(page, PAGE, needle, nl, PAGE - w, PAGE, 1);
            ASSERT_OK(mmf_rfind(&m, needle, nl, s, 2 * PAGE, &got));
            if (got != (want < 0 ? -1 : want + (ptrdiff_t)PAGE))
                fail_msg("rfind(nl %llu, window %llu) = %lld",
                         (unsigned long long)nl, (unsigned long long)w,
                         (long long)got);
            queries += 2;
        }
        /* rfind: needle = one byte + the first nl-1 bytes of the window */
        needle[0] = 'b';
        memcpy(needle + 1, page, nl - 1);
        for (w = 0; w <= 200; w += (w < 70 ? 1 : 10)) {
            ptrdiff_t got, want;
            want = ref_search(page, PAGE, needle, nl, 0, w, 1);
            ASSERT_OK(mmf_rfind(&m, needle, nl, PAGE, PAGE + w, &got));
            if (got != (want < 0 ? -1 : want + (ptrdiff_t)PAGE))
                fail_msg("rfind(nl %llu, window %llu) = %lld",
                         (unsigned long long)nl, (unsigned long long)w,
                         (long long)got);
            want = ref_search(page, PAGE, needle, nl, 0, w, 0);
            ASSERT_OK(mmf_find(&m, needle, nl, PAGE, PAGE + w, &got));
            if (got != (want < 0 ? -1 : want + (ptrdiff_t)PAGE))
                fail_msg("find(nl %llu, window %llu) = %lld",
                         (unsigned long long)nl, (unsigned long long)w,
                         (long long)got);
            queries += 2;
        }
        /* whole window, needle matching at both edges */
        memset(needle, 'a', nl);
        {
            ptrdiff_t got;
            ASSERT_OK(mmf_find(&m, needle, nl, PAGE, 2 * PAGE, &got));
            ASSERT_EQ(got, (ptrdiff_t)PAGE);
            ASSERT_OK(mmf_rfind(&m, needle, nl, PAGE, 2 * PAGE, &got));
            ASSERT_EQ(got, (ptrdiff_t)(2 * PAGE - nl));
        }
    }
    ASSERT_EQ(t_read_write(p, 3 * PAGE), 0);
    mmf_unpin(&m);
    ASSERT_OK(mmf_close(&m));
    h_note("%lld guarded-window queries", queries);
    free(page);
}

/* ---- linear time -------------------------------------------------------- */

static double
now(void)
{
    return t_wall_seconds();
}

static void
find_is_linear_on_repetitive_haystacks(void **state)
{
    const size_t len = 1 << 20;
    static const size_t nls[] = {2, 30, 300, 4096, 40000};
    unsigned char *hay = malloc(len), *needle = malloc(40000);
    double t0, elapsed, limit;
    mmf_map m = {0};
    ptrdiff_t got;
    size_t i;

    (void)state;
    memset(hay, 'a', len);
    open_hay(&m, hay, len);
    t0 = now();
    for (i = 0; i < ARRAY_LEN(nls); i++) {
        size_t nl = nls[i];
        memset(needle, 'a', nl);
        needle[nl - 1] = 'b'; /* "aa...ab": absent */
        ASSERT_OK(mmf_find(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, -1);
        ASSERT_OK(mmf_rfind(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, -1);
        memset(needle, 'a', nl);
        needle[0] = 'b'; /* "baa...a": absent */
        ASSERT_OK(mmf_find(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, -1);
        ASSERT_OK(mmf_rfind(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, -1);
        if (nl >= 3) {
            memset(needle, 'a', nl);
            needle[nl / 2] = 'b'; /* "a..b..a": absent */
            ASSERT_OK(mmf_find(&m, needle, nl, 0, SIZE_MAX, &got));
            ASSERT_EQ(got, -1);
            ASSERT_OK(mmf_rfind(&m, needle, nl, 0, SIZE_MAX, &got));
            ASSERT_EQ(got, -1);
        }
    }
    /* the same needles, now present once at the far end */
    ASSERT_OK(mmf_set_byte(&m, len - 1, 'b'));
    ASSERT_OK(mmf_set_byte(&m, 0, 'b'));
    for (i = 0; i < ARRAY_LEN(nls); i++) {
        size_t nl = nls[i];
        memset(needle, 'a', nl);
        needle[nl - 1] = 'b';
        ASSERT_OK(mmf_find(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, (ptrdiff_t)(len - nl));
        memset(needle, 'a', nl);
        needle[0] = 'b';
        ASSERT_OK(mmf_rfind(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, 0);
    }
    ASSERT_OK(mmf_close(&m));

    /* a periodic haystack, "abab...", where the filter bytes of periodic
     * needles match at every other position and verification runs long */
    for (i = 0; i < len; i++)
        hay[i] = "ab"[i % 2];
    open_hay(&m, hay, len);
    for (i = 0; i < ARRAY_LEN(nls); i++) {
        size_t nl = nls[i] | 1, k; /* odd: "ab...ab" + one byte */
        if (nl > 40000)
            nl = 39999;
        for (k = 0; k + 1 < nl; k++)
            needle[k] = "ab"[k % 2];
        needle[nl - 1] = 'b'; /* "abab...abb": absent */
        ASSERT_OK(mmf_find(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, -1);
        ASSERT_OK(mmf_rfind(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, -1);
        needle[0] = 'b'; /* "bbab...ab": absent */
        needle[nl - 1] = 'a';
        ASSERT_OK(mmf_find(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, -1);
        ASSERT_OK(mmf_rfind(&m, needle, nl, 0, SIZE_MAX, &got));
        ASSERT_EQ(got, -1);
    }
    elapsed = now() - t0;
    /* a quadratic search needs minutes here; a linear one milliseconds */
    limit = RUNNING_ON_VALGRIND ? 120.0 : 10.0;
    h_note("repetitive 1 MiB searches took %.3f s", elapsed);
    if (elapsed > limit)
        fail_msg("searches took %.1f s (limit %.0f s): not linear?", elapsed,
                 limit);
    ASSERT_OK(mmf_close(&m));
    free(hay);
    free(needle);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(find_matches_reference_for_every_start_and_end),
        H_TEST(find_empty_needle_rules),
        H_TEST(find_basic_cases_and_cursor),
        H_TEST(find_needle_inside_the_map),
        H_TEST(find_matches_reference_on_random_large_haystacks),
        H_TEST(find_periodic_needles),
        H_TEST(find_does_not_read_beyond_the_window),
        H_TEST(find_is_linear_on_repetitive_haystacks),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("find", tests, h_group_setup,
                                       h_group_teardown);
}
