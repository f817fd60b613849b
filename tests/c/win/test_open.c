/*
 * test_open.c - mmf_open(), mmf_open_tagged() and mmf_open_path() on
 * Windows: files and paging-file sections, the access modes, the 64 KiB
 * granularity of offsets, the checks against the file, tagname, the
 * private handle, and closing.
 */
#include "helpers.h"

static void
granularity_is_the_allocation_granularity(void **state)
{
    (void)state;
    ASSERT_EQ(mmf_granularity(), 65536);
    ASSERT_EQ(mmf_pagesize(), 4096);
}

static void
anonymous_map_reads_back_what_was_written(void **state)
{
    mmf_map m;
    unsigned char buf[16];
    size_t n;
    uint64_t size;

    (void)state;
    h_open_anon(&m, 100, MMF_MAP_SHARED);
    ASSERT_EQ(h_len(&m), 100);
    ASSERT_EQ(mmf_page_size(&m), PAGE);
    ASSERT_EQ(h_data(&m)[99], 0); /* the paging file's zeros */
    ASSERT_OK(mmf_write(&m, "hello, windows", 14));
    ASSERT_OK(mmf_seek(&m, 0, 0, NULL));
    ASSERT_OK(mmf_read(&m, buf, sizeof buf, &n));
    ASSERT_EQ(n, 16);
    ASSERT_MEM_EQ(buf, "hello, windows\0\0", 16);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_EQ(size, 100);
    ASSERT_EQ(mmf_fileno(&m), -1);
    ASSERT_OK(mmf_close(&m));
    ASSERT_OK(mmf_close(&m));
    ASSERT_ST(mmf_read(&m, buf, 1, &n), MMF_ECLOSED);
    ASSERT_TRUE(mmf_closed(&m));
}

static void
private_anonymous_map_is_writable(void **state)
{
    mmf_map m;
    unsigned char b = 0;

    (void)state;
    h_open_anon(&m, 3 * GRAN, MMF_MAP_PRIVATE);
    ASSERT_OK(mmf_set_byte(&m, 3 * GRAN - 1, 'z'));
    ASSERT_OK(mmf_get_byte(&m, 3 * GRAN - 1, &b));
    ASSERT_EQ(b, 'z');
    ASSERT_OK(mmf_close(&m));
}

static void
file_map_of_length_zero_is_the_whole_file(void **state)
{
    char path[MAX_PATH];
    int fd = h_make_file(NULL, 3 * PAGE + 5, path);
    unsigned char want[64];
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                       1));
    ASSERT_EQ(h_len(&m), 3 * PAGE + 5);
    h_fill_pattern(want, sizeof want, 3 * PAGE + 5 - sizeof want);
    ASSERT_MEM_EQ(h_data(&m) + 3 * PAGE + 5 - sizeof want, want,
                  sizeof want);
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

static void
checks_against_the_file_come_first(void **state)
{
    int empty = h_make_file(NULL, 0, NULL);
    int fd = h_make_file(NULL, 100, NULL);
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_ST(mmf_open(&m, empty, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       0, 1),
              MMF_EEMPTY);
    ASSERT_ST(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)GRAN, 1),
              MMF_EOFFSET);
    ASSERT_ST(mmf_open(&m, fd, 101, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       0, 1),
              MMF_ELENGTH);
    ASSERT_ST(mmf_open(&m, fd, 10, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       -1, 1),
              MMF_EINVAL);
    ASSERT_ST(mmf_open(&m, fd, 10, MMF_MAP_PRIVATE, RW, MMF_ACCESS_READ, 0,
                       1),
              MMF_EACCESSFLAGS);
    ASSERT_ST(mmf_open(&m, fd, 10, MMF_MAP_SHARED, RW, (mmf_access)7, 0, 1),
              MMF_EACCESS);
    ASSERT_ST(mmf_open(&m, fd, 10, 0x10, RW, MMF_ACCESS_DEFAULT, 0, 1),
              MMF_EINVAL);
    ASSERT_ST(mmf_open_anon(&m, 10, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                            MMF_OPT_MEMFD),
              MMF_ENOTSUP);
    ASSERT_ST(mmf_check_options(MMF_MAP_SHARED, MMF_OPT_HUGEPAGES),
              MMF_ENOTSUP);
    ASSERT_ST(mmf_check_options(MMF_MAP_SHARED,
                                MMF_OPT_HUGEPAGES | MMF_OPT_MEMFD),
              MMF_EOPTBOTH);
    ASSERT_ST(mmf_check_options(MMF_MAP_SHARED, 0x80u), MMF_EINVAL);
    ASSERT_OK(mmf_check_options(MMF_MAP_SHARED, 0));
    ASSERT_TRUE(mmf_closed(&m));
    _close(empty);
    _close(fd);
}

/* The offset must be a multiple of 64 KiB, not of the page size: Windows
 * refuses the view (ERROR_MAPPED_ALIGNMENT), nothing leaks. */
static void
offsets_follow_the_granularity(void **state)
{
    int fd = h_make_file(NULL, 3 * GRAN, NULL);
    unsigned char want[32];
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_ESYS(&m,
                mmf_open(&m, fd, PAGE, MMF_MAP_SHARED, RW,
                         MMF_ACCESS_DEFAULT, (int64_t)PAGE, 1),
                ERROR_MAPPED_ALIGNMENT, "MapViewOfFile");
    ASSERT_TRUE(mmf_closed(&m));
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)GRAN, 1));
    ASSERT_EQ(h_len(&m), 2 * GRAN);
    ASSERT_EQ(mmf_offset(&m), GRAN);
    h_fill_pattern(want, sizeof want, GRAN);
    ASSERT_MEM_EQ(h_data(&m), want, sizeof want);
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

/* WRITE reaches the file, COPY never does, READ refuses writes. */
static void
access_modes_decide_what_reaches_the_file(void **state)
{
    char path[MAX_PATH];
    int fd = h_make_file("abcdef", 6, path);
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 1));
    ASSERT_EQ(mmf_access_mode(&m), MMF_ACCESS_COPY);
    ASSERT_OK(mmf_write(&m, "XY", 2));
    ASSERT_MEM_EQ(h_data(&m), "XYcdef", 6);
    ASSERT_ST(mmf_resize(&m, 10), MMF_ENORESIZE);
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, "abcdef", 6);

    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_READ, 0, 1));
    ASSERT_ST(mmf_write(&m, "XY", 2), MMF_EREADONLY);
    ASSERT_ST(mmf_set_byte(&m, 0, 'X'), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));

    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_WRITE, 0,
                       1));
    ASSERT_OK(mmf_write(&m, "XY", 2));
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, "XYcdef", 6);

    /* DEFAULT with read-only prot is READ; write-only reads as well */
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, MMF_PROT_READ,
                       MMF_ACCESS_DEFAULT, 0, 1));
    ASSERT_EQ(mmf_access_mode(&m), MMF_ACCESS_READ);
    ASSERT_OK(mmf_close(&m));
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, MMF_PROT_WRITE,
                       MMF_ACCESS_DEFAULT, 0, 1));
    ASSERT_OK(mmf_check_readable(&m));
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

/* A read-only descriptor cannot back a writable section: the error of
 * CreateFileMappingW, kept in the object. */
static void
read_only_file_refuses_a_writable_map(void **state)
{
    char path[MAX_PATH];
    int fd = h_make_file(NULL, 100, path), ro;
    mmf_map m;

    (void)state;
    _close(fd);
    ro = _open(path, _O_RDONLY | _O_BINARY);
    ASSERT_TRUE(ro >= 0);
    mmf_init(&m);
    ASSERT_ESYS(&m,
                mmf_open(&m, ro, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                         0, 1),
                ERROR_ACCESS_DENIED, "CreateFileMappingW");
    ASSERT_TRUE(mmf_closed(&m));
    ASSERT_OK(mmf_open(&m, ro, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_READ, 0,
                       1));
    ASSERT_OK(mmf_close(&m));
    ASSERT_OK(mmf_open(&m, ro, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_COPY, 0,
                       1));
    ASSERT_OK(mmf_set_byte(&m, 0, 'q'));
    ASSERT_OK(mmf_close(&m));
    _close(ro);
}

static void
bad_descriptor_is_esys(void **state)
{
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_ESYS(&m,
                mmf_open(&m, 1234, 10, MMF_MAP_SHARED, RW,
                         MMF_ACCESS_DEFAULT, 0, 1),
                ERROR_INVALID_HANDLE, "_get_osfhandle");
}

/* With trackfd the map keeps its own HANDLE: the caller may close the
 * descriptor at once. Without, size and resize are refused. */
static void
trackfd_keeps_a_private_handle(void **state)
{
    int fd = h_make_file(NULL, 100, NULL);
    uint64_t size = 0;
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                       1));
    _close(fd);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_EQ(size, 100);
    ASSERT_OK(mmf_resize(&m, 200));
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_EQ(size, 200);
    ASSERT_OK(mmf_close(&m));

    fd = h_make_file(NULL, 100, NULL);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                       0));
    ASSERT_ST(mmf_size(&m, &size), MMF_ENOTRACK);
    ASSERT_ST(mmf_resize(&m, 200), MMF_ENOTRACK);
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

/* Two maps of one tagname share their bytes (named shared memory). */
static void
tagname_shares_the_section(void **state)
{
    char name[64];
    mmf_map a, b;
    unsigned char x = 0;

    (void)state;
    snprintf(name, sizeof name, "mmf-test-%lu-a",
             (unsigned long)GetCurrentProcessId());
    mmf_init(&a);
    mmf_init(&b);
    ASSERT_OK(mmf_open_tagged(&a, MMF_ANONYMOUS, 4096, MMF_MAP_SHARED, RW,
                              MMF_ACCESS_DEFAULT, 0, 1, name));
    ASSERT_OK(mmf_open_tagged(&b, MMF_ANONYMOUS, 4096, MMF_MAP_SHARED, RW,
                              MMF_ACCESS_DEFAULT, 0, 1, name));
    ASSERT_TRUE(h_data(&a) != h_data(&b));
    ASSERT_OK(mmf_set_byte(&a, 4095, 'T'));
    ASSERT_OK(mmf_get_byte(&b, 4095, &x));
    ASSERT_EQ(x, 'T');
    ASSERT_OK(mmf_close(&a));
    ASSERT_OK(mmf_close(&b));
    /* and NULL is mmf_open() */
    ASSERT_OK(mmf_open_tagged(&a, MMF_ANONYMOUS, 10, MMF_MAP_SHARED, RW,
                              MMF_ACCESS_DEFAULT, 0, 1, NULL));
    ASSERT_OK(mmf_close(&a));
}

/* Names are not Linux's VMA names: set_name is not supported. */
static void
set_name_is_not_supported(void **state)
{
    mmf_map m;

    (void)state;
    h_open_anon(&m, 10, MMF_MAP_SHARED);
    ASSERT_ST(mmf_set_name(&m, "x"), MMF_ENOTSUP);
    ASSERT_OK(mmf_close(&m));
}

static void
open_path_modes(void **state)
{
    char path[MAX_PATH];
    unsigned char want[16];
    mmf_map m;

    (void)state;
    w_new_path(path);
    mmf_init(&m);
    ASSERT_ST(mmf_open_path(&m, path, "r", 0, 0), MMF_ESYS);
    ASSERT_EQ(mmf_syserr(&m), ERROR_FILE_NOT_FOUND);
    ASSERT_STR_EQ(mmf_sysfunc(&m), "CreateFileW");
    ASSERT_ST(mmf_open_path(&m, path, "w+", 0, 0), MMF_ENOSIZE);
    ASSERT_ST(mmf_open_path(&m, path, "x", 10, 0), MMF_EMODE);
    ASSERT_OK(mmf_open_path(&m, path, "w+", 2 * GRAN + 10, 0));
    ASSERT_EQ(h_file_size(path), 2 * GRAN + 10);
    h_fill_pattern(h_data(&m), 2 * GRAN + 10, 0);
    ASSERT_OK(mmf_close(&m));

    /* any byte offset: the view starts at the granularity below */
    ASSERT_OK(mmf_open_path(&m, path, "r", 16, GRAN + 7));
    h_fill_pattern(want, sizeof want, GRAN + 7);
    ASSERT_MEM_EQ(h_data(&m), want, sizeof want);
    ASSERT_ST(mmf_write(&m, "x", 1), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));

    ASSERT_OK(mmf_open_path(&m, path, "c", 0, 0));
    ASSERT_OK(mmf_set_byte(&m, 0, 0));
    ASSERT_OK(mmf_close(&m));
    h_fill_pattern(want, 1, 0);
    ASSERT_OK(mmf_open_path(&m, path, "r+", 0, 2 * GRAN + 10));
    ASSERT_EQ(h_len(&m), 0); /* at the end: an empty map */
    ASSERT_OK(mmf_close(&m));
    ASSERT_ST(mmf_open_path(&m, path, "r", 0, 2 * GRAN + 11), MMF_EOFFSET);
    ASSERT_ST(mmf_open_path(&m, path, "r", 11, 2 * GRAN), MMF_ELENGTH);
}

/* An empty file maps as an empty map, which "r+" can grow. */
static void
open_path_empty_file_grows(void **state)
{
    char path[MAX_PATH];
    int fd = h_make_file(NULL, 0, path);
    mmf_map m;

    (void)state;
    _close(fd);
    mmf_init(&m);
    ASSERT_OK(mmf_open_path(&m, path, "r+", 0, 0));
    ASSERT_EQ(h_len(&m), 0);
    ASSERT_OK(mmf_resize(&m, 10));
    ASSERT_OK(mmf_write(&m, "0123456789", 10));
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, "0123456789", 10);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(granularity_is_the_allocation_granularity),
        H_TEST(anonymous_map_reads_back_what_was_written),
        H_TEST(private_anonymous_map_is_writable),
        H_TEST(file_map_of_length_zero_is_the_whole_file),
        H_TEST(checks_against_the_file_come_first),
        H_TEST(offsets_follow_the_granularity),
        H_TEST(access_modes_decide_what_reaches_the_file),
        H_TEST(read_only_file_refuses_a_writable_map),
        H_TEST(bad_descriptor_is_esys),
        H_TEST(trackfd_keeps_a_private_handle),
        H_TEST(tagname_shares_the_section),
        H_TEST(set_name_is_not_supported),
        H_TEST(open_path_modes),
        H_TEST(open_path_empty_file_grows),
    };
    return W_RUN(tests);
}
