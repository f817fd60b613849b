/*
 * test_io_items.c - random access (get/set byte, slices with steps), move,
 * and the cursor (seek, tell, remaining).
 */
#include "helpers.h"
/* ---- random access ------------------------------------------------------ */

static void
get_and_set_byte_bounds(void **state)
{
    mmf_map m = {0};
    unsigned char b = 7;

    (void)state;
    h_open_pattern_anon(&m, 100);
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
    h_open_pattern_anon(&m, 100);
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
    h_open_pattern_anon(&m, 100);
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
    h_open_pattern_anon(&m, 100);
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
    h_open_pattern_anon(&m, 64);
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
    fd = h_open_text(&m, "0123456789", 10, NULL);
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
    fd = h_open_text(&m, "0123456789", 10, NULL);
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
    fd = h_open_text(&m, "x", 1, NULL);
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

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
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
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("io_items", tests, h_group_setup,
                                       h_group_teardown);
}
