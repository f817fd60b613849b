/*
 * test_io_map.c - the map as a whole: madvise, size, set_name, overlaps,
 * unreadable maps, pins, and the status strings.
 */
#include "helpers.h"
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
    h_open_pattern_anon(&m, 100);
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
    return cmocka_run_group_tests_name("io_map", tests, h_group_setup,
                                       h_group_teardown);
}
