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
 * docs/hazards.md ("The fault guard", H-42 to H-51) lists what it must
 * survive.
 *
 * The fast primitives (x86-64 Linux) need no arming at all: they are leaf
 * routines in assembly between two labels, and a fault whose instruction
 * lies between them is resumed at a fixup that returns 1 to the caller, the
 * way an OS kernel's exception table recovers from a fault in a user copy.
 * That part is the system's (src/linux/extable.c, through guard.h): the
 * handler asks it first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <assert.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "guard.h"

struct guard {
    sigjmp_buf *env;
    uintptr_t lo, hi;
    volatile sig_atomic_t active;
    volatile sig_atomic_t chaining; /* inside a previous handler */
    int signo;
    uintptr_t addr;
    /* The last kernel fault passed to a previous handler that returned,
     * and how many times in a row it came back (see call_previous()) */
    int chained_sig, chained_repeats;
    uintptr_t chained_addr, chained_pc;
    long long chained_ns;
};

/* initial-exec: the handler must not call __tls_get_addr (it may malloc). */
static __thread struct guard guard_tls
    __attribute__((tls_model("initial-exec")));

/* Process-wide by nature: signal dispositions are per process. */
static struct sigaction prev_bus, prev_segv;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t install_lock = PTHREAD_MUTEX_INITIALIZER;

static void handler(int sig, siginfo_t *si, void *uc);

/* Record the fault a fast primitive recovered from (src/linux/extable.c),
 * for mmf__fx_fault(); called from the handler. */
void
mmf__guard_note(int sig, uintptr_t addr)
{
    guard_tls.signo = sig;
    guard_tls.addr = addr;
}

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

/* When is the same kernel fault, back from a previous handler, taken as
 * one that handler did not fix? When it comes back REFAULT_LIMIT times in
 * a row, each within REFAULT_NS of the handler's return: an unfixed fault
 * loops in microseconds, while a handler that fixes its fault (mprotect)
 * and sees the same instruction fault again later, or a few times in a
 * row, is left alone. A handler that moves the pc (a safepoint stub) never
 * sees the instruction run again. */
#define REFAULT_LIMIT 100
#define REFAULT_NS 10000000L

static long long
now_ns(void)
{
    struct timespec t;
    /* async-signal-safe (POSIX.1-2008) */
    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
        return 0;
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Call the previous handler p for a fault that is not ours. A handler that
 * returns from a kernel fault makes the instruction run again: if it fixed
 * the cause (mprotect, a mapping) the instruction completes; if it did not
 * (faulthandler after disable() returns at once), the same fault comes back
 * at once, here, and must end in the default action instead of looping
 * forever (H-46): the default action then kills the process, with a core,
 * at the instruction that faulted. */
static void
call_previous(const struct sigaction *p, int sig, siginfo_t *si, void *uc)
{
    struct guard *g = &guard_tls;
    uintptr_t addr = (uintptr_t)si->si_addr, pc = mmf__guard_pc(uc);
    int errno_saved = errno;

    if (si->si_code > 0 && g->chained_sig == sig && g->chained_addr == addr
        && g->chained_pc == pc && now_ns() - g->chained_ns < REFAULT_NS) {
        if (++g->chained_repeats >= REFAULT_LIMIT) {
            g->chained_sig = 0;
            take_default(sig, si);
            errno = errno_saved;
            return;
        }
    } else
        g->chained_repeats = 0;
    g->chaining = 1;
    if (p->sa_flags & SA_SIGINFO)
        p->sa_sigaction(sig, si, uc);
    else
        p->sa_handler(sig);
    g->chaining = 0;
    /* a kernel fault whose instruction runs again (the pc not moved) */
    g->chained_sig = si->si_code > 0 && mmf__guard_pc(uc) == pc ? sig : 0;
    g->chained_addr = addr;
    g->chained_pc = pc;
    g->chained_ns = now_ns();
    errno = errno_saved;
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
        call_previous(p, sig, si, uc);
        return;
    }
    if (p->sa_handler == SIG_DFL
        || (p->sa_handler == SIG_IGN && si->si_code > 0)) {
        take_default(sig, si);
        return;
    }
    if (p->sa_handler != SIG_IGN)
        call_previous(p, sig, si, uc);
}

static void
handler(int sig, siginfo_t *si, void *uc)
{
    struct guard *g = &guard_tls;
    uintptr_t addr = (uintptr_t)si->si_addr;

    if (mmf__fx_recover(sig, si, uc))
        return;
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

/* Record the fault g caught in m's error slots; MMF_EFAULT. The slots are
 * written even through a const pointer: they are documented as set by any
 * failing call. Calls taking a const map may run at the same time in
 * several threads (include/mmf.h), and fault together: each slot is
 * stored atomically (mmf_syserr() and friends load them so), so there is
 * no data race; concurrent faults may leave slots of different faults. */
static mmf_status
fault_status(const mmf_map *m, const struct guard *g)
{
    mmf_map *w = (mmf_map *)m;
    uintptr_t lo = (uintptr_t)m->data, hi = lo + m->size;
    size_t off =
        g->addr >= lo && g->addr < hi ? (size_t)(g->addr - lo) : (size_t)-1;

    __atomic_store_n(&w->syserr, g->signo == SIGBUS ? EIO : EFAULT,
                     __ATOMIC_RELAXED);
    __atomic_store_n(&w->sysfunc, "fault", __ATOMIC_RELAXED);
    __atomic_store_n(&w->fault_offset, off, __ATOMIC_RELAXED);
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
    if (sigsetjmp(env, 0) != 0) {
        unblock_fault_signals();
        return fault_status(m, g);
    }
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

/* ---- the fast primitives ------------------------------------------------ */

void
mmf__guard_ready(void)
{
    pthread_once(&install_once, install_first);
}

#if MMF__FX_INLINE
/* The fast primitives themselves are inline (fast.h); a fault they
 * report is turned into a status here. */
mmf_status
mmf__fx_fault(const mmf_map *m)
{
    return fault_status(m, &guard_tls);
}
#endif
