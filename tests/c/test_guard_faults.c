/*
 * test_guard_faults.c - the fault guard (docs/hazards.md H-05, H-08, H-09,
 * H-42, H-43): a file truncated under the map turns every access into
 * MMF_EFAULT instead of a SIGBUS, repeatedly and in any thread; so do a
 * partial truncation, a copy-on-write page and a PROT_NONE page inside the
 * map. Faults that are not the library's: test_guard_chain.c.
 *
 * cmocka installs its own SIGSEGV/SIGBUS handlers around every test (and
 * restores the old ones with signal(), without SA_SIGINFO), which would sit
 * in front of the guard: every test starts with h_guard_in_front(), which
 * also tests re-installation.
 *
 * Under ASan run with ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:
 * allow_user_segv_handler=1.
 */
#include "helpers.h"

#include <pthread.h>
/* A 3-page file map (ACCESS_WRITE), cursor at 5; the path in path. */
static int
open_three_pages(mmf_map *m, char *path)
{
    int fd = h_make_file(NULL, 3 * PAGE, path);
    h_open_ok(m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_WRITE, 0, 1);
    ASSERT_OK(mmf_seek(m, 5, 0, NULL));
    return fd;
}

/* Truncate the file at path to len through another descriptor. */
static void
truncate_path(const char *path, off_t len)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, len), 0);
    close(fd);
}

/* st must be MMF_EFAULT with syserr err, sysfunc "fault", the fault in the
 * map (and in [lo, hi) when hi > 0), and the cursor unchanged. */
#define ASSERT_FAULT(m, expr, err, lo, hi)                                    \
    do {                                                                      \
        size_t pos_ = h_tell(m);                                              \
        ASSERT_ST(expr, MMF_EFAULT);                                          \
        check_fault((m), (err), (lo), (hi), #expr);                           \
        ASSERT_UEQ(h_tell(m), pos_);                                          \
    } while (0)

static void
check_fault(const mmf_map *m, int err, size_t lo, size_t hi, const char *expr)
{
    size_t off = mmf_fault_offset(m);

    if ((off >= h_len(m) || (hi > 0 && (off < lo || off >= hi)))
        && h_fault_addresses_wrong())
        H_SKIP("%s: fault offset %zu: this machine's fault addresses are "
               "not the bytes touched (qemu-user)",
               expr, off);
    if (mmf_syserr(m) != err)
        fail_msg("%s: syserr %d, expected %d", expr, mmf_syserr(m), err);
    if (mmf_sysfunc(m) == NULL || strcmp(mmf_sysfunc(m), "fault") != 0)
        fail_msg("%s: sysfunc \"%s\", expected \"fault\"", expr,
                 mmf_sysfunc(m) ? mmf_sysfunc(m) : "(null)");
    if (off >= h_len(m))
        fail_msg("%s: fault offset %zu outside the map (%zu bytes)", expr, off,
                 h_len(m));
    if (hi > 0 && (off < lo || off >= hi))
        fail_msg("%s: fault offset %zu, expected in [%zu, %zu)", expr, off, lo,
                 hi);
}

/* mmf_readline_alloc()'s allocator here: one static buffer. */
static unsigned char line_buf[1 << 16];

static void *
line_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return n <= sizeof line_buf ? line_buf : NULL;
}

/* Every operation that touches the bytes of a map whose file is gone. */
static void
every_access_faults(mmf_map *m)
{
    unsigned char buf[64], b;
    size_t n = 77;
    ptrdiff_t idx = 77;

    ASSERT_FAULT(m, mmf_read(m, buf, 10, &n), EIO, 0, PAGE);
    ASSERT_FAULT(m, mmf_read_byte(m, &b), EIO, 0, PAGE);
    ASSERT_FAULT(m, mmf_line_length(m, &n), EIO, 0, PAGE);
    ASSERT_FAULT(m, mmf_readline(m, buf, sizeof buf, &n), EIO, 0, PAGE);
    ASSERT_FAULT(m, mmf_readline_alloc(m, line_alloc, NULL, &n), EIO, 0, PAGE);
    ASSERT_FAULT(m, mmf_get_byte(m, PAGE + 1, &b), EIO, PAGE, 2 * PAGE);
    ASSERT_FAULT(m, mmf_get_byte(m, 3 * PAGE - 1, &b), EIO, 2 * PAGE,
                 3 * PAGE);
    ASSERT_FAULT(m, mmf_get_slice(m, 0, 1, sizeof buf, buf), EIO, 0, PAGE);
    ASSERT_FAULT(m, mmf_get_slice(m, 2 * PAGE + 10, -3, 5, buf), EIO, 2 * PAGE,
                 3 * PAGE);
    ASSERT_FAULT(m, mmf_find(m, "x", 1, 0, SIZE_MAX, &idx), EIO, 0, 0);
    ASSERT_FAULT(m, mmf_find(m, "needle!", 7, PAGE, SIZE_MAX, &idx), EIO, 0,
                 0);
    ASSERT_FAULT(m, mmf_rfind(m, "x", 1, 0, SIZE_MAX, &idx), EIO, 0, 0);
    /* short windows: one fast copy, then a search of the copy */
    ASSERT_FAULT(m, mmf_find(m, "ab", 2, PAGE + 10, PAGE + 80, &idx), EIO,
                 PAGE, 2 * PAGE);
    ASSERT_FAULT(m, mmf_rfind(m, "ab", 2, PAGE + 10, PAGE + 80, &idx), EIO,
                 PAGE, 2 * PAGE);
    ASSERT_FAULT(m, mmf_rfind(m, "needle!", 7, 0, SIZE_MAX, &idx), EIO, 0, 0);
    ASSERT_FAULT(m, mmf_write(m, "abc", 3), EIO, 0, PAGE);
    ASSERT_FAULT(m, mmf_write_byte(m, 'w'), EIO, 0, PAGE);
    ASSERT_FAULT(m, mmf_set_byte(m, 2 * PAGE, 's'), EIO, 2 * PAGE, 3 * PAGE);
    ASSERT_FAULT(m, mmf_set_slice(m, PAGE, 2, 4, "abcd"), EIO, PAGE, 2 * PAGE);
    ASSERT_FAULT(m, mmf_move(m, 0, PAGE, 10), EIO, 0, 2 * PAGE);
}

static void
truncated_file_every_access_is_efault(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    uint64_t size = 1;
    size_t len = 0;
    int fd;

    (void)state;
    if (h_file_sigbus_kills())
        H_SKIP(H_FILE_SIGBUS_KILLS);
    h_guard_in_front();
    fd = open_three_pages(&m, path);
    truncate_path(path, 0);
    every_access_faults(&m);
    /* what does not touch the bytes keeps working */
    ASSERT_OK(mmf_len(&m, &len));
    ASSERT_UEQ(len, 3 * PAGE);
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 0);
    ASSERT_OK(mmf_seek(&m, 0, 2, NULL));
    /* the file comes back: so do the bytes (zeros now) */
    truncate_path(path, (off_t)(3 * PAGE));
    {
        unsigned char b = 1;
        ASSERT_OK(mmf_get_byte(&m, 2 * PAGE, &b));
        ASSERT_EQ(b, 0);
    }
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* The fast primitives (short copies and line scans) fault like the armed
 * guard: for every size, a copy or scan that reaches into a page past the
 * end of the file is MMF_EFAULT at an offset in that page, the cursor does
 * not move, and the bytes before the end are still read. */
static void
short_accesses_across_the_end_of_file_fault(void **state)
{
    char path[PATH_MAX];
    unsigned char buf[300];
    mmf_map m = {0};
    size_t n, len;
    int fd;

    (void)state;
    if (h_file_sigbus_kills())
        H_SKIP(H_FILE_SIGBUS_KILLS);
    h_guard_in_front();
    fd = open_three_pages(&m, path);
    ASSERT_OK(mmf_set_slice(&m, 0, 1, 1, "x"));
    truncate_path(path, (off_t)PAGE); /* pages 2 and 3 are gone */
    for (n = 1; n <= sizeof buf; n++) {
        size_t at = PAGE - n / 2;
        memset(buf, 'x', sizeof buf);
        ASSERT_OK(mmf_seek(&m, (int64_t)at, 0, NULL));
        if (n / 2 > 0) { /* ends in page 1: fine */
            ASSERT_OK(mmf_get_slice(&m, at, 1, n / 2, buf));
        }
        if (n - n / 2 > 0) {
            ASSERT_FAULT(&m, mmf_read(&m, buf, n, &len), EIO, PAGE, 2 * PAGE);
            unsigned char before[sizeof buf], after[sizeof buf];
            memset(before, 'x', sizeof before);
            ASSERT_OK(mmf_get_slice(&m, at, 1, n / 2, before));
            buf[0] = (unsigned char)(before[0] ^ 0xFF);
            ASSERT_FAULT(&m, mmf_write(&m, buf, n), EIO, PAGE, 2 * PAGE);
            ASSERT_FAULT(&m, mmf_set_slice(&m, at, 1, n, buf), EIO, PAGE,
                         2 * PAGE);
            /* all or nothing: page 1's part is untouched */
            ASSERT_OK(mmf_get_slice(&m, at, 1, n / 2, after));
            ASSERT_MEM_EQ(after, before, n / 2);
            ASSERT_FAULT(&m, mmf_get_slice(&m, at, 1, n, buf), EIO, PAGE,
                         2 * PAGE);
        }
    }
    /* a line that runs into page 2 (no newline in page 1's tail) */
    ASSERT_OK(mmf_set_slice(&m, PAGE - 8, 1, 8, "no-nl-->"));
    ASSERT_OK(mmf_seek(&m, (int64_t)(PAGE - 8), 0, NULL));
    ASSERT_FAULT(&m, mmf_line_length(&m, &len), EIO, PAGE, 2 * PAGE);
    ASSERT_FAULT(&m, mmf_next_line(&m, &n, &len), EIO, PAGE, 2 * PAGE);
    memset(buf, 'x', sizeof buf); /* and one longer than the fast scan */
    ASSERT_OK(mmf_set_slice(&m, PAGE - sizeof buf, 1, sizeof buf, buf));
    ASSERT_OK(mmf_seek(&m, (int64_t)(PAGE - sizeof buf), 0, NULL));
    ASSERT_FAULT(&m, mmf_line_length(&m, &len), EIO, PAGE, 2 * PAGE);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

static void
truncated_file_repeated_faults(void **state)
{
    char path[PATH_MAX];
    unsigned char buf[16], b;
    mmf_map m = {0};
    size_t n;
    ptrdiff_t idx;
    int fd, i;

    (void)state;
    if (h_file_sigbus_kills())
        H_SKIP(H_FILE_SIGBUS_KILLS);
    h_guard_in_front();
    fd = open_three_pages(&m, path);
    truncate_path(path, 0);
    for (i = 0; i < 1000; i++) {
        mmf_status st;
        switch (i % 5) {
        case 0:
            st = mmf_read(&m, buf, sizeof buf, &n);
            break;
        case 1:
            st = mmf_get_byte(&m, (size_t)i % (3 * PAGE), &b);
            break;
        case 2:
            st = mmf_write_byte(&m, 'x');
            break;
        case 3:
            st = mmf_find(&m, "ab", 2, 0, SIZE_MAX, &idx);
            break;
        default:
            st = mmf_move(&m, 1, 2, 100);
            break;
        }
        if (st != MMF_EFAULT)
            fail_msg("fault %d (operation %d): %s", i, i % 5,
                     mmf_status_name(st));
        if (mmf_syserr(&m) != EIO)
            fail_msg("fault %d: syserr %d", i, mmf_syserr(&m));
    }
    ASSERT_UEQ(h_tell(&m), 5);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- threads ------------------------------------------------------------ */

struct thread_job {
    mmf_map m;  /* opened by the main thread before the truncation */
    int faults; /* how many EFAULTs it saw */
    int wrong;  /* other outcomes */
    int syserr;
    size_t offset_max;
};

static void *
fault_thread(void *arg)
{
    struct thread_job *job = arg;
    unsigned char buf[32];
    size_t n;
    int i;

    for (i = 0; i < 200; i++) {
        mmf_status st =
            (i & 1) ? mmf_read(&job->m, buf, sizeof buf, &n)
                    : mmf_set_byte(&job->m, (size_t)i * 13 % (3 * PAGE), 1);
        if (st == MMF_EFAULT) {
            job->faults++;
            job->syserr = mmf_syserr(&job->m);
            if (mmf_fault_offset(&job->m) > job->offset_max)
                job->offset_max = mmf_fault_offset(&job->m);
        } else {
            job->wrong++;
        }
    }
    return NULL;
}

static void
fault_in_other_threads_is_efault(void **state)
{
    struct thread_job jobs[3];
    pthread_t tid[3];
    char path[PATH_MAX];
    mmf_map m = {0};
    unsigned char b;
    int fd, i;

    (void)state;
    if (h_file_sigbus_kills())
        H_SKIP(H_FILE_SIGBUS_KILLS);
    h_guard_in_front();
    fd = open_three_pages(&m, path);
    memset(jobs, 0, sizeof jobs);
    for (i = 0; i < 3; i++)
        h_open_ok(&jobs[i].m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 0);
    truncate_path(path, 0);
    for (i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&tid[i], NULL, fault_thread, &jobs[i]),
                         0);
    /* and the main thread faults at the same time */
    for (i = 0; i < 200; i++)
        ASSERT_ST(mmf_get_byte(&m, (size_t)i, &b), MMF_EFAULT);
    for (i = 0; i < 3; i++) /* all of them, before a check can leave */
        assert_int_equal(pthread_join(tid[i], NULL), 0);
    for (i = 0; i < 3; i++) {
        if (jobs[i].wrong != 0 || jobs[i].faults != 200)
            fail_msg("thread %d: %d faults, %d other outcomes", i,
                     jobs[i].faults, jobs[i].wrong);
        ASSERT_EQ(jobs[i].syserr, EIO);
        if (jobs[i].offset_max >= 3 * PAGE && h_fault_addresses_wrong())
            H_SKIP("fault offset %zu: this machine's fault addresses are "
                   "not the bytes touched (qemu-user)",
                   jobs[i].offset_max);
        ASSERT_TRUE(jobs[i].offset_max < 3 * PAGE);
        ASSERT_OK(mmf_close(&jobs[i].m));
    }
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* ---- partial truncation, copy-on-write, SIGSEGV ------------------------- */

static void
partial_truncation_faults_only_past_the_last_page(void **state)
{
    char path[PATH_MAX];
    unsigned char *buf, b = 9;
    mmf_map m = {0};
    size_t n = 1;
    int fd;

    (void)state;
    if (h_file_sigbus_kills())
        H_SKIP(H_FILE_SIGBUS_KILLS);
    buf = malloc(3 * PAGE);
    h_guard_in_front();
    fd = open_three_pages(&m, path);
    truncate_path(path, (off_t)(PAGE + 10));
    ASSERT_OK(mmf_get_byte(&m, PAGE + 5, &b)); /* still in the file */
    ASSERT_EQ(b, h_pattern(PAGE + 5));
    ASSERT_OK(mmf_get_byte(&m, PAGE + 100, &b)); /* same page: zero */
    ASSERT_EQ(b, 0);
    ASSERT_OK(mmf_get_byte(&m, 2 * PAGE - 1, &b));
    ASSERT_EQ(b, 0);
    ASSERT_FAULT(&m, mmf_get_byte(&m, 2 * PAGE, &b), EIO, 2 * PAGE,
                 2 * PAGE + 1);
    ASSERT_FAULT(&m, mmf_get_byte(&m, 3 * PAGE - 1, &b), EIO, 3 * PAGE - 1,
                 3 * PAGE);
    /* a copy that runs past the end faults in the missing page only */
    ASSERT_OK(mmf_seek(&m, (int64_t)PAGE, 0, NULL));
    ASSERT_FAULT(&m, mmf_read(&m, buf, 2 * PAGE, &n), EIO, 2 * PAGE, 3 * PAGE);
    ASSERT_OK(mmf_read(&m, buf, PAGE, &n)); /* up to the page end: fine */
    ASSERT_UEQ(n, PAGE);
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(buf);
}

static void
copy_map_dirty_page_then_truncation_is_efault(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    unsigned char b;
    int fd;

    (void)state;
    h_guard_in_front();
    fd = h_make_file(NULL, 2 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 1);
    ASSERT_OK(mmf_set_byte(&m, 0, 'd')); /* a private copy of page 0 */
    truncate_path(path, 0);
    /* the private page is dropped with the file's pages (H-09) */
    ASSERT_FAULT(&m, mmf_get_byte(&m, 0, &b), EIO, 0, PAGE);
    ASSERT_FAULT(&m, mmf_get_byte(&m, PAGE, &b), EIO, PAGE, 2 * PAGE);
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* SIGSEGV inside the map: a PROT_NONE page, set up behind the library's
 * back through the pinned pointer. */
static void
prot_none_page_inside_map_is_efault(void **state)
{
    unsigned char *p, b;
    mmf_map m = {0};
    ptrdiff_t idx;
    int i;

    (void)state;
    h_guard_in_front();
    h_open_anon(&m, 2 * PAGE, MAP_PRIVATE);
    ASSERT_OK(mmf_set_byte(&m, PAGE - 1, 'z'));
    ASSERT_OK(mmf_pin(&m, &p, NULL));
    ASSERT_EQ(mprotect(p + PAGE, PAGE, PROT_NONE), 0);
    for (i = 0; i < 3; i++) { /* repeatedly: the mask is restored */
        ASSERT_FAULT(&m, mmf_get_byte(&m, PAGE, &b), EFAULT, PAGE, 2 * PAGE);
        ASSERT_FAULT(&m, mmf_set_byte(&m, 2 * PAGE - 1, 1), EFAULT, PAGE,
                     2 * PAGE);
        ASSERT_FAULT(&m, mmf_find(&m, "zz", 2, 0, SIZE_MAX, &idx), EFAULT,
                     PAGE, 2 * PAGE);
        ASSERT_FAULT(&m, mmf_rfind(&m, "q", 1, 0, SIZE_MAX, &idx), EFAULT,
                     PAGE, 2 * PAGE);
    }
    /* the first page is fine, and a search that stops before the guard
     * page finds what is there */
    ASSERT_OK(mmf_get_byte(&m, PAGE - 1, &b));
    ASSERT_EQ(b, 'z');
    ASSERT_OK(mmf_find(&m, "z", 1, 0, PAGE, &idx));
    ASSERT_EQ(idx, (ptrdiff_t)(PAGE - 1));
    ASSERT_EQ(mprotect(p + PAGE, PAGE, PROT_READ | PROT_WRITE), 0);
    mmf_unpin(&m);
    ASSERT_OK(mmf_close(&m));
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(truncated_file_every_access_is_efault),
        H_TEST(truncated_file_repeated_faults),
        H_TEST(short_accesses_across_the_end_of_file_fault),
        H_TEST(fault_in_other_threads_is_efault),
        H_TEST(partial_truncation_faults_only_past_the_last_page),
        H_TEST(copy_map_dirty_page_then_truncation_is_efault),
        H_TEST(prot_none_page_inside_map_is_efault),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("guard_faults", tests, h_group_setup,
                                       h_group_teardown);
}
