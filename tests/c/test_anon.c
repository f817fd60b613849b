/*
 * test_anon.c - the options of anonymous maps beyond Python's mmap
 * (mmf_open_anon): transparent huge pages and a sealed memfd, with their
 * errors and failing system calls.
 */
#include "helpers.h"

#include "posix/sys.h"

static int
fail_memfd(const char *name)
{
    (void)name;
    errno = EMFILE;
    return -1;
}

static int
fail_seals(int fd, int seals)
{
    (void)fd;
    (void)seals;
    errno = EINVAL;
    return -1;
}

static void
anonymous_options(void **state)
{
    const size_t MIB = (size_t)1 << 20;
    mmf_map m = {0};
    uint64_t size = 0;
    unsigned char b = 1;

    (void)state;
    /* huge pages: aligned to the huge page when it got them */
    ASSERT_OK(mmf_open_anon(&m, 8 * MIB, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT,
                            MMF_OPT_HUGEPAGES));
    if (mmf_page_size(&m) != PAGE) {
        ASSERT_UEQ(mmf_page_size(&m) & (mmf_page_size(&m) - 1), 0);
        ASSERT_UEQ((uintptr_t)h_data(&m) % mmf_page_size(&m), 0);
    }
    ASSERT_OK(mmf_set_byte(&m, 8 * MIB - 1, 'e'));
    ASSERT_OK(mmf_resize(&m, 9 * MIB));
    ASSERT_OK(mmf_get_byte(&m, 8 * MIB - 1, &b));
    ASSERT_EQ(b, 'e');
    ASSERT_EQ(mmf_fileno(&m), -1);
    ASSERT_OK(mmf_close(&m));
    ASSERT_UEQ(mmf_page_size(&m), 0);
    ASSERT_OK(mmf_open_anon(&m, PAGE, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT,
                            MMF_OPT_HUGEPAGES)); /* too small: plain */
    ASSERT_UEQ(mmf_page_size(&m), PAGE);
    ASSERT_OK(mmf_close(&m));

    /* memfd: grows, shrinks the map only, has a descriptor */
    ASSERT_OK(mmf_open_anon(&m, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                            MMF_OPT_MEMFD));
    ASSERT_TRUE(mmf_fileno(&m) >= 0);
    ASSERT_OK(mmf_set_byte(&m, 0, 'm'));
    ASSERT_OK(mmf_resize(&m, 4 * PAGE));
    ASSERT_OK(mmf_set_byte(&m, 4 * PAGE - 1, 'z'));
    ASSERT_OK(mmf_resize(&m, 2 * PAGE));
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 4 * PAGE);
    ASSERT_EQ(ftruncate(mmf_fileno(&m), 0), -1); /* sealed */
    ASSERT_OK(mmf_resize(&m, 4 * PAGE));
    ASSERT_OK(mmf_get_byte(&m, 4 * PAGE - 1, &b));
    ASSERT_EQ(b, 'z'); /* kept by the memfd */
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(mmf_fileno(&m), -1);

    /* options it cannot take: each refusal its own status, the same as
     * mmf_check_options() gives before anything is opened */
    ASSERT_ST(mmf_open_anon(&m, PAGE, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT,
                            MMF_OPT_MEMFD),
              MMF_EOPTSHARED);
    ASSERT_ST(mmf_open_anon(&m, PAGE, MAP_PRIVATE, RW, MMF_ACCESS_COPY,
                            MMF_OPT_MEMFD),
              MMF_EACCESSFLAGS);
    ASSERT_ST(mmf_open_anon(&m, PAGE, MAP_SHARED, RW, MMF_ACCESS_COPY,
                            MMF_OPT_MEMFD),
              MMF_EOPTSHARED);
    ASSERT_ST(mmf_open_anon(&m, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                            MMF_OPT_MEMFD | MMF_OPT_HUGEPAGES),
              MMF_EOPTBOTH);
    ASSERT_ST(mmf_open_anon(&m, PAGE, MAP_PRIVATE | MAP_HUGETLB, RW,
                            MMF_ACCESS_DEFAULT, MMF_OPT_HUGEPAGES),
              MMF_EOPTHUGETLB);
    ASSERT_ST(
        mmf_open_anon(&m, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0x80u),
        MMF_EINVAL);
    ASSERT_ST(mmf_open_anon(&m, PAGE, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT,
                            0x80u | MMF_OPT_MEMFD),
              MMF_EINVAL);
    ASSERT_TRUE(mmf_closed(&m));
    ASSERT_ST(mmf_check_options(MAP_PRIVATE, MMF_OPT_MEMFD), MMF_EOPTSHARED);
    ASSERT_ST(mmf_check_options(MAP_PRIVATE | MAP_HUGETLB,
                                MMF_OPT_HUGEPAGES | MMF_OPT_MEMFD),
              MMF_EOPTBOTH);
    ASSERT_ST(mmf_check_options(MAP_PRIVATE | MAP_HUGETLB, MMF_OPT_HUGEPAGES),
              MMF_EOPTHUGETLB);
    ASSERT_OK(mmf_check_options(MAP_PRIVATE, MMF_OPT_HUGEPAGES));
    ASSERT_OK(mmf_check_options(MAP_SHARED, MMF_OPT_MEMFD));
    ASSERT_OK(mmf_check_options(MAP_PRIVATE, 0));

    /* failing system calls: a clear status, no descriptor left open */
    mmf__sys.memfd = fail_memfd;
    ASSERT_ESYS(&m,
                mmf_open_anon(&m, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                              MMF_OPT_MEMFD),
                EMFILE, "memfd_create");
    mmf__sys = mmf__sys_default;
    mmf__sys.add_seals = fail_seals;
    ASSERT_ESYS(&m,
                mmf_open_anon(&m, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                              MMF_OPT_MEMFD),
                EINVAL, "fcntl");
    mmf__sys = mmf__sys_default;
    ASSERT_TRUE(mmf_closed(&m));
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(anonymous_options),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("anon", tests, h_group_setup,
                                       h_group_teardown);
}
