/*
 * test_guard_chain.c - the fault guard and the faults that are not the
 * library's (docs/hazards.md H-05, H-46): a fault outside the library, a
 * bad destination buffer, a signal sent by a process or a read through a
 * pinned view still take the action of the handler that was there before,
 * which the guard chains to; a previous handler that returns ends in the
 * default action; mmf_guard_install() puts the guard back in front.
 * Guarded faults: test_guard_faults.c.
 *
 * cmocka installs its own SIGSEGV/SIGBUS handlers around every test (and
 * restores the old ones with signal(), without SA_SIGINFO), which would sit
 * in front of the guard: every test starts with h_guard_in_front(), which
 * also tests re-installation.
 *
 * Scenarios that must kill a process run in a fresh copy of this program
 * (fork + exec of argv[0] "--child MODE [PATH]"), where no cmocka handler
 * is installed and no core file is written.
 *
 * Under ASan run with ASAN_OPTIONS=handle_segv=0:handle_sigbus=0:
 * allow_user_segv_handler=1.
 */
#include "helpers.h"

#include <sys/resource.h>
#include <sys/wait.h>
/* ---- children: faults that are not the library's ------------------------ */

/* Exit codes of the child scenarios (each check has its own). */
enum {
    CHILD_OK = 0,
    CHILD_SETUP = 60,
    CHILD_NO_EFAULT = 61,
    CHILD_SURVIVED = 62,
    CHILD_OWN_HANDLER = 42,
    CHILD_USAGE = 63,
};

static void
own_handler(int sig, siginfo_t *si, void *uc)
{
    (void)si;
    (void)uc;
    (void)sig;
    _exit(CHILD_OWN_HANDLER);
}

static void
install_own(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = own_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* A previous handler that returns without fixing anything (faulthandler
 * after disable()), and one that fixes the fault (makes the page
 * writable) and returns. */
static volatile sig_atomic_t returning_calls;
static void *fixable_page;

static void
returning_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)si, (void)uc;
    returning_calls++;
}

static void
fixing_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    returning_calls++;
    if (fixable_page != NULL && si->si_addr == fixable_page)
        mprotect(fixable_page, PAGE, PROT_READ | PROT_WRITE);
}

static void
install_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

/* A guarded fault: a truncated file map (path), read -> MMF_EFAULT. */
static int
child_guarded_fault(const char *path)
{
    mmf_map m = {0};
    unsigned char b;
    int fd = open(path, O_RDWR | O_CLOEXEC);

    if (fd < 0
        || mmf_open(&m, fd, 3 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 0)
               != MMF_OK)
        return CHILD_SETUP;
    if (ftruncate(fd, 0) != 0)
        return CHILD_SETUP;
    close(fd);
    if (mmf_get_byte(&m, 10, &b) != MMF_EFAULT || mmf_syserr(&m) != EIO)
        return CHILD_NO_EFAULT;
    mmf_close(&m);
    return CHILD_OK;
}

/* A real SIGSEGV outside any map: a write to a PROT_NONE page of our own
 * (not address 0, which UBSan would report first). */
static void
real_segv(void)
{
    volatile int *p =
        mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *p = 1;
}

static int
child_main(const char *mode, const char *path)
{
    struct rlimit nocore = {0, 0};
    int rc;

    PAGE = (size_t)sysconf(_SC_PAGESIZE);
    setrlimit(RLIMIT_CORE, &nocore); /* no core files left behind */
    alarm(20);                       /* a hang (chain cycle) dies */
    if (strcmp(mode, "segv") == 0) {
        /* the guard is installed and works; a fault elsewhere kills */
        if ((rc = child_guarded_fault(path)) != CHILD_OK)
            return rc;
        real_segv();
        return CHILD_SURVIVED;
    }
    if (strcmp(mode, "raise-bus") == 0 || strcmp(mode, "raise-segv") == 0) {
        if ((rc = child_guarded_fault(path)) != CHILD_OK)
            return rc;
        raise(mode[6] == 'b' ? SIGBUS : SIGSEGV); /* user-sent */
        return CHILD_SURVIVED;
    }
    if (strcmp(mode, "pinned-read") == 0) {
        /* reads through mmf_pin() are not guarded: SIGBUS kills */
        mmf_map m = {0};
        unsigned char *p;
        int fd = open(path, O_RDWR | O_CLOEXEC);
        if (fd < 0
            || mmf_open(&m, fd, 3 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                        0, 0)
                   != MMF_OK
            || mmf_pin(&m, &p, NULL) != MMF_OK || ftruncate(fd, 0) != 0)
            return CHILD_SETUP;
        mmf_guard_install(NULL);
        {
            volatile unsigned char c = p[PAGE];
            (void)c;
        }
        return CHILD_SURVIVED;
    }
    if (strcmp(mode, "bad-dst") == 0) {
        /* a bad destination buffer is the caller's bug, not a fault in
         * the map: the guard must not swallow it */
        mmf_map m = {0};
        size_t n;
        unsigned char *dst =
            mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (dst == MAP_FAILED
            || mmf_open(&m, MMF_ANONYMOUS, PAGE, MAP_PRIVATE, RW,
                        MMF_ACCESS_DEFAULT, 0, 1)
                   != MMF_OK)
            return CHILD_SETUP;
        mmf_read(&m, dst, 16, &n);
        return CHILD_SURVIVED;
    }
    if (strcmp(mode, "chain-segv") == 0 || strcmp(mode, "chain-bus") == 0) {
        /* a handler installed before the guard is called for faults that
         * are not the library's */
        int bus = strcmp(mode, "chain-bus") == 0;
        install_own(bus ? SIGBUS : SIGSEGV);
        mmf_guard_install(NULL);
        if ((rc = child_guarded_fault(path)) != CHILD_OK)
            return rc;
        if (bus)
            raise(SIGBUS);
        else
            real_segv();
        return CHILD_SURVIVED;
    }
    if (strcmp(mode, "chain-returns") == 0) {
        /* H-46: the previous handler returns for a fault it did not fix:
         * the fault ends in the default action, not in an endless loop */
        install_handler(SIGSEGV, returning_handler);
        mmf_guard_install(NULL);
        if ((rc = child_guarded_fault(path)) != CHILD_OK)
            return rc;
        real_segv();
        return CHILD_SURVIVED;
    }
    if (strcmp(mode, "chain-fixes") == 0) {
        /* ... while a handler that fixes the fault and returns still
         * works, as often as it is needed */
        int i;
        install_handler(SIGSEGV, fixing_handler);
        mmf_guard_install(NULL);
        if ((rc = child_guarded_fault(path)) != CHILD_OK)
            return rc;
        fixable_page =
            mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (fixable_page == MAP_FAILED)
            return CHILD_SETUP;
        for (i = 0; i < 10; i++) {
            *(volatile int *)fixable_page = i;
            mprotect(fixable_page, PAGE, PROT_NONE);
        }
        return returning_calls == 10 ? CHILD_OWN_HANDLER : CHILD_SETUP;
    }
    if (strcmp(mode, "cut-out-then-reinstall") == 0) {
        /* another component installs its handler after libmmf; putting
         * the guard back in front keeps that handler as the previous */
        if ((rc = child_guarded_fault(path)) != CHILD_OK) /* installs */
            return rc;
        install_own(SIGSEGV);
        if (mmf_guard_install(NULL) != MMF_OK
            || mmf_guard_install(NULL) != MMF_OK) /* idempotent */
            return CHILD_SETUP;
        {
            int fd = open(path, O_RDWR | O_CLOEXEC);
            if (fd < 0 || ftruncate(fd, (off_t)(3 * PAGE)) != 0)
                return CHILD_SETUP;
            close(fd);
        }
        if ((rc = child_guarded_fault(path)) != CHILD_OK)
            return rc;
        real_segv();
        return CHILD_SURVIVED;
    }
    if (strcmp(mode, "signal-idiom") == 0) {
        /* the common save/restore idiom with signal() (cmocka uses it)
         * re-installs the guard's handler without SA_SIGINFO; after
         * mmf_guard_install() faults must still work and the handler that
         * was there before libmmf must still be called */
        void (*old)(int);
        install_own(SIGSEGV);
        mmf_guard_install(NULL);
        old = signal(SIGSEGV, SIG_IGN);
        signal(SIGSEGV, old);
        mmf_guard_install(NULL);
        if ((rc = child_guarded_fault(path)) != CHILD_OK)
            return rc;
        real_segv();
        return CHILD_SURVIVED;
    }
    return CHILD_USAGE;
}

/* Run this program as "--child mode path"; returns the wait status. */
static int
run_child(const char *mode, const char *path)
{
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *args[] = {"--child", (char *)mode, (char *)path, NULL};
        h_exec_self(args);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void
expect_signal(const char *mode, int sig)
{
    char path[PATH_MAX];
    int fd = h_make_file(NULL, 3 * PAGE, path), status;

    status = run_child(mode, path);
    close(fd);
    if (WIFSIGNALED(status)) {
        if (WTERMSIG(status) == SIGALRM)
            fail_msg("child \"%s\" hung", mode);
        if (WTERMSIG(status) != sig)
            fail_msg("child \"%s\" died of signal %d, expected %d", mode,
                     WTERMSIG(status), sig);
        return;
    }
    fail_msg("child \"%s\" exited with %d, expected death by signal %d "
             "(60 setup, 61 no EFAULT, 62 survived, 42 wrong handler, "
             "127 exec)",
             mode, WEXITSTATUS(status), sig);
}

static void
expect_exit(const char *mode, int code)
{
    char path[PATH_MAX];
    int fd = h_make_file(NULL, 3 * PAGE, path), status;

    status = run_child(mode, path);
    close(fd);
    if (WIFSIGNALED(status))
        fail_msg("child \"%s\" died of signal %d, expected exit %d", mode,
                 WTERMSIG(status), code);
    if (WEXITSTATUS(status) != code)
        fail_msg("child \"%s\" exited with %d, expected %d (60 setup, 61 "
                 "no EFAULT, 62 survived, 127 exec)",
                 mode, WEXITSTATUS(status), code);
}

static void
real_segv_outside_the_library_still_kills(void **state)
{
    (void)state;
    h_guard_in_front();
    expect_signal("segv", SIGSEGV);
}

static void
bad_destination_buffer_is_not_swallowed(void **state)
{
    (void)state;
    h_guard_in_front();
    expect_signal("bad-dst", SIGSEGV);
}

static void
user_sent_sigbus_and_sigsegv_still_kill(void **state)
{
    (void)state;
    h_guard_in_front();
    expect_signal("raise-bus", SIGBUS);
    expect_signal("raise-segv", SIGSEGV);
}

static void
pinned_view_read_after_truncation_is_not_guarded(void **state)
{
    (void)state;
    h_guard_in_front();
    expect_signal("pinned-read", SIGBUS);
}

static void
faults_chain_to_the_previous_handler(void **state)
{
    (void)state;
    h_guard_in_front();
    expect_exit("chain-segv", CHILD_OWN_HANDLER);
    expect_exit("chain-bus", CHILD_OWN_HANDLER);
}

/* H-46: a previous handler that returns without fixing the
 * fault must not make it loop forever (the child's alarm would say
 * "hung"); one that fixes it still resumes the program. */
static void
returning_previous_handler_ends_in_default_action(void **state)
{
    (void)state;
    h_guard_in_front();
    expect_signal("chain-returns", SIGSEGV);
    expect_exit("chain-fixes", CHILD_OWN_HANDLER);
}

static void
reinstall_after_being_cut_out_keeps_the_other_handler(void **state)
{
    (void)state;
    h_guard_in_front();
    expect_exit("cut-out-then-reinstall", CHILD_OWN_HANDLER);
}

static void
reinstall_after_signal_save_restore_idiom(void **state)
{
    (void)state;
    h_guard_in_front();
    expect_exit("signal-idiom", CHILD_OWN_HANDLER);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(real_segv_outside_the_library_still_kills),
        H_TEST(bad_destination_buffer_is_not_swallowed),
        H_TEST(user_sent_sigbus_and_sigsegv_still_kill),
        H_TEST(pinned_view_read_after_truncation_is_not_guarded),
        H_TEST(faults_chain_to_the_previous_handler),
        H_TEST(returning_previous_handler_ends_in_default_action),
        H_TEST(reinstall_after_being_cut_out_keeps_the_other_handler),
        H_TEST(reinstall_after_signal_save_restore_idiom),
    };

    if (argc >= 3 && strcmp(argv[1], "--child") == 0)
        return child_main(argv[2], argc >= 4 ? argv[3] : "");
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("guard_chain", tests, h_group_setup,
                                       h_group_teardown);
}
