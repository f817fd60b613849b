/*
 * internal.h - declarations shared inside src/: the backend interface
 * (mmf__os_*), the guarded access primitive and the search kernels.
 * Nothing here is public; nothing here assumes a platform.
 */
#ifndef MMF_INTERNAL_H
#define MMF_INTERNAL_H

#include <assert.h>

#include "mmf.h"

/* ---- backend: src/posix/os.c + src/linux/, or src/win/ ----------------- */

/* mmf_check_options() past the portable checks: the options against the
 * platform's flags (MMF_EOPTHUGETLB, MMF_EOPTSHARED). */
mmf_status mmf__os_check_options(int flags, unsigned options);

/* Validate against the file, duplicate fd, map. m is closed on entry; on
 * success every field but pos is set; on failure m is closed again.
 * tagname (NULL: none) names the section (Windows); a backend without
 * named sections returns MMF_ENOTSUP for a name. */
mmf_status mmf__os_open(mmf_map *m, int fd, size_t length, int flags, int prot,
                        mmf_access access, int64_t offset, int trackfd,
                        unsigned options, const char *tagname);

/* mmf_open_path(): m is closed on entry; on failure m is closed again. */
mmf_status mmf__os_open_path(mmf_map *m, const char *path, const char *mode,
                             uint64_t size, int64_t offset);

/* Unmap and close; errors ignored. m->data and m->fd are already cleared by
 * the caller, which passes their old values. */
void mmf__os_release(const mmf_map *m, unsigned char *data, size_t size,
                     int fd);

mmf_status mmf__os_flush(mmf_map *m, size_t offset, size_t size, int flags);
mmf_status mmf__os_madvise(mmf_map *m, int advice, size_t start,
                           size_t length);
mmf_status mmf__os_file_size(mmf_map *m, uint64_t *out);
/* Memory control over a page-aligned [start, start + length), length > 0.
 * mmf__os_populate() returns MMF_ENOTSUP when the kernel has no populate
 * advice (the caller then touches the pages); mmf__os_resident() counts
 * resident pages' bytes inside [lo, hi). */
mmf_status mmf__os_lock(mmf_map *m, size_t start, size_t length, int lock);
/* Change the whole map's protection; m is open and unpinned. */
mmf_status mmf__os_protect(mmf_map *m, int prot);
mmf_status mmf__os_populate(mmf_map *m, size_t start, size_t length,
                            int write);
mmf_status mmf__os_resident(mmf_map *m, size_t start, size_t length, size_t lo,
                            size_t hi, size_t *bytes);
/* Can this anonymous map grow? (Linux: not when shared, kernel bug 8691) */
int mmf__os_anon_can_grow(const mmf_map *m);
mmf_status mmf__os_resize(mmf_map *m, size_t newsize);
/* Zero the n bytes just past the end of an anonymous map (what is left of
 * its last page, which a larger mapping may have written), whatever the
 * map's protection; on failure the map is as it was. */
mmf_status mmf__os_zero_tail(mmf_map *m, size_t n);
mmf_status mmf__os_set_name(mmf_map *m, const char *name);
size_t mmf__os_pagesize(void);
/* The alignment the mapping call requires of a file offset: the page size
 * on POSIX, the allocation granularity (64 KiB) on Windows. */
size_t mmf__os_granularity(void);

/* Record an OS error (errno, or GetLastError() on Windows) in the object;
 * returns MMF_ESYS (src/map.c). */
mmf_status mmf__syserr(mmf_map *m, const char *func, int err);

/* Python's checks of a map of a file of fsize bytes at offset (>= 0): with
 * *length 0, *length becomes the rest of the file (MMF_EEMPTY for an empty
 * file, MMF_EOFFSET for an offset at or past its end, MMF_ELENGTH for more
 * than PTRDIFF_MAX bytes); otherwise MMF_ELENGTH unless [offset, offset +
 * *length) lies inside the file (src/map.c). */
mmf_status mmf__check_length(uint64_t fsize, int64_t offset, size_t *length);

/* The number of bytes of [a, a + n) inside [lo, hi) (src/map.c). */
size_t mmf__overlap(size_t a, size_t n, size_t lo, size_t hi);

/* Set the mapping fields of an open m from a resolved mode: flags, prot,
 * access, readable and writable (src/map.c). */
void mmf__set_mode(mmf_map *m, int flags, int prot, mmf_access access);

/* ---- the fault guard: src/posix/guard.c, src/win/guard.c ----------------
 * mmf__guarded() runs fn(ctx) with the fault guard armed over
 * [m->data, m->data + m->size). A SIGBUS/SIGSEGV inside that range while fn
 * runs abandons fn (it must hold no lock and own no allocation) and returns
 * MMF_EFAULT with m's syserr, sysfunc and fault_offset set (on Windows:
 * an EXCEPTION_IN_PAGE_ERROR, or an access violation inside the range).
 * Otherwise returns MMF_OK. The library touches mapped bytes only through
 * it and the fast primitives below (the backend's fast.h), which keep the
 * same contract. */
typedef void (*mmf__access_fn)(void *ctx);
mmf_status mmf__guarded(const mmf_map *m, mmf__access_fn fn, void *ctx);

/* The fast guarded primitives, for the short accesses of per-call methods
 * (an item, a small read or write, a line). Same contract as mmf__guarded()
 * over a copy or a memchr, without its setjmp: on x86-64 Linux they are
 * leaf routines in assembly, and the fault handler resumes a faulting one
 * at its fixup, which returns the fault (no system call either way).
 * Elsewhere they fall back to mmf__guarded().
 * mmf__fast_copy(): memmove of n <= MMF__FAST_MAX bytes; for n > 64 the
 * ranges must not overlap. dst or src lies in the map.
 * mmf__fast_memchr(): the index of the first c in s[0, n) in *idx, or n;
 * n <= MMF__FAST_MAX; s lies in the map. */
#define MMF__FAST_MAX 256
/* Install the guard once per process (every open calls it): the fast
 * primitives rely on it being in place. */
void mmf__guard_ready(void);
/*   mmf_status mmf__fast_copy(const mmf_map *m, void *dst, const void *src,
 *                             size_t n);
 *   mmf_status mmf__fast_memchr(const mmf_map *m, const void *s, int c,
 *                               size_t n, size_t *idx);
 * are declared, or defined inline, by the backend's fast.h (below). */

/* mmf__load_byte(), mmf__store_byte(): one byte at p, which lies in the map,
 * with the contract of the fast primitives, inline where the platform can
 * (the backend's fast.h, found through its include directory):
 *   mmf_status mmf__load_byte(const mmf_map *m, const unsigned char *p,
 *                             unsigned char *out);
 *   mmf_status mmf__store_byte(const mmf_map *m, unsigned char *p,
 *                              unsigned char b); */
#include "fast.h"

/* Touch one byte of every page of [off, off + n), through the guard
 * (src/io.c): read it, or, with write, store its own value back. */
mmf_status mmf__touch(mmf_map *m, size_t off, size_t n, int write);

/* Zero [off, off + n) of the map, through the guard (src/io.c). */
mmf_status mmf__zero(mmf_map *m, size_t off, size_t n);

/* ---- search kernels: src/search.c ---------------------------------------
 * Pure functions over plain memory. They read only hay[0, hlen) and
 * needle[0, nlen). Return the index of the first (last) occurrence, or -1.
 * nlen may be 0 (matches at 0, or at hlen for the reverse search). */
ptrdiff_t mmf__search_fwd(const unsigned char *hay, size_t hlen,
                          const unsigned char *needle, size_t nlen);
ptrdiff_t mmf__search_rev(const unsigned char *hay, size_t hlen,
                          const unsigned char *needle, size_t nlen);

/* The same for a short haystack (up to MMF__FAST_MAX bytes, in memory that
 * cannot fault): no set-up, a memchr and a compare per candidate, and the
 * search above after a few failed candidates. */
ptrdiff_t mmf__search_short_fwd(const unsigned char *hay, size_t hlen,
                                const unsigned char *needle, size_t nlen);
ptrdiff_t mmf__search_short_rev(const unsigned char *hay, size_t hlen,
                                const unsigned char *needle, size_t nlen);

/* The number of non-overlapping occurrences of needle in hay, counted from
 * the left (bytes.count); an empty needle occurs hlen + 1 times. Linear
 * (each search is); one byte with a SIMD count (src/search_simd.c). For
 * nlen >= 2, *next is the index just past the last occurrence counted (0
 * when none); 0 for shorter needles. */
size_t mmf__count(const unsigned char *hay, size_t hlen,
                  const unsigned char *needle, size_t nlen, size_t *next);

#endif /* MMF_INTERNAL_H */
