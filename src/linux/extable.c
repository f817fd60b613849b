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
__thread const mmf_map *mmf__fx_map __attribute__((tls_model("initial-exec")));

/* int mmf__fx_copy(void *dst, const void *src, size_t n): memmove for
 *   n <= 64 (every load before any store); 16-byte blocks above (no
 *   overlap). Their AVX2 forms are further down.
 * size_t mmf__fx_memchr(const void *s, int c, size_t n): the index of the
 *   first c in s[0, n), or n. Aligned 32-byte chunks (two 16-byte loads),
 *   each holding a byte of the range: a chunk lies in that byte's page, so
 *   it never faults where a byte-wise scan would not; matches past n are
 *   ignored.
 * A fault inside either lands at mmf__fx_fixup, which returns -1 (SIZE_MAX
 * for the memchr, nonzero for the copy, which otherwise returns 0).
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
    "    ja 11f\n"
    "    movdqu (%rsi), %xmm0\n"
    "    movdqu -16(%rsi,%rdx), %xmm1\n"
    "    movdqu %xmm0, (%rdi)\n"
    "    movdqu %xmm1, -16(%rdi,%rdx)\n"
    "    xor %eax, %eax\n"
    "    ret\n"
    /* n > 32: with 32-byte vectors where the CPU has AVX2 */
    "11: cmpl $3, mmf__isa_level(%rip)\n"
    "    je mmf__fx_copy_avx2\n"
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
    "    cmpl $3, mmf__isa_level(%rip)\n"
    "    je mmf__fx_memchr_avx2\n"
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
    "    shr %cl, %eax\n" /* sets no flag when cl is 0 */
    "    test %eax, %eax\n"
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
    "    ret\n"
    "3:  mov %rdx, %rax\n"
    "    ret\n"
    ".size mmf__fx_memchr, .-mmf__fx_memchr\n"
    ".globl mmf__fx_fixup\n.hidden mmf__fx_fixup\n"
    ".globl mmf__fx_end\n.hidden mmf__fx_end\n"
    "mmf__fx_end:\n"
    "mmf__fx_fixup:\n"
    "    mov $-1, %rax\n"
    "    ret\n"
    /* The AVX2 forms, entered only from the two above (a tail jump, so the
     * fixup's ret still returns to their caller). Each ends with vzeroupper,
     * its fixup too: SSE code after them pays no transition. */
    ".p2align 4\n"
    ".globl mmf__fx_avx_begin\n.hidden mmf__fx_avx_begin\n"
    "mmf__fx_avx_begin:\n"
    /* mmf__fx_copy for 32 < n. Lengths vary from call to call (lines), so
     * up to 256 bytes the vectors are placed by conditional moves, not
     * branches on n. Up to 128: four 32-byte vectors, at 0 and 32 (but not
     * past n - 32), and ending at n - 32 and n (but not before 0). Up to
     * 256: eight, four from the start, at 0, 32, 64 and 96, and four
     * ending at n - 96 to n, placed the same way. Every load comes before
     * the stores (a memmove). Above 256: 32-byte blocks, then the last 32
     * bytes (the ranges do not overlap). */
    "mmf__fx_copy_avx2:\n"
    "    cmp $128, %rdx\n"
    "    ja 4f\n"
    "    lea -32(%rdx), %rax\n"
    "    mov $32, %ecx\n"
    "    cmp %rcx, %rax\n"
    "    cmova %rcx, %rax\n"
    "    lea -64(%rdx), %rcx\n"
    "    cmp $64, %rdx\n"
    "    cmovb %rax, %rcx\n"
    "    vmovdqu (%rsi), %ymm0\n"
    "    vmovdqu (%rsi,%rax), %ymm1\n"
    "    vmovdqu (%rsi,%rcx), %ymm2\n"
    "    vmovdqu -32(%rsi,%rdx), %ymm3\n"
    "    vmovdqu %ymm0, (%rdi)\n"
    "    vmovdqu %ymm1, (%rdi,%rax)\n"
    "    vmovdqu %ymm2, (%rdi,%rcx)\n"
    "    vmovdqu %ymm3, -32(%rdi,%rdx)\n"
    "    jmp 9f\n"
    "4:  cmp $256, %rdx\n"
    "    ja 2f\n"
    "    lea -32(%rdx), %r11\n"
    "    mov $32, %eax\n"
    "    cmp %r11, %rax\n"
    "    cmova %r11, %rax\n"
    "    mov $64, %ecx\n"
    "    cmp %r11, %rcx\n"
    "    cmova %r11, %rcx\n"
    "    mov $96, %r8d\n"
    "    cmp %r11, %r8\n"
    "    cmova %r11, %r8\n"
    /* below 0, the back offsets take rax's (any in [0, n - 32] will do) */
    "    lea -128(%rdx), %r9\n"
    "    cmp $128, %rdx\n"
    "    cmovb %rax, %r9\n"
    "    lea -96(%rdx), %r10\n"
    "    cmp $96, %rdx\n"
    "    cmovb %rax, %r10\n"
    "    lea -64(%rdx), %r11\n"
    "    cmp $64, %rdx\n"
    "    cmovb %rax, %r11\n"
    "    vmovdqu (%rsi), %ymm0\n"
    "    vmovdqu (%rsi,%rax), %ymm1\n"
    "    vmovdqu (%rsi,%rcx), %ymm2\n"
    "    vmovdqu (%rsi,%r8), %ymm3\n"
    "    vmovdqu (%rsi,%r9), %ymm4\n"
    "    vmovdqu (%rsi,%r10), %ymm5\n"
    "    vmovdqu (%rsi,%r11), %ymm6\n"
    "    vmovdqu -32(%rsi,%rdx), %ymm7\n"
    "    vmovdqu %ymm0, (%rdi)\n"
    "    vmovdqu %ymm1, (%rdi,%rax)\n"
    "    vmovdqu %ymm2, (%rdi,%rcx)\n"
    "    vmovdqu %ymm3, (%rdi,%r8)\n"
    "    vmovdqu %ymm4, (%rdi,%r9)\n"
    "    vmovdqu %ymm5, (%rdi,%r10)\n"
    "    vmovdqu %ymm6, (%rdi,%r11)\n"
    "    vmovdqu %ymm7, -32(%rdi,%rdx)\n"
    "    jmp 9f\n"
    "2:  lea -32(%rdx), %rcx\n"
    "    xor %eax, %eax\n"
    "3:  vmovdqu (%rsi,%rax), %ymm0\n"
    "    vmovdqu %ymm0, (%rdi,%rax)\n"
    "    add $32, %rax\n"
    "    cmp %rcx, %rax\n"
    "    jb 3b\n"
    "    vmovdqu (%rsi,%rcx), %ymm0\n"
    "    vmovdqu %ymm0, (%rdi,%rcx)\n"
    "9:  xor %eax, %eax\n"
    "    vzeroupper\n"
    "    ret\n"
    /* mmf__fx_memchr. For n >= 256, the 256 bytes at s all lie in the
     * range: eight 32-byte vectors from s are compared at once and the
     * first match found without a branch (a line of up to 256 bytes ends
     * there, whatever its length, so no mispredicted loop exit); when none
     * matches, the loop below goes on after them. Below 256, aligned
     * 32-byte chunks as above, each holding a byte of the range. */
    ".p2align 4\n"
    "mmf__fx_memchr_avx2:\n"
    "    test %rdx, %rdx\n"
    "    jz 3f\n"
    "    vmovd %esi, %xmm1\n"
    "    vpbroadcastb %xmm1, %ymm1\n"
    "    mov %edi, %ecx\n"
    "    and $31, %ecx\n" /* s's offset in its aligned chunk */
    "    cmp $256, %rdx\n"
    "    jb 5f\n"
    "    vpcmpeqb (%rdi), %ymm1, %ymm0\n"
    "    vpcmpeqb 32(%rdi), %ymm1, %ymm2\n"
    "    vpcmpeqb 64(%rdi), %ymm1, %ymm3\n"
    "    vpcmpeqb 96(%rdi), %ymm1, %ymm4\n"
    "    vpmovmskb %ymm0, %eax\n"
    "    vpmovmskb %ymm2, %r11d\n"
    "    vpmovmskb %ymm3, %r8d\n"
    "    vpmovmskb %ymm4, %r9d\n"
    "    shl $32, %r11\n"
    "    or %r11, %rax\n" /* s[0, 64) */
    "    shl $32, %r9\n"
    "    or %r9, %r8\n" /* s[64, 128) */
    "    vpcmpeqb 128(%rdi), %ymm1, %ymm0\n"
    "    vpcmpeqb 160(%rdi), %ymm1, %ymm2\n"
    "    vpcmpeqb 192(%rdi), %ymm1, %ymm3\n"
    "    vpcmpeqb 224(%rdi), %ymm1, %ymm4\n"
    "    vpmovmskb %ymm0, %r11d\n"
    "    vpmovmskb %ymm2, %r9d\n"
    "    vpmovmskb %ymm3, %r10d\n"
    "    vpmovmskb %ymm4, %esi\n"
    "    shl $32, %r9\n"
    "    or %r9, %r11\n" /* s[128, 192) */
    "    shl $32, %rsi\n"
    "    or %rsi, %r10\n" /* s[192, 256) */
    /* the first match, 256 for none: tzcnt gives 64 for a zero mask */
    "    tzcnt %rax, %r9\n"
    "    tzcnt %r8, %rsi\n"
    "    add $64, %rsi\n"
    "    test %rax, %rax\n"
    "    cmovz %rsi, %r9\n" /* in s[0, 128), or 128 */
    "    or %r8, %rax\n"
    "    tzcnt %r11, %rsi\n"
    "    add $128, %rsi\n"
    "    tzcnt %r10, %r8\n"
    "    add $192, %r8\n"
    "    test %r11, %r11\n"
    "    cmovz %r8, %rsi\n" /* in s[128, 256), or 256 */
    "    test %rax, %rax\n"
    "    cmovz %rsi, %r9\n"
    "    mov %r9, %rax\n"
    "    cmp $256, %rax\n"
    "    jb 2f\n" /* n is 256 or more */
    /* none in s[0, 256): the loop goes on from the aligned chunk that
     * holds s[256] */
    "    mov $256, %eax\n"
    "    sub %rcx, %rax\n"
    "    jmp 6f\n"
    "5:  mov %rdi, %r8\n"
    "    and $-32, %r8\n"
    "    vpcmpeqb (%r8), %ymm1, %ymm0\n"
    "    vpmovmskb %ymm0, %eax\n"
    "    shr %cl, %eax\n" /* sets no flag when cl is 0 */
    "    test %eax, %eax\n"
    "    jz 1f\n"
    "    bsf %eax, %eax\n"
    "    jmp 2f\n"
    "1:  mov $32, %eax\n"
    "    sub %rcx, %rax\n"
    "6:  cmp %rdx, %rax\n"
    "    jae 3f\n"
    "    vpcmpeqb (%rdi,%rax), %ymm1, %ymm0\n"
    "    vpmovmskb %ymm0, %r9d\n"
    "    test %r9d, %r9d\n"
    "    jnz 7f\n"
    "    add $32, %rax\n"
    "    jmp 6b\n"
    "7:  bsf %r9d, %r9d\n"
    "    add %r9, %rax\n"
    "2:  cmp %rdx, %rax\n"
    "    jae 3f\n"
    "    vzeroupper\n"
    "    ret\n"
    "3:  mov %rdx, %rax\n"
    "    vzeroupper\n"
    "    ret\n"
    ".globl mmf__fx_avx_end\n.hidden mmf__fx_avx_end\n"
    "mmf__fx_avx_end:\n"
    ".globl mmf__fx_fixup_avx\n.hidden mmf__fx_fixup_avx\n"
    "mmf__fx_fixup_avx:\n"
    "    vzeroupper\n"
    "    mov $-1, %rax\n"
    "    ret\n");
/* clang-format on */

extern const char mmf__fx_begin[], mmf__fx_end[], mmf__fx_fixup[];
extern const char mmf__fx_avx_begin[], mmf__fx_avx_end[], mmf__fx_fixup_avx[];

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
    if (pc >= (uintptr_t)mmf__fx_avx_begin && pc < (uintptr_t)mmf__fx_avx_end)
        return (uintptr_t)mmf__fx_fixup_avx;
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
    uintptr_t addr = (uintptr_t)si->si_addr, fixup, lo;
    const mmf_map *m = mmf__fx_map; /* set before every fast primitive */

    /* As for the armed guard: a SIGSEGV is ours only inside the map (a bad
     * buffer of the caller's must still crash). The map is the one this
     * thread's primitive is working on: alive, and unchanged meanwhile. */
    if (si->si_code <= 0 || (fixup = fx_fixup_of(pc)) == 0 || m == NULL)
        return 0;
    lo = (uintptr_t)m->data;
    if (sig == SIGSEGV && (addr < lo || addr - lo >= m->size))
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
