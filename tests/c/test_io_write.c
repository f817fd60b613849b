/*
 * test_io_write.c - writing: write, write_byte, what reaches the file for
 * each access mode, and flush.
 */
#include "helpers.h"
/* ---- write -------------------------------------------------------------- */

static void
write_is_all_or_nothing(void **state)
{
    char path[PATH_MAX], got[10];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_open_text(&m, "0123456789", 10, path);
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
    fd = h_open_text(&m, "0123456789abcdef", 16, NULL);
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
    fd = h_open_text(&m, "abc", 3, NULL);
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

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(write_is_all_or_nothing),
        H_TEST(write_past_end_after_shrink_is_erange),
        H_TEST(write_on_access_read_is_ereadonly),
        H_TEST(write_from_inside_the_map),
        H_TEST(write_byte_stores_and_advances),
        H_TEST(access_write_changes_reach_the_file),
        H_TEST(access_copy_changes_stay_private),
        H_TEST(flush_ranges),
        H_TEST(flush_on_read_and_copy_is_a_noop),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("io_write", tests, h_group_setup,
                                       h_group_teardown);
}
