/*
 * guard.h - inside the fault guard: what src/posix/guard.c shares with the
 * system's directory (src/linux/extable.c: the exception-table fast path
 * of x86-64 Linux, and where a signal context keeps the pc). Another
 * system's directory gives mmf__fx_recover() and mmf__guard_pc() too,
 * returning 0 where it has no fast path or cannot tell the pc.
 */
#ifndef MMF_POSIX_GUARD_H
#define MMF_POSIX_GUARD_H

#include <signal.h>
#include <stdint.h>

/* Record a fault that a fast primitive recovered from (guard.c), for
 * mmf__fx_fault(). Async-signal-safe: two stores to this thread's record. */
void mmf__guard_note(int sig, uintptr_t addr);

/* Called first by the fault handler: a fault at a fast primitive's access
 * inside the map is resumed at the primitive's fixup (1, the fault noted
 * with mmf__guard_note()); anything else is left to the guard (0). */
int mmf__fx_recover(int sig, const siginfo_t *si, void *uc);

/* The instruction that faulted, from the handler's third argument (a
 * ucontext_t, whose layout is the system's and the CPU's), or 0 where the
 * system's directory cannot tell: the guard then takes a repeated fault
 * by its address alone (guard.c, call_previous()). */
uintptr_t mmf__guard_pc(const void *uc);

#endif /* MMF_POSIX_GUARD_H */
