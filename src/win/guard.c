/*
 * guard.c - the fault guard on Windows: an EXCEPTION_IN_PAGE_ERROR (the
 * file's bytes could not be read in: a network or removable volume gone,
 * an I/O error) or an access violation inside the map, raised while libmmf
 * itself touches the mapped bytes, becomes MMF_EFAULT with the offset, as
 * the POSIX guard does for SIGBUS and SIGSEGV (src/posix/guard.c).
 *
 * How: mmf__guarded() arms a record on its stack (a __builtin_setjmp
 * buffer, the map's range), which a TLS slot points at while the access
 * runs. A vectored exception handler, first in the process's list, accepts
 * an exception only when it is an in-page error, or an access violation
 * whose address lies in the armed range, and this thread is armed. It then
 * makes the thread resume at landing(), which jumps back to mmf__guarded()
 * (__builtin_longjmp: no unwinding, the access routine holds nothing).
 * Every other exception goes on to the handlers after ours and to SEH,
 * unchanged. No system call on the way in or out of an access, and the
 * handler allocates nothing (a TLS slot, not __thread: mingw's emulated TLS
 * allocates on a thread's first use, which an exception raised inside the
 * heap would turn into a deadlock).
 */
#define _WIN32_WINNT 0x0A00
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdint.h>

#include "internal.h"

struct guard {
    void *env[5]; /* __builtin_setjmp's buffer */
    uintptr_t lo, hi;
    DWORD code;     /* the exception */
    uintptr_t addr; /* the address it names */
    LONG ntstatus;  /* an in-page error's cause */
};

/* Process-wide by nature: the list of vectored handlers is per process.
 * The TLS slot points at this thread's armed record, or is NULL. */
static INIT_ONCE install_once = INIT_ONCE_STATIC_INIT;
static SRWLOCK install_lock = SRWLOCK_INIT;
static void *installed; /* AddVectoredExceptionHandler()'s handle */
static DWORD slot = TLS_OUT_OF_INDEXES;

/* This thread's armed record, or NULL; the thread's last error is kept
 * (TlsGetValue() sets it). */
static struct guard *
armed(void)
{
    DWORD err = GetLastError();
    struct guard *g = slot == TLS_OUT_OF_INDEXES ? NULL : TlsGetValue(slot);
    SetLastError(err);
    return g;
}

/* Where a guarded fault resumes: back into mmf__guarded(). g comes in a
 * register (fastcall on x86: the handler cannot push on the stack). */
#if defined(__i386__)
#define LANDING_CC __attribute__((fastcall))
#else
#define LANDING_CC
#endif
static void LANDING_CC __attribute__((noinline, noreturn))
landing(struct guard *g)
{
    __builtin_longjmp(g->env, 1);
}

/* Make the thread of c resume in landing(), on the stack below the
 * faulting frame, aligned as just after a call. Nothing is written to that
 * stack here: the exception dispatcher still lives there until it resumes
 * the thread; once it has, everything below the faulting frame is free,
 * and landing() never returns. 256 bytes below: landing()'s own home
 * space stays clear of the frames above. */
static int
resume_at_landing(CONTEXT *c, struct guard *g)
{
#if defined(__x86_64__)
    c->Rsp = ((c->Rsp - 256) & ~(DWORD64)15) - 8;
    c->Rip = (DWORD64)(uintptr_t)landing;
    c->Rcx = (DWORD64)(uintptr_t)g;
    return 1;
#elif defined(__i386__)
    c->Esp = ((c->Esp - 256) & ~(DWORD)15) - 4;
    c->Eip = (DWORD)(uintptr_t)landing;
    c->Ecx = (DWORD)(uintptr_t)g;
    return 1;
#else
    (void)c;
    (void)g;
    return 0; /* no port: the fault goes on to the other handlers */
#endif
}

static LONG CALLBACK
handler(EXCEPTION_POINTERS *ep)
{
    const EXCEPTION_RECORD *er = ep->ExceptionRecord;
    struct guard *g;
    uintptr_t addr;

    if (er->NumberParameters < 2
        || (er->ExceptionCode != EXCEPTION_IN_PAGE_ERROR
            && er->ExceptionCode != EXCEPTION_ACCESS_VIOLATION)
        || (g = armed()) == NULL)
        return EXCEPTION_CONTINUE_SEARCH;
    addr = (uintptr_t)er->ExceptionInformation[1];
    /* an in-page error while armed comes from a mapped file in our copy
     * (ours or the caller's buffer); an access violation must be ours */
    if (er->ExceptionCode == EXCEPTION_ACCESS_VIOLATION
        && (addr < g->lo || addr >= g->hi))
        return EXCEPTION_CONTINUE_SEARCH;
    if (!resume_at_landing(ep->ContextRecord, g))
        return EXCEPTION_CONTINUE_SEARCH;
    TlsSetValue(slot, NULL); /* disarmed */
    g->code = er->ExceptionCode;
    g->addr = addr;
    g->ntstatus = er->ExceptionCode == EXCEPTION_IN_PAGE_ERROR
                          && er->NumberParameters >= 3
                      ? (LONG)er->ExceptionInformation[2]
                      : 0;
    return EXCEPTION_CONTINUE_EXECUTION;
}

/* Install our handler first in the list; if it is there already, take it
 * out and put it back first (another handler may have gone in front). */
mmf_status
mmf_guard_install(int *syserr)
{
    void *h;
    int err = 0;

    AcquireSRWLockExclusive(&install_lock);
    if (installed != NULL)
        RemoveVectoredExceptionHandler(installed);
    h = AddVectoredExceptionHandler(1, handler);
    if (h == NULL)
        err = (int)GetLastError();
    installed = h;
    ReleaseSRWLockExclusive(&install_lock);
    if (syserr != NULL)
        *syserr = err;
    return err == 0 ? MMF_OK : MMF_ESYS;
}

static BOOL CALLBACK
install_first(INIT_ONCE *once, void *param, void **ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    slot = TlsAlloc(); /* TLS_OUT_OF_INDEXES: accesses run unguarded */
    mmf_guard_install(NULL);
    return TRUE;
}

void
mmf__guard_ready(void)
{
    InitOnceExecuteOnce(&install_once, install_first, NULL, NULL);
}

/* The Win32 error of an in-page error's NTSTATUS (ntdll's converter,
 * looked up here, after the fault, never in the handler). */
static int
in_page_error(LONG ntstatus)
{
    typedef ULONG(WINAPI * fn)(LONG);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    fn conv = ntdll == NULL ? NULL
                            : (fn)(void (*)(void))GetProcAddress(
                                  ntdll, "RtlNtStatusToDosError");
    ULONG err = conv != NULL && ntstatus != 0 ? conv(ntstatus) : 0;
    return err != 0 ? (int)err : ERROR_READ_FAULT;
}

/* Record the fault g caught in m's error slots; MMF_EFAULT. The slots are
 * stored atomically, as on POSIX (include/mmf.h, Thread safety). */
static mmf_status
fault_status(const mmf_map *m, const struct guard *g)
{
    mmf_map *w = (mmf_map *)m;
    uintptr_t lo = (uintptr_t)m->data, hi = lo + m->size;
    size_t off =
        g->addr >= lo && g->addr < hi ? (size_t)(g->addr - lo) : (size_t)-1;
    int err = g->code == EXCEPTION_IN_PAGE_ERROR ? in_page_error(g->ntstatus)
                                                 : ERROR_NOACCESS;

    __atomic_store_n(&w->syserr, err, __ATOMIC_RELAXED);
    __atomic_store_n(&w->sysfunc, "fault", __ATOMIC_RELAXED);
    __atomic_store_n(&w->fault_offset, off, __ATOMIC_RELAXED);
    return MMF_EFAULT;
}

mmf_status
mmf__guarded(const mmf_map *m, mmf__access_fn fn, void *ctx)
{
    struct guard g;
    const mmf_map *volatile vm = m;

    mmf__guard_ready();
    if (slot == TLS_OUT_OF_INDEXES || armed() != NULL) {
        fn(ctx); /* nested: the outer guard covers us */
        return MMF_OK;
    }
    g.lo = (uintptr_t)m->data;
    g.hi = (uintptr_t)m->data + m->size;
    if (__builtin_setjmp(g.env) != 0)
        return fault_status(vm, &g);
    TlsSetValue(slot, &g);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    fn(ctx);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    TlsSetValue(slot, NULL);
    return MMF_OK;
}
