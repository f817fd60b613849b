/*
 * test_count.c - mmf_count() and mmf_count_part(), beyond Python's mmap:
 * against a naive count, and split into pieces at every point. It builds
 * on Windows too (tools/win.sh): sizes print with %llu and a cast.
 */
/* The fixtures: POSIX's, or their Windows form (one choice point) */
#if defined(_WIN32)
#include "win/helpers.h"
#else
#include "helpers.h"
#endif

static size_t
naive_count(const unsigned char *h, size_t n, const char *nd, size_t nl)
{
    size_t c = 0, i = 0;
    if (nl == 0)
        return n + 1;
    while (i + nl <= n) {
        if (memcmp(h + i, nd, nl) == 0) {
            c++;
            i += nl;
        } else
            i++;
    }
    return c;
}

static void
count_against_a_naive_count(void **state)
{
    enum { LEN = 5000 };
    static const char *needles[] = {"\n", "a", "aa", "ab", "aba", "zzz", ""};
    unsigned char text[LEN];
    mmf_map m = {0};
    size_t got;

    (void)state;
    for (size_t i = 0; i < LEN; i++)
        text[i] = (unsigned char)("aab\naba"[(i * 7 + i / 13) % 7]);
    h_open_anon(&m, LEN, MMF_MAP_PRIVATE);
    ASSERT_OK(mmf_set_slice(&m, 0, 1, LEN, text));
    for (size_t k = 0; k < ARRAY_LEN(needles); k++) {
        size_t nl = strlen(needles[k]);
        static const size_t bounds[][2] = {
            {0, LEN}, {1, LEN - 1}, {17, 300}, {100, 100}, {0, SIZE_MAX}};
        for (size_t b = 0; b < ARRAY_LEN(bounds); b++) {
            size_t s = bounds[b][0], e = bounds[b][1];
            size_t ce = e > LEN ? LEN : e;
            ASSERT_OK(mmf_count(&m, needles[k], nl, s, e, &got));
            ASSERT_UEQ(got, naive_count(text + s, ce - s, needles[k], nl));
        }
    }
    ASSERT_OK(mmf_count(&m, "a", 1, 10, 5, &got)); /* start > end */
    ASSERT_UEQ(got, 0);
    ASSERT_OK(mmf_close(&m));
    ASSERT_ST(mmf_count(&m, "a", 1, 0, 1, &got), MMF_ECLOSED);
}

/* docs/hazards.md H-47: a count split into pieces at every point, each piece
 * resuming where mmf_count_part() says, adds up to the count of the whole
 * (the binding counts long ranges so, checking for signals in between). */
static void
count_in_pieces_adds_up(void **state)
{
    static const char *const needles[] = {"a", "aa", "aba", "abab", "b"};
    const char *hay = "aaabababaaaabbabaababababaaaaabab";
    size_t n = strlen(hay), k;
    mmf_map m = {0};

    (void)state;
    h_open_anon(&m, n, MMF_MAP_PRIVATE);
    ASSERT_OK(mmf_set_slice(&m, 0, 1, n, hay));
    for (k = 0; k < ARRAY_LEN(needles); k++) {
        size_t nl = strlen(needles[k]), whole = 0, piece;

        ASSERT_OK(mmf_count(&m, needles[k], nl, 0, n, &whole));
        for (piece = nl; piece <= n; piece++) {
            size_t start = 0, total = 0;
            while (1) {
                size_t end =
                    n - start > piece + nl - 1 ? start + piece + nl - 1 : n;
                size_t c = 0, resume = 0;
                ASSERT_OK(mmf_count_part(&m, needles[k], nl, start, end, &c,
                                         &resume));
                total += c;
                if (end == n)
                    break;
                ASSERT_TRUE(resume > start && resume <= end);
                start = resume;
            }
            if (total != whole)
                fail_msg("needle \"%s\", pieces of %llu: %llu, whole %llu",
                         needles[k], (unsigned long long)piece,
                         (unsigned long long)total, (unsigned long long)whole);
        }
    }
    ASSERT_OK(mmf_close(&m));
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(count_against_a_naive_count),
        H_TEST(count_in_pieces_adds_up),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("count", tests, h_group_setup,
                                       h_group_teardown);
}
