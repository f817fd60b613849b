/*
 * test_fork.c - maps across fork(): a shared map written by the child is
 * seen by the parent (anonymous and file maps), a private one is not, and
 * what the child closes stays open in the parent (docs/hazards.md H-33).
 *
 * Children never use cmocka assertions (a failure would longjmp into the
 * parent's test runner inside the child): they report through their exit
 * status, one code per check.
 */
#include "helpers.h"

#include <sys/wait.h>

#define CHILD_CHECK(cond, code)                                               \
    do {                                                                      \
        if (!(cond))                                                          \
            _exit(code);                                                      \
    } while (0)

static pid_t
fork_child(void)
{
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* cmocka's crash handlers must not run the suite in the child */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        alarm(20);
    }
    return pid;
}

static void
expect_child_exit(pid_t pid, int code)
{
    int status = 0;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("child killed by signal %d", WTERMSIG(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
        fail_msg("child failed check %d (expected exit %d)",
                 WEXITSTATUS(status), code);
}

/* In the child: write msg at off, then close the map. */
static void
child_write_and_close(mmf_map *m, size_t off, const char *msg)
{
    size_t n = strlen(msg);
    CHILD_CHECK(mmf_set_slice(m, off, 1, n, msg) == MMF_OK, 10);
    CHILD_CHECK(mmf_seek(m, 0, 0, NULL) == MMF_OK, 11);
    CHILD_CHECK(mmf_write_byte(m, '!') == MMF_OK, 12);
    CHILD_CHECK(mmf_close(m) == MMF_OK, 13);
    _exit(0);
}

static void
fork_child_writes_anonymous_shared_map(void **state)
{
    unsigned char got[16], b;
    mmf_map m = {0};
    pid_t pid;

    (void)state;
    h_open_anon(&m, 2 * PAGE, MAP_SHARED);
    ASSERT_OK(mmf_seek(&m, 9, 0, NULL));
    pid = fork_child();
    if (pid == 0)
        child_write_and_close(&m, PAGE + 3, "from the child");
    expect_child_exit(pid, 0);
    ASSERT_OK(mmf_get_slice(&m, PAGE + 3, 1, 14, got));
    ASSERT_MEM_EQ(got, "from the child", 14);
    ASSERT_OK(mmf_get_byte(&m, 0, &b));
    ASSERT_EQ(b, '!');
    ASSERT_UEQ(h_tell(&m), 9); /* the child's cursor is its own */
    /* the parent's map is still fully usable */
    ASSERT_OK(mmf_write(&m, "parent", 6));
    ASSERT_OK(mmf_resize(&m, PAGE)); /* shrinking a shared anon map */
    ASSERT_OK(mmf_close(&m));
}

static void
fork_child_writes_file_map(void **state)
{
    char path[PATH_MAX];
    unsigned char got[16], *want = malloc(2 * PAGE);
    mmf_map m = {0};
    uint64_t size;
    pid_t pid;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_WRITE, 0, 1);
    pid = fork_child();
    if (pid == 0)
        child_write_and_close(&m, PAGE - 2, "across pages");
    expect_child_exit(pid, 0);
    ASSERT_OK(mmf_get_slice(&m, PAGE - 2, 1, 12, got));
    ASSERT_MEM_EQ(got, "across pages", 12);
    h_fill_pattern(want, 2 * PAGE, 0);
    memcpy(want + PAGE - 2, "across pages", 12);
    want[0] = '!';
    h_assert_file_is(path, want, 2 * PAGE);
    /* the child closed its copy of the private fd, not ours */
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 2 * PAGE);
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE));
    ASSERT_OK(mmf_close(&m));
    close(fd);
    free(want);
}

static void
fork_private_maps_are_copied(void **state)
{
    char path[PATH_MAX];
    unsigned char got[8], *want = malloc(PAGE);
    mmf_map anon = {0}, copy = {0};
    pid_t pid;
    int fd;

    (void)state;
    fd = h_make_file(NULL, PAGE, path);
    h_open_anon(&anon, PAGE, MAP_PRIVATE);
    ASSERT_OK(mmf_write(&anon, "before", 6));
    h_open_ok(&copy, fd, 0, MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 1);
    pid = fork_child();
    if (pid == 0) {
        unsigned char b[6];
        CHILD_CHECK(mmf_get_slice(&anon, 0, 1, 6, b) == MMF_OK, 20);
        CHILD_CHECK(memcmp(b, "before", 6) == 0, 21); /* inherited */
        CHILD_CHECK(mmf_set_slice(&anon, 0, 1, 6, "child!") == MMF_OK, 22);
        CHILD_CHECK(mmf_set_slice(&copy, 0, 1, 6, "child!") == MMF_OK, 23);
        CHILD_CHECK(mmf_close(&anon) == MMF_OK, 24);
        CHILD_CHECK(mmf_close(&copy) == MMF_OK, 25);
        _exit(0);
    }
    expect_child_exit(pid, 0);
    ASSERT_OK(mmf_get_slice(&anon, 0, 1, 6, got));
    ASSERT_MEM_EQ(got, "before", 6);
    h_fill_pattern(want, PAGE, 0);
    ASSERT_OK(mmf_get_slice(&copy, 0, 1, 6, got));
    ASSERT_MEM_EQ(got, want, 6);
    h_assert_file_is(path, want, PAGE);
    ASSERT_OK(mmf_close(&anon));
    ASSERT_OK(mmf_close(&copy));
    close(fd);
    free(want);
}

/* The parent writes while the child waits, then the child reads: shared
 * maps are shared both ways. */
static void
fork_parent_writes_child_reads(void **state)
{
    mmf_map m = {0};
    int go[2];
    pid_t pid;
    char c;

    (void)state;
    h_open_anon(&m, PAGE, MAP_SHARED);
    assert_int_equal(pipe(go), 0);
    pid = fork_child();
    if (pid == 0) {
        unsigned char b[5];
        close(go[1]);
        CHILD_CHECK(read(go[0], &c, 1) == 1, 30);
        CHILD_CHECK(mmf_get_slice(&m, 100, 1, 5, b) == MMF_OK, 31);
        CHILD_CHECK(memcmp(b, "hello", 5) == 0, 32);
        _exit(0);
    }
    close(go[0]);
    ASSERT_OK(mmf_set_slice(&m, 100, 1, 5, "hello"));
    assert_int_equal(write(go[1], "x", 1), 1);
    close(go[1]);
    expect_child_exit(pid, 0);
    ASSERT_OK(mmf_close(&m));
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(fork_child_writes_anonymous_shared_map),
        H_TEST(fork_child_writes_file_map),
        H_TEST(fork_private_maps_are_copied),
        H_TEST(fork_parent_writes_child_reads),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("fork", tests, h_group_setup,
                                       h_group_teardown);
}
