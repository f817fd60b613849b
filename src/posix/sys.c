/*
 * sys.c - the default system call table. See sys.h. The entries that only
 * the system can give (mremap, memfd, seals, VMA names, block device
 * sizes, sigtimedwait) come from its directory (src/linux/sys_linux.c).
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 32-bit targets: see sys.h */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sys.h"

static int
sys_dupfd(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

static long
sys_read_text(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0 || cap == 0)
        return -1;
    n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return (long)n;
}

static int
sys_open(const char *path, int flags)
{
    return open(path, flags | O_CLOEXEC, 0666);
}

#define MMF_SYS_DEFAULT                                                       \
    {                                                                         \
        .mmap = mmap,                                                         \
        .munmap = munmap,                                                     \
        .mremap = mmf__sys_mremap,                                            \
        .ftruncate = ftruncate,                                               \
        .fstat = fstat,                                                       \
        .msync = msync,                                                       \
        .madvise = madvise,                                                   \
        .dupfd = sys_dupfd,                                                   \
        .close = close,                                                       \
        .set_vma_name = mmf__sys_set_vma_name,                                \
        .thread_sigmask = pthread_sigmask,                                    \
        .sigtimedwait = mmf__sys_sigtimedwait,                                \
        .blkdev_size = mmf__sys_blkdev_size,                                  \
        .mlock = mlock,                                                       \
        .munlock = munlock,                                                   \
        .mincore = mincore,                                                   \
        .mprotect = mprotect,                                                 \
        .memfd = mmf__sys_memfd,                                              \
        .add_seals = mmf__sys_add_seals,                                      \
        .read_text = sys_read_text,                                           \
        .open = sys_open,                                                     \
        .fallocate = posix_fallocate,                                         \
    }

const struct mmf__sys mmf__sys_default = MMF_SYS_DEFAULT;
struct mmf__sys mmf__sys = MMF_SYS_DEFAULT;
