/*
 * test_open_basics.c - mmf_open() on files and anonymous memory: the page
 * size, whole files, lengths and offsets, anonymous maps, and block
 * devices, whose size comes from the device.
 */
#include "helpers.h"

#include "posix/sys.h"

/* ---- basics ------------------------------------------------------------- */

static void
pagesize_and_granularity(void **state)
{
    (void)state;
    ASSERT_UEQ(mmf_pagesize(), (size_t)sysconf(_SC_PAGESIZE));
    ASSERT_UEQ(mmf_granularity(), mmf_pagesize());
}

static void
guard_install_is_idempotent(void **state)
{
    int err = -1;

    (void)state;
    ASSERT_OK(mmf_guard_install(&err));
    ASSERT_OK(mmf_guard_install(NULL));
    ASSERT_OK(mmf_guard_install(&err));
}

static void
open_whole_file_with_length_zero(void **state)
{
    size_t n = 3 * PAGE + 100;
    unsigned char *want = malloc(n), *got = malloc(n);
    mmf_map m = {0};
    uint64_t size = 0;
    int fd;

    (void)state;
    h_fill_pattern(want, n, 0);
    fd = h_make_file(want, n, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_EQ(mmf_closed(&m), 0);
    ASSERT_UEQ(h_len(&m), n);
    ASSERT_UEQ(h_tell(&m), 0);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, n);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, n, got));
    ASSERT_MEM_EQ(got, want, n);
    ASSERT_UEQ(mmf_pins(&m), 0);
    ASSERT_EQ(mmf_syserr(&m), 0);
    ASSERT_TRUE(mmf_sysfunc(&m) == NULL);
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(mmf_closed(&m), 1);
    close(fd);
    free(want);
    free(got);
}

static void
open_file_with_partial_length(void **state)
{
    mmf_map m = {0};
    unsigned char got[10], want[10];
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, NULL);
    h_open_ok(&m, fd, 10, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_UEQ(h_len(&m), 10);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 10, got));
    h_fill_pattern(want, 10, 0);
    ASSERT_MEM_EQ(got, want, 10);
    ASSERT_ST(mmf_get_byte(&m, 10, got), MMF_ERANGE);
    ASSERT_OK(mmf_close(&m));

    /* the whole file, given explicitly */
    h_open_ok(&m, fd, 2 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_UEQ(h_len(&m), 2 * PAGE);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
open_file_with_offset(void **state)
{
    size_t n = 3 * PAGE + 77;
    unsigned char *want = malloc(n), *got = malloc(n);
    mmf_map m = {0};
    uint64_t size;
    int fd;

    (void)state;
    h_fill_pattern(want, n, 0);
    fd = h_make_file(want, n, NULL);

    /* length 0: from the offset to the end */
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, (int64_t)PAGE, 1);
    ASSERT_UEQ(h_len(&m), n - PAGE);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, n - PAGE, got));
    ASSERT_MEM_EQ(got, want + PAGE, n - PAGE);
    ASSERT_OK(mmf_size(&m, &size)); /* the file's size, not the map's */
    ASSERT_UEQ(size, n);
    ASSERT_OK(mmf_close(&m));

    /* a window in the middle */
    h_open_ok(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
              (int64_t)(2 * PAGE), 1);
    ASSERT_UEQ(h_len(&m), PAGE);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, PAGE, got));
    ASSERT_MEM_EQ(got, want + 2 * PAGE, PAGE);
    ASSERT_OK(mmf_close(&m));

    /* up to the very last byte */
    h_open_ok(&m, fd, n - 3 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
              (int64_t)(3 * PAGE), 1);
    ASSERT_UEQ(h_len(&m), 77);
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 77, got));
    ASSERT_MEM_EQ(got, want + 3 * PAGE, 77);
    ASSERT_OK(mmf_close(&m));

    close(fd);
    free(want);
    free(got);
}

static void
open_unaligned_offset_is_esys_einval(void **state)
{
    mmf_map m = {0};
    int fd, nfds;

    (void)state;
    fd = h_make_file(NULL, 3 * PAGE, NULL);
    nfds = h_count_fds();
    ASSERT_ESYS(&m,
                mmf_open(&m, fd, 10, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 1, 1),
                EINVAL, "mmap");
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_EQ(h_count_fds(), nfds);
    ASSERT_ESYS(&m,
                mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                         (int64_t)PAGE / 2, 0),
                EINVAL, NULL);
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_EQ(h_count_fds(), nfds);
    ASSERT_EQ(h_count_tmp_maps(), 0);
    /* the object can be opened after a failure */
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- anonymous memory --------------------------------------------------- */

static void
open_anonymous_shared_and_private(void **state)
{
    static const int flags[] = {MAP_SHARED, MAP_PRIVATE};
    size_t i, k;

    (void)state;
    for (i = 0; i < ARRAY_LEN(flags); i++) {
        int track;
        for (track = 0; track <= 1; track++) {
            mmf_map m = {0};
            unsigned char *buf = malloc(3 * PAGE);
            uint64_t size = 0;
            int nfds = h_count_fds();

            h_open_ok(&m, MMF_ANONYMOUS, 3 * PAGE, flags[i], RW,
                      MMF_ACCESS_DEFAULT, 0, track);
            ASSERT_EQ(h_count_fds(), nfds); /* anonymous maps keep no fd */
            ASSERT_UEQ(h_len(&m), 3 * PAGE);
            ASSERT_OK(mmf_get_slice(&m, 0, 1, 3 * PAGE, buf));
            for (k = 0; k < 3 * PAGE; k++)
                if (buf[k] != 0)
                    fail_msg("anonymous byte %zu is %d", k, buf[k]);
            ASSERT_OK(mmf_write(&m, "abc", 3));
            ASSERT_OK(mmf_get_slice(&m, 0, 1, 3, buf));
            ASSERT_MEM_EQ(buf, "abc", 3);
            if (track) {
                ASSERT_OK(mmf_size(&m, &size));
                ASSERT_UEQ(size, 3 * PAGE);
            } else {
                ASSERT_ST(mmf_size(&m, &size), MMF_ENOTRACK);
            }
            ASSERT_OK(mmf_close(&m));
            ASSERT_EQ(h_count_fds(), nfds);
            free(buf);
        }
    }
}

static void
open_anonymous_unaligned_length(void **state)
{
    mmf_map m = {0};
    unsigned char b = 1;

    (void)state;
    h_open_anon(&m, 10, MAP_SHARED);
    ASSERT_UEQ(h_len(&m), 10);
    ASSERT_OK(mmf_get_byte(&m, 9, &b));
    ASSERT_EQ(b, 0);
    ASSERT_ST(mmf_get_byte(&m, 10, &b), MMF_ERANGE);
    ASSERT_OK(mmf_close(&m));
}

static void
open_anonymous_length_zero_is_esys_einval(void **state)
{
    mmf_map m = {0};

    (void)state;
    ASSERT_ESYS(&m,
                mmf_open(&m, MMF_ANONYMOUS, 0, MAP_SHARED, RW,
                         MMF_ACCESS_DEFAULT, 0, 1),
                EINVAL, "mmap");
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_ESYS(&m,
                mmf_open(&m, MMF_ANONYMOUS, 0, MAP_PRIVATE, RW,
                         MMF_ACCESS_DEFAULT, 0, 0),
                EINVAL, NULL);
    ASSERT_EQ(mmf_closed(&m), 1);
}

static void
open_anonymous_huge_length_is_esys(void **state)
{
    mmf_map m = {0};
    mmf_status st;

    (void)state;
    st = mmf_open(&m, MMF_ANONYMOUS, H_BEYOND_ADDRESS_SPACE, MAP_PRIVATE, RW,
                  MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_ST(st, MMF_ESYS);
    /* ENOMEM from Linux; valgrind's mmap says EINVAL */
    ASSERT_TRUE(mmf_syserr(&m) == ENOMEM || mmf_syserr(&m) == EINVAL);
    ASSERT_EQ(mmf_closed(&m), 1);
    st = mmf_open(&m, MMF_ANONYMOUS, SIZE_MAX, MAP_SHARED, RW,
                  MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_ST(st, MMF_ESYS);
    ASSERT_EQ(mmf_closed(&m), 1);
}

/* ---- block devices (gh-119817, H-13) ---------------------------------------
 * A block device has no st_size: its size comes from the device. Faked
 * here through the system call table (a regular file that fstat reports as
 * a block device of 2 pages); tests/py/test_hostile_sys.py maps a real loop
 * device when run as root. */

static int fake_blk_rc;

static int
fake_blk_fstat(int fd, struct stat *st)
{
    int rc = mmf__sys_default.fstat(fd, st);
    if (rc == 0) {
        st->st_mode = (st->st_mode & ~(mode_t)S_IFMT) | S_IFBLK;
        st->st_size = 0;
    }
    return rc;
}

static int
fake_blk_size(int fd, uint64_t *size)
{
    (void)fd;
    if (fake_blk_rc != 0) {
        errno = ENOTTY;
        return -1;
    }
    *size = 2 * PAGE;
    return 0;
}

static void
block_device_size_comes_from_the_device(void **state)
{
    mmf_map m = {0};
    uint64_t size = 0;
    int fd = h_make_file(NULL, 4 * PAGE, NULL);

    (void)state;
    mmf__sys.fstat = fake_blk_fstat;
    mmf__sys.blkdev_size = fake_blk_size;
    fake_blk_rc = 0;
    /* length 0: the whole device */
    ASSERT_OK(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1));
    ASSERT_UEQ(h_len(&m), 2 * PAGE);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 2 * PAGE);
    ASSERT_OK(mmf_close(&m));
    /* past the end of the device, or from its end */
    ASSERT_ST(
        mmf_open(&m, fd, 3 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
        MMF_ELENGTH);
    ASSERT_ST(mmf_open(&m, fd, 2 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)PAGE, 1),
              MMF_ELENGTH);
    ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)(2 * PAGE), 1),
              MMF_EOFFSET);
    ASSERT_TRUE(mmf_closed(&m));
    /* a device that cannot tell its size: not checked, as before */
    fake_blk_rc = 1;
    ASSERT_OK(
        mmf_open(&m, fd, 3 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1));
    ASSERT_OK(mmf_close(&m));
    mmf__sys = mmf__sys_default;
    close(fd);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(pagesize_and_granularity),
        H_TEST(guard_install_is_idempotent),
        H_TEST(open_whole_file_with_length_zero),
        H_TEST(open_file_with_partial_length),
        H_TEST(open_file_with_offset),
        H_TEST(block_device_size_comes_from_the_device),
        H_TEST(open_unaligned_offset_is_esys_einval),
        H_TEST(open_anonymous_shared_and_private),
        H_TEST(open_anonymous_unaligned_length),
        H_TEST(open_anonymous_length_zero_is_esys_einval),
        H_TEST(open_anonymous_huge_length_is_esys),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("open_basics", tests, h_group_setup,
                                       h_group_teardown);
}
