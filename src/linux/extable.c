/*
 * extable.c - the fault guard's Linux part (src/posix/guard.h): on x86-64,
 * the fast primitives of fast.h (leaf routines in assembly and inline
 * accesses listed in the section mmf_extable), and the recovery of a fault
 * at one of them: resumed at its fixup, the way an OS kernel's exception
 * table recovers from a fault in a copy from user memory. Elsewhere there
 * is nothing to recover: every access goes through the armed guard. And,
 * for every Linux target, where the signal context keeps the pc.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#include "internal.h"
#include "guard.h"

#if MMF__FX_INLINE /* x86-64: fast.h */
__thread struct mmf__fx_range mmf__fx_range
    __attribute__((tls_model("initial-exec")));

/* int mmf__fx_copy(void *dst, const void *src, size_t n): memmove for
 *   n <= 64 (every load before any store); 16-byte blocks above (no
 *   overlap).
 * int mmf__fx_memchr(const void *s, int c, size_t n, size_t *idx): first c
 *   in s[0, n) into *idx, or n. Aligned 32-byte chunks (two 16-byte loads),
 *   each holding a byte of the range: a chunk lies in that byte's page, so
 *   it never faults where a byte-wise scan would not; matches past n are
 *   ignored.
 * Both return 0; a fault inside either lands at mmf__fx_fixup: return 1.
 * Leaf routines that never touch the stack, so the fixup's ret is theirs. */
/* clang-format off */
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".globl mmf__fx_begin\n.hidden mmf__fx_begin\n"
    ".globl mmf__fx_copy\n.hidden mmf__fx_copy\n"
    ".type mmf__fx_copy,@function\n"
    "mmf__fx_begin:\n"
    "mmf__fx_copy:\n"
    "    cmp $16, %rdx\n"
    "    ja 8f\n"
    "    cmp $8, %rdx\n"
    "    jb 1f\n"
    "    mov (%rsi), %rax\n"
    "    mov -8(%rsi,%rdx), %rcx\n"
    "    mov %rax, (%rdi)\n"
    "    mov %rcx, -8(%rdi,%rdx)\n"
    "    xor %eax, %eax\n"
    "    ret\n"
    "1:  cmp $4, %rdx\n"
    "    jb 2f\n"
    "    mov (%rsi), %eax\n"
    "    mov -4(%rsi,%rdx), %ecx\n"
    "    mov %eax, (%rdi)\n"
    "    mov %ecx, -4(%rdi,%rdx)\n"
    "    xor %eax, %eax\n"
    "    ret\n"
    "2:  cmp $2, %rdx\n"
    "    jb 3f\n"
    "    movzwl (%rsi), %eax\n"
    "    movzwl -2(%rsi,%rdx), %ecx\n"
    "    mov %ax, (%rdi)\n"
    "    mov %cx, -2(%rdi,%rdx)\n"
    "    xor %eax, %eax\n"
    "    ret\n"
    "3:  test %rdx, %rdx\n"
    "    jz 4f\n"
    "    movzbl (%rsi), %eax\n"
    "    mov %al, (%rdi)\n"
    "4:  xor %eax, %eax\n"
    "    ret\n"
    "8:  cmp $32, %rdx\n"
    "    ja 9f\n"
    "    movdqu (%rsi), %xmm0\n"
    "    movdqu -16(%rsi,%rdx), %xmm1\n"
    "    movdqu %xmm0, (%rdi)\n"
    "    movdqu %xmm1, -16(%rdi,%rdx)\n"
    "    xor %eax, %eax\n"
    "    ret\n"
    "9:  cmp $64, %rdx\n"
    "    ja 5f\n"
    "    movdqu (%rsi), %xmm0\n"
    "    movdqu 16(%rsi), %xmm1\n"
    "    movdqu -32(%rsi,%rdx), %xmm2\n"
    "    movdqu -16(%rsi,%rdx), %xmm3\n"
    "    movdqu %xmm0, (%rdi)\n"
    "    movdqu %xmm1, 16(%rdi)\n"
    "    movdqu %xmm2, -32(%rdi,%rdx)\n"
    "    movdqu %xmm3, -16(%rdi,%rdx)\n"
    "    xor %eax, %eax\n"
    "    ret\n"
    /* 64 < n: 16-byte blocks forward, then the last 16 bytes (which may
     * overlap the block before: the ranges themselves do not overlap) */
    "5:  lea -16(%rdx), %rcx\n"
    "    xor %eax, %eax\n"
    "10: movdqu (%rsi,%rax), %xmm0\n"
    "    movdqu %xmm0, (%rdi,%rax)\n"
    "    add $16, %rax\n"
    "    cmp %rcx, %rax\n"
    "    jb 10b\n"
    "    movdqu (%rsi,%rcx), %xmm0\n"
    "    movdqu %xmm0, (%rdi,%rcx)\n"
    "    xor %eax, %eax\n"
    "    ret\n"
    ".size mmf__fx_copy, .-mmf__fx_copy\n"
    ".p2align 4\n"
    ".globl mmf__fx_memchr\n.hidden mmf__fx_memchr\n"
    ".type mmf__fx_memchr,@function\n"
    "mmf__fx_memchr:\n"
    "    mov %rcx, %r11\n"
    "    test %rdx, %rdx\n"
    "    jz 3f\n"
    "    movd %esi, %xmm1\n"
    "    punpcklbw %xmm1, %xmm1\n"
    "    punpcklwd %xmm1, %xmm1\n"
    "    pshufd $0, %xmm1, %xmm1\n"
    /* the aligned 32 bytes holding s[0]: a 32-bit mask, shifted to s */
    "    mov %rdi, %r8\n"
    "    and $-32, %r8\n"
    "    mov %edi, %ecx\n"
    "    and $31, %ecx\n"
    "    movdqa (%r8), %xmm0\n"
    "    movdqa 16(%r8), %xmm2\n"
    "    pcmpeqb %xmm1, %xmm0\n"
    "    pcmpeqb %xmm1, %xmm2\n"
    "    pmovmskb %xmm0, %eax\n"
    "    pmovmskb %xmm2, %r9d\n"
    "    shl $16, %r9d\n"
    "    or %r9d, %eax\n"
    "    shr %cl, %eax\n"
    "    jz 1f\n"
    "    bsf %eax, %eax\n"
    "    jmp 2f\n"
    /* then aligned 32-byte chunks, each starting inside [s, s + n) */
    "1:  mov $32, %eax\n"
    "    sub %rcx, %rax\n"
    "6:  cmp %rdx, %rax\n"
    "    jae 3f\n"
    "    movdqa (%rdi,%rax), %xmm0\n"
    "    movdqa 16(%rdi,%rax), %xmm2\n"
    "    pcmpeqb %xmm1, %xmm0\n"
    "    pcmpeqb %xmm1, %xmm2\n"
    "    pmovmskb %xmm0, %r9d\n"
    "    pmovmskb %xmm2, %r10d\n"
    "    shl $16, %r10d\n"
    "    or %r10d, %r9d\n"
    "    jnz 7f\n"
    "    add $32, %rax\n"
    "    jmp 6b\n"
    "7:  bsf %r9d, %r9d\n"
    "    add %r9, %rax\n"
    "2:  cmp %rdx, %rax\n"
    "    jae 3f\n"
    "    mov %rax, (%r11)\n"
    "    xor %eax, %eax\n"
    "    ret\n"
    "3:  mov %rdx, (%r11)\n"
    "    xor %eax, %eax\n"
    "    ret\n"
    ".size mmf__fx_memchr, .-mmf__fx_memchr\n"
    ".globl mmf__fx_fixup\n.hidden mmf__fx_fixup\n"
    ".globl mmf__fx_end\n.hidden mmf__fx_end\n"
    "mmf__fx_end:\n"
    "mmf__fx_fixup:\n"
    "    mov $1, %eax\n"
    "    ret\n");
/* clang-format on */

extern const char mmf__fx_begin[], mmf__fx_end[], mmf__fx_fixup[];

/* The inline accesses of fast.h: the linker names the section's bounds.
 * The table always holds this entry, which matches no instruction (it
 * names itself), so that the bounds can be strong references: a link
 * that loses the table fails, instead of a guard that lets faults kill
 * the process at run time (docs/hazards.md H-51). */
__asm__(MMF__FX_SECTION ".balign 4\n"
                        ".long 0, 0\n"
                        ".popsection\n");
extern const struct mmf__fx_entry __start_mmf_extable[]
    __attribute__((visibility("hidden")));
extern const struct mmf__fx_entry __stop_mmf_extable[]
    __attribute__((visibility("hidden")));

/* Where a fast primitive faulting at pc resumes, or 0 when pc is not one. */
static uintptr_t
fx_fixup_of(uintptr_t pc)
{
    const struct mmf__fx_entry *e;

    if (pc >= (uintptr_t)mmf__fx_begin && pc < (uintptr_t)mmf__fx_end)
        return (uintptr_t)mmf__fx_fixup;
    for (e = __start_mmf_extable; e < __stop_mmf_extable; e++)
        if ((uintptr_t)&e->insn + (intptr_t)e->insn == pc)
            return (uintptr_t)&e->fixup + (intptr_t)e->fixup;
    return 0;
}

/* A fault inside a fast primitive: note it, and resume at the fixup. */
int
mmf__fx_recover(int sig, const siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uintptr_t addr = (uintptr_t)si->si_addr, fixup;

    /* As for the armed guard: a SIGSEGV is ours only inside the map (a bad
     * buffer of the caller's must still crash). */
    if (si->si_code <= 0 || (fixup = fx_fixup_of(pc)) == 0
        || (sig == SIGSEGV
            && (addr < mmf__fx_range.lo || addr >= mmf__fx_range.hi)))
        return 0;
    mmf__guard_note(sig, addr);
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)fixup;
    return 1;
}
#else /* no fast path here: every access goes through the armed guard */
int
mmf__fx_recover(int sig, const siginfo_t *si, void *ucv)
{
    (void)sig, (void)si, (void)ucv;
    return 0;
}
#endif

/* The instruction that faulted, from the signal context, or 0 where this
 * target's layout of it is not written here (guard.h). */
uintptr_t
mmf__guard_pc(const void *ucv)
{
    const ucontext_t *uc = ucv;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}
