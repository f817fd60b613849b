/*
 * test_open.c - mmf_open() on files and anonymous memory, its validation
 * order, access resolution, trackfd, closing, closed maps and leaks.
 */
#include "helpers.h"

#include "posix/sys.h"

#include <sys/socket.h>

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

/* ---- access resolution -------------------------------------------------- */

struct access_case {
    int flags, prot, access;
    mmf_status st;
    int rflags, rprot, raccess;
};

static void
resolve_access_all_cases(void **state)
{
    const int S = MAP_SHARED, P = MAP_PRIVATE, R = PROT_READ, W = PROT_WRITE,
              X = PROT_EXEC;
    const struct access_case cases[] = {
        /* explicit modes with the default flags and prot */
        {S, R | W, MMF_ACCESS_READ, MMF_OK, S, R, MMF_ACCESS_READ},
        {S, R | W, MMF_ACCESS_WRITE, MMF_OK, S, R | W, MMF_ACCESS_WRITE},
        {S, R | W, MMF_ACCESS_COPY, MMF_OK, P, R | W, MMF_ACCESS_COPY},
        /* DEFAULT: flags kept, access from prot */
        {S, R | W, MMF_ACCESS_DEFAULT, MMF_OK, S, R | W, MMF_ACCESS_DEFAULT},
        {P, R | W, MMF_ACCESS_DEFAULT, MMF_OK, P, R | W, MMF_ACCESS_DEFAULT},
        {S, R | W | X, MMF_ACCESS_DEFAULT, MMF_OK, S, R | W | X,
         MMF_ACCESS_DEFAULT},
        {S, W, MMF_ACCESS_DEFAULT, MMF_OK, S, W, MMF_ACCESS_WRITE},
        {P, W | X, MMF_ACCESS_DEFAULT, MMF_OK, P, W | X, MMF_ACCESS_WRITE},
        {S, R, MMF_ACCESS_DEFAULT, MMF_OK, S, R, MMF_ACCESS_READ},
        {P, R, MMF_ACCESS_DEFAULT, MMF_OK, P, R, MMF_ACCESS_READ},
        {S, X, MMF_ACCESS_DEFAULT, MMF_OK, S, X, MMF_ACCESS_READ},
        {S, R | X, MMF_ACCESS_DEFAULT, MMF_OK, S, R | X, MMF_ACCESS_READ},
        {S, 0, MMF_ACCESS_DEFAULT, MMF_OK, S, 0, MMF_ACCESS_READ},
        {S | MAP_POPULATE, R | W, MMF_ACCESS_DEFAULT, MMF_OK, S | MAP_POPULATE,
         R | W, MMF_ACCESS_DEFAULT},
        /* access together with other flags or prot */
        {P, R | W, MMF_ACCESS_READ, MMF_EACCESSFLAGS, 0, 0, 0},
        {P, R | W, MMF_ACCESS_WRITE, MMF_EACCESSFLAGS, 0, 0, 0},
        {P, R | W, MMF_ACCESS_COPY, MMF_EACCESSFLAGS, 0, 0, 0},
        {S, R, MMF_ACCESS_READ, MMF_EACCESSFLAGS, 0, 0, 0},
        {S, R | W | X, MMF_ACCESS_WRITE, MMF_EACCESSFLAGS, 0, 0, 0},
        {S, W, MMF_ACCESS_COPY, MMF_EACCESSFLAGS, 0, 0, 0},
        {S | MAP_POPULATE, R | W, MMF_ACCESS_READ, MMF_EACCESSFLAGS, 0, 0, 0},
        /* an unknown access with other flags or prot: flags first */
        {P, R | W, 4, MMF_EACCESSFLAGS, 0, 0, 0},
        {S, R, -1, MMF_EACCESSFLAGS, 0, 0, 0},
        /* unknown values */
        {S, R | W, 4, MMF_EACCESS, 0, 0, 0},
        {S, R | W, -1, MMF_EACCESS, 0, 0, 0},
        {S, R | W, INT_MAX, MMF_EACCESS, 0, 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        const struct access_case *c = &cases[i];
        int flags = c->flags, prot = c->prot;
        mmf_access access = (mmf_access)c->access;
        mmf_status st = mmf_resolve_access(&flags, &prot, &access);

        if (st != c->st)
            fail_msg("case %zu (flags 0x%x, prot 0x%x, access %d): %s, "
                     "expected %s",
                     i, c->flags, c->prot, c->access, mmf_status_name(st),
                     mmf_status_name(c->st));
        if (st == MMF_OK) {
            if (flags != c->rflags || prot != c->rprot
                || (int)access != c->raccess)
                fail_msg("case %zu (flags 0x%x, prot 0x%x, access %d): "
                         "resolved to flags 0x%x prot 0x%x access %d, "
                         "expected 0x%x 0x%x %d",
                         i, c->flags, c->prot, c->access, flags, prot,
                         (int)access, c->rflags, c->rprot, c->raccess);
        } else if (flags != c->flags || prot != c->prot
                   || (int)access != c->access) {
            fail_msg("case %zu: outputs changed on failure", i);
        }
    }
}

/* The resolved access shows in behaviour: READ refuses writes, COPY does
 * not reach the file, DEFAULT with MAP_PRIVATE writes but does not reach
 * the file either. */
static void
open_effective_access_behaviour(void **state)
{
    char path[PATH_MAX];
    unsigned char *orig = malloc(PAGE);
    mmf_map m = {0};
    int fd;

    (void)state;
    h_fill_pattern(orig, PAGE, 0);
    fd = h_make_file(orig, PAGE, path);

    h_open_ok(&m, fd, 0, MAP_SHARED, PROT_READ, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_ST(mmf_write_byte(&m, 'x'), MMF_EREADONLY);
    ASSERT_ST(mmf_move(&m, 0, 1, 1), MMF_EREADONLY);
    ASSERT_ST(mmf_set_slice(&m, 0, 1, 1, "x"), MMF_EREADONLY);
    ASSERT_ST(mmf_resize(&m, 2 * PAGE), MMF_ENORESIZE);
    ASSERT_OK(mmf_close(&m));

    h_open_ok(&m, fd, 0, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_write(&m, "priv", 4));
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, orig, PAGE);

    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 1);
    ASSERT_OK(mmf_write(&m, "copy", 4));
    ASSERT_ST(mmf_resize(&m, 2 * PAGE), MMF_ENORESIZE);
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, orig, PAGE);

    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_WRITE, 0, 1);
    ASSERT_OK(mmf_write(&m, "shar", 4));
    ASSERT_OK(mmf_close(&m));
    memcpy(orig, "shar", 4);
    h_assert_file_is(path, orig, PAGE);

    close(fd);
    free(orig);
}

/* ---- trackfd ------------------------------------------------------------ */

static void
trackfd_on_keeps_a_cloexec_duplicate(void **state)
{
    int before[256], after[256], nb, na, priv, flags;
    struct stat a, b;
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, PAGE, NULL);
    nb = h_list_fds(before, 256);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    na = h_list_fds(after, 256);
    ASSERT_EQ(na, nb + 1);
    priv = h_new_fd(before, nb, after, na);
    ASSERT_TRUE(priv >= 0);
    ASSERT_TRUE(priv != fd);
    flags = fcntl(priv, F_GETFD);
    ASSERT_TRUE(flags >= 0);
    ASSERT_TRUE(flags & FD_CLOEXEC);
    ASSERT_EQ(fstat(priv, &a), 0);
    ASSERT_EQ(fstat(fd, &b), 0);
    ASSERT_TRUE(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_count_fds(), nb); /* closed by mmf_close */
    ASSERT_EQ(fcntl(priv, F_GETFD), -1);
    close(fd);
}

static void
trackfd_on_caller_may_close_its_fd(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    uint64_t size = 0;
    unsigned char b;
    int fd, nfds;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    nfds = h_count_fds();
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    close(fd);
    ASSERT_OK(mmf_get_byte(&m, PAGE + 3, &b));
    ASSERT_EQ(b, h_pattern(PAGE + 3));
    ASSERT_OK(mmf_set_byte(&m, 0, 'Z'));
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 2 * PAGE);
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE));
    ASSERT_OK(mmf_flush(&m, 0, 3 * PAGE, 0));
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_count_fds(), nfds - 1);
    {
        unsigned char c;
        ASSERT_EQ(h_read_file(path, &c, 1), 1);
        ASSERT_EQ(c, 'Z');
    }
}

static void
trackfd_off_adds_no_fd(void **state)
{
    mmf_map m = {0};
    uint64_t size;
    int fd, nfds;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, NULL);
    nfds = h_count_fds();
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 0);
    ASSERT_EQ(h_count_fds(), nfds);
    ASSERT_UEQ(h_len(&m), 2 * PAGE); /* length 0 still uses the file size */
    close(fd);                       /* the map does not need it */
    ASSERT_OK(mmf_set_byte(&m, 1, 'q'));
    ASSERT_ST(mmf_size(&m, &size), MMF_ENOTRACK);
    ASSERT_ST(mmf_resize(&m, PAGE), MMF_ENOTRACK);
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_count_fds(), nfds - 1);
}

/* The caller closes the library's private fd behind its back (H-35). */
static void
private_fd_closed_by_caller(void **state)
{
    int before[256], after[256], nb, na, priv;
    char path[PATH_MAX];
    mmf_map m = {0};
    uint64_t size;
    unsigned char b;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    nb = h_list_fds(before, 256);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    na = h_list_fds(after, 256);
    priv = h_new_fd(before, nb, after, na);
    ASSERT_TRUE(priv >= 0);
    ASSERT_EQ(close(priv), 0);
    ASSERT_ESYS(&m, mmf_size(&m, &size), EBADF, NULL);
    ASSERT_ESYS(&m, mmf_resize(&m, 3 * PAGE), EBADF, NULL);
    ASSERT_EQ(h_file_size(path), (long long)(2 * PAGE));
    ASSERT_UEQ(h_len(&m), 2 * PAGE);
    ASSERT_OK(mmf_get_byte(&m, 7, &b)); /* the mapping itself is fine */
    ASSERT_EQ(b, h_pattern(7));
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(mmf_closed(&m), 1);
    close(fd);
}

/* The private fd's number is reused by another file (H-36): the library must
 * neither truncate nor close that file. */
static void
private_fd_number_reused_by_another_file(void **state)
{
    int before[256], after[256], nb, na, priv, other, fd;
    char path[PATH_MAX], opath[PATH_MAX];
    mmf_map m = {0};
    uint64_t size;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    other = h_make_file(NULL, 100, opath);
    nb = h_list_fds(before, 256);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    na = h_list_fds(after, 256);
    priv = h_new_fd(before, nb, after, na);
    ASSERT_TRUE(priv >= 0);
    ASSERT_EQ(close(priv), 0);
    ASSERT_EQ(dup2(other, priv), priv); /* same number, another file */

    ASSERT_ESYS(&m, mmf_size(&m, &size), EBADF, NULL);
    ASSERT_ESYS(&m, mmf_resize(&m, 3 * PAGE), EBADF, NULL);
    ASSERT_ESYS(&m, mmf_resize(&m, 10), EBADF, NULL);
    ASSERT_EQ(h_file_size(opath), 100);
    ASSERT_EQ(h_file_size(path), (long long)(2 * PAGE));
    ASSERT_OK(mmf_close(&m));
    ASSERT_TRUE(fcntl(priv, F_GETFD) >= 0); /* not closed by the library */
    ASSERT_EQ(h_file_size(opath), 100);
    close(priv);
    close(other);
    close(fd);
}

/* ---- closed maps ------------------------------------------------------- */

static void
check_every_operation_is_eclosed(mmf_map *m)
{
    unsigned char buf[8], b;
    unsigned char *p = NULL;
    size_t n, len = 0;
    ptrdiff_t idx;
    uint64_t size;

    ASSERT_EQ(mmf_closed(m), 1);
    ASSERT_ST(mmf_len(m, &n), MMF_ECLOSED);
    ASSERT_ST(mmf_tell(m, &n), MMF_ECLOSED);
    ASSERT_ST(mmf_seek(m, 0, 0, &n), MMF_ECLOSED);
    ASSERT_ST(mmf_seek(m, 0, 3, NULL), MMF_ECLOSED);
    ASSERT_ST(mmf_remaining(m, &n), MMF_ECLOSED);
    ASSERT_ST(mmf_read(m, buf, 1, &n), MMF_ECLOSED);
    ASSERT_ST(mmf_read(m, buf, 0, &n), MMF_ECLOSED);
    ASSERT_ST(mmf_read_byte(m, &b), MMF_ECLOSED);
    ASSERT_ST(mmf_line_length(m, &n), MMF_ECLOSED);
    ASSERT_ST(mmf_readline(m, buf, sizeof buf, &n), MMF_ECLOSED);
    ASSERT_ST(mmf_write(m, "a", 1), MMF_ECLOSED);
    ASSERT_ST(mmf_write(m, "", 0), MMF_ECLOSED);
    ASSERT_ST(mmf_write_byte(m, 'a'), MMF_ECLOSED);
    ASSERT_ST(mmf_get_byte(m, 0, &b), MMF_ECLOSED);
    ASSERT_ST(mmf_set_byte(m, 0, 1), MMF_ECLOSED);
    ASSERT_ST(mmf_get_slice(m, 0, 1, 1, buf), MMF_ECLOSED);
    ASSERT_ST(mmf_get_slice(m, 0, 1, 0, buf), MMF_ECLOSED);
    ASSERT_ST(mmf_set_slice(m, 0, 1, 1, "a"), MMF_ECLOSED);
    ASSERT_ST(mmf_move(m, 0, 0, 0), MMF_ECLOSED);
    ASSERT_ST(mmf_find(m, "a", 1, 0, SIZE_MAX, &idx), MMF_ECLOSED);
    ASSERT_ST(mmf_find(m, "", 0, 0, 0, &idx), MMF_ECLOSED);
    ASSERT_ST(mmf_rfind(m, "a", 1, 0, SIZE_MAX, &idx), MMF_ECLOSED);
    ASSERT_ST(mmf_flush(m, 0, 0, 0), MMF_ECLOSED);
    ASSERT_ST(mmf_madvise(m, MADV_NORMAL, 0, 0), MMF_ECLOSED);
    ASSERT_ST(mmf_size(m, &size), MMF_ECLOSED);
    ASSERT_ST(mmf_resize(m, PAGE), MMF_ECLOSED);
    ASSERT_ST(mmf_resize(m, 0), MMF_ECLOSED);
    /* set_name() tells a file map apart even once closed (3.15's order) */
    ASSERT_ST(mmf_set_name(m, "x"), m->anonymous ? MMF_ECLOSED : MMF_ENOTANON);
    ASSERT_ST(mmf_pin(m, &p, &len), MMF_ECLOSED);
    ASSERT_ST(mmf_pin(m, NULL, NULL), MMF_ECLOSED);
    ASSERT_UEQ(mmf_pins(m), 0);
    ASSERT_OK(mmf_close(m));
    ASSERT_EQ(mmf_closed(m), 1);
}

static void
zeroed_map_is_closed(void **state)
{
    mmf_map z;

    (void)state;
    memset(&z, 0, sizeof z);
    check_every_operation_is_eclosed(&z);
    /* mmf_init() on garbage gives a closed map */
    memset(&z, 0xA5, sizeof z);
    mmf_init(&z);
    check_every_operation_is_eclosed(&z);
    ASSERT_EQ(mmf_syserr(&z), 0);
    ASSERT_TRUE(mmf_sysfunc(&z) == NULL);
}

static void
closed_map_returns_eclosed_everywhere(void **state)
{
    mmf_map m = {0};
    int fd;

    (void)state;
    h_open_anon(&m, PAGE, MAP_SHARED);
    ASSERT_OK(mmf_close(&m));
    check_every_operation_is_eclosed(&m);

    fd = h_make_file(NULL, PAGE, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_close(&m));
    check_every_operation_is_eclosed(&m);
    close(fd);
}

static void
close_twice_is_a_noop(void **state)
{
    mmf_map m = {0};
    int fd, nfds;

    (void)state;
    fd = h_make_file(NULL, PAGE, NULL);
    nfds = h_count_fds();
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_close(&m));
    ASSERT_OK(mmf_close(&m));
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_count_fds(), nfds);
    ASSERT_EQ(fcntl(fd, F_GETFD) >= 0, 1); /* the caller's fd is untouched */
    /* the same object can be opened again */
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_UEQ(h_tell(&m), 0);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
close_unmaps_the_range(void **state)
{
    mmf_map m = {0};
    unsigned char *p;
    int fd;

    (void)state;
    h_open_anon(&m, 5 * PAGE, MAP_PRIVATE);
    p = h_data(&m);
    ASSERT_TRUE(h_range_mapped(p, 5 * PAGE));
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_range_mapped(p, 5 * PAGE), 0);

    fd = h_make_file(NULL, 3 * PAGE, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_EQ(h_count_tmp_maps(), 1);
    p = h_data(&m);
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_count_tmp_maps(), 0);
    ASSERT_EQ(h_range_mapped(p, 3 * PAGE), 0);
    close(fd);
}

static void
failed_open_leaves_map_closed_with_syserr(void **state)
{
    mmf_map m;
    int fd;

    (void)state;
    mmf_init(&m);
    fd = h_make_file(NULL, PAGE, NULL);
    ASSERT_ST(
        mmf_open(&m, 12345, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1),
        MMF_ESYS);
    ASSERT_EQ(mmf_syserr(&m), EBADF);
    ASSERT_TRUE(mmf_sysfunc(&m) != NULL);
    check_every_operation_is_eclosed(&m);
    /* a later successful open clears nothing it should not, and works */
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_UEQ(h_len(&m), PAGE);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- leaks -------------------------------------------------------------- */

static void
open_close_loop_does_not_leak(void **state)
{
    long long vm0, vm1;
    int fd, nfds, i;

    (void)state;
    fd = h_make_file(NULL, 4 * PAGE, NULL);
    nfds = h_count_fds();
    vm0 = h_vm_size();
    for (i = 0; i < 300; i++) {
        mmf_map m = {0};
        unsigned char *p;
        unsigned char b;

        h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, i & 1);
        ASSERT_OK(mmf_get_byte(&m, 3, &b));
        ASSERT_OK(mmf_close(&m));

        h_open_ok(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_COPY, (int64_t)PAGE,
                  1);
        ASSERT_OK(mmf_close(&m));

        h_open_anon(&m, 64 * PAGE, (i & 1) ? MAP_SHARED : MAP_PRIVATE);
        p = h_data(&m);
        ASSERT_OK(mmf_set_byte(&m, 0, 1));
        ASSERT_OK(mmf_close(&m));
        if (i % 50 == 0)
            ASSERT_EQ(h_range_mapped(p, 64 * PAGE), 0);
    }
    vm1 = h_vm_size();
    ASSERT_EQ(h_count_fds(), nfds);
    ASSERT_EQ(h_count_tmp_maps(), 0);
    /* 300 leaked anonymous maps would be 300 * 64 pages */
    if (vm0 > 0 && vm1 > 0 && vm1 - vm0 > (long long)(100 * 64 * PAGE))
        fail_msg("address space grew by %lld bytes", vm1 - vm0);
    close(fd);
}

static void
failing_opens_do_not_leak(void **state)
{
    char path[PATH_MAX];
    long long vm0, vm1;
    int fd, ro, empty, nfds, i;

    (void)state;
    fd = h_make_file(NULL, 4 * PAGE, path);
    empty = h_make_file("", 0, NULL);
    ro = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(ro >= 0);
    nfds = h_count_fds();
    vm0 = h_vm_size();
    for (i = 0; i < 200; i++) {
        mmf_map m = {0};
        int track = i & 1;

        ASSERT_ST(
            mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, -1, track),
            MMF_EINVAL);
        ASSERT_ST(
            mmf_open(&m, fd, 0, MAP_PRIVATE, RW, MMF_ACCESS_READ, 0, track),
            MMF_EACCESSFLAGS);
        ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, (mmf_access)9, 0, track),
                  MMF_EACCESS);
        ASSERT_ST(mmf_open(&m, empty, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                           track),
                  MMF_EEMPTY);
        ASSERT_ST(mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                           (int64_t)(4 * PAGE), track),
                  MMF_EOFFSET);
        ASSERT_ST(mmf_open(&m, fd, 5 * PAGE, MAP_SHARED, RW,
                           MMF_ACCESS_DEFAULT, 0, track),
                  MMF_ELENGTH);
        ASSERT_ST(mmf_open(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 1,
                           track),
                  MMF_ESYS);
        ASSERT_ST(
            mmf_open(&m, ro, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, track),
            MMF_ESYS);
        ASSERT_ST(mmf_open(&m, 12345, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                           0, track),
                  MMF_ESYS);
        ASSERT_ST(mmf_open(&m, MMF_ANONYMOUS, 0, MAP_SHARED, RW,
                           MMF_ACCESS_DEFAULT, 0, track),
                  MMF_ESYS);
        ASSERT_ST(mmf_open(&m, MMF_ANONYMOUS, H_BEYOND_ADDRESS_SPACE,
                           MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT, 0, track),
                  MMF_ESYS);
        ASSERT_EQ(mmf_closed(&m), 1);
        if (i % 50 == 0) {
            ASSERT_EQ(h_count_fds(), nfds);
            ASSERT_EQ(h_count_tmp_maps(), 0);
        }
    }
    vm1 = h_vm_size();
    ASSERT_EQ(h_count_fds(), nfds);
    ASSERT_EQ(h_count_tmp_maps(), 0);
    if (vm0 > 0 && vm1 > 0 && vm1 - vm0 > (long long)(64 * PAGE))
        fail_msg("address space grew by %lld bytes", vm1 - vm0);
    close(ro);
    close(empty);
    close(fd);
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
        H_TEST(open_anonymous_shared_and_private),
        H_TEST(open_anonymous_unaligned_length),
        H_TEST(open_anonymous_length_zero_is_esys_einval),
        H_TEST(open_anonymous_huge_length_is_esys),
        H_TEST(resolve_access_all_cases),
        H_TEST(open_effective_access_behaviour),
        H_TEST(trackfd_on_keeps_a_cloexec_duplicate),
        H_TEST(trackfd_on_caller_may_close_its_fd),
        H_TEST(trackfd_off_adds_no_fd),
        H_TEST(private_fd_closed_by_caller),
        H_TEST(private_fd_number_reused_by_another_file),
        H_TEST(zeroed_map_is_closed),
        H_TEST(closed_map_returns_eclosed_everywhere),
        H_TEST(close_twice_is_a_noop),
        H_TEST(close_unmaps_the_range),
        H_TEST(failed_open_leaves_map_closed_with_syserr),
        H_TEST(open_close_loop_does_not_leak),
        H_TEST(failing_opens_do_not_leak),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("open", tests, h_group_setup,
                                       h_group_teardown);
}
