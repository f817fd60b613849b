/*
 * fast.h - the fast primitives on Linux (internal.h), inline: one mapped byte
 * loaded or stored without a function call (the item and byte methods), and
 * the entries of the short copy and memchr in assembly. Reached through
 * internal.h by the include directories (-Isrc/linux before -Isrc/posix).
 *
 * On x86-64 Linux the access is one instruction of inline assembly with an
 * entry in the section mmf_extable: where the instruction is and where its
 * fixup is, as offsets from the entry. The fault handler (guard.c) looks a
 * faulting pc up in that table and resumes at the fixup, which makes the
 * access report the fault, the way an OS kernel recovers from a fault in a
 * copy from user memory. The map is stored first in this thread's
 * mmf__fx_map: a SIGSEGV outside its range is not ours and still crashes.
 * Elsewhere, the portable form: ../guarded/fast.h.
 */
#ifndef MMF_LINUX_FAST_H
#define MMF_LINUX_FAST_H

#include <assert.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MMF__FX_INLINE 1

/* The map of this thread's last fast primitive (extable.c reads its range
 * when one faults). */
extern __thread const mmf_map *mmf__fx_map
    __attribute__((tls_model("initial-exec"), visibility("hidden")));

/* An entry of mmf_extable: the faulting instruction and its fixup, each as
 * an offset from the field holding it. */
struct mmf__fx_entry {
    int32_t insn, fixup;
};

/* The fault of the access that just failed, as a status (guard.c). */
mmf_status mmf__fx_fault(const mmf_map *m);

/* The leaf routines in assembly (extable.c): the copy returns 0, the
 * memchr an index; both return -1 after a fault. */
int mmf__fx_copy(void *dst, const void *src, size_t n);
size_t mmf__fx_memchr(const void *s, int c, size_t n);

/* One plain store to this thread's record: the map, whose range is where a
 * SIGSEGV at a fast primitive is ours. */
static inline void
mmf__fx_set(const mmf_map *m)
{
    mmf__fx_map = m;
}

static inline mmf_status
mmf__fast_copy(const mmf_map *m, void *dst, const void *src, size_t n)
{
    assert(n <= MMF__FAST_MAX);
    mmf__fx_set(m);
    return mmf__fx_copy(dst, src, n) == 0 ? MMF_OK : mmf__fx_fault(m);
}

static inline mmf_status
mmf__fast_memchr(const mmf_map *m, const void *s, int c, size_t n, size_t *idx)
{
    size_t i;

    assert(n <= MMF__FAST_MAX);
    mmf__fx_set(m);
    *idx = i = mmf__fx_memchr(s, c, n);
    return __builtin_expect(i == SIZE_MAX, 0) ? mmf__fx_fault(m) : MMF_OK;
}

/* The access at label 1 resumes at label 2 with bad set to 1 when it
 * faults; the fixup lives out of line. The table's flags: "a" allocated,
 * "R" retained (SHF_GNU_RETAIN), so that a linker collecting unused
 * sections (lld --gc-sections, which does not keep a section for its
 * __start_/__stop_ symbols) keeps it (docs/hazards.md H-51). */
/* clang-format off */
#define MMF__FX_SECTION ".pushsection mmf_extable,\"aR\"\n"
#define MMF__FX_ENTRY                                                      \
    "2:\n"                                                                 \
    MMF__FX_SECTION                                                        \
    ".balign 4\n"                                                          \
    ".long 1b - ., 3f - .\n"                                               \
    ".popsection\n"                                                        \
    ".pushsection .text.unlikely,\"ax\"\n"                                 \
    "3: movl $1, %1\n"                                                     \
    "   jmp 2b\n"                                                          \
    ".popsection\n"
/* clang-format on */

/* The byte at p (in m) into *out. */
static inline mmf_status
mmf__load_byte(const mmf_map *m, const unsigned char *p, unsigned char *out)
{
    unsigned int v;
    int bad = 0;

    mmf__fx_set(m);
    __asm__ volatile("1: movzbl %2, %0\n" MMF__FX_ENTRY
                     : "=r"(v), "+r"(bad)
                     : "m"(*p)
                     : "memory");
    if (__builtin_expect(bad, 0))
        return mmf__fx_fault(m);
    *out = (unsigned char)v;
    return MMF_OK;
}

/* Store b at p (in m). */
static inline mmf_status
mmf__store_byte(const mmf_map *m, unsigned char *p, unsigned char b)
{
    int bad = 0;

    mmf__fx_set(m);
    __asm__ volatile("1: movb %2, %0\n" MMF__FX_ENTRY
                     : "=m"(*p), "+r"(bad)
                     : "q"(b)
                     : "memory");
    if (__builtin_expect(bad, 0))
        return mmf__fx_fault(m);
    return MMF_OK;
}
#else
#include "../guarded/fast.h"
#endif

#endif /* MMF_LINUX_FAST_H */
