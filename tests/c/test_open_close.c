/*
 * test_open_close.c - closing: closed maps return MMF_ECLOSED everywhere,
 * close twice, the range unmapped, a failed open left closed; and no leak
 * over opens and failing opens.
 */
#include "helpers.h"

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

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
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
    return cmocka_run_group_tests_name("open_close", tests, h_group_setup,
                                       h_group_teardown);
}
