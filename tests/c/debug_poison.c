/*
 * debug_poison.c - poison mode (docs/hazards.md H-45), built with
 * -DMMF_POISON for the library too (tools/check.sh does, in its own step;
 * the name keeps it out of the test_*.c programs built without it).
 *
 * A pointer into a map kept past close() must fault deterministically
 * (SIGSEGV), never read the bytes of whatever is mapped next, even when
 * the next map is the same size and would otherwise take the same address.
 */
#include "helpers.h"

#include <sys/wait.h>

#ifndef MMF_POISON
#error "build with -DMMF_POISON (library and test)"
#endif

static const char SECRET_A[] = "the first file";
static const char SECRET_B[] = "ANOTHER FILE!!";

/* Read p in a child; its fate: the signal that killed it, or 0. */
static int
read_in_child(const volatile char *p)
{
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c;
        signal(SIGSEGV, SIG_DFL); /* cmocka's handler would report it */
        signal(SIGBUS, SIG_DFL);
        c = p[0];
        _exit(c == SECRET_B[0] ? 42 : 43);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return WTERMSIG(status);
    fail_msg("the child read the stale pointer and exited with %d (%s)",
             WEXITSTATUS(status),
             WEXITSTATUS(status) == 42 ? "another file's bytes" : "a byte");
    return 0;
}

static void
stale_pointer_after_close_faults(void **state)
{
    mmf_map a = {0}, b = {0};
    int fda, fdb;
    const char *stale;

    (void)state;
    fda = h_make_file(SECRET_A, sizeof SECRET_A, NULL);
    fdb = h_make_file(SECRET_B, sizeof SECRET_B, NULL);
    h_open_ok(&a, fda, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    stale = (const char *)h_data(&a);
    ASSERT_OK(mmf_close(&a));
    /* the next map of the same size never takes the poisoned range */
    h_open_ok(&b, fdb, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_TRUE((const char *)h_data(&b) != stale);
    ASSERT_EQ(read_in_child(stale), SIGSEGV);
    ASSERT_OK(mmf_close(&b));
    /* anonymous maps too */
    h_open_anon(&a, 3 * PAGE, MAP_SHARED);
    stale = (const char *)h_data(&a) + PAGE;
    ASSERT_OK(mmf_close(&a));
    ASSERT_EQ(read_in_child(stale), SIGSEGV);
    close(fda);
    close(fdb);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(stale_pointer_after_close_faults),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("poison", tests, h_group_setup,
                                       h_group_teardown);
}
