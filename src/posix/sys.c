/*
 * sys.c - the default system call table. See sys.h.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <linux/fs.h>

#include "sys.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif

static void *
sys_mremap(void *addr, size_t old_len, size_t new_len)
{
    return mremap(addr, old_len, new_len, MREMAP_MAYMOVE);
}

static int
sys_dupfd(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

static int
sys_set_vma_name(void *addr, size_t len, const char *name)
{
    return prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)addr,
                 (unsigned long)len, (unsigned long)name);
}

static int
sys_blkdev_size(int fd, uint64_t *size)
{
    return ioctl(fd, BLKGETSIZE64, size);
}

static int
sys_memfd(const char *name)
{
    return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

static int
sys_add_seals(int fd, int seals)
{
    return fcntl(fd, F_ADD_SEALS, seals);
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

#define MMF_SYS_DEFAULT                                                      \
    {                                                                        \
        .mmap = mmap, .munmap = munmap, .mremap = sys_mremap,                \
        .ftruncate = ftruncate, .fstat = fstat, .msync = msync,              \
        .madvise = madvise, .dupfd = sys_dupfd, .close = close,              \
        .set_vma_name = sys_set_vma_name,                                    \
        .thread_sigmask = pthread_sigmask,                                   \
        .sigtimedwait = sigtimedwait, .blkdev_size = sys_blkdev_size,        \
        .mlock = mlock, .munlock = munlock, .mincore = mincore,              \
        .mprotect = mprotect, .memfd = sys_memfd,                            \
        .add_seals = sys_add_seals, .read_text = sys_read_text,              \
        .open = sys_open, .fallocate = posix_fallocate,                      \
    }

const struct mmf__sys mmf__sys_default = MMF_SYS_DEFAULT;
struct mmf__sys mmf__sys = MMF_SYS_DEFAULT;
