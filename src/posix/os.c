/*
 * os.c - the POSIX backend: mapping, msync, madvise, protection, locking,
 * residency, file size, ftruncate and the private descriptor: what every
 * POSIX system has. What it cannot do portably (remapping, memfd, huge
 * pages, populate, names, the offsets the mapping call takes, which device
 * is /dev/zero) comes from the system's directory through os.h
 * (src/linux/os_linux.c). Every system
 * call goes through the table in sys.c; EINTR is retried in one place
 * (RETRY, os.h).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 32-bit targets: see sys.h */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "sys.h"
#include "os.h"

size_t
mmf__os_pagesize(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

size_t
mmf__os_granularity(void)
{
    return mmf__os_pagesize();
}

/* Check the file size against the request, as Python does, and fill in
 * *length when it is 0. Regular files and block devices are checked. */
static mmf_status
check_file_size(int fd, const struct stat *st, size_t *length, int64_t offset)
{
    int64_t fsize = st->st_size;

    /* A block device has no st_size: ask the device (gh-119817). When it
     * cannot say, the length is not checked, as for other special files. */
    if (S_ISBLK(st->st_mode)) {
        uint64_t bsize;
        int rc;
        RETRY(rc, mmf__sys.blkdev_size(fd, &bsize));
        if (rc != 0 || bsize > (uint64_t)INT64_MAX)
            return MMF_OK;
        fsize = (int64_t)bsize;
    } else if (!S_ISREG(st->st_mode))
        return MMF_OK;
    return mmf__check_length((uint64_t)fsize, offset, length);
}

/* Is fd still the file that was mapped? A caller may close our private fd
 * and reuse its number for another file (H-36): we must never truncate or
 * close that one. On success *st holds the fd's fstat. */
static mmf_status
check_private_fd(mmf_map *m, struct stat *st)
{
    int rc;
    RETRY(rc, mmf__sys.fstat(m->fd, st));
    if (rc != 0)
        return mmf__syserr(m, "fstat", errno);
    if (!m->fd_known || (uint64_t)st->st_dev != m->fd_dev
        || (uint64_t)st->st_ino != m->fd_ino)
        return mmf__syserr(m, "fstat", EBADF);
    return MMF_OK;
}

/* Record which file the private fd is, for check_private_fd(). When the
 * caller's fd could not be examined, ask the duplicate (same file). */
static void
remember_identity(mmf_map *m, const struct stat *st)
{
    struct stat own;
    int rc;
    if (st == NULL) {
        RETRY(rc, mmf__sys.fstat(m->fd, &own));
        if (rc != 0)
            return; /* unknown identity: size() and resize() say EBADF */
        st = &own;
    }
    m->fd_dev = (uint64_t)st->st_dev;
    m->fd_ino = (uint64_t)st->st_ino;
    m->fd_known = 1;
}

mmf_status
mmf__os_check_options(int flags, unsigned options)
{
    if ((options & MMF_OPT_HUGEPAGES) && mmf__os_flags_huge(flags))
        return MMF_EOPTHUGETLB;
    if ((options & MMF_OPT_MEMFD) && !(flags & MAP_SHARED))
        return MMF_EOPTSHARED;
    return MMF_OK;
}

/* options were checked by mmf_check_options(): fd is MMF_ANONYMOUS when
 * they are not 0. */
mmf_status
mmf__os_open(mmf_map *m, int fd, size_t length, int flags, int prot,
             mmf_access access, int64_t offset, int trackfd, unsigned options,
             const char *tagname)
{
    struct stat st;
    int rc, have_st = 0, newfd = -1;
    void *p = MAP_FAILED;
    mmf_status s;

    if (tagname != NULL) /* named sections are Windows' */
        return MMF_ENOTSUP;
    m->page_size = mmf__os_pagesize();
    if (fd != MMF_ANONYMOUS) {
        RETRY(rc, mmf__sys.fstat(fd, &st));
        /* a size off_t cannot hold: refused, not mapped unchecked */
        if (rc != 0 && errno == EOVERFLOW)
            return mmf__syserr(m, "fstat", EOVERFLOW);
        have_st = rc == 0;
        if (have_st
            && (s = check_file_size(fd, &st, &length, offset)) != MMF_OK)
            return s;
    }
    if (!mmf__os_offset_fits(offset)) /* after the checks against the file */
        return MMF_EINVAL;
    if (options & MMF_OPT_MEMFD) {
        if ((newfd = mmf__os_make_memfd(m, length)) < 0)
            return MMF_ESYS;
        fd = newfd;
        trackfd = 1;
    } else if (fd == MMF_ANONYMOUS)
        flags |= MAP_ANONYMOUS;
    else if (trackfd) {
        RETRY(newfd, mmf__sys.dupfd(fd));
        if (newfd < 0)
            return mmf__syserr(m, "dup", errno);
    }

    if (options & MMF_OPT_HUGEPAGES) {
        s = mmf__os_map_huge(m, length, prot, flags, &p);
        if (s != MMF_OK && s != MMF_ENOTSUP)
            return s;
    }
    if (p == MAP_FAILED)
        RETRY_PTR(p,
                  mmf__sys.mmap(NULL, length, prot, flags, fd, (off_t)offset));
    if (p == MAP_FAILED) {
        int err = errno;
        if (newfd >= 0)
            mmf__sys.close(newfd);
        return mmf__syserr(m, "mmap", err);
    }
    m->data = p;
    m->size = length;
    m->delta = 0;
    m->mapped = length;
    m->offset = offset;
    m->fd = newfd;
    m->anonymous = fd == MMF_ANONYMOUS;
    m->memfd = (options & MMF_OPT_MEMFD) != 0;
    m->trackfd = trackfd != 0;
    if (newfd >= 0)
        remember_identity(m, have_st ? &st : NULL);
    mmf__set_mode(m, flags, prot, access);
    return MMF_OK;
}

/* What mmf_open_path() refuses before it maps: a directory is
 * EISDIR from "open" (as the open of 'r+' and 'w+' says), and what mmap
 * cannot map (a FIFO, a socket, a character device other than /dev/zero)
 * is ENODEV from "mmap", the error the stdlib's mmap gives for them. */
static mmf_status
check_mappable(mmf_map *m, const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return mmf__syserr(m, "open", EISDIR);
    if (S_ISFIFO(st->st_mode) || S_ISSOCK(st->st_mode)
        || (S_ISCHR(st->st_mode) && !mmf__os_is_dev_zero(st)))
        return mmf__syserr(m, "mmap", ENODEV);
    return MMF_OK;
}

mmf_status
mmf__os_open_path(mmf_map *m, const char *path, const char *mode,
                  uint64_t size, int64_t offset)
{
    static const struct {
        const char *mode;
        int oflags, flags, prot;
        mmf_access access;
    } modes[] = {
        {"r", O_RDONLY, MAP_SHARED, PROT_READ, MMF_ACCESS_READ},
        {"r+", O_RDWR, MAP_SHARED, PROT_READ | PROT_WRITE, MMF_ACCESS_WRITE},
        {"w+", O_RDWR | O_CREAT | O_TRUNC, MAP_SHARED, PROT_READ | PROT_WRITE,
         MMF_ACCESS_WRITE},
        {"c", O_RDONLY, MAP_PRIVATE, PROT_READ | PROT_WRITE, MMF_ACCESS_COPY},
    };
    size_t k, ps = mmf__os_pagesize(), delta, length, mapped;
    struct stat st;
    int fd, rc, err;
    unsigned char *p;
    mmf_status s = MMF_OK;

    for (k = 0; k < sizeof modes / sizeof modes[0]; k++)
        if (strcmp(mode, modes[k].mode) == 0)
            break;
    if (k == sizeof modes / sizeof modes[0])
        return MMF_EMODE;
    if (modes[k].oflags & O_CREAT && size == 0)
        return MMF_ENOSIZE;
    if (size > (uint64_t)PTRDIFF_MAX
        || (uint64_t)offset > (uint64_t)INT64_MAX - size)
        return MMF_EINVAL;
    /* O_NONBLOCK: a FIFO without a writer must not block the open
     * (docs/hazards.md H-48); it is refused below. It changes nothing for the files that can
     * be mapped. */
    RETRY(fd, mmf__sys.open(path, modes[k].oflags | O_NONBLOCK));
    if (fd < 0)
        return mmf__syserr(m, "open", errno);
    RETRY(rc, mmf__sys.fstat(fd, &st));
    if (rc != 0) {
        s = mmf__syserr(m, "fstat", errno);
        goto fail;
    }
    if ((s = check_mappable(m, &st)) != MMF_OK)
        goto fail;
    if (modes[k].oflags & O_CREAT) {
        /* the disk space now: a full disk fails here, not as a fault */
        err = mmf__sys.fallocate(fd, 0, (off_t)(offset + (int64_t)size));
        if (err == EOPNOTSUPP || err == EINVAL) /* no such support: size */
            err = mmf__os_truncate(fd, offset + (int64_t)size);
        if (err != 0) {
            s = mmf__syserr(m, "posix_fallocate", err);
            goto fail;
        }
        if (S_ISREG(st.st_mode)) /* O_TRUNC: it was empty */
            st.st_size = (off_t)(offset + (int64_t)size);
    }
    if (S_ISBLK(st.st_mode)) { /* its size is the device's (gh-119817) */
        uint64_t bsize;
        RETRY(rc, mmf__sys.blkdev_size(fd, &bsize));
        if (rc == 0 && bsize <= (uint64_t)INT64_MAX) {
            st.st_size = (off_t)bsize;
            st.st_mode = (st.st_mode & ~(mode_t)S_IFMT) | S_IFREG;
        }
    }
    if (S_ISREG(st.st_mode) && offset > (int64_t)st.st_size) {
        s = MMF_EOFFSET;
        goto fail;
    }
    if (size == 0)
        size = S_ISREG(st.st_mode) ? (uint64_t)(st.st_size - offset) : 0;
    else if (S_ISREG(st.st_mode) && (uint64_t)(st.st_size - offset) < size) {
        s = MMF_ELENGTH;
        goto fail;
    }
    if (size > (uint64_t)PTRDIFF_MAX - ps) {
        s = MMF_ELENGTH;
        goto fail;
    }
    if (!mmf__os_offset_fits(offset)) {
        s = MMF_EINVAL;
        goto fail;
    }
    length = (size_t)size;
    delta = (size_t)(offset % (int64_t)ps);
    /* an empty map still maps a page (the file's, past its end: never
     * touched), so that it is open and can grow like any other */
    mapped = delta + length > 0 ? delta + length : ps;
    RETRY_PTR(p, mmf__sys.mmap(NULL, mapped, modes[k].prot, modes[k].flags, fd,
                               (off_t)(offset - (int64_t)delta)));
    if ((void *)p == MAP_FAILED) {
        s = mmf__syserr(m, "mmap", errno);
        goto fail;
    }
    m->data = p + delta;
    m->size = length;
    m->delta = delta;
    m->mapped = mapped;
    m->offset = offset;
    m->fd = fd;
    m->anonymous = 0;
    m->trackfd = 1;
    m->page_size = ps;
    remember_identity(m, &st);
    mmf__set_mode(m, modes[k].flags, modes[k].prot, modes[k].access);
    return MMF_OK;
fail:
    mmf__sys.close(fd);
    return s;
}

void
mmf__os_release(const mmf_map *m, unsigned char *data, size_t size, int fd)
{
    struct stat st;
    int rc;

    (void)size; /* the whole mapping goes: m->mapped from data - delta */
    if (data != NULL)
        mmf__os_unmap(m, data - m->delta, m->mapped);
    if (fd < 0)
        return;
    /* Close it unless it is now provably another file (or no file): when
     * fstat fails for another reason, leaking would be the worse error. */
    RETRY(rc, mmf__sys.fstat(fd, &st));
    if (rc == 0 ? !m->fd_known
                      || ((uint64_t)st.st_dev == m->fd_dev
                          && (uint64_t)st.st_ino == m->fd_ino)
                : errno != EBADF)
        mmf__sys.close(fd);
}

mmf_status
mmf__os_flush(mmf_map *m, size_t offset, size_t size, int flags)
{
    int rc;
    unsigned char *a = m->data + offset;
    if (m->delta != 0) { /* offsets are from data, not from a page */
        size_t ps = mmf__os_pagesize(), back = (size_t)((uintptr_t)a % ps);
        a -= back;
        size += back;
    }
    RETRY(rc, mmf__sys.msync(a, size, flags ? flags : MS_SYNC));
    return rc == 0 ? MMF_OK : mmf__syserr(m, "msync", errno);
}

mmf_status
mmf__os_madvise(mmf_map *m, int advice, size_t start, size_t length)
{
    int rc;
    /* never widened to the page below, even with delta: destructive advice
     * (MADV_REMOVE, MADV_DONTNEED) must not reach bytes not asked for; an
     * unaligned start is the kernel's EINVAL */
    RETRY(rc, mmf__sys.madvise(m->data + start, length, advice));
    return rc == 0 ? MMF_OK : mmf__syserr(m, "madvise", errno);
}

mmf_status
mmf__os_protect(mmf_map *m, int prot)
{
    int rc;

    if ((prot & PROT_WRITE) && m->access == MMF_ACCESS_READ)
        return MMF_EREADONLY;
    RETRY(rc, mmf__sys.mprotect(mmf__os_base(m), m->mapped, prot));
    if (rc != 0)
        return mmf__syserr(m, "mprotect", errno);
    m->prot = prot;
    m->readable = (prot & (PROT_READ | PROT_WRITE)) != 0;
    m->writable = (prot & PROT_WRITE) != 0;
    return MMF_OK;
}

mmf_status
mmf__os_lock(mmf_map *m, size_t start, size_t length, int lock)
{
    int rc;
    if (lock)
        RETRY(rc, mmf__sys.mlock(mmf__os_base(m) + start, length));
    else
        RETRY(rc, mmf__sys.munlock(mmf__os_base(m) + start, length));
    return rc == 0 ? MMF_OK
                   : mmf__syserr(m, lock ? "mlock" : "munlock", errno);
}

mmf_status
mmf__os_resident(mmf_map *m, size_t start, size_t length, size_t lo, size_t hi,
                 size_t *bytes)
{
    unsigned char vec[4096];
    size_t ps = mmf__os_pagesize(), done = 0;

    *bytes = 0;
    while (done < length) {
        size_t n = length - done, pages;
        int rc;
        if (n > sizeof vec * ps)
            n = sizeof vec * ps;
        pages = (n + ps - 1) / ps;
        RETRY(rc, mmf__sys.mincore(mmf__os_base(m) + start + done, n, vec));
        if (rc != 0)
            return mmf__syserr(m, "mincore", errno);
        for (size_t i = 0; i < pages; i++)
            if (vec[i] & 1)
                *bytes += mmf__overlap(start + done + i * ps, ps, lo, hi);
        done += n;
    }
    return MMF_OK;
}

mmf_status
mmf__os_file_size(mmf_map *m, uint64_t *out)
{
    struct stat st;
    mmf_status s = check_private_fd(m, &st);
    uint64_t bsize;
    int rc = -1;

    if (s != MMF_OK)
        return s;
    if (S_ISBLK(st.st_mode)) /* the device's size, as at open */
        RETRY(rc, mmf__sys.blkdev_size(m->fd, &bsize));
    *out = rc == 0 ? bsize : (uint64_t)st.st_size;
    return MMF_OK;
}

/* ftruncate() that cannot kill the process with SIGXFSZ (H-17): the signal
 * is blocked in this thread for the call, and one the call raised is taken
 * back before unblocking. Returns 0 or an errno value. */
int
mmf__os_truncate(int fd, int64_t len)
{
    sigset_t xfsz, old;
    int rc, err, masked;

    sigemptyset(&xfsz);
    sigaddset(&xfsz, SIGXFSZ);
    masked = mmf__sys.thread_sigmask(SIG_BLOCK, &xfsz, &old) == 0;
    RETRY(rc, mmf__sys.ftruncate(fd, (off_t)len));
    err = rc == 0 ? 0 : errno;
    if (masked) {
        if (err == EFBIG && !sigismember(&old, SIGXFSZ)) {
            struct timespec zero = {0, 0};
            while (mmf__sys.sigtimedwait(&xfsz, NULL, &zero) == SIGXFSZ)
                ;
        }
        mmf__sys.thread_sigmask(SIG_SETMASK, &old, NULL);
    }
    return err;
}

/* Grow a memfd map: the memfd is sealed against shrinking, so it cannot
 * be cut back once grown. The mapping grows first (past the memfd's end:
 * nothing touches those pages before the memfd grows too); if the memfd
 * cannot grow, the mapping shrinks back (docs/hazards.md H-50:
 * resize(2**50) made the memfd 1 PiB for good when mremap then refused). */
static mmf_status
grow_memfd_map(mmf_map *m, size_t newsize, int64_t old_fsize)
{
    size_t oldsize = m->size;
    mmf_status s = mmf__os_remap(m, newsize);
    int err;

    /* a memfd keeps its size when its map shrinks (it is sealed) */
    if (s != MMF_OK || old_fsize >= m->offset + (int64_t)newsize)
        return s;
    err = mmf__os_truncate(m->fd, m->offset + (int64_t)newsize);
    if (err == 0)
        return MMF_OK;
    s = mmf__syserr(m, "ftruncate", err);
    if (mmf__os_remap(m, oldsize) != MMF_OK) /* record the first failure */
        mmf__syserr(m, "ftruncate", err);
    return s;
}

/* Grow: extend the file, then the mapping; if the mapping cannot grow, cut
 * the file back (the part added held only zeros). */
static mmf_status
grow_file_map(mmf_map *m, size_t newsize, int64_t old_fsize)
{
    if (m->memfd)
        return grow_memfd_map(m, newsize, old_fsize);
    int err = mmf__os_truncate(m->fd, m->offset + (int64_t)newsize);
    if (err != 0)
        return mmf__syserr(m, "ftruncate", err);
    mmf_status s = mmf__os_remap(m, newsize);
    if (s != MMF_OK)
        mmf__os_truncate(m->fd, old_fsize);
    return s;
}

/* Shrink: the mapping first, then the file, so that a failure of either
 * loses no byte of the file; if the file cannot shrink, the mapping grows
 * back over the bytes that are still there. */
static mmf_status
shrink_file_map(mmf_map *m, size_t newsize)
{
    size_t oldsize = m->size;
    mmf_status s = mmf__os_remap(m, newsize);
    if (s != MMF_OK)
        return s;
    int err = mmf__os_truncate(m->fd, m->offset + (int64_t)newsize);
    if (err == 0)
        return MMF_OK;
    mmf__os_remap(m, oldsize);
    return mmf__syserr(m, "ftruncate", err);
}

mmf_status
mmf__os_resize(mmf_map *m, size_t newsize)
{
    struct stat st;
    mmf_status s;

    assert(m->data != NULL && m->pins == 0 && newsize > 0);
    if (m->anonymous)
        return mmf__os_remap(m, newsize);
    if ((s = check_private_fd(m, &st)) != MMF_OK)
        return s;
    if (newsize >= m->size)
        return grow_file_map(m, newsize, (int64_t)st.st_size);
    if (m->memfd)
        return mmf__os_remap(m, newsize);
    return shrink_file_map(m, newsize);
}

mmf_status
mmf__os_zero_tail(mmf_map *m, size_t n)
{
    int rc;
    mmf_status s;

    if (n == 0)
        return MMF_OK;
    if (m->prot & PROT_WRITE)
        return mmf__zero(m, m->size, n);
    /* protect() took the write access away: give it back for the store.
     * The whole mapping changes, so no mapping is split (no ENOMEM from
     * the map count), and it ends as it was. */
    RETRY(rc, mmf__sys.mprotect(mmf__os_base(m), m->mapped,
                                PROT_READ | PROT_WRITE));
    if (rc != 0)
        return mmf__syserr(m, "mprotect", errno);
    s = mmf__zero(m, m->size, n);
    RETRY(rc, mmf__sys.mprotect(mmf__os_base(m), m->mapped, m->prot));
    if (rc != 0 && s == MMF_OK)
        s = mmf__syserr(m, "mprotect", errno);
    return s;
}
