/*
 * test_io.c - the portable core over Windows views (read, write, search,
 * lines), and the Windows forms of flush, size, resize, madvise, protect,
 * lock, populate and resident.
 */
#include "helpers.h"

static void
flush_reaches_the_file(void **state)
{
    char path[MAX_PATH];
    int fd = h_make_file("..........", 10, path);
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_WRITE, 0,
                       1));
    ASSERT_OK(mmf_write(&m, "flushed", 7));
    ASSERT_OK(mmf_flush(&m, 0, 10, 0));
    ASSERT_OK(mmf_flush(&m, 3, 0, 0));
    ASSERT_ST(mmf_flush(&m, 11, 0, 0), MMF_ERANGE);
    ASSERT_ST(mmf_flush(&m, 5, 6, 0), MMF_ERANGE);
    h_assert_file_is(path, "flushed...", 10);
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

static void
anonymous_flush_succeeds(void **state)
{
    mmf_map m;

    (void)state;
    h_open_anon(&m, 100, MMF_MAP_SHARED);
    ASSERT_OK(mmf_flush(&m, 0, 100, 0));
    ASSERT_OK(mmf_close(&m));
}

static void
search_and_lines_over_a_file(void **state)
{
    static const char text[] = "alpha\nbeta\ngamma beta\n";
    int fd = h_make_file(text, sizeof text - 1, NULL);
    unsigned char line[32];
    ptrdiff_t at;
    size_t n, count;
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_READ, 0,
                       1));
    ASSERT_OK(mmf_find(&m, "beta", 4, 0, SIZE_MAX, &at));
    ASSERT_EQ(at, 6);
    ASSERT_OK(mmf_rfind(&m, "beta", 4, 0, SIZE_MAX, &at));
    ASSERT_EQ(at, 17);
    ASSERT_OK(mmf_rfind(&m, "a", 1, 0, SIZE_MAX, &at));
    ASSERT_EQ(at, 20);
    ASSERT_OK(mmf_find(&m, "zeta", 4, 0, SIZE_MAX, &at));
    ASSERT_EQ(at, -1);
    ASSERT_OK(mmf_count(&m, "a", 1, 0, SIZE_MAX, &count));
    ASSERT_EQ(count, 6);
    ASSERT_OK(mmf_readline(&m, line, sizeof line, &n));
    ASSERT_EQ(n, 6);
    ASSERT_MEM_EQ(line, "alpha\n", 6);
    ASSERT_OK(mmf_readline(&m, line, sizeof line, &n));
    ASSERT_MEM_EQ(line, "beta\n", 5);
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

/* The reverse search over a large window uses the backend's memrchr. */
static void
rfind_of_one_byte_over_a_large_map(void **state)
{
    mmf_map m;
    ptrdiff_t at;

    (void)state;
    h_open_anon(&m, 4 * GRAN, MMF_MAP_PRIVATE);
    ASSERT_OK(mmf_set_byte(&m, 5, 'x'));
    ASSERT_OK(mmf_set_byte(&m, 3 * GRAN + 9, 'x'));
    ASSERT_OK(mmf_rfind(&m, "x", 1, 0, SIZE_MAX, &at));
    ASSERT_EQ(at, 3 * GRAN + 9);
    ASSERT_OK(mmf_rfind(&m, "x", 1, 0, 3 * GRAN, &at));
    ASSERT_EQ(at, 5);
    ASSERT_OK(mmf_close(&m));
}

/* Growing extends the file with zeros and keeps the bytes; shrinking
 * cuts the file. The view moves; data is read fresh. */
static void
resize_file_map(void **state)
{
    char path[MAX_PATH];
    int fd = h_make_file(NULL, 100, path);
    unsigned char want[100];
    uint64_t size;
    mmf_map m;

    (void)state;
    h_fill_pattern(want, sizeof want, 0);
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                       1));
    ASSERT_OK(mmf_seek(&m, 50, 0, NULL));
    ASSERT_OK(mmf_resize(&m, 3 * GRAN));
    ASSERT_EQ(h_len(&m), 3 * GRAN);
    ASSERT_EQ(h_file_size(path), 3 * GRAN);
    ASSERT_MEM_EQ(h_data(&m), want, 100);
    ASSERT_EQ(h_data(&m)[3 * GRAN - 1], 0);
    ASSERT_OK(mmf_set_byte(&m, 3 * GRAN - 1, 'e'));
    ASSERT_OK(mmf_resize(&m, 60));
    ASSERT_EQ(h_file_size(path), 60);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_EQ(size, 60);
    ASSERT_EQ(h_len(&m), 60);
    {
        size_t pos = 0;
        ASSERT_OK(mmf_tell(&m, &pos));
        ASSERT_EQ(pos, 50);
    }
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, want, 60);
    _close(fd);
}

/* A map at an offset: the file is offset + newsize long. */
static void
resize_file_map_at_an_offset(void **state)
{
    char path[MAX_PATH];
    int fd = h_make_file(NULL, GRAN + 10, path);
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                       (int64_t)GRAN, 1));
    ASSERT_EQ(h_len(&m), 10);
    ASSERT_OK(mmf_resize(&m, 20));
    ASSERT_EQ(h_file_size(path), GRAN + 20);
    ASSERT_EQ(h_data(&m)[0], h_pattern(GRAN));
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

static void
resize_anonymous_map(void **state)
{
    mmf_map m;
    unsigned char b = 1;

    (void)state;
    h_open_anon(&m, 10, MMF_MAP_SHARED);
    ASSERT_OK(mmf_write(&m, "0123456789", 10));
    ASSERT_OK(mmf_resize(&m, 2 * GRAN));
    ASSERT_MEM_EQ(h_data(&m), "0123456789", 10);
    ASSERT_OK(mmf_get_byte(&m, 2 * GRAN - 1, &b));
    ASSERT_EQ(b, 0);
    ASSERT_OK(mmf_resize(&m, 4));
    ASSERT_EQ(h_len(&m), 4);
    ASSERT_MEM_EQ(h_data(&m), "0123", 4);
    ASSERT_OK(mmf_resize(&m, 8)); /* grown again: zeros, not "4567" */
    ASSERT_MEM_EQ(h_data(&m), "0123\0\0\0\0", 8);
    ASSERT_OK(mmf_close(&m));
}

/* A named map while another handle holds the name: refused (CPython
 * refuses it too), and both maps still share the bytes; alone, it resizes
 * and keeps the name. */
static void
resize_named_map(void **state)
{
    char name[64];
    mmf_map a, b, c;
    unsigned char x = 0;

    (void)state;
    snprintf(name, sizeof name, "mmf-test-%lu-r",
             (unsigned long)GetCurrentProcessId());
    mmf_init(&a);
    mmf_init(&b);
    mmf_init(&c);
    ASSERT_OK(mmf_open_tagged(&a, MMF_ANONYMOUS, 100, MMF_MAP_SHARED, RW,
                              MMF_ACCESS_DEFAULT, 0, 1, name));
    ASSERT_OK(mmf_open_tagged(&b, MMF_ANONYMOUS, 100, MMF_MAP_SHARED, RW,
                              MMF_ACCESS_DEFAULT, 0, 1, name));
    ASSERT_OK(mmf_write(&a, "named", 5));
    ASSERT_ESYS(&a, mmf_resize(&a, 200), ERROR_ALREADY_EXISTS,
                "CreateFileMappingW");
    ASSERT_EQ(h_len(&a), 100);
    ASSERT_OK(mmf_set_byte(&b, 99, 'b'));
    ASSERT_OK(mmf_get_byte(&a, 99, &x));
    ASSERT_EQ(x, 'b');
    ASSERT_MEM_EQ(h_data(&a), "named", 5);
    ASSERT_OK(mmf_close(&b));
    ASSERT_OK(mmf_resize(&a, 2 * GRAN));
    ASSERT_MEM_EQ(h_data(&a), "named", 5);
    ASSERT_OK(mmf_open_tagged(&c, MMF_ANONYMOUS, 2 * GRAN, MMF_MAP_SHARED,
                              RW, MMF_ACCESS_DEFAULT, 0, 1, name));
    ASSERT_MEM_EQ(h_data(&c), "named", 5);
    ASSERT_OK(mmf_close(&c));
    ASSERT_OK(mmf_close(&a));
}

/* The pages' protection from mmf_protect() survives a resize (a new
 * view), as mremap() keeps it on Linux. */
static DWORD
page_protection(const void *p)
{
    MEMORY_BASIC_INFORMATION mbi;
    ASSERT_TRUE(VirtualQuery(p, &mbi, sizeof mbi) == sizeof mbi);
    return mbi.Protect;
}

static void
resize_keeps_the_protection(void **state)
{
    int fd = h_make_file(NULL, PAGE, NULL);
    mmf_map m;

    (void)state;
    h_open_anon(&m, PAGE, MMF_MAP_SHARED);
    ASSERT_OK(mmf_protect(&m, MMF_PROT_READ));
    ASSERT_OK(mmf_resize(&m, 2 * GRAN));
    ASSERT_EQ(page_protection(h_data(&m)), PAGE_READONLY);
    ASSERT_ST(mmf_set_byte(&m, 0, 1), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                       1));
    ASSERT_EQ(page_protection(h_data(&m)), PAGE_READWRITE);
    ASSERT_OK(mmf_protect(&m, MMF_PROT_READ));
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(page_protection(h_data(&m) + 2 * PAGE), PAGE_READONLY);
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

static void
resize_checks(void **state)
{
    int fd = h_make_file(NULL, 100, NULL);
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_READ, 0,
                       1));
    ASSERT_ST(mmf_resize(&m, 10), MMF_ENORESIZE);
    ASSERT_OK(mmf_close(&m));
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_WRITE, 0,
                       1));
    ASSERT_ST(mmf_resize(&m, 0), MMF_ERANGE);
    ASSERT_OK(mmf_pin(&m, NULL, NULL));
    ASSERT_ST(mmf_resize(&m, 10), MMF_EBUSY);
    ASSERT_ST(mmf_close(&m), MMF_EBUSY);
    mmf_unpin(&m);
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

/* Windows refuses to cut a file that a view maps (the POSIX SIGBUS of a
 * truncated file cannot happen): the C runtime's _chsize fails. */
static void
mapped_file_cannot_be_truncated(void **state)
{
    char path[MAX_PATH];
    int fd = h_make_file(NULL, 2 * PAGE, path);
    unsigned char b;
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                       1));
    ASSERT_TRUE(_chsize(fd, 10) != 0);
    ASSERT_EQ(h_file_size(path), 2 * PAGE);
    ASSERT_OK(mmf_get_byte(&m, 2 * PAGE - 1, &b));
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(_chsize(fd, 10), 0);
    _close(fd);
}

static void
madvise_forms(void **state)
{
    mmf_map m;
    mmf_status s;

    (void)state;
    h_open_anon(&m, 4 * PAGE, MMF_MAP_PRIVATE);
    ASSERT_OK(mmf_madvise(&m, MMF_MADV_NORMAL, 0, 4 * PAGE));
    ASSERT_ST(mmf_madvise(&m, 4 /* MADV_DONTNEED */, 0, PAGE), MMF_ENOTSUP);
    ASSERT_ST(mmf_madvise(&m, MMF_MADV_NORMAL, 4 * PAGE, 1), MMF_ERANGE);
    s = mmf_madvise(&m, MMF_MADV_WILLNEED, 0, 4 * PAGE);
    if (s == MMF_ESYS && mmf_syserr(&m) == ERROR_CALL_NOT_IMPLEMENTED) {
        ASSERT_OK(mmf_close(&m));
        W_SKIP("no PrefetchVirtualMemory in kernel32 (before Windows 8)");
    }
    ASSERT_OK(s);
    ASSERT_OK(mmf_close(&m));
}

/* MADV_FREE's form: DiscardVirtualMemory (Windows 8.1). */
static void
madvise_free_discards(void **state)
{
    mmf_map m;
    mmf_status s;

    (void)state;
    h_open_anon(&m, 4 * PAGE, MMF_MAP_PRIVATE);
    s = mmf_madvise(&m, MMF_MADV_FREE, 0, 4 * PAGE);
    if (s == MMF_ESYS && mmf_syserr(&m) == ERROR_CALL_NOT_IMPLEMENTED) {
        ASSERT_OK(mmf_close(&m));
        W_SKIP("Wine 8.0 has no DiscardVirtualMemory (neither kernel32 "
               "nor kernelbase exports it)");
    }
    ASSERT_OK(s);
    ASSERT_OK(mmf_close(&m));
}

/* protect() takes write and read access away and gives it back. */
static void
protect_changes_what_the_map_allows(void **state)
{
    mmf_map m;
    unsigned char b;
    size_t n;

    (void)state;
    h_open_anon(&m, 2 * PAGE, MMF_MAP_SHARED);
    ASSERT_OK(mmf_set_byte(&m, 0, 'p'));
    ASSERT_OK(mmf_protect(&m, MMF_PROT_READ));
    ASSERT_ST(mmf_set_byte(&m, 0, 'q'), MMF_EREADONLY);
    ASSERT_OK(mmf_get_byte(&m, 0, &b));
    ASSERT_EQ(b, 'p');
    ASSERT_OK(mmf_protect(&m, MMF_PROT_NONE));
    ASSERT_ST(mmf_read(&m, &b, 1, &n), MMF_ENOREAD);
    ASSERT_OK(mmf_protect(&m, RW));
    ASSERT_OK(mmf_set_byte(&m, 1, 'q'));
    ASSERT_OK(mmf_close(&m));

    /* a READ map stays read-only */
    h_open_anon(&m, PAGE, MMF_MAP_SHARED);
    ASSERT_OK(mmf_close(&m));
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, MMF_ANONYMOUS, PAGE, MMF_MAP_SHARED, RW,
                       MMF_ACCESS_READ, 0, 1));
    ASSERT_ST(mmf_protect(&m, RW), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));
}

/* A map opened without access (PROT_NONE) is unreadable until protect(). */
static void
prot_none_map(void **state)
{
    mmf_map m;
    unsigned char b = 1;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, MMF_ANONYMOUS, PAGE, MMF_MAP_SHARED,
                       MMF_PROT_NONE, MMF_ACCESS_DEFAULT, 0, 1));
    ASSERT_ST(mmf_get_byte(&m, 0, &b), MMF_ENOREAD);
    ASSERT_OK(mmf_protect(&m, MMF_PROT_READ));
    ASSERT_OK(mmf_get_byte(&m, 0, &b));
    ASSERT_EQ(b, 0);
    ASSERT_OK(mmf_close(&m));
}

static void
lock_populate_resident(void **state)
{
    mmf_map m;
    size_t bytes = 0;

    (void)state;
    h_open_anon(&m, 8 * PAGE, MMF_MAP_SHARED);
    ASSERT_OK(mmf_populate(&m, 0, 8 * PAGE, 1));
    ASSERT_OK(mmf_populate(&m, 0, 8 * PAGE, 0));
    ASSERT_OK(mmf_lock(&m, 0, 2 * PAGE));
    ASSERT_OK(mmf_unlock(&m, 0, 2 * PAGE));
    ASSERT_OK(mmf_unlock(&m, 0, 2 * PAGE)); /* not locked: fine */
    ASSERT_ST(mmf_lock(&m, 9 * PAGE, 1), MMF_ERANGE);
    ASSERT_OK(mmf_resident(&m, 10, 3 * PAGE, &bytes));
    ASSERT_TRUE(bytes <= 3 * PAGE);
    if (bytes != 3 * PAGE) {
        ASSERT_OK(mmf_close(&m));
        W_SKIP("Wine: QueryWorkingSetEx says %llu of %llu bytes just "
               "written are resident",
               (unsigned long long)bytes, (unsigned long long)(3 * PAGE));
    }
    ASSERT_OK(mmf_close(&m));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(flush_reaches_the_file),
        H_TEST(anonymous_flush_succeeds),
        H_TEST(search_and_lines_over_a_file),
        H_TEST(rfind_of_one_byte_over_a_large_map),
        H_TEST(resize_file_map),
        H_TEST(resize_file_map_at_an_offset),
        H_TEST(resize_anonymous_map),
        H_TEST(resize_named_map),
        H_TEST(resize_keeps_the_protection),
        H_TEST(resize_checks),
        H_TEST(mapped_file_cannot_be_truncated),
        H_TEST(madvise_forms),
        H_TEST(madvise_free_discards),
        H_TEST(protect_changes_what_the_map_allows),
        H_TEST(prot_none_map),
        H_TEST(lock_populate_resident),
    };
    return W_RUN(tests);
}
