/*
 * sysfault_table.h - the system call table wrapped for failure injection
 * (test_syscall_faults_*.c, through sysfault_run.h): every entry of
 * mmf__sys goes through a counter; arm(N, eintr) makes the N-th call fail
 * with a plausible errno for that call (or EINTR), and records the calls
 * made, the regions mapped and those a failed munmap left behind; disarm()
 * puts the real table back.
 */
#ifndef MMF_TEST_SYSFAULT_TABLE_H
#define MMF_TEST_SYSFAULT_TABLE_H

#include "helpers.h"

#include "posix/sys.h"

/* ---- the wrapped table -------------------------------------------------- */

enum entry {
    E_MMAP,
    E_MUNMAP,
    E_MREMAP,
    E_FTRUNCATE,
    E_FSTAT,
    E_MSYNC,
    E_MADVISE,
    E_DUPFD,
    E_CLOSE,
    E_SETNAME,
    E_SIGMASK,
    E_SIGWAIT,
    E_MLOCK,
    E_MUNLOCK,
    E_MINCORE,
    E_MPROTECT,
    E_MEMFD,
    E_SEALS,
    E_OPEN,
    E_FALLOCATE,
    E_READTEXT,
    E_COUNT
};

static const char *const entry_name[E_COUNT] = {
    "mmap",           "munmap",       "mremap",    "ftruncate", "fstat",
    "msync",          "madvise",      "dupfd",     "close",     "set_vma_name",
    "thread_sigmask", "sigtimedwait", "mlock",     "munlock",   "mincore",
    "mprotect",       "memfd",        "add_seals", "open",      "fallocate",
    "read_text",
};

/* A plausible error for each call. */
static const int entry_errno[E_COUNT] = {
    ENOMEM, EINVAL, ENOMEM, EIO,    EIO,    EIO,    EAGAIN,
    EMFILE, EIO,    ENOMEM, EINVAL, EAGAIN, ENOMEM, ENOMEM,
    ENOMEM, EACCES, EMFILE, EPERM,  EACCES, ENOSPC, EIO,
};

#define MAX_REGIONS 16

static struct {
    int fail_at; /* fail the fail_at-th call (1-based); 0: none */
    int eintr;   /* inject EINTR instead of entry_errno */
    int calls;
    int hit;     /* the entry that failed, or -1 */
    int seq[64]; /* the entries called, in order */
    /* regions mapped during the operation, and regions a failed munmap
     * left mapped (the test unmaps those itself) */
    void *mapped[MAX_REGIONS];
    size_t mapped_len[MAX_REGIONS];
    int nmapped;
    void *leaked[MAX_REGIONS];
    size_t leaked_len[MAX_REGIONS];
    int nleaked;
    /* close() reported EINTR for this fd; a second close of it is a bug */
    int eintr_closed_fd;
    int double_close;
} fi;

static int
inject(enum entry e)
{
    if (fi.calls < (int)ARRAY_LEN(fi.seq))
        fi.seq[fi.calls] = e;
    fi.calls++;
    if (fi.fail_at != 0 && fi.calls == fi.fail_at) {
        fi.hit = e;
        return 1;
    }
    return 0;
}

static int
injected_errno(enum entry e)
{
    return fi.eintr ? EINTR : entry_errno[e];
}

static void *
w_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p;
    if (inject(E_MMAP)) {
        errno = injected_errno(E_MMAP);
        return MAP_FAILED;
    }
    p = mmf__sys_default.mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && fi.nmapped < MAX_REGIONS) {
        fi.mapped[fi.nmapped] = p;
        fi.mapped_len[fi.nmapped++] = len;
    }
    return p;
}

static int
w_munmap(void *addr, size_t len)
{
    if (inject(E_MUNMAP)) {
        if (fi.nleaked < MAX_REGIONS) {
            fi.leaked[fi.nleaked] = addr;
            fi.leaked_len[fi.nleaked++] = len;
        }
        errno = injected_errno(E_MUNMAP);
        return -1;
    }
    return mmf__sys_default.munmap(addr, len);
}

static void *
w_mremap(void *addr, size_t old_len, size_t new_len)
{
    void *p;
    if (inject(E_MREMAP)) {
        errno = injected_errno(E_MREMAP);
        return MAP_FAILED;
    }
    p = mmf__sys_default.mremap(addr, old_len, new_len);
    if (p != MAP_FAILED && fi.nmapped < MAX_REGIONS) {
        fi.mapped[fi.nmapped] = p;
        fi.mapped_len[fi.nmapped++] = new_len;
    }
    return p;
}

static int
w_ftruncate(int fd, off_t len)
{
    if (inject(E_FTRUNCATE)) {
        errno = injected_errno(E_FTRUNCATE);
        return -1;
    }
    return mmf__sys_default.ftruncate(fd, len);
}

static int
w_fstat(int fd, struct stat *st)
{
    if (inject(E_FSTAT)) {
        errno = injected_errno(E_FSTAT);
        return -1;
    }
    return mmf__sys_default.fstat(fd, st);
}

static int
w_msync(void *addr, size_t len, int flags)
{
    if (inject(E_MSYNC)) {
        errno = injected_errno(E_MSYNC);
        return -1;
    }
    return mmf__sys_default.msync(addr, len, flags);
}

static int
w_madvise(void *addr, size_t len, int advice)
{
    if (inject(E_MADVISE)) {
        errno = injected_errno(E_MADVISE);
        return -1;
    }
    return mmf__sys_default.madvise(addr, len, advice);
}

static int
w_dupfd(int fd)
{
    if (inject(E_DUPFD)) {
        errno = injected_errno(E_DUPFD);
        return -1;
    }
    return mmf__sys_default.dupfd(fd);
}

/* Linux semantics: the descriptor is released even when close() reports
 * an error (EINTR included), so it must never be closed twice. */
static int
w_close(int fd)
{
    int fail = inject(E_CLOSE), rc;

    if (fi.eintr_closed_fd == fd)
        fi.double_close++;
    rc = mmf__sys_default.close(fd);
    if (fail) {
        if (fi.eintr)
            fi.eintr_closed_fd = fd;
        errno = injected_errno(E_CLOSE);
        return -1;
    }
    return rc;
}

static int
w_set_vma_name(void *addr, size_t len, const char *name)
{
    if (inject(E_SETNAME)) {
        errno = injected_errno(E_SETNAME);
        return -1;
    }
    return mmf__sys_default.set_vma_name(addr, len, name);
}

/* pthread_sigmask style: returns the error number */
static int
w_thread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    if (inject(E_SIGMASK))
        return injected_errno(E_SIGMASK);
    return mmf__sys_default.thread_sigmask(how, set, old);
}

static int
w_sigtimedwait(const sigset_t *set, siginfo_t *info,
               const struct timespec *timeout)
{
    if (inject(E_SIGWAIT)) {
        errno = injected_errno(E_SIGWAIT);
        return -1;
    }
    return mmf__sys_default.sigtimedwait(set, info, timeout);
}

static int
w_mlock(const void *addr, size_t len)
{
    if (inject(E_MLOCK)) {
        errno = injected_errno(E_MLOCK);
        return -1;
    }
    return mmf__sys_default.mlock(addr, len);
}

static int
w_munlock(const void *addr, size_t len)
{
    if (inject(E_MUNLOCK)) {
        errno = injected_errno(E_MUNLOCK);
        return -1;
    }
    return mmf__sys_default.munlock(addr, len);
}

static int
w_mincore(void *addr, size_t len, unsigned char *vec)
{
    if (inject(E_MINCORE)) {
        errno = injected_errno(E_MINCORE);
        return -1;
    }
    return mmf__sys_default.mincore(addr, len, vec);
}

static int
w_mprotect(void *addr, size_t len, int prot)
{
    if (inject(E_MPROTECT)) {
        errno = injected_errno(E_MPROTECT);
        return -1;
    }
    return mmf__sys_default.mprotect(addr, len, prot);
}

static int
w_memfd(const char *name)
{
    if (inject(E_MEMFD)) {
        errno = injected_errno(E_MEMFD);
        return -1;
    }
    return mmf__sys_default.memfd(name);
}

static int
w_add_seals(int fd, int seals)
{
    if (inject(E_SEALS)) {
        errno = injected_errno(E_SEALS);
        return -1;
    }
    return mmf__sys_default.add_seals(fd, seals);
}

static int
w_open(const char *path, int flags)
{
    if (inject(E_OPEN)) {
        errno = injected_errno(E_OPEN);
        return -1;
    }
    return mmf__sys_default.open(path, flags);
}

/* posix_fallocate style: returns the error number (EINTR is not one of
 * its errors: only the failure is injected) */
static int
w_fallocate(int fd, off_t off, off_t len)
{
    if (inject(E_FALLOCATE) && !fi.eintr)
        return injected_errno(E_FALLOCATE);
    return mmf__sys_default.fallocate(fd, off, len);
}

static long
w_read_text(const char *path, char *buf, size_t cap)
{
    if (inject(E_READTEXT)) {
        errno = injected_errno(E_READTEXT);
        return -1;
    }
    return mmf__sys_default.read_text(path, buf, cap);
}

static void
arm(int fail_at, int eintr)
{
    memset(&fi, 0, sizeof fi);
    fi.fail_at = fail_at;
    fi.eintr = eintr;
    fi.hit = -1;
    fi.eintr_closed_fd = -1;
    mmf__sys.mmap = w_mmap;
    mmf__sys.munmap = w_munmap;
    mmf__sys.mremap = w_mremap;
    mmf__sys.ftruncate = w_ftruncate;
    mmf__sys.fstat = w_fstat;
    mmf__sys.msync = w_msync;
    mmf__sys.madvise = w_madvise;
    mmf__sys.dupfd = w_dupfd;
    mmf__sys.close = w_close;
    mmf__sys.set_vma_name = w_set_vma_name;
    mmf__sys.thread_sigmask = w_thread_sigmask;
    mmf__sys.sigtimedwait = w_sigtimedwait;
    mmf__sys.mlock = w_mlock;
    mmf__sys.munlock = w_munlock;
    mmf__sys.mincore = w_mincore;
    mmf__sys.mprotect = w_mprotect;
    mmf__sys.memfd = w_memfd;
    mmf__sys.add_seals = w_add_seals;
    mmf__sys.open = w_open;
    mmf__sys.fallocate = w_fallocate;
    mmf__sys.read_text = w_read_text;
}

static void
disarm(void)
{
    mmf__sys = mmf__sys_default;
}

#endif /* MMF_TEST_SYSFAULT_TABLE_H */
