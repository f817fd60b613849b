/*
 * test_io.c - reading, writing, slices, move, the cursor, flush, madvise,
 * size, set_name, unreadable maps and the status strings.
 */
#include "helpers.h"

/* Open a shared read-write map of a new file holding text[0, len). */
static int
open_text(mmf_map *m, const char *text, size_t len, char *path)
{
    int fd = h_make_file(text, len, path);
    h_open_ok(m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    return fd;
}

/* An anonymous private map of len bytes holding the pattern. */
static void
open_pattern_anon(mmf_map *m, size_t len)
{
    unsigned char *buf = malloc(len);
    h_open_anon(m, len, MAP_PRIVATE);
    h_fill_pattern(buf, len, 0);
    ASSERT_OK(mmf_set_slice(m, 0, 1, len, buf));
    free(buf);
}

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
    fd = open_text(&m, "xyz", 3, NULL);
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
    fd = open_text(&m, text, sizeof text - 1, NULL);
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
    fd = open_text(&m, text, sizeof text - 1, NULL);
    expect_line(&m, "first\r\n");
    expect_line(&m, "second\rstill"); /* only \n ends a line */
    expect_line(&m, "");
    ASSERT_OK(mmf_close(&m));
    close(fd);

    /* line_length + read builds readline */
    fd = open_text(&m, "one\ntwo", 7, NULL);
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
    fd = open_text(&m, text, sizeof text - 1, NULL);
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
    fd = open_text(&m, text, LONG + 7, NULL);
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
    fd = open_text(&m, text, LONG + 8, NULL);
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
    fd = open_text(&m, text, sizeof text - 1, NULL);
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
    open_pattern_anon(&m, LEN);
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

/* ---- write -------------------------------------------------------------- */

static void
write_is_all_or_nothing(void **state)
{
    char path[PATH_MAX], got[10];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = open_text(&m, "0123456789", 10, path);
    ASSERT_OK(mmf_seek(&m, 8, 0, NULL));
    ASSERT_ST(mmf_write(&m, "abc", 3), MMF_ERANGE);
    ASSERT_UEQ(h_tell(&m), 8);
    ASSERT_ST(mmf_write(&m, "abc", SIZE_MAX), MMF_ERANGE);
    ASSERT_UEQ(h_tell(&m), 8);
    h_assert_file_is(path, "0123456789", 10);
    ASSERT_OK(mmf_write(&m, "ab", 2));
    ASSERT_UEQ(h_tell(&m), 10);
    ASSERT_OK(mmf_write(&m, "", 0)); /* at the end, nothing: fine */
    ASSERT_ST(mmf_write(&m, "z", 1), MMF_ERANGE);
    ASSERT_OK(mmf_seek(&m, 0, 0, NULL));
    ASSERT_OK(mmf_write(&m, "AB", 2));
    ASSERT_UEQ(h_tell(&m), 2);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 10, got));
    ASSERT_MEM_EQ(got, "AB234567ab", 10);
    h_assert_file_is(path, "AB234567ab", 10);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
write_past_end_after_shrink_is_erange(void **state)
{
    mmf_map m = {0};
    unsigned char b;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_seek(&m, (int64_t)(PAGE + 10), 0, NULL));
    ASSERT_OK(mmf_resize(&m, PAGE));
    ASSERT_ST(mmf_write(&m, "x", 1), MMF_ERANGE);
    ASSERT_ST(mmf_write(&m, "", 0), MMF_ERANGE); /* cursor past the end */
    ASSERT_ST(mmf_write_byte(&m, 'x'), MMF_ERANGE);
    ASSERT_ST(mmf_read_byte(&m, &b), MMF_ERANGE);
    ASSERT_UEQ(h_tell(&m), PAGE + 10);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
write_on_access_read_is_ereadonly(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file("0123456789", 10, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 1);
    ASSERT_ST(mmf_write(&m, "ab", 2), MMF_EREADONLY);
    ASSERT_ST(mmf_write(&m, "", 0), MMF_EREADONLY);
    /* the read-only check comes before the range check */
    ASSERT_ST(mmf_write(&m, "0123456789abc", 13), MMF_EREADONLY);
    ASSERT_ST(mmf_write_byte(&m, 'a'), MMF_EREADONLY);
    ASSERT_ST(mmf_set_byte(&m, 0, 'a'), MMF_EREADONLY);
    ASSERT_ST(mmf_set_byte(&m, 100, 'a'), MMF_EREADONLY);
    ASSERT_ST(mmf_set_slice(&m, 0, 1, 2, "ab"), MMF_EREADONLY);
    ASSERT_ST(mmf_set_slice(&m, 0, 0, 2, "ab"), MMF_EREADONLY);
    ASSERT_ST(mmf_move(&m, 0, 1, 2), MMF_EREADONLY);
    ASSERT_ST(mmf_move(&m, 0, 100, 2), MMF_EREADONLY);
    ASSERT_UEQ(h_tell(&m), 0);
    ASSERT_OK(mmf_seek(&m, 0, 2, NULL));
    ASSERT_ST(mmf_write_byte(&m, 'a'), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, "0123456789", 10);
    close(fd);
}

static void
write_from_inside_the_map(void **state)
{
    mmf_map m = {0};
    unsigned char *p;
    char got[16];
    int fd;

    (void)state;
    fd = open_text(&m, "0123456789abcdef", 16, NULL);
    p = h_data(&m);
    ASSERT_OK(mmf_seek(&m, 2, 0, NULL));
    ASSERT_OK(mmf_write(&m, p, 8)); /* overlapping forward */
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 16, got));
    ASSERT_MEM_EQ(got, "0101234567abcdef", 16);
    ASSERT_OK(mmf_seek(&m, 0, 0, NULL));
    ASSERT_OK(mmf_write(&m, p + 4, 10)); /* overlapping backward */
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 16, got));
    ASSERT_MEM_EQ(got, "234567abcdabcdef", 16);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
write_byte_stores_and_advances(void **state)
{
    mmf_map m = {0};
    char got[3];
    int fd;

    (void)state;
    fd = open_text(&m, "abc", 3, NULL);
    ASSERT_OK(mmf_write_byte(&m, 'X'));
    ASSERT_OK(mmf_write_byte(&m, 0));
    ASSERT_OK(mmf_write_byte(&m, 255));
    ASSERT_UEQ(h_tell(&m), 3);
    ASSERT_ST(mmf_write_byte(&m, 'Y'), MMF_ERANGE);
    ASSERT_UEQ(h_tell(&m), 3);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 3, got));
    ASSERT_MEM_EQ(got, "X\0\xff", 3);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- random access ------------------------------------------------------ */

static void
get_and_set_byte_bounds(void **state)
{
    mmf_map m = {0};
    unsigned char b = 7;

    (void)state;
    open_pattern_anon(&m, 100);
    ASSERT_OK(mmf_seek(&m, 50, 0, NULL));
    ASSERT_OK(mmf_get_byte(&m, 0, &b));
    ASSERT_EQ(b, h_pattern(0));
    ASSERT_OK(mmf_get_byte(&m, 99, &b));
    ASSERT_EQ(b, h_pattern(99));
    ASSERT_ST(mmf_get_byte(&m, 100, &b), MMF_ERANGE);
    ASSERT_ST(mmf_get_byte(&m, SIZE_MAX, &b), MMF_ERANGE);
    ASSERT_OK(mmf_set_byte(&m, 99, 0xEE));
    ASSERT_OK(mmf_get_byte(&m, 99, &b));
    ASSERT_EQ(b, 0xEE);
    ASSERT_ST(mmf_set_byte(&m, 100, 1), MMF_ERANGE);
    ASSERT_ST(mmf_set_byte(&m, SIZE_MAX, 1), MMF_ERANGE);
    ASSERT_UEQ(h_tell(&m), 50); /* the cursor never moved */
    ASSERT_OK(mmf_close(&m));
}

/* Expected gather of count bytes from the pattern. */
static void
gather_pattern(unsigned char *out, size_t start, ptrdiff_t step, size_t count)
{
    size_t k;
    for (k = 0; k < count; k++)
        out[k] = h_pattern((size_t)((ptrdiff_t)start + (ptrdiff_t)k * step));
}

static void
get_slice_with_steps(void **state)
{
    static const struct {
        size_t start;
        ptrdiff_t step;
        size_t count;
    } cases[] = {
        {3, 1, 5},     {0, 1, 100}, {1, 2, 4},    {0, 2, 50}, {9, -1, 10},
        {99, -1, 100}, {10, -3, 4}, {99, -3, 34}, {5, 7, 13}, {42, 0, 1},
        {99, 1, 1},    {0, 99, 2},  {99, -99, 2},
    };
    unsigned char got[128], want[128];
    mmf_map m = {0};
    size_t i;

    (void)state;
    open_pattern_anon(&m, 100);
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        memset(got, 0, sizeof got);
        ASSERT_OK(mmf_get_slice(&m, cases[i].start, cases[i].step,
                                cases[i].count, got));
        gather_pattern(want, cases[i].start, cases[i].step, cases[i].count);
        if (h_mem_diff(got, want, cases[i].count) != (size_t)-1)
            fail_msg("get_slice(start %zu, step %td, count %zu) differs",
                     cases[i].start, cases[i].step, cases[i].count);
    }
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 0, got));
    ASSERT_OK(mmf_get_slice(&m, 100, 1, 0, got)); /* empty at the end */
    ASSERT_OK(mmf_get_slice(&m, 50, 0, 0, got));
    ASSERT_UEQ(h_tell(&m), 0);
    ASSERT_OK(mmf_close(&m));
}

static void
get_slice_bounds_errors(void **state)
{
    unsigned char got[128], sentinel[128];
    mmf_map m = {0};

    (void)state;
    open_pattern_anon(&m, 100);
    memset(got, 0x5A, sizeof got);
    memcpy(sentinel, got, sizeof got);
    ASSERT_ST(mmf_get_slice(&m, 0, 1, 101, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, 100, 1, 1, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, 99, 1, 2, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, 1, 2, 51, got), MMF_ERANGE);  /* to 101 */
    ASSERT_ST(mmf_get_slice(&m, 10, -3, 5, got), MMF_ERANGE); /* to -2 */
    ASSERT_ST(mmf_get_slice(&m, 5, -1, 7, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, SIZE_MAX, 1, 1, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, 1, 1, SIZE_MAX, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, 0, PTRDIFF_MAX, 2, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, 99, PTRDIFF_MIN, 2, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, 50, PTRDIFF_MAX / 2, 3, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, 0, 2, SIZE_MAX / 2, got), MMF_ERANGE);
    ASSERT_ST(mmf_get_slice(&m, 10, 0, 2, got), MMF_EINVAL);
    ASSERT_MEM_EQ(got, sentinel, sizeof got); /* nothing copied */
    ASSERT_OK(mmf_close(&m));
}

static void
set_slice_with_steps(void **state)
{
    static const struct {
        size_t start;
        ptrdiff_t step;
        size_t count;
    } cases[] = {
        {3, 1, 5},    {1, 2, 4},   {9, -1, 10}, {10, -3, 4},
        {99, -3, 34}, {0, 1, 100}, {42, 0, 1},  {5, 7, 13},
    };
    unsigned char model[100], got[100], src[100];
    mmf_map m = {0};
    size_t i, k;

    (void)state;
    h_open_anon(&m, 100, MAP_PRIVATE);
    memset(model, 0, sizeof model);
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        for (k = 0; k < cases[i].count; k++)
            src[k] = (unsigned char)(i * 31 + k + 1);
        ASSERT_OK(mmf_set_slice(&m, cases[i].start, cases[i].step,
                                cases[i].count, src));
        for (k = 0; k < cases[i].count; k++)
            model[(ptrdiff_t)cases[i].start + (ptrdiff_t)k * cases[i].step] =
                src[k];
        ASSERT_OK(mmf_get_slice(&m, 0, 1, 100, got));
        if (h_mem_diff(got, model, 100) != (size_t)-1)
            fail_msg("set_slice(start %zu, step %td, count %zu): map "
                     "differs at %zu",
                     cases[i].start, cases[i].step, cases[i].count,
                     h_mem_diff(got, model, 100));
    }
    ASSERT_OK(mmf_set_slice(&m, 100, 1, 0, src));
    ASSERT_UEQ(h_tell(&m), 0);
    ASSERT_OK(mmf_close(&m));
}

static void
set_slice_bounds_errors_change_nothing(void **state)
{
    unsigned char before[100], after[100], src[128];
    mmf_map m = {0};

    (void)state;
    open_pattern_anon(&m, 100);
    memset(src, 0xCC, sizeof src);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 100, before));
    ASSERT_ST(mmf_set_slice(&m, 0, 1, 101, src), MMF_ERANGE);
    ASSERT_ST(mmf_set_slice(&m, 99, 1, 2, src), MMF_ERANGE);
    ASSERT_ST(mmf_set_slice(&m, 1, 2, 51, src), MMF_ERANGE);
    ASSERT_ST(mmf_set_slice(&m, 10, -3, 5, src), MMF_ERANGE);
    ASSERT_ST(mmf_set_slice(&m, SIZE_MAX, -1, 1, src), MMF_ERANGE);
    ASSERT_ST(mmf_set_slice(&m, 0, PTRDIFF_MAX, 2, src), MMF_ERANGE);
    ASSERT_ST(mmf_set_slice(&m, 99, PTRDIFF_MIN, 2, src), MMF_ERANGE);
    ASSERT_ST(mmf_set_slice(&m, 0, 3, SIZE_MAX / 2, src), MMF_ERANGE);
    ASSERT_ST(mmf_set_slice(&m, 0, 0, 2, src), MMF_EINVAL);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 100, after));
    ASSERT_MEM_EQ(after, before, 100);
    ASSERT_OK(mmf_close(&m));
}

static void
set_slice_from_inside_the_map(void **state)
{
    unsigned char model[64], got[64], snap[64];
    mmf_map m = {0};
    unsigned char *p;
    size_t k;

    (void)state;
    open_pattern_anon(&m, 64);
    p = h_data(&m);

    /* step 1, overlapping: memmove semantics */
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 64, snap));
    ASSERT_OK(mmf_set_slice(&m, 1, 1, 63, p));
    memcpy(model, snap, 64);
    memmove(model + 1, snap, 63);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 64, got));
    ASSERT_MEM_EQ(got, model, 64);

    /* reverse the map in place */
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 64, snap));
    ASSERT_OK(mmf_set_slice(&m, 63, -1, 64, p));
    for (k = 0; k < 64; k++)
        model[63 - k] = snap[k];
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 64, got));
    ASSERT_MEM_EQ(got, model, 64);

    /* strided, overlapping its own source */
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 64, snap));
    ASSERT_OK(mmf_set_slice(&m, 1, 2, 20, p));
    memcpy(model, snap, 64);
    for (k = 0; k < 20; k++)
        model[1 + 2 * k] = snap[k];
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 64, got));
    ASSERT_MEM_EQ(got, model, 64);
    ASSERT_OK(mmf_close(&m));
}

/* ---- move --------------------------------------------------------------- */

static void
move_overlapping_both_directions(void **state)
{
    mmf_map m = {0};
    char got[10];
    int fd;

    (void)state;
    fd = open_text(&m, "0123456789", 10, NULL);
    ASSERT_OK(mmf_seek(&m, 7, 0, NULL));
    ASSERT_OK(mmf_move(&m, 2, 0, 5)); /* forward overlap */
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 10, got));
    ASSERT_MEM_EQ(got, "0101234789", 10);
    ASSERT_OK(mmf_move(&m, 0, 3, 7)); /* backward overlap */
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 10, got));
    ASSERT_MEM_EQ(got, "1234789789", 10);
    ASSERT_OK(mmf_move(&m, 0, 9, 1));
    ASSERT_OK(mmf_move(&m, 4, 4, 6)); /* onto itself */
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 10, got));
    ASSERT_MEM_EQ(got, "9234789789", 10);
    ASSERT_UEQ(h_tell(&m), 7);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
move_bounds(void **state)
{
    mmf_map m = {0};
    char got[10];
    int fd;

    (void)state;
    fd = open_text(&m, "0123456789", 10, NULL);
    ASSERT_OK(mmf_move(&m, 10, 10, 0)); /* count 0 at the length */
    ASSERT_OK(mmf_move(&m, 0, 10, 0));
    ASSERT_OK(mmf_move(&m, 10, 0, 0));
    ASSERT_OK(mmf_move(&m, 0, 0, 10));
    ASSERT_ST(mmf_move(&m, 11, 0, 0), MMF_ERANGE);
    ASSERT_ST(mmf_move(&m, 0, 11, 0), MMF_ERANGE);
    ASSERT_ST(mmf_move(&m, 0, 0, 11), MMF_ERANGE);
    ASSERT_ST(mmf_move(&m, 1, 0, 10), MMF_ERANGE);
    ASSERT_ST(mmf_move(&m, 0, 9, 2), MMF_ERANGE);
    ASSERT_ST(mmf_move(&m, SIZE_MAX, 0, 1), MMF_ERANGE);
    ASSERT_ST(mmf_move(&m, 0, SIZE_MAX, 1), MMF_ERANGE);
    ASSERT_ST(mmf_move(&m, 5, 0, SIZE_MAX), MMF_ERANGE);
    ASSERT_ST(mmf_move(&m, 2, 2, SIZE_MAX - 1), MMF_ERANGE);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 10, got));
    ASSERT_MEM_EQ(got, "0123456789", 10);
    ASSERT_OK(mmf_close(&m));
    close(fd);

    /* count 0 is allowed on a 1-byte map */
    fd = open_text(&m, "x", 1, NULL);
    ASSERT_OK(mmf_move(&m, 0, 0, 0));
    ASSERT_OK(mmf_move(&m, 1, 1, 0));
    ASSERT_OK(mmf_move(&m, 0, 0, 1));
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- the cursor --------------------------------------------------------- */

static void
expect_seek(mmf_map *m, int64_t off, int whence, size_t want)
{
    size_t got = 12345;
    mmf_status st = mmf_seek(m, off, whence, &got);
    if (st != MMF_OK)
        fail_msg("seek(%lld, %d) returned %s", (long long)off, whence,
                 mmf_status_name(st));
    ASSERT_UEQ(got, want);
    ASSERT_UEQ(h_tell(m), want);
}

static void
expect_seek_fails(mmf_map *m, int64_t off, int whence, mmf_status want)
{
    size_t before = h_tell(m), got = 12345;
    mmf_status st = mmf_seek(m, off, whence, &got);
    if (st != want)
        fail_msg("seek(%lld, %d) from %zu returned %s, expected %s",
                 (long long)off, whence, before, mmf_status_name(st),
                 mmf_status_name(want));
    ASSERT_UEQ(h_tell(m), before);
}

static void
seek_with_every_whence(void **state)
{
    mmf_map m = {0};

    (void)state;
    h_open_anon(&m, 100, MAP_PRIVATE);
    expect_seek(&m, 10, 0, 10);
    expect_seek(&m, 5, 1, 15);
    expect_seek(&m, -5, 1, 10);
    expect_seek(&m, 0, 1, 10);
    expect_seek(&m, -1, 2, 99);
    expect_seek(&m, 0, 2, 100); /* the length itself is allowed */
    expect_seek(&m, 100, 0, 100);
    expect_seek(&m, -100, 2, 0);
    expect_seek(&m, 0, 0, 0);
    expect_seek(&m, 100, 1, 100);
    ASSERT_OK(mmf_seek(&m, 3, 0, NULL)); /* newpos may be NULL */
    ASSERT_UEQ(h_tell(&m), 3);
    ASSERT_OK(mmf_close(&m));
}

static void
seek_errors_leave_the_cursor(void **state)
{
    mmf_map m = {0};

    (void)state;
    h_open_anon(&m, 100, MAP_PRIVATE);
    expect_seek(&m, 1, 0, 1);
    expect_seek_fails(&m, 101, 0, MMF_ERANGE);
    expect_seek_fails(&m, -1, 0, MMF_ERANGE);
    expect_seek_fails(&m, -2, 1, MMF_ERANGE);
    expect_seek_fails(&m, 100, 1, MMF_ERANGE);
    expect_seek_fails(&m, 1, 2, MMF_ERANGE);
    expect_seek_fails(&m, -101, 2, MMF_ERANGE);
    expect_seek_fails(&m, 0, 3, MMF_EINVAL);
    expect_seek_fails(&m, 0, -1, MMF_EINVAL);
    expect_seek_fails(&m, 1000, 3, MMF_EINVAL);
    expect_seek_fails(&m, 0, INT_MAX, MMF_EINVAL);
    /* overflow */
    expect_seek_fails(&m, INT64_MAX, 0, MMF_ERANGE);
    expect_seek_fails(&m, INT64_MAX, 1, MMF_ERANGE);
    expect_seek_fails(&m, INT64_MAX, 2, MMF_ERANGE);
    expect_seek_fails(&m, INT64_MIN, 0, MMF_ERANGE);
    expect_seek_fails(&m, INT64_MIN, 1, MMF_ERANGE);
    expect_seek_fails(&m, INT64_MIN, 2, MMF_ERANGE);
    expect_seek_fails(&m, INT64_MAX - 50, 2, MMF_ERANGE);
    expect_seek_fails(&m, INT64_MIN + 50, 2, MMF_ERANGE);
    ASSERT_UEQ(h_tell(&m), 1);
    ASSERT_OK(mmf_close(&m));
}

static void
seek_relative_when_cursor_past_end(void **state)
{
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, 3 * PAGE, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    expect_seek(&m, (int64_t)(3 * PAGE), 0, 3 * PAGE);
    ASSERT_OK(mmf_resize(&m, PAGE));
    expect_seek_fails(&m, 0, 1, MMF_ERANGE); /* target = pos > length */
    expect_seek(&m, -(int64_t)(2 * PAGE), 1, PAGE);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
tell_and_remaining(void **state)
{
    mmf_map m = {0};
    size_t n = 7;

    (void)state;
    h_open_anon(&m, 10, MAP_PRIVATE);
    ASSERT_UEQ(h_tell(&m), 0);
    ASSERT_OK(mmf_remaining(&m, &n));
    ASSERT_UEQ(n, 10);
    ASSERT_OK(mmf_seek(&m, 4, 0, NULL));
    ASSERT_OK(mmf_remaining(&m, &n));
    ASSERT_UEQ(n, 6);
    ASSERT_OK(mmf_seek(&m, 0, 2, NULL));
    ASSERT_OK(mmf_remaining(&m, &n));
    ASSERT_UEQ(n, 0);
    ASSERT_OK(mmf_len(&m, &n));
    ASSERT_UEQ(n, 10);
    ASSERT_OK(mmf_close(&m));
}

/* ---- what reaches the file ---------------------------------------------- */

static void
access_write_changes_reach_the_file(void **state)
{
    char path[PATH_MAX];
    unsigned char b;
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file("0123456789", 10, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_WRITE, 0, 1);
    ASSERT_OK(mmf_write(&m, "ab", 2));
    ASSERT_OK(mmf_write_byte(&m, 'c'));
    ASSERT_OK(mmf_set_byte(&m, 9, 'Z'));
    ASSERT_OK(mmf_set_slice(&m, 8, -2, 2, "yx"));
    ASSERT_OK(mmf_move(&m, 4, 0, 1));
    ASSERT_OK(mmf_flush(&m, 0, 10, 0));
    h_assert_file_is(path, "abc3a5x7yZ", 10);
    /* and the file's changes reach the map */
    ASSERT_EQ(pwrite(fd, "Q", 1, 1), 1);
    ASSERT_OK(mmf_get_byte(&m, 1, &b));
    ASSERT_EQ(b, 'Q');
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
access_copy_changes_stay_private(void **state)
{
    char path[PATH_MAX], got[10];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file("0123456789", 10, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 1);
    ASSERT_OK(mmf_write(&m, "ab", 2));
    ASSERT_OK(mmf_write_byte(&m, 'c'));
    ASSERT_OK(mmf_set_byte(&m, 9, 'Z'));
    ASSERT_OK(mmf_set_slice(&m, 8, -2, 2, "yx"));
    ASSERT_OK(mmf_move(&m, 4, 0, 1));
    ASSERT_OK(mmf_flush(&m, 0, 10, 0));
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 10, got));
    ASSERT_MEM_EQ(got, "abc3a5x7yZ", 10);
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, "0123456789", 10);
    close(fd);
}

/* ---- flush -------------------------------------------------------------- */

static void
flush_ranges(void **state)
{
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_WRITE, 0, 1);
    ASSERT_OK(mmf_set_byte(&m, 0, 'x'));
    ASSERT_OK(mmf_flush(&m, 0, 2 * PAGE, 0)); /* flags 0 = MS_SYNC */
    ASSERT_OK(mmf_flush(&m, 0, 2 * PAGE, MS_SYNC));
    ASSERT_OK(mmf_flush(&m, PAGE, PAGE, MS_ASYNC));
    ASSERT_OK(mmf_flush(&m, 0, 0, 0));
    ASSERT_OK(mmf_flush(&m, PAGE, 10, MS_INVALIDATE));
    ASSERT_OK(mmf_flush(&m, 2 * PAGE, 0, 0)); /* offset == length */
    ASSERT_ST(mmf_flush(&m, 2 * PAGE + 1, 0, 0), MMF_ERANGE);
    ASSERT_ST(mmf_flush(&m, 0, 2 * PAGE + 1, 0), MMF_ERANGE);
    ASSERT_ST(mmf_flush(&m, PAGE, PAGE + 1, 0), MMF_ERANGE);
    ASSERT_ST(mmf_flush(&m, SIZE_MAX, 1, 0), MMF_ERANGE);
    ASSERT_ST(mmf_flush(&m, PAGE, SIZE_MAX, 0), MMF_ERANGE);
    ASSERT_ST(mmf_flush(&m, SIZE_MAX, SIZE_MAX, 0), MMF_ERANGE);
    /* unaligned offset: the OS refuses */
    ASSERT_ESYS(&m, mmf_flush(&m, 1, 10, 0), EINVAL, "msync");
    /* invalid flags go to the OS unchanged */
    ASSERT_ESYS(&m, mmf_flush(&m, 0, PAGE, MS_SYNC | MS_ASYNC), EINVAL,
                "msync");
    ASSERT_OK(mmf_close(&m));
    close(fd);

    /* anonymous maps can be flushed too */
    h_open_anon(&m, 3 * PAGE, MAP_SHARED);
    ASSERT_OK(mmf_flush(&m, 0, 3 * PAGE, 0));
    ASSERT_OK(mmf_close(&m));
}

static void
flush_on_read_and_copy_is_a_noop(void **state)
{
    static const mmf_access modes[] = {MMF_ACCESS_READ, MMF_ACCESS_COPY};
    mmf_map m = {0};
    size_t i;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, NULL);
    for (i = 0; i < ARRAY_LEN(modes); i++) {
        h_open_ok(&m, fd, 0, MAP_SHARED, RW, modes[i], 0, 1);
        ASSERT_OK(mmf_flush(&m, 0, 2 * PAGE, 0));
        ASSERT_OK(mmf_flush(&m, 1, 10, 0));                    /* no msync */
        ASSERT_OK(mmf_flush(&m, 0, PAGE, MS_SYNC | MS_ASYNC)); /* no msync */
        ASSERT_ST(mmf_flush(&m, 0, 2 * PAGE + 1, 0), MMF_ERANGE);
        ASSERT_ST(mmf_flush(&m, 2 * PAGE + 1, 0, 0), MMF_ERANGE);
        ASSERT_OK(mmf_close(&m));
    }
    close(fd);
}

/* ---- madvise ------------------------------------------------------------ */

static void
madvise_ranges(void **state)
{
    mmf_map m = {0};
    unsigned char b;

    (void)state;
    h_open_anon(&m, 3 * PAGE, MAP_PRIVATE);
    ASSERT_OK(mmf_madvise(&m, MADV_NORMAL, 0, 3 * PAGE));
    ASSERT_OK(mmf_madvise(&m, MADV_WILLNEED, PAGE, SIZE_MAX)); /* clamped */
    ASSERT_OK(mmf_madvise(&m, MADV_NORMAL, 0, 0)); /* 0 passed through */
    ASSERT_OK(mmf_madvise(&m, MADV_SEQUENTIAL, 2 * PAGE, 1));
    ASSERT_ST(mmf_madvise(&m, MADV_NORMAL, 3 * PAGE, 1), MMF_ERANGE);
    ASSERT_ST(mmf_madvise(&m, MADV_NORMAL, 3 * PAGE, 0), MMF_ERANGE);
    ASSERT_ST(mmf_madvise(&m, MADV_NORMAL, SIZE_MAX, 1), MMF_ERANGE);
    if (h_madvise_is_noop()) { /* the rest is the kernel's answer */
        ASSERT_OK(mmf_close(&m));
        H_SKIP("madvise is a no-op here (qemu-user): no EINVAL, no "
               "MADV_DONTNEED");
    }
    ASSERT_ESYS(&m, mmf_madvise(&m, MADV_NORMAL, 1, 10), EINVAL, "madvise");
    ASSERT_ESYS(&m, mmf_madvise(&m, 12345, 0, PAGE), EINVAL, "madvise");

    /* the clamped range really reaches the kernel: DONTNEED on a private
     * anonymous map drops the pages, which then read as zeros */
    ASSERT_OK(mmf_set_byte(&m, 0, 'a'));
    ASSERT_OK(mmf_set_byte(&m, PAGE, 'b'));
    ASSERT_OK(mmf_set_byte(&m, 3 * PAGE - 1, 'c'));
    ASSERT_OK(mmf_madvise(&m, MADV_DONTNEED, PAGE, SIZE_MAX));
    ASSERT_OK(mmf_get_byte(&m, 0, &b));
    ASSERT_EQ(b, 'a');
    ASSERT_OK(mmf_get_byte(&m, PAGE, &b));
    ASSERT_EQ(b, 0);
    ASSERT_OK(mmf_get_byte(&m, 3 * PAGE - 1, &b));
    ASSERT_EQ(b, 0);
    ASSERT_OK(mmf_close(&m));

    /* a length that is not a page multiple, clamped */
    h_open_anon(&m, PAGE + 10, MAP_PRIVATE);
    ASSERT_OK(mmf_madvise(&m, MADV_NORMAL, 0, SIZE_MAX));
    ASSERT_OK(mmf_madvise(&m, MADV_NORMAL, PAGE, SIZE_MAX));
    ASSERT_ST(mmf_madvise(&m, MADV_NORMAL, PAGE + 10, SIZE_MAX), MMF_ERANGE);
    ASSERT_OK(mmf_close(&m));
}

/* ---- size --------------------------------------------------------------- */

static void
size_of_file_and_anonymous_maps(void **state)
{
    mmf_map m = {0};
    uint64_t size = 0;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 3 * PAGE + 5, NULL);
    h_open_ok(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, (int64_t)PAGE,
              1);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 3 * PAGE + 5); /* the file, not the map */
    ASSERT_UEQ(h_len(&m), PAGE);
    /* the file grows under the map */
    ASSERT_EQ(ftruncate(fd, (off_t)(7 * PAGE)), 0);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 7 * PAGE);
    ASSERT_EQ(pwrite(fd, "x", 1, (off_t)(9 * PAGE)), 1);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 9 * PAGE + 1);
    ASSERT_UEQ(h_len(&m), PAGE);
    ASSERT_OK(mmf_close(&m));

    /* read-only and copy maps with a private fd report it too */
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 1);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 9 * PAGE + 1);
    ASSERT_OK(mmf_close(&m));

    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 0);
    ASSERT_ST(mmf_size(&m, &size), MMF_ENOTRACK);
    ASSERT_OK(mmf_close(&m));
    close(fd);

    h_open_anon(&m, 5 * PAGE + 3, MAP_SHARED);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 5 * PAGE + 3);
    ASSERT_OK(mmf_close(&m));

    ASSERT_ST(mmf_open(&m, MMF_ANONYMOUS, PAGE, MAP_PRIVATE, RW,
                       MMF_ACCESS_DEFAULT, 0, 0),
              MMF_OK);
    ASSERT_ST(mmf_size(&m, &size), MMF_ENOTRACK);
    ASSERT_OK(mmf_close(&m));
}

/* ---- set_name ----------------------------------------------------------- */

static void
set_name_on_anonymous_map(void **state)
{
    char name79[80], name80[81];
    mmf_map m = {0};
    mmf_status st;

    (void)state;
    memset(name79, 'n', 79);
    name79[79] = '\0';
    memset(name80, 'n', 80);
    name80[80] = '\0';

    h_open_anon(&m, 2 * PAGE, MAP_PRIVATE);
    st = mmf_set_name(&m, "mmf-test-name");
    if (st == MMF_OK) {
        ASSERT_TRUE(h_maps_contain("[anon:mmf-test-name]"));
    } else {
        ASSERT_ST(st, MMF_ESYS);
        ASSERT_EQ(mmf_syserr(&m), EINVAL); /* no CONFIG_ANON_VMA_NAME */
        h_note("set_name: kernel without CONFIG_ANON_VMA_NAME (EINVAL)");
    }
    st = mmf_set_name(&m, name79);
    if (st != MMF_OK) {
        ASSERT_ST(st, MMF_ESYS);
        ASSERT_EQ(mmf_syserr(&m), EINVAL);
    }
    ASSERT_ST(mmf_set_name(&m, name80), MMF_EINVAL);
    ASSERT_OK(mmf_close(&m));

    h_open_anon(&m, PAGE, MAP_SHARED);
    st = mmf_set_name(&m, "shared-name");
    if (st == MMF_OK)
        ASSERT_TRUE(h_maps_contain("[anon_shmem:shared-name]")
                    || h_maps_contain("[anon:shared-name]"));
    else
        ASSERT_ST(st, MMF_ESYS);
    ASSERT_OK(mmf_close(&m));
}

static void
overlaps_tells_views_of_the_map(void **state)
{
    mmf_map m = {0};
    unsigned char *p, other[16];
    size_t len;

    (void)state;
    h_open_anon(&m, 2 * PAGE, MAP_PRIVATE);
    ASSERT_OK(mmf_pin(&m, &p, &len));
    ASSERT_TRUE(mmf_overlaps(&m, p, 1));
    ASSERT_TRUE(mmf_overlaps(&m, p + len - 1, 1));
    ASSERT_TRUE(mmf_overlaps(&m, p - 1, 2));
    ASSERT_TRUE(!mmf_overlaps(&m, p - 1, 1));
    ASSERT_TRUE(!mmf_overlaps(&m, p + len, 8));
    ASSERT_TRUE(!mmf_overlaps(&m, p, 0));
    ASSERT_TRUE(!mmf_overlaps(&m, other, sizeof(other)));
    mmf_unpin(&m);
    ASSERT_OK(mmf_close(&m));
    ASSERT_TRUE(!mmf_overlaps(&m, p, 1));
}

static void
set_name_on_file_map_is_enotanon(void **state)
{
    char name80[81];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, PAGE, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_ST(mmf_set_name(&m, "x"), MMF_ENOTANON);
    /* CPython 3.15's order: the name's length comes first */
    memset(name80, 'n', 80);
    name80[80] = '\0';
    ASSERT_ST(mmf_set_name(&m, name80), MMF_EINVAL);
    ASSERT_OK(mmf_close(&m));
    ASSERT_ST(mmf_set_name(&m, name80), MMF_EINVAL);
    ASSERT_ST(mmf_set_name(&m, "x"), MMF_ENOTANON);
    h_open_ok(&m, fd, 0, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT, 0, 0);
    ASSERT_ST(mmf_set_name(&m, "x"), MMF_ENOTANON);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- unreadable maps ---------------------------------------------------- */

static void
check_unreadable(mmf_map *m)
{
    unsigned char buf[16], b;
    size_t n;
    ptrdiff_t idx;

    ASSERT_OK(mmf_seek(m, 1, 0, NULL));
    ASSERT_ST(mmf_read(m, buf, 4, &n), MMF_ENOREAD);
    ASSERT_ST(mmf_read_byte(m, &b), MMF_ENOREAD);
    ASSERT_ST(mmf_line_length(m, &n), MMF_ENOREAD);
    ASSERT_ST(mmf_readline(m, buf, sizeof buf, &n), MMF_ENOREAD);
    ASSERT_ST(mmf_get_byte(m, 0, &b), MMF_ENOREAD);
    ASSERT_ST(mmf_get_slice(m, 0, 1, 4, buf), MMF_ENOREAD);
    ASSERT_ST(mmf_get_slice(m, 3, -1, 4, buf), MMF_ENOREAD);
    ASSERT_ST(mmf_find(m, "a", 1, 0, SIZE_MAX, &idx), MMF_ENOREAD);
    ASSERT_ST(mmf_rfind(m, "a", 1, 0, SIZE_MAX, &idx), MMF_ENOREAD);
    ASSERT_UEQ(h_tell(m), 1); /* cursor unchanged */
    /* what does not touch the bytes still works */
    ASSERT_OK(mmf_len(m, &n));
    ASSERT_OK(mmf_remaining(m, &n));
    ASSERT_OK(mmf_madvise(m, MADV_NORMAL, 0, SIZE_MAX));
}

static void
prot_none_map_reads_are_enoread(void **state)
{
    mmf_map m = {0};
    int fd;

    (void)state;
    h_open_ok(&m, MMF_ANONYMOUS, 2 * PAGE, MAP_PRIVATE, PROT_NONE,
              MMF_ACCESS_DEFAULT, 0, 1);
    check_unreadable(&m);
    /* effective access is READ */
    ASSERT_ST(mmf_write(&m, "x", 1), MMF_EREADONLY);
    ASSERT_ST(mmf_set_byte(&m, 0, 1), MMF_EREADONLY);
    ASSERT_ST(mmf_move(&m, 0, 1, 1), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));

    fd = h_make_file(NULL, PAGE, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, PROT_NONE, MMF_ACCESS_DEFAULT, 0, 1);
    check_unreadable(&m);
    ASSERT_ST(mmf_write_byte(&m, 'x'), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
exec_only_map_reads_are_enoread(void **state)
{
    mmf_map m = {0};
    mmf_status st;

    (void)state;
    st = mmf_open(&m, MMF_ANONYMOUS, PAGE, MAP_PRIVATE, PROT_EXEC,
                  MMF_ACCESS_DEFAULT, 0, 1);
    if (st == MMF_ESYS
        && (mmf_syserr(&m) == EPERM || mmf_syserr(&m) == EACCES)) {
        skip(); /* executable mappings refused by policy */
    }
    ASSERT_OK(st);
    check_unreadable(&m);
    ASSERT_ST(mmf_write(&m, "x", 1), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));
}

static void
write_only_map_is_writable(void **state)
{
    mmf_map m = {0};

    (void)state;
    if (h_write_only_unreadable())
        H_SKIP("write-only pages are unreadable here (qemu-user)");
    h_open_ok(&m, MMF_ANONYMOUS, PAGE, MAP_PRIVATE, PROT_WRITE,
              MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_write(&m, "abc", 3));
    ASSERT_OK(mmf_set_byte(&m, 10, 'z'));
    ASSERT_OK(mmf_move(&m, 20, 0, 3));
    ASSERT_UEQ(h_tell(&m), 3);
    ASSERT_OK(mmf_close(&m));
}

/* ---- pins --------------------------------------------------------------- */

static void
pin_gives_the_bytes_and_counts(void **state)
{
    unsigned char *p = NULL, *q = NULL;
    size_t len = 0;
    mmf_map m = {0};

    (void)state;
    open_pattern_anon(&m, 100);
    ASSERT_UEQ(mmf_pins(&m), 0);
    ASSERT_OK(mmf_pin(&m, &p, &len));
    ASSERT_UEQ(len, 100);
    ASSERT_TRUE(p != NULL);
    ASSERT_EQ(p[42], h_pattern(42));
    ASSERT_UEQ(mmf_pins(&m), 1);
    ASSERT_OK(mmf_pin(&m, &q, NULL));
    ASSERT_TRUE(p == q);
    ASSERT_OK(mmf_pin(&m, NULL, NULL));
    ASSERT_UEQ(mmf_pins(&m), 3);
    mmf_unpin(&m);
    mmf_unpin(&m);
    mmf_unpin(&m);
    ASSERT_UEQ(mmf_pins(&m), 0);
    mmf_unpin(&m); /* a caller bug, ignored */
    ASSERT_UEQ(mmf_pins(&m), 0);
    ASSERT_OK(mmf_close(&m));
}

/* ---- status strings ----------------------------------------------------- */

static void
status_strings_for_every_status(void **state)
{
    int count = 0;

    (void)state;
#define CHECK_STATUS_(name, value, text)                                      \
    do {                                                                      \
        ASSERT_EQ(MMF_##name, value);                                         \
        ASSERT_STR_EQ(mmf_status_name(value), "MMF_" #name);                  \
        ASSERT_STR_EQ(mmf_strerror(value), text);                             \
        count++;                                                              \
    } while (0);
    MMF_STATUS_MAP(CHECK_STATUS_)
#undef CHECK_STATUS_
    ASSERT_EQ(count, 24);
    /* the values are pinned */
    ASSERT_EQ(MMF_OK, 0);
    ASSERT_EQ(MMF_ECLOSED, -1);
    ASSERT_EQ(MMF_ERANGE, -2);
    ASSERT_EQ(MMF_EINVAL, -3);
    ASSERT_EQ(MMF_EREADONLY, -4);
    ASSERT_EQ(MMF_ENORESIZE, -5);
    ASSERT_EQ(MMF_EBUSY, -6);
    ASSERT_EQ(MMF_ENOMEM, -7);
    ASSERT_EQ(MMF_ENOTSUP, -8);
    ASSERT_EQ(MMF_ESYS, -9);
    ASSERT_EQ(MMF_EFAULT, -10);
    ASSERT_EQ(MMF_EEMPTY, -11);
    ASSERT_EQ(MMF_EOFFSET, -12);
    ASSERT_EQ(MMF_ELENGTH, -13);
    ASSERT_EQ(MMF_ENOTRACK, -14);
    ASSERT_EQ(MMF_EACCESS, -15);
    ASSERT_EQ(MMF_EACCESSFLAGS, -16);
    ASSERT_EQ(MMF_ENOREAD, -17);
    ASSERT_EQ(MMF_ENOTANON, -18);
    ASSERT_EQ(MMF_EOPTBOTH, -19);
    ASSERT_EQ(MMF_EOPTHUGETLB, -20);
    ASSERT_EQ(MMF_EOPTSHARED, -21);
    ASSERT_EQ(MMF_EMODE, -22);
    ASSERT_EQ(MMF_ENOSIZE, -23);
}

static void
status_strings_for_unknown_values(void **state)
{
    static const int unknown[] = {1,    2,     -24,     -25,
                                  -100, 12345, INT_MIN, INT_MAX};
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(unknown); i++) {
        ASSERT_STR_EQ(mmf_strerror(unknown[i]), "unknown status");
        ASSERT_STR_EQ(mmf_status_name(unknown[i]), "MMF_UNKNOWN");
    }
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
        H_TEST(write_is_all_or_nothing),
        H_TEST(write_past_end_after_shrink_is_erange),
        H_TEST(write_on_access_read_is_ereadonly),
        H_TEST(write_from_inside_the_map),
        H_TEST(write_byte_stores_and_advances),
        H_TEST(get_and_set_byte_bounds),
        H_TEST(get_slice_with_steps),
        H_TEST(get_slice_bounds_errors),
        H_TEST(set_slice_with_steps),
        H_TEST(set_slice_bounds_errors_change_nothing),
        H_TEST(set_slice_from_inside_the_map),
        H_TEST(move_overlapping_both_directions),
        H_TEST(move_bounds),
        H_TEST(seek_with_every_whence),
        H_TEST(seek_errors_leave_the_cursor),
        H_TEST(seek_relative_when_cursor_past_end),
        H_TEST(tell_and_remaining),
        H_TEST(access_write_changes_reach_the_file),
        H_TEST(access_copy_changes_stay_private),
        H_TEST(flush_ranges),
        H_TEST(flush_on_read_and_copy_is_a_noop),
        H_TEST(madvise_ranges),
        H_TEST(size_of_file_and_anonymous_maps),
        H_TEST(set_name_on_anonymous_map),
        H_TEST(set_name_on_file_map_is_enotanon),
        H_TEST(overlaps_tells_views_of_the_map),
        H_TEST(prot_none_map_reads_are_enoread),
        H_TEST(exec_only_map_reads_are_enoread),
        H_TEST(write_only_map_is_writable),
        H_TEST(pin_gives_the_bytes_and_counts),
        H_TEST(status_strings_for_every_status),
        H_TEST(status_strings_for_unknown_values),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("io", tests, h_group_setup,
                                       h_group_teardown);
}
