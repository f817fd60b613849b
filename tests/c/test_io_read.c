/*
 * test_io_read.c - reading: read, read_byte, the lines (readline and its
 * allocating forms, next_line, the line scan), and copies in and out of the
 * map at every size and alignment.
 */
#include "helpers.h"
/* ---- read --------------------------------------------------------------- */

static void
read_copies_and_advances_partial_at_end(void **state)
{
    mmf_map m = {0};
    unsigned char buf[200], want[100];
    size_t n = 99;
    int fd;

    (void)state;
    h_fill_pattern(want, 100, 0);
    fd = h_make_file(want, 100, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_read(&m, buf, 60, &n));
    ASSERT_UEQ(n, 60);
    ASSERT_MEM_EQ(buf, want, 60);
    ASSERT_UEQ(h_tell(&m), 60);
    ASSERT_OK(mmf_read(&m, buf, 60, &n)); /* only 40 remain */
    ASSERT_UEQ(n, 40);
    ASSERT_MEM_EQ(buf, want + 60, 40);
    ASSERT_UEQ(h_tell(&m), 100);
    ASSERT_OK(mmf_read(&m, buf, 60, &n)); /* at the end: nothing */
    ASSERT_UEQ(n, 0);
    ASSERT_UEQ(h_tell(&m), 100);
    ASSERT_OK(mmf_seek(&m, 10, 0, NULL));
    ASSERT_OK(mmf_read(&m, buf, 0, &n));
    ASSERT_UEQ(n, 0);
    ASSERT_UEQ(h_tell(&m), 10);
    ASSERT_OK(mmf_read(&m, buf, SIZE_MAX, &n)); /* "the rest" */
    ASSERT_UEQ(n, 90);
    ASSERT_MEM_EQ(buf, want + 10, 90);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
read_past_end_after_shrink_returns_nothing(void **state)
{
    mmf_map m = {0};
    unsigned char buf[16];
    size_t n = 5, rem = 5, ll = 5;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 3 * PAGE, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_seek(&m, (int64_t)(2 * PAGE + 5), 0, NULL));
    ASSERT_OK(mmf_resize(&m, PAGE));
    ASSERT_OK(mmf_read(&m, buf, sizeof buf, &n));
    ASSERT_UEQ(n, 0);
    ASSERT_OK(mmf_remaining(&m, &rem));
    ASSERT_UEQ(rem, 0);
    ASSERT_OK(mmf_line_length(&m, &ll));
    ASSERT_UEQ(ll, 0);
    ASSERT_OK(mmf_readline(&m, buf, sizeof buf, &n));
    ASSERT_UEQ(n, 0);
    ASSERT_UEQ(h_tell(&m), 2 * PAGE + 5);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
read_byte_walks_and_stops_at_end(void **state)
{
    mmf_map m = {0};
    unsigned char b = 0;
    int fd;

    (void)state;
    fd = h_open_text(&m, "xyz", 3, NULL);
    ASSERT_OK(mmf_read_byte(&m, &b));
    ASSERT_EQ(b, 'x');
    ASSERT_OK(mmf_read_byte(&m, &b));
    ASSERT_EQ(b, 'y');
    ASSERT_OK(mmf_read_byte(&m, &b));
    ASSERT_EQ(b, 'z');
    ASSERT_UEQ(h_tell(&m), 3);
    ASSERT_ST(mmf_read_byte(&m, &b), MMF_ERANGE);
    ASSERT_UEQ(h_tell(&m), 3);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- lines -------------------------------------------------------------- */

static void
expect_line(mmf_map *m, const char *want)
{
    size_t wl = strlen(want), ll = 12345, n = 12345, before = h_tell(m);
    char buf[64];

    ASSERT_OK(mmf_line_length(m, &ll));
    ASSERT_UEQ(ll, wl);
    ASSERT_UEQ(h_tell(m), before); /* line_length does not move */
    ASSERT_OK(mmf_readline(m, buf, sizeof buf, &n));
    ASSERT_UEQ(n, wl);
    ASSERT_MEM_EQ(buf, want, wl);
    ASSERT_UEQ(h_tell(m), before + wl);
}

static void
readline_with_trailing_newline(void **state)
{
    static const char text[] = "ab\ncd\n\nxyz\n";
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_open_text(&m, text, sizeof text - 1, NULL);
    expect_line(&m, "ab\n");
    expect_line(&m, "cd\n");
    expect_line(&m, "\n");
    expect_line(&m, "xyz\n");
    expect_line(&m, ""); /* at the end */
    expect_line(&m, "");
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
readline_without_trailing_newline(void **state)
{
    static const char text[] = "first\r\nsecond\rstill";
    mmf_map m = {0};
    size_t n = 0;
    char buf[64];
    int fd;

    (void)state;
    fd = h_open_text(&m, text, sizeof text - 1, NULL);
    expect_line(&m, "first\r\n");
    expect_line(&m, "second\rstill"); /* only \n ends a line */
    expect_line(&m, "");
    ASSERT_OK(mmf_close(&m));
    close(fd);

    /* line_length + read builds readline */
    fd = h_open_text(&m, "one\ntwo", 7, NULL);
    ASSERT_OK(mmf_seek(&m, 4, 0, NULL));
    ASSERT_OK(mmf_line_length(&m, &n));
    ASSERT_UEQ(n, 3);
    ASSERT_OK(mmf_read(&m, buf, n, &n));
    ASSERT_MEM_EQ(buf, "two", 3);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
readline_cap_shorter_than_line_cuts_it(void **state)
{
    static const char text[] = "abcdefgh\nrest";
    mmf_map m = {0};
    size_t n = 0;
    char buf[16];
    int fd;

    (void)state;
    fd = h_open_text(&m, text, sizeof text - 1, NULL);
    memset(buf, '#', sizeof buf);
    ASSERT_OK(mmf_readline(&m, buf, 3, &n));
    ASSERT_UEQ(n, 3);
    ASSERT_MEM_EQ(buf, "abc#", 4); /* nothing written past cap */
    ASSERT_UEQ(h_tell(&m), 3);
    ASSERT_OK(mmf_readline(&m, buf, 6, &n)); /* "defgh\n" fits exactly */
    ASSERT_UEQ(n, 6);
    ASSERT_MEM_EQ(buf, "defgh\n", 6);
    ASSERT_UEQ(h_tell(&m), 9);
    ASSERT_OK(mmf_readline(&m, buf, 0, &n)); /* cap 0: nothing moves */
    ASSERT_UEQ(n, 0);
    ASSERT_UEQ(h_tell(&m), 9);
    ASSERT_OK(mmf_readline(&m, buf, sizeof buf, &n));
    ASSERT_UEQ(n, 4);
    ASSERT_MEM_EQ(buf, "rest", 4);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* mmf_readline_alloc()'s allocator for the tests: a malloc'd buffer of n
 * bytes (calls counted), or NULL when fail is set. */
struct alloc_ctx {
    unsigned char *buf;
    size_t n;
    int calls, fail;
};

static void *
test_alloc(void *ctx, size_t n)
{
    struct alloc_ctx *a = ctx;

    a->calls++;
    a->n = n;
    if (a->fail)
        return NULL;
    a->buf = malloc(n + 1); /* malloc(0) may return NULL */
    return a->buf;
}

static void
readline_alloc_gives_each_line_its_own_buffer(void **state)
{
    enum { LONG = 5000 };
    char *text = malloc(LONG + 16);
    mmf_map m = {0};
    struct alloc_ctx a = {0};
    size_t n = 99;
    int fd;

    (void)state;
    memcpy(text, "ab\n\n", 4);
    memset(text + 4, 'x', LONG - 1); /* a line longer than the fast scan */
    memcpy(text + 4 + LONG - 1, "\nend", 4);
    fd = h_open_text(&m, text, LONG + 7, NULL);
    ASSERT_OK(mmf_readline_alloc(&m, test_alloc, &a, &n));
    ASSERT_UEQ(n, 3);
    ASSERT_UEQ(a.n, 3);
    ASSERT_MEM_EQ(a.buf, "ab\n", 3);
    ASSERT_UEQ(h_tell(&m), 3);
    free(a.buf);
    ASSERT_OK(mmf_readline_alloc(&m, test_alloc, &a, &n));
    ASSERT_UEQ(n, 1);
    ASSERT_MEM_EQ(a.buf, "\n", 1);
    free(a.buf);
    ASSERT_OK(mmf_readline_alloc(&m, test_alloc, &a, &n));
    ASSERT_UEQ(n, LONG);
    ASSERT_UEQ(a.n, LONG);
    ASSERT_MEM_EQ(a.buf, text + 4, LONG);
    free(a.buf);
    ASSERT_OK(mmf_readline_alloc(&m, test_alloc, &a, &n)); /* no newline */
    ASSERT_UEQ(n, 3);
    ASSERT_MEM_EQ(a.buf, "end", 3);
    free(a.buf);
    ASSERT_UEQ(h_tell(&m), LONG + 7);
    a.calls = 0;
    ASSERT_OK(mmf_readline_alloc(&m, test_alloc, &a, &n)); /* at the end */
    ASSERT_UEQ(n, 0);
    ASSERT_UEQ(a.n, 0);
    ASSERT_EQ(a.calls, 1);
    free(a.buf);
    ASSERT_UEQ(h_tell(&m), LONG + 7);

    /* An allocator that fails: MMF_ENOMEM, the cursor stays. */
    ASSERT_OK(mmf_seek(&m, 0, 0, NULL));
    a.fail = 1;
    n = 99;
    ASSERT_ST(mmf_readline_alloc(&m, test_alloc, &a, &n), MMF_ENOMEM);
    ASSERT_UEQ(n, 0);
    ASSERT_UEQ(h_tell(&m), 0);

    /* A closed map: MMF_ECLOSED before anything is allocated. */
    a.fail = 0;
    a.calls = 0;
    ASSERT_OK(mmf_close(&m));
    ASSERT_ST(mmf_readline_alloc(&m, test_alloc, &a, &n), MMF_ECLOSED);
    ASSERT_EQ(a.calls, 0);
    close(fd);
    free(text);
}

/* mmf_readline_alloc_upto(): a line longer than max is MMF_ERANGE before
 * anything is allocated, the cursor unchanged, whether the line ends in a
 * newline or at the map's end, in the fast window or past it. */
static void
readline_alloc_upto_refuses_longer_lines(void **state)
{
    enum { LONG = 3000 };
    char *text = malloc(LONG + 8);
    mmf_map m = {0};
    struct alloc_ctx a = {0};
    size_t n = 99;
    int fd;

    (void)state;
    memcpy(text, "abc\n", 4);
    memset(text + 4, 'x', LONG);
    text[4 + LONG - 1] = '\n';
    memcpy(text + 4 + LONG, "tail", 4);
    fd = h_open_text(&m, text, LONG + 8, NULL);
    ASSERT_ST(mmf_readline_alloc_upto(&m, 3, test_alloc, &a, &n), MMF_ERANGE);
    ASSERT_EQ(a.calls, 0);
    ASSERT_UEQ(n, 0);
    ASSERT_UEQ(h_tell(&m), 0);
    ASSERT_OK(mmf_readline_alloc_upto(&m, 4, test_alloc, &a, &n));
    ASSERT_UEQ(n, 4);
    ASSERT_MEM_EQ(a.buf, "abc\n", 4);
    free(a.buf);
    /* the long line: refused inside and past the fast window */
    ASSERT_ST(mmf_readline_alloc_upto(&m, 100, test_alloc, &a, &n),
              MMF_ERANGE);
    ASSERT_ST(mmf_readline_alloc_upto(&m, LONG - 1, test_alloc, &a, &n),
              MMF_ERANGE);
    ASSERT_EQ(a.calls, 1);
    ASSERT_UEQ(h_tell(&m), 4);
    ASSERT_OK(mmf_readline_alloc_upto(&m, LONG, test_alloc, &a, &n));
    ASSERT_UEQ(n, LONG);
    ASSERT_MEM_EQ(a.buf, text + 4, LONG);
    free(a.buf);
    /* the last line has no newline: its length counts as well */
    ASSERT_ST(mmf_readline_alloc_upto(&m, 3, test_alloc, &a, &n), MMF_ERANGE);
    ASSERT_OK(mmf_readline_alloc_upto(&m, 4, test_alloc, &a, &n));
    ASSERT_MEM_EQ(a.buf, "tail", 4);
    free(a.buf);
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(text);
}

/* mmf_next_line() yields what readline would, as offsets, and mixes with
 * the cursor calls. */
static void
next_line_walks_lines_and_mixes_with_readline(void **state)
{
    static const char text[] = "ab\ncd\n\nlast";
    mmf_map m = {0};
    size_t off = 99, len = 99, pos = 0;
    char buf[16];
    int fd;

    (void)state;
    fd = h_open_text(&m, text, sizeof text - 1, NULL);
    ASSERT_OK(mmf_next_line(&m, &off, &len));
    ASSERT_UEQ(off, 0);
    ASSERT_UEQ(len, 3);
    expect_line(&m, "cd\n"); /* readline takes the next one */
    ASSERT_OK(mmf_next_line(&m, &off, &len));
    ASSERT_UEQ(off, 6);
    ASSERT_UEQ(len, 1);
    ASSERT_OK(mmf_next_line(&m, &off, &len));
    ASSERT_UEQ(off, 7);
    ASSERT_UEQ(len, 4); /* no newline at the end */
    ASSERT_OK(mmf_get_slice(&m, off, 1, len, buf));
    ASSERT_MEM_EQ(buf, "last", 4);
    ASSERT_OK(mmf_next_line(&m, &off, &len)); /* the end: nothing moves */
    ASSERT_UEQ(off, 11);
    ASSERT_UEQ(len, 0);
    ASSERT_OK(mmf_tell(&m, &pos));
    ASSERT_UEQ(pos, 11);
    ASSERT_OK(mmf_seek(&m, 4, 0, NULL)); /* seek back: it yields again */
    ASSERT_OK(mmf_next_line(&m, &off, &len));
    ASSERT_UEQ(off, 4);
    ASSERT_UEQ(len, 2);
    ASSERT_OK(mmf_close(&m));
    ASSERT_ST(mmf_next_line(&m, &off, &len), MMF_ECLOSED);
    close(fd);
}

/* The line scan against memchr for every start alignment and line length
 * around the fast scan's 16-byte blocks and its 256-byte limit. */
static void
line_length_every_alignment_and_length(void **state)
{
    enum { LEN = 700 };
    static const size_t line_lens[] = {1,  2,   15,  16,  17,  31, 32,
                                       33, 255, 256, 257, 300, 600};
    unsigned char text[LEN];
    mmf_map m = {0};

    (void)state;
    h_open_anon(&m, LEN, MAP_PRIVATE);
    for (size_t k = 0; k < ARRAY_LEN(line_lens); k++) {
        for (size_t start = 0; start < 40; start++) {
            size_t want, got = 0, at = start + line_lens[k] - 1;
            memset(text, 'x', LEN);
            if (at < LEN)
                text[at] = '\n';
            text[LEN - 1] = (k & 1) ? 'y' : '\n';
            ASSERT_OK(mmf_set_slice(&m, 0, 1, LEN, text));
            ASSERT_OK(mmf_seek(&m, (int64_t)start, 0, NULL));
            ASSERT_OK(mmf_line_length(&m, &got));
            {
                const unsigned char *nl =
                    memchr(text + start, '\n', LEN - start);
                want = nl ? (size_t)(nl - text) - start + 1 : LEN - start;
            }
            if (got != want)
                fail_msg("start %zu line %zu: length %zu, expected %zu", start,
                         line_lens[k], got, want);
        }
    }
    ASSERT_OK(mmf_close(&m));
}

/* Copies in and out of the map for every size up to past the fast path's
 * limit, at several alignments, and small moves that overlap either way. */
static void
copies_every_size_and_alignment(void **state)
{
    enum { LEN = 1024 };
    unsigned char want[LEN], got[LEN + 8], src[LEN];
    mmf_map m = {0};

    (void)state;
    h_open_pattern_anon(&m, LEN);
    h_fill_pattern(want, LEN, 0);
    h_fill_pattern(src, LEN, 77);
    for (size_t n = 0; n <= 300; n++) {
        for (size_t a = 0; a < 8; a++) {
            memset(got, 0xEE, sizeof got);
            ASSERT_OK(mmf_get_slice(&m, a * 37, 1, n, got + a));
            if (memcmp(got + a, want + a * 37, n) != 0 || got[a + n] != 0xEE)
                fail_msg("get_slice of %zu bytes at %zu", n, a * 37);
            ASSERT_OK(mmf_set_slice(&m, 500 + a, 1, n, src + a));
            memcpy(want + 500 + a, src + a, n);
            ASSERT_OK(mmf_get_slice(&m, 0, 1, LEN, got));
            ASSERT_MEM_EQ(got, want, LEN);
        }
    }
    for (size_t n = 1; n <= 70; n++) {
        for (size_t d = 0; d < 5; d++) {
            ASSERT_OK(mmf_move(&m, 100 + d, 100, n));
            memmove(want + 100 + d, want + 100, n);
            ASSERT_OK(mmf_move(&m, 300, 300 + d, n));
            memmove(want + 300, want + 300 + d, n);
        }
    }
    ASSERT_OK(mmf_get_slice(&m, 0, 1, LEN, got));
    ASSERT_MEM_EQ(got, want, LEN);
    ASSERT_OK(mmf_close(&m));
}

static void
readline_over_a_long_line(void **state)
{
    size_t len = 3 * PAGE + 17, n = 0;
    unsigned char *buf = malloc(len), *got = malloc(len);
    mmf_map m = {0};
    int fd;

    (void)state;
    memset(buf, 'a', len);
    buf[2 * PAGE + 1] = '\n';
    fd = h_make_file(buf, len, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_line_length(&m, &n));
    ASSERT_UEQ(n, 2 * PAGE + 2);
    ASSERT_OK(mmf_readline(&m, got, len, &n));
    ASSERT_UEQ(n, 2 * PAGE + 2);
    ASSERT_MEM_EQ(got, buf, n);
    ASSERT_OK(mmf_line_length(&m, &n));
    ASSERT_UEQ(n, len - (2 * PAGE + 2));
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(buf);
    free(got);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(read_copies_and_advances_partial_at_end),
        H_TEST(read_past_end_after_shrink_returns_nothing),
        H_TEST(read_byte_walks_and_stops_at_end),
        H_TEST(readline_with_trailing_newline),
        H_TEST(readline_without_trailing_newline),
        H_TEST(readline_cap_shorter_than_line_cuts_it),
        H_TEST(readline_over_a_long_line),
        H_TEST(readline_alloc_gives_each_line_its_own_buffer),
        H_TEST(readline_alloc_upto_refuses_longer_lines),
        H_TEST(next_line_walks_lines_and_mixes_with_readline),
        H_TEST(line_length_every_alignment_and_length),
        H_TEST(copies_every_size_and_alignment),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("io_read", tests, h_group_setup,
                                       h_group_teardown);
}
