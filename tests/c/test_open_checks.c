/*
 * test_open_checks.c - mmf_open()'s validation, status by status, and the
 * order of its checks: offsets, access values, empty files, bad and
 * read-only or write-only descriptors, files that are not regular.
 */
#include "helpers.h"

#include <sys/socket.h>

/* ---- validation, status by status, and their order ---------------------- */

static void
open_negative_offset_is_einval_first(void **state)
{
    mmf_map m = {0};
    int fd, empty;

    (void)state;
    fd = h_make_file(NULL, PAGE, NULL);
    empty = h_make_file("", 0, NULL);
    ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, -1, 1),
              MMF_EINVAL);
    ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       -(int64_t)PAGE, 1),
              MMF_EINVAL);
    ASSERT_ST(
        mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, INT64_MIN, 1),
        MMF_EINVAL);
    /* before the access checks and the file checks */
    ASSERT_ST(
        mmf_open(&m, fd, 0, MAP_PRIVATE, PROT_READ, MMF_ACCESS_WRITE, -1, 1),
        MMF_EINVAL);
    ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, (mmf_access)7, -1, 1),
              MMF_EINVAL);
    ASSERT_ST(
        mmf_open(&m, empty, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, -1, 1),
        MMF_EINVAL);
    ASSERT_ST(
        mmf_open(&m, 12345, 10, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, -1, 1),
        MMF_EINVAL);
    ASSERT_ST(mmf_open(&m, MMF_ANONYMOUS, PAGE, MAP_SHARED, RW,
                       MMF_ACCESS_DEFAULT, -1, 1),
              MMF_EINVAL);
    ASSERT_EQ(mmf_closed(&m), 1);
    close(fd);
    close(empty);
}

static void
open_access_with_flags_or_prot_is_eaccessflags(void **state)
{
    static const mmf_access modes[] = {MMF_ACCESS_READ, MMF_ACCESS_WRITE,
                                       MMF_ACCESS_COPY, (mmf_access)4,
                                       (mmf_access)-1};
    mmf_map m = {0};
    size_t i;
    int fd, empty;

    (void)state;
    fd = h_make_file(NULL, PAGE, NULL);
    empty = h_make_file("", 0, NULL);
    for (i = 0; i < ARRAY_LEN(modes); i++) {
        mmf_access a = modes[i];
        ASSERT_ST(mmf_open(&m, fd, 0, MAP_PRIVATE, RW, a, 0, 1),
                  MMF_EACCESSFLAGS);
        ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, PROT_READ, a, 0, 1),
                  MMF_EACCESSFLAGS);
        ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW | PROT_EXEC, a, 0, 1),
                  MMF_EACCESSFLAGS);
        ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, 0, a, 0, 1),
                  MMF_EACCESSFLAGS);
        /* before the file checks */
        ASSERT_ST(mmf_open(&m, empty, 0, MAP_PRIVATE, RW, a, 0, 1),
                  MMF_EACCESSFLAGS);
        ASSERT_ST(mmf_open(&m, MMF_ANONYMOUS, PAGE, MAP_PRIVATE, RW, a, 0, 1),
                  MMF_EACCESSFLAGS);
        ASSERT_EQ(mmf_closed(&m), 1);
    }
    /* the default values given together with an access are fine */
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 1);
    ASSERT_OK(mmf_close(&m));
    close(fd);
    close(empty);
}

static void
open_invalid_access_is_eaccess(void **state)
{
    static const int bad[] = {4, 5, -1, 100, INT_MIN, INT_MAX};
    mmf_map m = {0};
    size_t i;
    int fd, empty;

    (void)state;
    fd = h_make_file(NULL, PAGE, NULL);
    empty = h_make_file("", 0, NULL);
    for (i = 0; i < ARRAY_LEN(bad); i++) {
        mmf_access a = (mmf_access)bad[i];
        ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, a, 0, 1), MMF_EACCESS);
        ASSERT_ST(mmf_open(&m, empty, 0, MAP_SHARED, RW, a, 0, 1),
                  MMF_EACCESS);
        ASSERT_ST(mmf_open(&m, fd, 100 * PAGE, MAP_SHARED, RW, a, 0, 1),
                  MMF_EACCESS);
        ASSERT_ST(mmf_open(&m, MMF_ANONYMOUS, PAGE, MAP_SHARED, RW, a, 0, 1),
                  MMF_EACCESS);
        ASSERT_EQ(mmf_closed(&m), 1);
    }
    close(fd);
    close(empty);
}

static void
open_empty_file_is_eempty(void **state)
{
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file("", 0, NULL);
    ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
              MMF_EEMPTY);
    ASSERT_ST(mmf_open(&m, fd, 0, 0, 0, MMF_ACCESS_READ, 0, 1),
              MMF_EACCESSFLAGS);
    ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 0),
              MMF_EEMPTY);
    /* EEMPTY comes before EOFFSET */
    ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)PAGE, 1),
              MMF_EEMPTY);
    /* length > 0 on an empty file is a length error, not EEMPTY */
    ASSERT_ST(mmf_open(&m, fd, 1, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
              MMF_ELENGTH);
    ASSERT_EQ(mmf_closed(&m), 1);
    close(fd);
}

static void
open_offset_past_file_is_eoffset(void **state)
{
    mmf_map m = {0};
    int fd, exact;

    (void)state;
    fd = h_make_file(NULL, 100, NULL);
    exact = h_make_file(NULL, PAGE, NULL);
    ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)PAGE, 1),
              MMF_EOFFSET);
    /* offset == file size: nothing to map */
    ASSERT_ST(mmf_open(&m, exact, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)PAGE, 1),
              MMF_EOFFSET);
    ASSERT_ST(mmf_open(&m, exact, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       INT64_MAX - (INT64_MAX % (int64_t)PAGE), 1),
              MMF_EOFFSET);
    /* EOFFSET is judged before the alignment (which only the OS checks) */
    ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 101, 1),
              MMF_EOFFSET);
    ASSERT_EQ(mmf_closed(&m), 1);
    close(fd);
    close(exact);
}

static void
open_length_past_file_is_elength(void **state)
{
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, NULL);
    ASSERT_ST(mmf_open(&m, fd, 2 * PAGE + 1, MAP_SHARED, RW,
                       MMF_ACCESS_DEFAULT, 0, 1),
              MMF_ELENGTH);
    ASSERT_ST(mmf_open(&m, fd, PAGE + 1, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)PAGE, 1),
              MMF_ELENGTH);
    ASSERT_ST(mmf_open(&m, fd, 1, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)(3 * PAGE), 1),
              MMF_ELENGTH);
    ASSERT_ST(
        mmf_open(&m, fd, SIZE_MAX, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
        MMF_ELENGTH);
    ASSERT_ST(mmf_open(&m, fd, SIZE_MAX - PAGE + 1, MAP_SHARED, RW,
                       MMF_ACCESS_DEFAULT, (int64_t)PAGE, 1),
              MMF_ELENGTH);
    ASSERT_ST(mmf_open(&m, fd, 1, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       INT64_MAX - (INT64_MAX % (int64_t)PAGE), 1),
              MMF_ELENGTH);
    /* ELENGTH before the OS's alignment error */
    ASSERT_ST(
        mmf_open(&m, fd, 2 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 1, 1),
        MMF_ELENGTH);
    /* also for a read-only mapping and without trackfd */
    ASSERT_ST(
        mmf_open(&m, fd, 3 * PAGE, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 0),
        MMF_ELENGTH);
    ASSERT_EQ(mmf_closed(&m), 1);
    /* the file was never extended */
    {
        struct stat st;
        ASSERT_EQ(fstat(fd, &st), 0);
        ASSERT_EQ(st.st_size, (off_t)(2 * PAGE));
    }
    close(fd);
}

static void
open_bad_fd_is_esys_ebadf(void **state)
{
    mmf_map m = {0};
    int nfds = h_count_fds();

    (void)state;
    ASSERT_ESYS(
        &m,
        mmf_open(&m, 12345, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
        EBADF, NULL);
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_ESYS(
        &m,
        mmf_open(&m, 12345, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 0),
        EBADF, NULL);
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_ESYS(
        &m, mmf_open(&m, -2, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
        EBADF, NULL);
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_ESYS(
        &m, mmf_open(&m, INT_MAX, PAGE, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 1),
        EBADF, NULL);
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_EQ(h_count_fds(), nfds);
}

static void
open_readonly_fd_with_shared_write_is_esys_eacces(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    int fd, ro, nfds;

    (void)state;
    fd = h_make_file(NULL, PAGE, path);
    ro = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(ro >= 0);
    nfds = h_count_fds();
    ASSERT_ESYS(&m,
                mmf_open(&m, ro, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
                EACCES, "mmap");
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_ESYS(&m,
                mmf_open(&m, ro, 0, MAP_SHARED, RW, MMF_ACCESS_WRITE, 0, 0),
                EACCES, "mmap");
    ASSERT_ESYS(
        &m,
        mmf_open(&m, ro, 0, MAP_SHARED, PROT_WRITE, MMF_ACCESS_DEFAULT, 0, 1),
        EACCES, "mmap");
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_EQ(h_count_fds(), nfds); /* the private dup did not leak */
    ASSERT_EQ(h_count_tmp_maps(), 0);
    close(ro);
    close(fd);
}

static void
open_readonly_fd_with_access_read_and_copy(void **state)
{
    char path[PATH_MAX];
    unsigned char want[64], b;
    mmf_map m = {0};
    int fd, ro;

    (void)state;
    fd = h_make_file(NULL, PAGE, path);
    ro = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(ro >= 0);

    h_open_ok(&m, ro, 0, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 1);
    ASSERT_OK(mmf_get_byte(&m, 5, &b));
    ASSERT_EQ(b, h_pattern(5));
    ASSERT_ST(mmf_write(&m, "x", 1), MMF_EREADONLY);
    ASSERT_ST(mmf_set_byte(&m, 0, 'x'), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));

    /* private read-write mapping of a read-only fd: allowed */
    h_open_ok(&m, ro, 0, MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 1);
    ASSERT_OK(mmf_write(&m, "hello", 5));
    ASSERT_OK(mmf_get_slice(&m, 0, 1, 5, want));
    ASSERT_MEM_EQ(want, "hello", 5);
    ASSERT_OK(mmf_close(&m));
    {
        unsigned char *all = malloc(PAGE);
        h_fill_pattern(all, PAGE, 0);
        h_assert_file_is(path, all, PAGE); /* never reached the file */
        free(all);
    }
    close(ro);
    close(fd);
}

static void
open_writeonly_fd_is_esys_eacces(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    int fd, wo;

    (void)state;
    fd = h_make_file(NULL, PAGE, path);
    wo = open(path, O_WRONLY | O_CLOEXEC);
    assert_true(wo >= 0);
    ASSERT_ESYS(&m,
                mmf_open(&m, wo, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
                EACCES, NULL);
    ASSERT_ESYS(&m, mmf_open(&m, wo, 0, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 1),
                EACCES, NULL);
    ASSERT_ST(mmf_open(&m, wo, 0, MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 1),
              MMF_ESYS);
    ASSERT_EQ(mmf_closed(&m), 1);
    close(wo);
    close(fd);
}

static void
open_non_regular_files(void **state)
{
    mmf_map m = {0};
    unsigned char b = 1;
    int zero, dir, p[2], nfds;

    (void)state;
    nfds = h_count_fds();
    zero = open("/dev/zero", O_RDWR | O_CLOEXEC);
    if (zero >= 0) {
        /* no size check for devices: length 0 goes to the OS */
        ASSERT_ESYS(
            &m,
            mmf_open(&m, zero, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
            EINVAL, NULL);
        ASSERT_EQ(mmf_closed(&m), 1);
        h_open_ok(&m, zero, 2 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                  1);
        ASSERT_OK(mmf_get_byte(&m, 2 * PAGE - 1, &b));
        ASSERT_EQ(b, 0);
        ASSERT_OK(mmf_close(&m));
        close(zero);
    }

    dir = open(h_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(dir >= 0);
    ASSERT_ST(mmf_open(&m, dir, PAGE, MAP_SHARED, PROT_READ,
                       MMF_ACCESS_DEFAULT, 0, 1),
              MMF_ESYS);
    ASSERT_EQ(mmf_closed(&m), 1);
    ASSERT_ST(mmf_open(&m, dir, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
              MMF_ESYS);
    close(dir);

    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    ASSERT_ST(
        mmf_open(&m, p[0], PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
        MMF_ESYS);
    ASSERT_ESYS(
        &m, mmf_open(&m, p[0], 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
        EINVAL, NULL);
    ASSERT_EQ(mmf_closed(&m), 1);
    close(p[0]);
    close(p[1]);
    ASSERT_EQ(h_count_fds(), nfds);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(open_negative_offset_is_einval_first),
        H_TEST(open_access_with_flags_or_prot_is_eaccessflags),
        H_TEST(open_invalid_access_is_eaccess),
        H_TEST(open_empty_file_is_eempty),
        H_TEST(open_offset_past_file_is_eoffset),
        H_TEST(open_length_past_file_is_elength),
        H_TEST(open_bad_fd_is_esys_ebadf),
        H_TEST(open_readonly_fd_with_shared_write_is_esys_eacces),
        H_TEST(open_readonly_fd_with_access_read_and_copy),
        H_TEST(open_writeonly_fd_is_esys_eacces),
        H_TEST(open_non_regular_files),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("open_checks", tests, h_group_setup,
                                       h_group_teardown);
}
