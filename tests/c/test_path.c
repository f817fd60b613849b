/*
 * test_path.c - mmf_open_path(), beyond Python's mmap: the modes 'r', 'r+',
 * 'w+' and 'c', offsets, empty files, and its errors (a full disk at
 * open, a failing populate).
 */
#include "helpers.h"

#include "posix/sys.h"

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
    mmf__sys.madvise = h_madvise_no_populate;
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
    ASSERT_ST(mmf_open_path(&m, path, "rw", 0, 0), MMF_EMODE);
    ASSERT_ST(mmf_open_path(&m, path, "w+", 0, 0), MMF_ENOSIZE);
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

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(open_path_modes_offsets_and_errors),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("path", tests, h_group_setup,
                                       h_group_teardown);
}
