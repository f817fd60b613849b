/*
 * test_memctl.c - the memory controls beyond Python's mmap: mmf_lock/unlock,
 * mmf_populate, mmf_resident, mmf_protect. Success paths, every documented
 * error status, and a failing system call (through the table) that leaves
 * the object as it was.
 */
#include "helpers.h"

#include "posix/sys.h"

static void
populate_resident_lock(void **state)
{
    mmf_map m = {0};
    size_t bytes = 1;

    (void)state;
    if (h_madvise_is_noop())
        H_SKIP("madvise is a no-op here (qemu-user): MADV_POPULATE_* "
               "populates nothing");
    h_open_anon(&m, 32 * PAGE, MAP_PRIVATE);
    ASSERT_OK(mmf_resident(&m, 0, SIZE_MAX, &bytes));
    ASSERT_UEQ(bytes, 0);
    ASSERT_OK(mmf_populate(&m, 3 * PAGE + 5, PAGE, 0)); /* pages 3 and 4 */
    ASSERT_OK(mmf_resident(&m, 0, SIZE_MAX, &bytes));
    ASSERT_UEQ(bytes, 2 * PAGE);
    ASSERT_OK(mmf_resident(&m, 3 * PAGE + 7, 9, &bytes));
    ASSERT_UEQ(bytes, 9);
    ASSERT_OK(mmf_populate(&m, 0, SIZE_MAX, 1));
    ASSERT_OK(mmf_resident(&m, 0, SIZE_MAX, &bytes));
    ASSERT_UEQ(bytes, 32 * PAGE);
    ASSERT_OK(mmf_lock(&m, 0, SIZE_MAX));
    ASSERT_OK(mmf_unlock(&m, 0, SIZE_MAX));
    ASSERT_OK(mmf_lock(&m, 32 * PAGE, 5)); /* empty at the end */
    ASSERT_ST(mmf_lock(&m, 32 * PAGE + 1, 5), MMF_ERANGE);
    ASSERT_ST(mmf_populate(&m, 32 * PAGE + 1, 5, 0), MMF_ERANGE);
    ASSERT_ST(mmf_resident(&m, 32 * PAGE + 1, 5, &bytes), MMF_ERANGE);
    ASSERT_OK(mmf_close(&m));
    ASSERT_ST(mmf_lock(&m, 0, 1), MMF_ECLOSED);
    ASSERT_ST(mmf_unlock(&m, 0, 1), MMF_ECLOSED);
    ASSERT_ST(mmf_populate(&m, 0, 1, 0), MMF_ECLOSED);
    ASSERT_ST(mmf_resident(&m, 0, 1, &bytes), MMF_ECLOSED);

    h_open_anon(&m, PAGE, MAP_PRIVATE);
    ASSERT_OK(mmf_protect(&m, PROT_READ));
    ASSERT_ST(mmf_populate(&m, 0, SIZE_MAX, 1), MMF_EREADONLY);
    ASSERT_OK(mmf_protect(&m, PROT_NONE));
    ASSERT_ST(mmf_populate(&m, 0, SIZE_MAX, 0), MMF_ENOREAD);
    ASSERT_OK(mmf_close(&m));
}

static int
fail_enomem(const void *addr, size_t len)
{
    (void)addr;
    (void)len;
    errno = ENOMEM;
    return -1;
}

static int
fail_mprotect(void *addr, size_t len, int prot)
{
    (void)addr;
    (void)len;
    (void)prot;
    errno = EACCES;
    return -1;
}

static void
failing_calls_change_nothing(void **state)
{
    mmf_map m = {0};
    size_t bytes;
    unsigned char b = 0;

    (void)state;
    h_open_anon(&m, 8 * PAGE, MAP_PRIVATE);
    mmf__sys.mlock = fail_enomem;
    ASSERT_ESYS(&m, mmf_lock(&m, 0, SIZE_MAX), ENOMEM, "mlock");
    mmf__sys.mprotect = fail_mprotect;
    ASSERT_ESYS(&m, mmf_protect(&m, PROT_READ), EACCES, "mprotect");
    ASSERT_OK(mmf_set_byte(&m, 0, 7)); /* still writable */
    /* populate falls back to touching the pages */
    mmf__sys.madvise = h_madvise_no_populate;
    ASSERT_OK(mmf_populate(&m, 0, SIZE_MAX, 1));
    ASSERT_OK(mmf_resident(&m, 0, SIZE_MAX, &bytes));
    ASSERT_UEQ(bytes, 8 * PAGE);
    ASSERT_OK(mmf_get_byte(&m, 0, &b));
    ASSERT_EQ(b, 7);
    mmf__sys = mmf__sys_default;
    ASSERT_OK(mmf_close(&m));
}

static void
protect_changes_what_the_map_allows(void **state)
{
    mmf_map m = {0};
    unsigned char b = 0, *data;
    size_t len;

    (void)state;
    h_open_anon(&m, PAGE, MAP_PRIVATE);
    ASSERT_OK(mmf_set_byte(&m, 1, 'x'));
    ASSERT_OK(mmf_protect(&m, PROT_READ));
    ASSERT_ST(mmf_set_byte(&m, 1, 'y'), MMF_EREADONLY);
    ASSERT_ST(mmf_check_writable(&m), MMF_EREADONLY);
    ASSERT_OK(mmf_get_byte(&m, 1, &b));
    ASSERT_EQ(b, 'x');
    ASSERT_OK(mmf_protect(&m, PROT_NONE));
    ASSERT_ST(mmf_get_byte(&m, 1, &b), MMF_ENOREAD);
    ASSERT_OK(mmf_protect(&m, PROT_READ | PROT_WRITE));
    ASSERT_OK(mmf_set_byte(&m, 1, 'z'));
    ASSERT_OK(mmf_pin(&m, &data, &len));
    ASSERT_ST(mmf_protect(&m, PROT_READ), MMF_EBUSY);
    mmf_unpin(&m);
    ASSERT_OK(mmf_close(&m));
    ASSERT_ST(mmf_protect(&m, PROT_READ), MMF_ECLOSED);
    /* an ACCESS_READ map stays read-only */
    {
        int fd = h_make_file(NULL, PAGE, NULL);
        h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 1);
        ASSERT_ST(mmf_protect(&m, PROT_READ | PROT_WRITE), MMF_EREADONLY);
        ASSERT_OK(mmf_protect(&m, PROT_READ));
        ASSERT_OK(mmf_close(&m));
        close(fd);
    }
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(populate_resident_lock),
        H_TEST(failing_calls_change_nothing),
        H_TEST(protect_changes_what_the_map_allows),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("memctl", tests, h_group_setup,
                                       h_group_teardown);
}
