/*
 * os.h - inside the POSIX backend: what src/posix/os.c shares with the
 * system's directory (src/linux/ on Linux), and what that directory gives
 * it. A system without them (macOS, the BSDs) gets its own directory with
 * the same functions; nothing here is chosen by #ifdef.
 */
#ifndef MMF_POSIX_OS_H
#define MMF_POSIX_OS_H

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>

#include "internal.h"

/* The one place EINTR is retried. close() is never retried: on Linux the
 * descriptor is gone even when close() reports EINTR. */
#define RETRY(rc, call)                                                       \
    do {                                                                      \
        (rc) = (call);                                                        \
    } while ((rc) == -1 && errno == EINTR)

#define RETRY_PTR(p, call)                                                    \
    do {                                                                      \
        (p) = (call);                                                         \
    } while ((p) == MAP_FAILED && errno == EINTR)

/* The start of the mapping: data is delta bytes into it (an offset that is
 * not a multiple of the page size, from mmf_open_path()). */
static inline unsigned char *
mmf__os_base(const mmf_map *m)
{
    return m->data - m->delta;
}

/* ftruncate() that cannot kill the process with SIGXFSZ (src/posix/os.c).
 * Returns 0 or an errno value. */
int mmf__os_truncate(int fd, int64_t len);

/* ---- given by the system's directory (src/linux/os_linux.c) ------------ */

/* Can the mapping call take this file offset whole? */
int mmf__os_offset_fits(int64_t offset);

/* Is this character device /dev/zero, the one mmap maps (as anonymous
 * memory)? Device numbers are the system's. */
struct stat;
int mmf__os_is_dev_zero(const struct stat *st);

/* Do these mmap flags ask for huge pages of their own (MAP_HUGETLB on
 * Linux)? MMF_OPT_HUGEPAGES does not combine with them. */
int mmf__os_flags_huge(int flags);

/* An anonymous map of length bytes in huge pages into *out; MMF_ENOTSUP
 * when the system gives none (the caller then maps it plainly). */
mmf_status mmf__os_map_huge(mmf_map *m, size_t length, int prot, int flags,
                            void **out);

/* A shared memory file of length bytes that cannot shrink: its fd, or -1
 * with the failure recorded in m. */
int mmf__os_make_memfd(mmf_map *m, size_t length);

/* Unmap the whole mapping [data, data + size) of m. */
void mmf__os_unmap(const mmf_map *m, void *data, size_t size);

/* Give the mapping delta + newsize bytes, moving it if need be; on
 * failure the map is as it was. */
mmf_status mmf__os_remap(mmf_map *m, size_t newsize);

#endif /* MMF_POSIX_OS_H */
