/*
 * test_syscall_faults_resize.c - system call failure injection
 * (sysfault_run.h) in mmf_resize(): every resize path on every kind of map,
 * file, window, anonymous, memfd, read-only, unaligned (docs/hazards.md
 * H-39, H-50); EINTR repeated; faults on every call from the N-th on.
 */
#include "sysfault_run.h"

/* EINTR twice in a row, and on every call: still retried. */
static int eintr_left;

static int
w_ftruncate_eintr(int fd, off_t len)
{
    if (eintr_left > 0) {
        eintr_left--;
        errno = EINTR;
        return -1;
    }
    return mmf__sys_default.ftruncate(fd, len);
}

static int
w_msync_eintr(void *addr, size_t len, int flags)
{
    if (eintr_left > 0) {
        eintr_left--;
        errno = EINTR;
        return -1;
    }
    return mmf__sys_default.msync(addr, len, flags);
}

static void
eintr_repeated_is_retried(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    eintr_left = 5;
    mmf__sys.ftruncate = w_ftruncate_eintr;
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(eintr_left, 0);
    eintr_left = 3;
    mmf__sys.msync = w_msync_eintr;
    ASSERT_OK(mmf_flush(&m, 0, 3 * PAGE, 0));
    ASSERT_EQ(eintr_left, 0);
    mmf__sys = mmf__sys_default;
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE));
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* A failure on every call from the N-th on ("persistent" faults): the
 * library must still return an error or succeed, never crash, and must
 * not leak a descriptor. Rollbacks may be impossible here (the rollback
 * itself fails), so only the process's health and fds are checked. */
static int persist_from, persist_calls;

#define PERSIST(e, fail_expr, call)                                           \
    do {                                                                      \
        if (++persist_calls >= persist_from) {                                \
            errno = entry_errno[e];                                           \
            return fail_expr;                                                 \
        }                                                                     \
        return call;                                                          \
    } while (0)

static void *
p_mremap(void *a, size_t o, size_t n)
{
    PERSIST(E_MREMAP, MAP_FAILED, mmf__sys_default.mremap(a, o, n));
}

static int
p_ftruncate(int fd, off_t len)
{
    PERSIST(E_FTRUNCATE, -1, mmf__sys_default.ftruncate(fd, len));
}

static int
p_fstat(int fd, struct stat *st)
{
    PERSIST(E_FSTAT, -1, mmf__sys_default.fstat(fd, st));
}

static void
persistent_faults_in_resize_do_not_crash_or_leak(void **state)
{
    int from, fds0 = h_count_fds();

    (void)state;
    for (from = 1; from <= 6; from++) {
        static const size_t sizes[] = {0, 10, 4};
        size_t s;
        for (s = 1; s < ARRAY_LEN(sizes); s++) {
            char path[PATH_MAX];
            mmf_map m = {0};
            mmf_status st;
            size_t newsize = sizes[s] == 10 ? PAGE + 10 : 4 * PAGE, len;
            int fd = h_make_file(NULL, 2 * PAGE, path);

            h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
            persist_from = from;
            persist_calls = 0;
            mmf__sys.mremap = p_mremap;
            mmf__sys.ftruncate = p_ftruncate;
            mmf__sys.fstat = p_fstat;
            st = mmf_resize(&m, newsize);
            mmf__sys = mmf__sys_default;
            ASSERT_TRUE(st == MMF_OK || st == MMF_ESYS);
            ASSERT_EQ(mmf_closed(&m), 0);
            len = h_len(&m);
            ASSERT_TRUE(len == newsize || len == 2 * PAGE);
            if (st == MMF_OK)
                ASSERT_UEQ(len, newsize);
            /* whatever the length, the map must be readable to its end */
            {
                unsigned char b;
                ASSERT_OK(mmf_get_byte(&m, 0, &b));
            }
            ASSERT_OK(mmf_close(&m));
            close(fd);
            unlink(path);
        }
    }
    ASSERT_EQ(h_count_fds(), fds0);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest extra[] = {
        H_TEST(eintr_repeated_is_retried),
        H_TEST(persistent_faults_in_resize_do_not_crash_or_leak),
    };

    (void)argc;
    return fault_main(argv, "syscall_faults_resize", is_resize, extra,
                      ARRAY_LEN(extra));
}
