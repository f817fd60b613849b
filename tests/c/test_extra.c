/*
 * test_extra.c - the additions beyond Python's mmap (issue 5): mmf_count,
 * mmf_lock/unlock, mmf_populate, mmf_resident, mmf_protect. Success paths,
 * every documented error status, and a failing system call (through the
 * table) that leaves the object as it was.
 */
#include "helpers.h"

#include "posix/sys.h"

static size_t
naive_count(const unsigned char *h, size_t n, const char *nd, size_t nl)
{
    size_t c = 0, i = 0;
    if (nl == 0)
        return n + 1;
    while (i + nl <= n) {
        if (memcmp(h + i, nd, nl) == 0) {
            c++;
            i += nl;
        }
        else
            i++;
    }
    return c;
}

static void
count_against_a_naive_count(void **state)
{
    enum { LEN = 5000 };
    static const char *needles[] = {"\n", "a", "aa", "ab", "aba", "zzz", ""};
    unsigned char text[LEN];
    mmf_map m = {0};
    size_t got;

    (void)state;
    for (size_t i = 0; i < LEN; i++)
        text[i] = (unsigned char)("aab\naba"[(i * 7 + i / 13) % 7]);
    h_open_anon(&m, LEN, MAP_PRIVATE);
    ASSERT_OK(mmf_set_slice(&m, 0, 1, LEN, text));
    for (size_t k = 0; k < ARRAY_LEN(needles); k++) {
        size_t nl = strlen(needles[k]);
        static const size_t bounds[][2] = {
            {0, LEN}, {1, LEN - 1}, {17, 300}, {100, 100}, {0, SIZE_MAX}};
        for (size_t b = 0; b < ARRAY_LEN(bounds); b++) {
            size_t s = bounds[b][0], e = bounds[b][1];
            size_t ce = e > LEN ? LEN : e;
            ASSERT_OK(mmf_count(&m, needles[k], nl, s, e, &got));
            ASSERT_UEQ(got, naive_count(text + s, ce - s, needles[k], nl));
        }
    }
    ASSERT_OK(mmf_count(&m, "a", 1, 10, 5, &got)); /* start > end */
    ASSERT_UEQ(got, 0);
    ASSERT_OK(mmf_close(&m));
    ASSERT_ST(mmf_count(&m, "a", 1, 0, 1, &got), MMF_ECLOSED);
}

static void
populate_resident_lock(void **state)
{
    mmf_map m = {0};
    size_t bytes = 1;

    (void)state;
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
fail_populate(void *addr, size_t len, int advice)
{
    /* an old kernel: no populate advice */
    if (advice == 22 || advice == 23) {
        errno = EINVAL;
        return -1;
    }
    return mmf__sys_default.madvise(addr, len, advice);
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
    mmf__sys.madvise = fail_populate;
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

    /* options it cannot take */
    ASSERT_ST(mmf_open_anon(&m, PAGE, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT,
                            MMF_OPT_MEMFD), MMF_EINVAL);
    ASSERT_ST(mmf_open_anon(&m, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                            MMF_OPT_MEMFD | MMF_OPT_HUGEPAGES), MMF_EINVAL);
    ASSERT_ST(mmf_open_anon(&m, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                            0x80u), MMF_EINVAL);
    ASSERT_TRUE(mmf_closed(&m));

    /* failing system calls: a clear status, no descriptor left open */
    mmf__sys.memfd = fail_memfd;
    ASSERT_ESYS(&m, mmf_open_anon(&m, PAGE, MAP_SHARED, RW,
                                  MMF_ACCESS_DEFAULT, MMF_OPT_MEMFD),
                EMFILE, "memfd_create");
    mmf__sys = mmf__sys_default;
    mmf__sys.add_seals = fail_seals;
    ASSERT_ESYS(&m, mmf_open_anon(&m, PAGE, MAP_SHARED, RW,
                                  MMF_ACCESS_DEFAULT, MMF_OPT_MEMFD),
                EINVAL, "fcntl");
    mmf__sys = mmf__sys_default;
    ASSERT_TRUE(mmf_closed(&m));
}

static int
fail_fallocate(int fd, off_t off, off_t len)
{
    (void)fd;
    (void)off;
    (void)len;
    return ENOSPC;
}

static void
open_path_modes_offsets_and_errors(void **state)
{
    char path[PATH_MAX], empty[PATH_MAX];
    unsigned char buf[16], b;
    mmf_map m = {0};
    size_t n;
    uint64_t size;
    int fd;

    (void)state;
    snprintf(path, sizeof path, "%s/opened", h_dir());
    ASSERT_OK(mmf_open_path(&m, path, "w+", 3 * PAGE, 5));
    ASSERT_UEQ(h_len(&m), 3 * PAGE);
    ASSERT_EQ(h_file_size(path), 3 * PAGE + 5);
    ASSERT_TRUE(mmf_fileno(&m) >= 0);
    ASSERT_OK(mmf_write(&m, "abcdef", 6));
    ASSERT_OK(mmf_flush(&m, 0, 6, 0));
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_read_file(path, buf, 11), 11);
    ASSERT_MEM_EQ(buf + 5, "abcdef", 6);

    /* any offset: data starts there, inside a page */
    ASSERT_OK(mmf_open_path(&m, path, "r", 4, 7));
    ASSERT_OK(mmf_read(&m, buf, sizeof buf, &n));
    ASSERT_UEQ(n, 4);
    ASSERT_MEM_EQ(buf, "cdef", 4);
    ASSERT_ST(mmf_write(&m, "x", 1), MMF_EREADONLY);
    ASSERT_OK(mmf_close(&m));
    ASSERT_OK(mmf_open_path(&m, path, "r+", 0, PAGE + 3));
    ASSERT_UEQ(h_len(&m), 2 * PAGE + 2);
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(h_file_size(path), 4 * PAGE + 3);
    ASSERT_OK(mmf_set_byte(&m, 3 * PAGE - 1, 'E'));
    ASSERT_OK(mmf_populate(&m, 0, SIZE_MAX, 1));
    ASSERT_OK(mmf_protect(&m, PROT_READ));
    ASSERT_OK(mmf_close(&m));
    ASSERT_OK(mmf_open_path(&m, path, "c", 0, 5));
    ASSERT_OK(mmf_set_byte(&m, 0, 'Z')); /* private */
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_read_file(path, buf, 6), 6);
    ASSERT_EQ(buf[5], 'a');

    /* an unaligned offset with an old kernel's populate (the fallback
     * touches the bytes asked for, in data's terms) */
    mmf__sys.madvise = fail_populate;
    ASSERT_OK(mmf_open_path(&m, path, "r+", 0, 100));
    ASSERT_OK(mmf_populate(&m, 0, SIZE_MAX, 0));
    ASSERT_OK(mmf_populate(&m, 5, SIZE_MAX, 1));
    ASSERT_OK(mmf_get_byte(&m, 0, &b));
    mmf__sys = mmf__sys_default;
    ASSERT_OK(mmf_close(&m));

    /* an empty file: an empty map that grows */
    snprintf(empty, sizeof empty, "%s/empty", h_dir());
    fd = open(empty, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    close(fd);
    ASSERT_OK(mmf_open_path(&m, empty, "r+", 0, 0));
    ASSERT_UEQ(h_len(&m), 0);
    ASSERT_ST(mmf_get_byte(&m, 0, &b), MMF_ERANGE);
    ASSERT_OK(mmf_resize(&m, 3));
    ASSERT_OK(mmf_set_slice(&m, 0, 1, 3, "new"));
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 3);
    ASSERT_OK(mmf_close(&m));

    /* errors: closed map after each, no descriptor left */
    ASSERT_ST(mmf_open_path(&m, path, "rw", 0, 0), MMF_EINVAL);
    ASSERT_ST(mmf_open_path(&m, path, "w+", 0, 0), MMF_EINVAL);
    ASSERT_ST(mmf_open_path(&m, path, "r", 0, -1), MMF_EINVAL);
    ASSERT_ST(mmf_open_path(&m, path, "r", 0, 5 * PAGE), MMF_EOFFSET);
    ASSERT_ST(mmf_open_path(&m, path, "r", 5 * PAGE, 0), MMF_ELENGTH);
    ASSERT_ESYS(&m, mmf_open_path(&m, "/nonexistent/x", "r", 0, 0), ENOENT,
                "open");
    mmf__sys.fallocate = fail_fallocate;
    ASSERT_ESYS(&m, mmf_open_path(&m, path, "w+", PAGE, 0), ENOSPC,
                "posix_fallocate");
    mmf__sys = mmf__sys_default;
    ASSERT_TRUE(mmf_closed(&m));
    unlink(path);
    unlink(empty);
}

/* Issue 13 (H-47): a count split into pieces at every point, each piece
 * resuming where mmf_count_part() says, adds up to the count of the whole
 * (the binding counts long ranges so, checking for signals in between). */
static void
count_in_pieces_adds_up(void **state)
{
    static const char *const needles[] = {"a", "aa", "aba", "abab", "b"};
    const char *hay = "aaabababaaaabbabaababababaaaaabab";
    size_t n = strlen(hay), k;
    mmf_map m = {0};

    (void)state;
    h_open_anon(&m, n, MAP_PRIVATE);
    ASSERT_OK(mmf_set_slice(&m, 0, 1, n, hay));
    for (k = 0; k < ARRAY_LEN(needles); k++) {
        size_t nl = strlen(needles[k]), whole = 0, piece;

        ASSERT_OK(mmf_count(&m, needles[k], nl, 0, n, &whole));
        for (piece = nl; piece <= n; piece++) {
            size_t start = 0, total = 0;
            while (1) {
                size_t end = n - start > piece + nl - 1 ? start + piece + nl - 1
                                                        : n;
                size_t c = 0, resume = 0;
                ASSERT_OK(mmf_count_part(&m, needles[k], nl, start, end, &c,
                                         &resume));
                total += c;
                if (end == n)
                    break;
                ASSERT_TRUE(resume > start && resume <= end);
                start = resume;
            }
            if (total != whole)
                fail_msg("needle \"%s\", pieces of %zu: %zu, whole %zu",
                         needles[k], piece, total, whole);
        }
    }
    ASSERT_OK(mmf_close(&m));
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(count_against_a_naive_count),
        H_TEST(count_in_pieces_adds_up),
        H_TEST(populate_resident_lock),
        H_TEST(failing_calls_change_nothing),
        H_TEST(protect_changes_what_the_map_allows),
        H_TEST(anonymous_options),
        H_TEST(open_path_modes_offsets_and_errors),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("extra", tests, h_group_setup,
                                       h_group_teardown);
}
