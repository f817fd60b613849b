/*
 * test_threads.c - the thread-safety contract of include/mmf.h, run by
 * tools/check.sh under ThreadSanitizer too (H-31's C half; a free-threaded
 * CPython is not on this machine for the Python half).
 *
 *  - distinct objects on distinct threads never interfere: each thread
 *    opens, writes, reads, searches, resizes and closes maps of its own;
 *  - one object shared by several threads, with the documented locking:
 *    non-const calls under a write lock, const calls (find, get_slice) under
 *    a read lock, concurrently; a reader that pins the map may scan with no
 *    lock at all, and resize or close then fail with MMF_EBUSY.
 */
#include "helpers.h"

#include <pthread.h>

#define ROUNDS 300

static void *
own_maps(void *arg)
{
    unsigned char buf[64];
    size_t n;
    ptrdiff_t at;
    int id = (int)(intptr_t)arg;

    for (int r = 0; r < ROUNDS; r++) {
        mmf_map m = {0};
        if (mmf_open(&m, MMF_ANONYMOUS, 4 * PAGE, MAP_PRIVATE, RW,
                     MMF_ACCESS_DEFAULT, 0, 1)
            != MMF_OK)
            return "open";
        memset(buf, 'a' + id, sizeof buf);
        if (mmf_seek(&m, (int64_t)PAGE, 0, NULL) != MMF_OK
            || mmf_write(&m, buf, sizeof buf) != MMF_OK
            || mmf_resize(&m, 2 * PAGE) != MMF_OK
            || mmf_find(&m, buf, 8, 0, SIZE_MAX, &at) != MMF_OK
            || at != (ptrdiff_t)PAGE
            || mmf_seek(&m, (int64_t)PAGE, 0, NULL) != MMF_OK
            || mmf_read(&m, buf, sizeof buf, &n) != MMF_OK || n != sizeof buf
            || buf[63] != 'a' + id || mmf_close(&m) != MMF_OK)
            return "own map";
    }
    return NULL;
}

struct shared {
    mmf_map m;
    pthread_rwlock_t lock;
    int stop;
};

static void *
reader(void *arg)
{
    struct shared *s = arg;
    unsigned char buf[32];
    ptrdiff_t at;
    int pinned_scans = 0;

    for (int r = 0; r < 20 * ROUNDS; r++) {
        pthread_rwlock_rdlock(&s->lock);
        /* const calls run concurrently under the read lock */
        if (mmf_find(&s->m, "needle", 6, 0, SIZE_MAX, &at) != MMF_OK
            || (at >= 0
                && mmf_get_slice(&s->m, (size_t)at, 1, 6, buf) != MMF_OK))
            goto fail;
        pthread_rwlock_unlock(&s->lock);
        if (r % 10 == 0) {
            /* pin under the write lock, scan with no lock, unpin */
            pthread_rwlock_wrlock(&s->lock);
            if (mmf_pin(&s->m, NULL, NULL) != MMF_OK) {
                pthread_rwlock_unlock(&s->lock);
                return "pin";
            }
            pthread_rwlock_unlock(&s->lock);
            if (mmf_find(&s->m, "absent!", 7, 0, SIZE_MAX, &at) != MMF_OK
                || at != -1)
                return "pinned scan";
            pthread_rwlock_wrlock(&s->lock);
            mmf_unpin(&s->m);
            pthread_rwlock_unlock(&s->lock);
            pinned_scans++;
        }
    }
    return pinned_scans > 0 ? NULL : "no pinned scan";
fail:
    pthread_rwlock_unlock(&s->lock);
    return "read";
}

static void *
writer(void *arg)
{
    struct shared *s = arg;
    size_t sizes[] = {8 * PAGE, 3 * PAGE, 16 * PAGE};

    for (int r = 0; r < 5 * ROUNDS; r++) {
        mmf_status st;
        pthread_rwlock_wrlock(&s->lock);
        st = mmf_resize(&s->m, sizes[r % 3]);
        if (st == MMF_OK)
            st = mmf_set_slice(&s->m, (size_t)r % PAGE, 1, 6, "needle");
        pthread_rwlock_unlock(&s->lock);
        if (st != MMF_OK && st != MMF_EBUSY) /* busy: a reader pinned it */
            return "write";
    }
    return NULL;
}

static void
distinct_objects_on_distinct_threads(void **state)
{
    pthread_t t[4];
    void *res;

    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(
            pthread_create(&t[i], NULL, own_maps, (void *)(intptr_t)i), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], &res), 0);
        if (res != NULL)
            fail_msg("thread %d failed: %s", i, (const char *)res);
    }
}

static void
one_object_with_the_documented_locking(void **state)
{
    struct shared s = {.m = {0}};
    pthread_t t[4];
    void *res;

    (void)state;
    pthread_rwlock_init(&s.lock, NULL);
    h_open_anon(&s.m, 8 * PAGE, MAP_PRIVATE);
    for (int i = 0; i < 4; i++)
        assert_int_equal(
            pthread_create(&t[i], NULL, i == 0 ? writer : reader, &s), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], &res), 0);
        if (res != NULL)
            fail_msg("thread %d failed: %s", i, (const char *)res);
    }
    ASSERT_OK(mmf_close(&s.m));
    pthread_rwlock_destroy(&s.lock);
}

/* docs/hazards.md H-43: const calls may run concurrently, and a fault inside
 * them records itself in the object: several threads faulting at once on
 * one truncated map (under TSan in tools/check.sh: no data race). */
struct fault_arg {
    const mmf_map *m;
    int bad;
};

static void *
fault_together(void *p)
{
    struct fault_arg *a = p;
    unsigned char buf[64];
    ptrdiff_t at;
    int r;

    for (r = 0; r < 200; r++) {
        if (mmf_get_slice(a->m, PAGE, 1, sizeof buf, buf) != MMF_EFAULT
            || mmf_find(a->m, "zz", 2, PAGE, SIZE_MAX, &at) != MMF_EFAULT
            || mmf_syserr(a->m) != EIO
            || strcmp(mmf_sysfunc(a->m), "fault") != 0
            || mmf_fault_offset(a->m) < PAGE)
            a->bad++;
    }
    return NULL;
}

static void
const_calls_fault_concurrently(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    pthread_t t[4];
    struct fault_arg args[4];
    int fd, i;

    (void)state;
    if (h_file_sigbus_kills())
        H_SKIP(H_FILE_SIGBUS_KILLS);
    fd = h_make_file(NULL, 3 * PAGE, path);
    mmf_guard_install(NULL);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_EQ(ftruncate(fd, (off_t)PAGE), 0);
    for (i = 0; i < 4; i++) {
        args[i].m = &m;
        args[i].bad = 0;
        ASSERT_EQ(pthread_create(&t[i], NULL, fault_together, &args[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        ASSERT_EQ(pthread_join(t[i], NULL), 0);
        ASSERT_EQ(args[i].bad, 0);
    }
    ASSERT_OK(mmf_close(&m));
    close(fd);
    unlink(path);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(distinct_objects_on_distinct_threads),
        H_TEST(one_object_with_the_documented_locking),
        H_TEST(const_calls_fault_concurrently),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("threads", tests, h_group_setup,
                                       h_group_teardown);
}
