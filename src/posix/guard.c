/*
 * guard.c - the fault guard: a SIGBUS or SIGSEGV raised while libmmf itself
 * touches a map becomes MMF_EFAULT instead of killing the process.
 *
 * How: mmf__guarded() arms a per-thread record (jump buffer, address range)
 * with sigsetjmp(env, 0) - no system call - runs the access, and disarms.
 * The handler accepts a fault only when this thread is armed, the signal
 * came from the kernel (si_code > 0), and, for SIGSEGV, the address lies in
 * the armed map (a SIGBUS while armed comes from a mapped file in our copy,
 * ours or the caller's buffer). Everything else is chained to the handler
 * that was installed before ours, or gets the default action.
 * See ../../shared RELIABILITY.md section 2 for the recipe and its pitfalls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

struct guard {
    sigjmp_buf *env;
    uintptr_t lo, hi;
    volatile sig_atomic_t active;
    volatile sig_atomic_t chaining; /* inside a previous handler */
    int signo;
    uintptr_t addr;
};

/* initial-exec: the handler must not call __tls_get_addr (it may malloc). */
static __thread struct guard guard_tls __attribute__((tls_model("initial-exec")));

/* Process-wide by nature: signal dispositions are per process. */
static struct sigaction prev_bus, prev_segv;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

static void handler(int sig, siginfo_t *si, void *uc);

static struct sigaction *
prev_of(int sig)
{
    return sig == SIGBUS ? &prev_bus : &prev_segv;
}

/* Ours, in either form: the save-and-restore idiom
 * `old = signal(sig, x); signal(sig, old);` puts our function back
 * without SA_SIGINFO, which is still ours (but must be re-armed). */
static int
is_ours(const struct sigaction *sa)
{
    if (sa->sa_flags & SA_SIGINFO)
        return sa->sa_sigaction == handler;
    return sa->sa_handler == (void (*)(int))(void (*)(void))handler;
}

/* The default action, taken for a fault that is nobody's. A kernel fault
 * re-executes the instruction on return and dies with a correct core; a
 * signal sent by a process is sent again (it stays pending until we
 * return, as the signal is blocked inside its handler). */
static void
take_default(int sig, const siginfo_t *si)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    if (si->si_code <= 0)
        raise(sig);
}

static void
chain(int sig, siginfo_t *si, void *uc)
{
    struct guard *g = &guard_tls;
    struct sigaction *p = prev_of(sig);

    /* A previous handler that re-raises at us (faulthandler does, after
     * restoring what it saved) must not loop: the second time, default. */
    if (g->chaining || is_ours(p)) {
        take_default(sig, si);
        return;
    }
    if (p->sa_flags & SA_SIGINFO) {
        g->chaining = 1;
        p->sa_sigaction(sig, si, uc);
        g->chaining = 0;
        return;
    }
    if (p->sa_handler == SIG_DFL
        || (p->sa_handler == SIG_IGN && si->si_code > 0)) {
        take_default(sig, si);
        return;
    }
    if (p->sa_handler != SIG_IGN) {
        g->chaining = 1;
        p->sa_handler(sig);
        g->chaining = 0;
    }
}

static void
handler(int sig, siginfo_t *si, void *uc)
{
    struct guard *g = &guard_tls;
    uintptr_t addr = (uintptr_t)si->si_addr;

    if (g->active && si->si_code > 0
        && (sig == SIGBUS || (addr >= g->lo && addr < g->hi))) {
        g->active = 0;
        g->signo = sig;
        g->addr = addr;
        siglongjmp(*g->env, 1);
    }
    chain(sig, si, uc);
}

/* Put our handler in front for sig, keeping the current one as previous.
 * Idempotent: if ours is already installed, nothing changes. */
static int
install_one(int sig)
{
    struct sigaction cur, sa;
    if (sigaction(sig, NULL, &cur) != 0)
        return errno;
    if (is_ours(&cur) && (cur.sa_flags & SA_SIGINFO))
        return 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (!is_ours(&cur))
        *prev_of(sig) = cur;
    return sigaction(sig, &sa, NULL) == 0 ? 0 : errno;
}

mmf_status
mmf_guard_install(int *syserr)
{
    int err;
    pthread_mutex_lock(&install_lock);
    err = install_one(SIGBUS);
    if (err == 0)
        err = install_one(SIGSEGV);
    pthread_mutex_unlock(&install_lock);
    if (syserr != NULL)
        *syserr = err;
    return err == 0 ? MMF_OK : MMF_ESYS;
}

static void
install_first(void)
{
    mmf_guard_install(NULL);
}

/* After a longjmp from the handler, SIGBUS/SIGSEGV are still blocked in
 * this thread (sigsetjmp(env, 0) does not restore the mask, which is what
 * keeps the fast path free of system calls): unblock them. */
static void
unblock_fault_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGBUS);
    sigaddset(&set, SIGSEGV);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static mmf_status
landed(const mmf_map *m, const struct guard *g)
{
    /* The error slots of the object are written even through a const
     * pointer: they are documented as set by any failing call. */
    mmf_map *w = (mmf_map *)m;
    unblock_fault_signals();
    w->syserr = g->signo == SIGBUS ? EIO : EFAULT;
    w->sysfunc = "fault";
    w->fault_offset = g->addr >= g->lo && g->addr < g->hi
                          ? (size_t)(g->addr - g->lo)
                          : (size_t)-1;
    return MMF_EFAULT;
}

mmf_status
mmf__guarded(const mmf_map *m, mmf__access_fn fn, void *ctx)
{
    struct guard *g = &guard_tls;
    sigjmp_buf env;

    if (g->active) { /* nested: the outer guard covers us */
        fn(ctx);
        return MMF_OK;
    }
    pthread_once(&install_once, install_first);
    if (sigsetjmp(env, 0) != 0)
        return landed(m, g);
    g->env = &env;
    g->lo = (uintptr_t)m->data;
    g->hi = (uintptr_t)m->data + m->size;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    g->active = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    fn(ctx);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    g->active = 0;
    return MMF_OK;
}
