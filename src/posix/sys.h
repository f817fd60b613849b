/*
 * sys.h - the POSIX system call table (SQLite's aSyscall idea).
 *
 * Every system call libmmf makes goes through mmf__sys, so that tests can
 * replace an entry to inject a failure (tests/c/test_syscall_faults_*.c
 * and tests/c/sysfault_*.h).
 * The entries are the raw calls; EINTR is retried in one place (os.c,
 * retry()). Production code never writes to the table.
 */
#ifndef MMF_POSIX_SYS_H
#define MMF_POSIX_SYS_H

/* Every file that includes this header must see a 64-bit off_t (defined
 * before its first include, or -D_FILE_OFFSET_BITS=64): the table's
 * entries take off_t, and an offset above 4 GiB must reach mmap() whole
 * on 32-bit targets. The typedef below breaks the build otherwise. */

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/types.h>

struct mmf__sys {
    void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
                  off_t off);
    int (*munmap)(void *addr, size_t len);
    /* mremap with MREMAP_MAYMOVE; MAP_FAILED on error. */
    void *(*mremap)(void *addr, size_t old_len, size_t new_len);
    int (*ftruncate)(int fd, off_t len);
    int (*fstat)(int fd, struct stat *st);
    int (*msync)(void *addr, size_t len, int flags);
    int (*madvise)(void *addr, size_t len, int advice);
    /* fcntl(fd, F_DUPFD_CLOEXEC, 0) */
    int (*dupfd)(int fd);
    int (*close)(int fd);
    /* prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name) */
    int (*set_vma_name)(void *addr, size_t len, const char *name);
    /* pthread_sigmask and sigtimedwait: resize keeps SIGXFSZ from killing
     * the process when the file would exceed RLIMIT_FSIZE. */
    int (*thread_sigmask)(int how, const sigset_t *set, sigset_t *old);
    int (*sigtimedwait)(const sigset_t *set, siginfo_t *info,
                        const struct timespec *timeout);
    /* ioctl(fd, BLKGETSIZE64, size): the size of a block device. */
    int (*blkdev_size)(int fd, uint64_t *size);
    int (*mlock)(const void *addr, size_t len);
    int (*munlock)(const void *addr, size_t len);
    int (*mincore)(void *addr, size_t len, unsigned char *vec);
    int (*mprotect)(void *addr, size_t len, int prot);
    /* memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING) */
    int (*memfd)(const char *name);
    /* fcntl(fd, F_ADD_SEALS, seals) */
    int (*add_seals)(int fd, int seals);
    /* The start of a small text file (sysfs) into buf, NUL-terminated;
     * the byte count, or -1. */
    long (*read_text)(const char *path, char *buf, size_t cap);
    /* open(path, flags | O_CLOEXEC, 0666) */
    int (*open)(const char *path, int flags);
    /* posix_fallocate(): 0 or an errno value (it does not set errno) */
    int (*fallocate)(int fd, off_t off, off_t len);
};

/* The entries only the system can give, from its directory
 * (src/linux/sys_linux.c); another system's directory defines them too,
 * failing with ENOSYS where it has no such call. */
void *mmf__sys_mremap(void *addr, size_t old_len, size_t new_len);
int mmf__sys_set_vma_name(void *addr, size_t len, const char *name);
int mmf__sys_blkdev_size(int fd, uint64_t *size);
int mmf__sys_memfd(const char *name);
int mmf__sys_add_seals(int fd, int seals);
/* Called with a zero timeout only, to take back a pending signal: where
 * the system has no sigtimedwait (macOS, OpenBSD), sigpending() and
 * sigwait() do that. */
int mmf__sys_sigtimedwait(const sigset_t *set, siginfo_t *info,
                          const struct timespec *timeout);

typedef char mmf__sys_off_t_is_64_bits[sizeof(off_t) == 8 ? 1 : -1];

extern struct mmf__sys mmf__sys;

/* The original table, for tests to restore entries from. */
extern const struct mmf__sys mmf__sys_default;

#endif /* MMF_POSIX_SYS_H */
