/*
 * test_resize.c - mmf_resize() on file and anonymous maps, its checks and
 * their order, pins blocking resize and close, the cursor past the end, and
 * the all-or-nothing rollback when mremap or ftruncate fails.
 */
#include "helpers.h"

#include "posix/sys.h"

/* Fails the test unless the map starts with want[0, len). */
static void
assert_prefix_is(const mmf_map *m, const unsigned char *want, size_t len)
{
    unsigned char *got = malloc(len ? len : 1);
    ASSERT_OK(mmf_get_slice(m, 0, 1, len, got));
    if (h_mem_diff(got, want, len) != (size_t)-1) {
        size_t at = h_mem_diff(got, want, len);
        unsigned g = got[at], w = want[at];
        free(got);
        fail_msg("map differs at %zu: 0x%02x, expected 0x%02x", at, g, w);
    }
    free(got);
}

/* ... and has exactly that length. */
static void
assert_map_is(const mmf_map *m, const unsigned char *want, size_t len)
{
    ASSERT_UEQ(h_len(m), len);
    assert_prefix_is(m, want, len);
}

static int
all_zero(const mmf_map *m, size_t from, size_t to)
{
    unsigned char *buf = malloc(to - from + 1);
    size_t i;
    int ok = 1;

    ASSERT_OK(mmf_get_slice(m, from, 1, to - from, buf));
    for (i = 0; i < to - from; i++)
        if (buf[i] != 0)
            ok = 0;
    free(buf);
    return ok;
}

/* ---- growing and shrinking ---------------------------------------------- */

static void
resize_grow_file_map(void **state)
{
    char path[PATH_MAX];
    unsigned char *want = malloc(3 * PAGE);
    mmf_map m = {0};
    uint64_t size;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 100, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_seek(&m, 50, 0, NULL));
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_UEQ(h_len(&m), 3 * PAGE);
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE));
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 3 * PAGE);
    ASSERT_UEQ(h_tell(&m), 50); /* the cursor is not changed */
    memset(want, 0, 3 * PAGE);
    h_fill_pattern(want, 100, 0);
    assert_map_is(&m, want, 3 * PAGE); /* new part zero-filled */
    ASSERT_OK(mmf_set_byte(&m, 3 * PAGE - 1, 'E'));
    want[3 * PAGE - 1] = 'E';
    h_assert_file_is(path, want, 3 * PAGE); /* and it is the file */
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(want);
}

static void
resize_shrink_file_map(void **state)
{
    char path[PATH_MAX];
    unsigned char *want = malloc(3 * PAGE), b;
    mmf_map m = {0};
    int fd;

    (void)state;
    h_fill_pattern(want, 3 * PAGE, 0);
    fd = h_make_file(want, 3 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_WRITE, 0, 1);
    ASSERT_OK(mmf_resize(&m, PAGE + 5));
    ASSERT_EQ(h_file_size(path), (long long)(PAGE + 5));
    assert_map_is(&m, want, PAGE + 5);
    h_assert_file_is(path, want, PAGE + 5);
    ASSERT_ST(mmf_get_byte(&m, PAGE + 5, &b), MMF_ERANGE);
    ASSERT_OK(mmf_resize(&m, PAGE + 5)); /* same size: nothing to do */
    ASSERT_EQ(h_file_size(path), (long long)(PAGE + 5));
    ASSERT_OK(mmf_resize(&m, 1));
    assert_map_is(&m, want, 1);
    ASSERT_EQ(h_file_size(path), 1);
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(want);
}

static void
resize_with_offset_sets_file_size_to_offset_plus_newsize(void **state)
{
    char path[PATH_MAX];
    unsigned char *orig = malloc(4 * PAGE), *got = malloc(4 * PAGE);
    mmf_map m = {0};
    int fd;

    (void)state;
    h_fill_pattern(orig, 3 * PAGE, 0);
    fd = h_make_file(orig, 3 * PAGE, path);
    h_open_ok(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, (int64_t)PAGE,
              1);
    ASSERT_OK(mmf_resize(&m, 2 * PAGE + 1));
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE + 1));
    ASSERT_UEQ(h_len(&m), 2 * PAGE + 1);
    assert_prefix_is(&m, orig + PAGE, 2 * PAGE); /* 2 * PAGE old, 1 new */
    /* shrinking truncates the file after offset + newsize, even though
     * the map never covered the file's tail */
    ASSERT_OK(mmf_resize(&m, 10));
    ASSERT_EQ(h_file_size(path), (long long)(PAGE + 10));
    ASSERT_EQ(h_read_file(path, got, 4 * PAGE), (long long)(PAGE + 10));
    ASSERT_MEM_EQ(got, orig, PAGE + 10);
    assert_map_is(&m, orig + PAGE, 10);
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(orig);
    free(got);
}

static void
resize_follows_offset_plus_newsize_after_external_growth(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    uint64_t size;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_EQ(ftruncate(fd, (off_t)(5 * PAGE)), 0);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 5 * PAGE);
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE));
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
resize_private_default_file_map(void **state)
{
    char path[PATH_MAX];
    unsigned char *orig = malloc(2 * PAGE);
    mmf_map m = {0};
    int fd;

    (void)state;
    h_fill_pattern(orig, 2 * PAGE, 0);
    fd = h_make_file(orig, 2 * PAGE, path);
    /* ACCESS_DEFAULT with MAP_PRIVATE is writable and resizable */
    h_open_ok(&m, fd, 0, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE));
    ASSERT_UEQ(h_len(&m), 3 * PAGE);
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(orig);
}

static void
resize_anonymous_private_grow_and_shrink(void **state)
{
    unsigned char *want = malloc(3 * PAGE);
    mmf_map m = {0};

    (void)state;
    h_open_anon(&m, PAGE, MAP_PRIVATE);
    h_fill_pattern(want, PAGE, 0);
    ASSERT_OK(mmf_set_slice(&m, 0, 1, PAGE, want));
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_UEQ(h_len(&m), 3 * PAGE);
    assert_prefix_is(&m, want, PAGE);
    ASSERT_TRUE(all_zero(&m, PAGE, 3 * PAGE)); /* new part zero-filled */
    ASSERT_OK(mmf_set_byte(&m, 3 * PAGE - 1, 1));
    ASSERT_OK(mmf_resize(&m, 10));
    assert_map_is(&m, want, 10);
    ASSERT_OK(mmf_resize(&m, 2 * PAGE));
    assert_prefix_is(&m, want, 10);
    ASSERT_TRUE(all_zero(&m, PAGE, 2 * PAGE));
    {
        uint64_t size;
        ASSERT_OK(mmf_size(&m, &size));
        ASSERT_UEQ(size, 2 * PAGE);
    }
    ASSERT_OK(mmf_close(&m));
    free(want);
}

static void
resize_anonymous_shared_can_shrink_not_grow(void **state)
{
    mmf_map m = {0};
    unsigned char b;

    (void)state;
    h_open_anon(&m, 3 * PAGE, MAP_SHARED);
    ASSERT_OK(mmf_set_byte(&m, 0, 'q'));
    ASSERT_ST(mmf_resize(&m, 4 * PAGE), MMF_ENOTSUP);
    ASSERT_UEQ(h_len(&m), 3 * PAGE);
    ASSERT_OK(mmf_resize(&m, PAGE));
    ASSERT_UEQ(h_len(&m), PAGE);
    ASSERT_OK(mmf_get_byte(&m, 0, &b));
    ASSERT_EQ(b, 'q');
    ASSERT_ST(mmf_resize(&m, 2 * PAGE), MMF_ENOTSUP); /* not even back */
    ASSERT_ST(mmf_resize(&m, PAGE + 1), MMF_ENOTSUP);
    ASSERT_OK(mmf_resize(&m, PAGE)); /* same size is not growing */
    ASSERT_OK(mmf_resize(&m, 100));
    ASSERT_UEQ(h_len(&m), 100);
    ASSERT_OK(mmf_close(&m));
}

/* ---- refusals ----------------------------------------------------------- */

static void
resize_to_zero_is_erange_and_changes_nothing(void **state)
{
    char path[PATH_MAX];
    unsigned char *orig = malloc(2 * PAGE);
    mmf_map m = {0};
    int fd;

    (void)state;
    h_fill_pattern(orig, 2 * PAGE, 0);
    fd = h_make_file(orig, 2 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_ST(mmf_resize(&m, 0), MMF_ERANGE);
    h_assert_file_is(path, orig, 2 * PAGE);
    assert_map_is(&m, orig, 2 * PAGE);
    ASSERT_OK(mmf_close(&m));

    h_open_ok(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, (int64_t)PAGE,
              1);
    ASSERT_ST(mmf_resize(&m, 0), MMF_ERANGE);
    h_assert_file_is(path, orig, 2 * PAGE); /* not truncated to offset */
    ASSERT_OK(mmf_close(&m));
    close(fd);

    h_open_anon(&m, PAGE, MAP_PRIVATE);
    ASSERT_ST(mmf_resize(&m, 0), MMF_ERANGE);
    ASSERT_UEQ(h_len(&m), PAGE);
    ASSERT_OK(mmf_close(&m));
    h_open_anon(&m, PAGE, MAP_SHARED);
    ASSERT_ST(mmf_resize(&m, 0), MMF_ERANGE);
    ASSERT_OK(mmf_close(&m));
    free(orig);
}

static void
resize_overflowing_size_is_erange(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    h_open_ok(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, (int64_t)PAGE,
              1);
    ASSERT_ST(mmf_resize(&m, SIZE_MAX), MMF_ERANGE);
    ASSERT_ST(mmf_resize(&m, (size_t)INT64_MAX), MMF_ERANGE);
    ASSERT_ST(mmf_resize(&m, (size_t)INT64_MAX - PAGE + 1), MMF_ERANGE);
    ASSERT_EQ(h_file_size(path), (long long)(2 * PAGE));
    ASSERT_UEQ(h_len(&m), PAGE);
    ASSERT_OK(mmf_close(&m));

    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_ST(mmf_resize(&m, SIZE_MAX), MMF_ERANGE);
    ASSERT_ST(mmf_resize(&m, (size_t)INT64_MAX + 1), MMF_ERANGE);
    ASSERT_EQ(h_file_size(path), (long long)(2 * PAGE));
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* Sizes that pass the checks but that the OS refuses (EFBIG from
 * ftruncate, or ENOMEM from mremap after a successful ftruncate): the file
 * and the map must come back as they were. */
static void
resize_huge_fails_in_the_os_and_rolls_back(void **state)
{
    static const size_t sizes[] = {H_HUGE_SIZE(46), H_HUGE_SIZE(50),
                                   (size_t)PTRDIFF_MAX};
    char path[PATH_MAX];
    unsigned char *orig = malloc(2 * PAGE);
    mmf_map m = {0};
    size_t i;
    int fd;

    (void)state;
    h_fill_pattern(orig, 2 * PAGE, 0);
    fd = h_make_file(orig, 2 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    for (i = 0; i < ARRAY_LEN(sizes); i++) {
        mmf_status st = mmf_resize(&m, sizes[i]);
        if (st == MMF_OK) { /* a machine with that much address space */
            ASSERT_OK(mmf_resize(&m, 2 * PAGE));
            continue;
        }
        ASSERT_ST(st, MMF_ESYS);
        h_note("resize(%zu): %s failed with %s", sizes[i], mmf_sysfunc(&m),
               strerror(mmf_syserr(&m)));
        h_assert_file_is(path, orig, 2 * PAGE);
        assert_map_is(&m, orig, 2 * PAGE);
    }
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(orig);
}

static void
resize_read_and_copy_maps_is_enoresize(void **state)
{
    static const mmf_access modes[] = {MMF_ACCESS_READ, MMF_ACCESS_COPY};
    char path[PATH_MAX];
    mmf_map m = {0};
    size_t i;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    for (i = 0; i < ARRAY_LEN(modes); i++) {
        h_open_ok(&m, fd, 0, MAP_SHARED, RW, modes[i], 0, 1);
        ASSERT_ST(mmf_resize(&m, 3 * PAGE), MMF_ENORESIZE);
        ASSERT_ST(mmf_resize(&m, PAGE), MMF_ENORESIZE);
        ASSERT_ST(mmf_resize(&m, 0), MMF_ENORESIZE); /* before ERANGE */
        ASSERT_UEQ(h_len(&m), 2 * PAGE);
        ASSERT_OK(mmf_close(&m));
    }
    /* prot read-only through ACCESS_DEFAULT resolves to READ */
    h_open_ok(&m, fd, 0, MAP_SHARED, PROT_READ, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_ST(mmf_resize(&m, PAGE), MMF_ENORESIZE);
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_file_size(path), (long long)(2 * PAGE));
    close(fd);
}

static void
resize_without_trackfd_is_enotrack(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 0);
    ASSERT_ST(mmf_resize(&m, 3 * PAGE), MMF_ENOTRACK);
    ASSERT_ST(mmf_resize(&m, 0), MMF_ENOTRACK); /* before ERANGE */
    ASSERT_OK(mmf_close(&m));
    /* before ENORESIZE */
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 0);
    ASSERT_ST(mmf_resize(&m, PAGE), MMF_ENOTRACK);
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_file_size(path), (long long)(2 * PAGE));
    close(fd);

    /* also for anonymous maps opened with trackfd off */
    ASSERT_OK(mmf_open(&m, MMF_ANONYMOUS, PAGE, MAP_PRIVATE, RW,
                       MMF_ACCESS_DEFAULT, 0, 0));
    ASSERT_ST(mmf_resize(&m, 2 * PAGE), MMF_ENOTRACK);
    ASSERT_OK(mmf_close(&m));
}

static void
resize_check_order(void **state)
{
    mmf_map m = {0};
    int fd;

    (void)state;
    ASSERT_ST(mmf_resize(&m, 0), MMF_ECLOSED);
    fd = h_make_file(NULL, PAGE, NULL);
    /* pinned before trackfd */
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_READ, 0, 0);
    ASSERT_OK(mmf_pin(&m, NULL, NULL));
    ASSERT_ST(mmf_resize(&m, 0), MMF_EBUSY);
    mmf_unpin(&m);
    ASSERT_ST(mmf_resize(&m, 0), MMF_ENOTRACK);
    ASSERT_OK(mmf_close(&m));
    /* ERANGE before ENOTSUP */
    h_open_anon(&m, PAGE, MAP_SHARED);
    ASSERT_ST(mmf_resize(&m, 0), MMF_ERANGE);
    ASSERT_ST(mmf_resize(&m, SIZE_MAX), MMF_ERANGE);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- pins --------------------------------------------------------------- */

static void
resize_and_close_blocked_while_pinned(void **state)
{
    char path[PATH_MAX];
    unsigned char *p = NULL, b;
    size_t len = 0;
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_pin(&m, &p, &len));
    ASSERT_UEQ(len, 2 * PAGE);
    ASSERT_ST(mmf_resize(&m, 3 * PAGE), MMF_EBUSY);
    ASSERT_ST(mmf_resize(&m, PAGE), MMF_EBUSY);
    ASSERT_ST(mmf_close(&m), MMF_EBUSY);
    ASSERT_EQ(mmf_closed(&m), 0); /* still open and usable */
    ASSERT_EQ(h_file_size(path), (long long)(2 * PAGE));
    ASSERT_EQ(p[PAGE], h_pattern(PAGE)); /* the view stays valid */
    ASSERT_OK(mmf_get_byte(&m, 1, &b));
    ASSERT_OK(mmf_pin(&m, NULL, NULL));
    ASSERT_UEQ(mmf_pins(&m), 2);
    mmf_unpin(&m);
    ASSERT_ST(mmf_resize(&m, PAGE), MMF_EBUSY); /* one pin left */
    ASSERT_ST(mmf_close(&m), MMF_EBUSY);
    mmf_unpin(&m);
    ASSERT_UEQ(mmf_pins(&m), 0);
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE));
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(mmf_closed(&m), 1);
    close(fd);
}

/* ---- the cursor past the end -------------------------------------------- */

static void
cursor_beyond_end_after_shrink(void **state)
{
    unsigned char buf[32], b = 7;
    mmf_map m = {0};
    size_t n = 9, pos = 2 * PAGE + 5;
    ptrdiff_t idx;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 3 * PAGE, NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_seek(&m, (int64_t)pos, 0, NULL));
    ASSERT_OK(mmf_resize(&m, PAGE));
    ASSERT_UEQ(h_tell(&m), pos);
    ASSERT_OK(mmf_read(&m, buf, sizeof buf, &n));
    ASSERT_UEQ(n, 0);
    ASSERT_OK(mmf_readline(&m, buf, sizeof buf, &n));
    ASSERT_UEQ(n, 0);
    ASSERT_OK(mmf_remaining(&m, &n));
    ASSERT_UEQ(n, 0);
    ASSERT_ST(mmf_read_byte(&m, &b), MMF_ERANGE);
    ASSERT_ST(mmf_write(&m, "x", 1), MMF_ERANGE);
    ASSERT_ST(mmf_write(&m, "", 0), MMF_ERANGE);
    ASSERT_ST(mmf_write_byte(&m, 'x'), MMF_ERANGE);
    ASSERT_OK(mmf_find(&m, "", 0, pos, SIZE_MAX, &idx));
    ASSERT_EQ(idx, -1);
    ASSERT_ST(mmf_seek(&m, 0, 1, NULL), MMF_ERANGE);
    ASSERT_UEQ(h_tell(&m), pos);
    /* growing again makes the cursor valid; the regrown bytes are zero */
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_OK(mmf_read_byte(&m, &b));
    ASSERT_EQ(b, 0);
    ASSERT_UEQ(h_tell(&m), pos + 1);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- rollback on OS failure --------------------------------------------- */

static int mremap_calls, ftruncate_calls;

static void *
fail_mremap(void *addr, size_t old_len, size_t new_len)
{
    (void)addr;
    (void)old_len;
    (void)new_len;
    mremap_calls++;
    errno = ENOMEM;
    return MAP_FAILED;
}

static int
fail_ftruncate(int fd, off_t len)
{
    (void)fd;
    (void)len;
    ftruncate_calls++;
    errno = EIO;
    return -1;
}

/* resize(newsize) with one syscall failing: either it failed with the
 * injected error and nothing changed, or (for a shrink that did not need
 * the failing call) it succeeded. */
static void
check_failed_resize(const char *path, size_t newsize, int is_mremap)
{
    unsigned char *orig = malloc(2 * PAGE);
    mmf_map m = {0};
    mmf_status st;
    int fd, grow = newsize > 2 * PAGE;

    h_fill_pattern(orig, 2 * PAGE, 0);
    fd = open(path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    ASSERT_EQ(ftruncate(fd, 0), 0);
    ASSERT_EQ(pwrite(fd, orig, 2 * PAGE, 0), (ssize_t)(2 * PAGE));
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_seek(&m, 7, 0, NULL));
    mremap_calls = ftruncate_calls = 0;
    if (is_mremap)
        mmf__sys.mremap = fail_mremap;
    else
        mmf__sys.ftruncate = fail_ftruncate;
    st = mmf_resize(&m, newsize);
    mmf__sys = mmf__sys_default;
    if (!grow && st == MMF_OK
        && (is_mremap ? mremap_calls : ftruncate_calls) == 0) {
        h_note("shrink to %zu did not call %s", newsize,
               is_mremap ? "mremap" : "ftruncate");
    } else {
        ASSERT_ST(st, MMF_ESYS);
        h_check_syserr(&m, is_mremap ? ENOMEM : EIO,
                       is_mremap ? "mremap" : "ftruncate", "mmf_resize",
                       __FILE__, __LINE__);
        h_assert_file_is(path, orig, 2 * PAGE);
        assert_map_is(&m, orig, 2 * PAGE);
        ASSERT_UEQ(h_tell(&m), 7);
        /* still fully usable */
        ASSERT_OK(mmf_set_byte(&m, 0, orig[0]));
        ASSERT_OK(mmf_resize(&m, newsize));
        ASSERT_UEQ(h_len(&m), newsize);
        ASSERT_EQ(h_file_size(path), (long long)newsize);
    }
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(orig);
}

static void
resize_rolls_back_when_mremap_fails(void **state)
{
    char path[PATH_MAX];
    int fd;

    (void)state;
    fd = h_make_file("", 0, path);
    check_failed_resize(path, 4 * PAGE, 1);     /* grow */
    check_failed_resize(path, 2 * PAGE + 1, 1); /* grow within the page */
    check_failed_resize(path, PAGE, 1);         /* shrink */
    check_failed_resize(path, 10, 1);
    close(fd);
}

static void
resize_rolls_back_when_ftruncate_fails(void **state)
{
    char path[PATH_MAX];
    int fd;

    (void)state;
    fd = h_make_file("", 0, path);
    check_failed_resize(path, 4 * PAGE, 0);
    check_failed_resize(path, PAGE, 0);
    check_failed_resize(path, 10, 0);
    close(fd);
}

static void
resize_anonymous_rolls_back_when_mremap_fails(void **state)
{
    unsigned char *want = malloc(2 * PAGE);
    mmf_map m = {0};
    mmf_status st;

    (void)state;
    h_open_anon(&m, 2 * PAGE, MAP_PRIVATE);
    h_fill_pattern(want, 2 * PAGE, 0);
    ASSERT_OK(mmf_set_slice(&m, 0, 1, 2 * PAGE, want));
    mmf__sys.mremap = fail_mremap;
    st = mmf_resize(&m, 5 * PAGE);
    mmf__sys = mmf__sys_default;
    ASSERT_ST(st, MMF_ESYS);
    h_check_syserr(&m, ENOMEM, "mremap", "mmf_resize", __FILE__, __LINE__);
    assert_map_is(&m, want, 2 * PAGE);
    ASSERT_OK(mmf_resize(&m, 5 * PAGE));
    ASSERT_OK(mmf_resize(&m, 2 * PAGE)); /* works after the failure */
    assert_map_is(&m, want, 2 * PAGE);
    ASSERT_OK(mmf_close(&m));
    free(want);
}

/* ---- failing resizes change nothing (docs/hazards.md H-50) ------------ */

/* A memfd map that cannot grow that far: the memfd (sealed against
 * shrinking) must keep its size, the map its length and bytes. */
static void
resize_memfd_beyond_the_address_space_changes_nothing(void **state)
{
    mmf_map m = {0};
    unsigned char *want = malloc(2 * PAGE);
    uint64_t size = 0;
    mmf_status st;

    (void)state;
    ASSERT_OK(mmf_open_anon(&m, 2 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                            MMF_OPT_MEMFD));
    h_fill_pattern(want, 2 * PAGE, 3);
    ASSERT_OK(mmf_set_slice(&m, 0, 1, 2 * PAGE, want));
    /* A 32-bit address space may hold the largest size the checks
     * accept (2 GiB, under qemu-i386 too): there, mremap's refusal is
     * injected. */
    if (SIZE_MAX <= UINT32_MAX)
        mmf__sys.mremap = fail_mremap;
    st = mmf_resize(&m, H_HUGE_SIZE(50));
    mmf__sys = mmf__sys_default;
    ASSERT_ST(st, MMF_ESYS);
    assert_map_is(&m, want, 2 * PAGE);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 2 * PAGE);
    /* and it still grows and shrinks */
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_TRUE(all_zero(&m, 2 * PAGE, 3 * PAGE));
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 3 * PAGE);
    ASSERT_OK(mmf_close(&m));
    free(want);
}

/* A private anonymous map after protect(PROT_READ) or protect(0): resize
 * grows it (the tail of its last page zeroed through a temporary write
 * access), keeps the protection, and reads zeros past the old end even
 * where a larger mapping once wrote. */
static void
resize_protected_anonymous_map(void **state)
{
    static const int prots[] = {PROT_READ, PROT_NONE};
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(prots); i++) {
        mmf_map m = {0};
        unsigned char *want = malloc(3 * PAGE);
        unsigned char b;

        h_open_anon(&m, 5000, MAP_PRIVATE);
        ASSERT_OK(mmf_resize(&m, 3 * PAGE));
        h_fill_pattern(want, 3 * PAGE, 7);
        ASSERT_OK(mmf_set_slice(&m, 0, 1, 3 * PAGE, want));
        ASSERT_OK(mmf_resize(&m, 5000)); /* bytes past 5000 in the page */
        ASSERT_OK(mmf_protect(&m, prots[i]));
        ASSERT_OK(mmf_resize(&m, 9000));
        ASSERT_UEQ(h_len(&m), 9000);
        if (prots[i] == PROT_NONE)
            ASSERT_ST(mmf_get_byte(&m, 0, &b), MMF_ENOREAD);
        else
            ASSERT_ST(mmf_set_byte(&m, 0, 1), MMF_EREADONLY); /* still RO */
        ASSERT_OK(mmf_protect(&m, RW));
        assert_prefix_is(&m, want, 5000);
        ASSERT_TRUE(all_zero(&m, 5000, 9000));
        ASSERT_OK(mmf_close(&m));
        free(want);
    }
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(resize_grow_file_map),
        H_TEST(resize_shrink_file_map),
        H_TEST(resize_with_offset_sets_file_size_to_offset_plus_newsize),
        H_TEST(resize_follows_offset_plus_newsize_after_external_growth),
        H_TEST(resize_private_default_file_map),
        H_TEST(resize_anonymous_private_grow_and_shrink),
        H_TEST(resize_anonymous_shared_can_shrink_not_grow),
        H_TEST(resize_to_zero_is_erange_and_changes_nothing),
        H_TEST(resize_overflowing_size_is_erange),
        H_TEST(resize_huge_fails_in_the_os_and_rolls_back),
        H_TEST(resize_read_and_copy_maps_is_enoresize),
        H_TEST(resize_without_trackfd_is_enotrack),
        H_TEST(resize_check_order),
        H_TEST(resize_and_close_blocked_while_pinned),
        H_TEST(cursor_beyond_end_after_shrink),
        H_TEST(resize_rolls_back_when_mremap_fails),
        H_TEST(resize_rolls_back_when_ftruncate_fails),
        H_TEST(resize_anonymous_rolls_back_when_mremap_fails),
        H_TEST(resize_memfd_beyond_the_address_space_changes_nothing),
        H_TEST(resize_protected_anonymous_map),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("resize", tests, h_group_setup,
                                       h_group_teardown);
}
