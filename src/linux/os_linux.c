/*
 * os_linux.c - the POSIX backend's Linux part (src/posix/os.h): mremap,
 * memfd with seals, transparent and hugetlbfs huge pages, MADV_POPULATE_*,
 * VMA names (prctl), mmap2's offset limit on 32-bit targets, the
 * shared anonymous maps Linux cannot grow, MAP_HUGETLB and the device
 * number of /dev/zero.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 32-bit targets: see sys.h */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"
#include "sys.h"
#include "os.h"

/* Can the mapping call take this offset whole? off_t has 64 bits here
 * (sys.h), but 32-bit Linux's mmap2 takes it in 4096-byte units in 32
 * bits: from 16 TiB on, refused here (MMF_EINVAL), never truncated. */
int
mmf__os_offset_fits(int64_t offset)
{
    return sizeof(long) > 4 || ((uint64_t)offset >> 44) == 0;
}

/* /dev/zero is character device 1, 5 (the kernel's devices.txt). */
int
mmf__os_is_dev_zero(const struct stat *st)
{
    return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1
           && minor(st->st_rdev) == 5;
}

int
mmf__os_flags_huge(int flags)
{
    return (flags & MAP_HUGETLB) != 0;
}

/* The size of a transparent huge page, or 0 when the kernel never gives
 * them to a map advised MADV_HUGEPAGE: private maps follow "enabled",
 * shared (shmem) ones "shmem_enabled" (always, within_size or advise). */
static size_t
thp_size(int shared)
{
    char buf[128];
    size_t huge = (size_t)2 << 20;

    if (shared) {
        if (mmf__sys.read_text("/sys/kernel/mm/transparent_hugepage/"
                               "shmem_enabled",
                               buf, sizeof buf)
                < 0
            || (strstr(buf, "[always]") == NULL
                && strstr(buf, "[within_size]") == NULL
                && strstr(buf, "[advise]") == NULL))
            return 0;
    } else if (mmf__sys.read_text(
                   "/sys/kernel/mm/transparent_hugepage/enabled", buf,
                   sizeof buf)
                   < 0
               || strstr(buf, "[never]") != NULL)
        return 0;
    if (mmf__sys.read_text("/sys/kernel/mm/transparent_hugepage/"
                           "hpage_pmd_size",
                           buf, sizeof buf)
        > 0) {
        unsigned long v = strtoul(buf, NULL, 10);
        if (v >= mmf__os_pagesize() && (v & (v - 1)) == 0)
            huge = (size_t)v;
    }
    return huge;
}

/* An anonymous private or shared map of length bytes on a huge-page
 * boundary, advised MADV_HUGEPAGE: map length + huge, then unmap the head
 * and the tail around the aligned part. */
mmf_status
mmf__os_map_huge(mmf_map *m, size_t length, int prot, int flags, void **out)
{
    size_t huge = thp_size((flags & MAP_SHARED) != 0), span;
    size_t ps = mmf__os_pagesize();
    unsigned char *p, *a;
    int rc;

    if (huge == 0 || length < huge || length > SIZE_MAX - 2 * huge)
        return MMF_ENOTSUP; /* the caller maps it plainly */
    span = length + huge;
    RETRY_PTR(p, mmf__sys.mmap(NULL, span, prot, flags, -1, 0));
    if ((void *)p == MAP_FAILED)
        return mmf__syserr(m, "mmap", errno);
    a = (unsigned char *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
    length = (length + ps - 1) / ps * ps;
    if (a > p)
        mmf__sys.munmap(p, (size_t)(a - p));
    if (p + span > a + length)
        mmf__sys.munmap(a + length, (size_t)(p + span - (a + length)));
    RETRY(rc, mmf__sys.madvise(a, length, MADV_HUGEPAGE));
    m->page_size = rc == 0 ? huge : ps;
    *out = a;
    return MMF_OK;
}

/* A memfd of length bytes, sealed against shrinking: its fd, or -1 with
 * the failure recorded in m. */
int
mmf__os_make_memfd(mmf_map *m, size_t length)
{
    int fd, err;

    RETRY(fd, mmf__sys.memfd("mmf"));
    if (fd < 0) {
        mmf__syserr(m, "memfd_create", errno);
        return -1;
    }
    if ((err = mmf__os_truncate(fd, (int64_t)length)) != 0) {
        mmf__syserr(m, "ftruncate", err);
        mmf__sys.close(fd);
        return -1;
    }
    RETRY(err, mmf__sys.add_seals(fd, F_SEAL_SHRINK));
    if (err != 0) {
        mmf__syserr(m, "fcntl", errno);
        mmf__sys.close(fd);
        return -1;
    }
    return fd;
}

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#define MAP_HUGE_MASK 0x3f
#endif

/* munmap(). A MAP_HUGETLB map was rounded up to whole huge pages, and only
 * a length in whole huge pages unmaps it: the size its flags name
 * (MAP_HUGE_1GB...) or, by default, the first of 2 MiB and 1 GiB that the
 * kernel accepts. A length rounded to too small a page is refused unless it
 * is also a whole number of the right one, so no neighbour is unmapped. */
void
mmf__os_unmap(const mmf_map *m, void *data, size_t size)
{
    static const unsigned shifts[] = {21, 30};
    unsigned named = ((unsigned)m->flags >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;

#ifdef MMF_POISON
    /* Poison mode, for debug builds (H-45): the addresses of a closed map
     * are never handed out again. An inaccessible reservation replaces the
     * map, so a stale pointer faults (SIGSEGV) instead of reading what is
     * mapped there next, another file's bytes maybe. Costs the address
     * space (not the memory) of every map closed. */
    if (mmf__sys.mmap(data, size, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
                      -1, 0)
        != MAP_FAILED)
        return;
#endif
    if (mmf__sys.munmap(data, size) == 0 || !(m->flags & MAP_HUGETLB)
        || errno != EINVAL)
        return;
    for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
        size_t hp = (size_t)1 << (named ? named : shifts[i]);
        if (size <= SIZE_MAX - (hp - 1)
            && mmf__sys.munmap(data, (size + hp - 1) & ~(hp - 1)) == 0)
            return;
        if (named)
            return;
    }
}

mmf_status
mmf__os_remap(mmf_map *m, size_t newsize)
{
    unsigned char *p;
    RETRY_PTR(p,
              mmf__sys.mremap(mmf__os_base(m), m->mapped, m->delta + newsize));
    if ((void *)p == MAP_FAILED)
        return mmf__syserr(m, "mremap", errno);
    m->data = p + m->delta;
    m->size = newsize;
    m->mapped = m->delta + newsize;
    return MMF_OK;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

mmf_status
mmf__os_populate(mmf_map *m, size_t start, size_t length, int write)
{
    int rc;
    RETRY(rc,
          mmf__sys.madvise(mmf__os_base(m) + start, length,
                           write ? MADV_POPULATE_WRITE : MADV_POPULATE_READ));
    if (rc == 0)
        return MMF_OK;
    /* an older kernel does not know the advice */
    return errno == EINVAL ? MMF_ENOTSUP : mmf__syserr(m, "madvise", errno);
}

/* Linux cannot grow a shared anonymous mapping: the new pages SIGBUS on
 * first touch (kernel bug 8691, CPython gh-138204). */
int
mmf__os_anon_can_grow(const mmf_map *m)
{
    return (m->flags & MAP_PRIVATE) != 0;
}

mmf_status
mmf__os_set_name(mmf_map *m, const char *name)
{
    int rc;
    RETRY(rc, mmf__sys.set_vma_name(m->data, m->size, name));
    return rc == 0 ? MMF_OK : mmf__syserr(m, "prctl", errno);
}
