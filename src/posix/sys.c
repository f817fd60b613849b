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

#define MMF_SYS_DEFAULT                                                      \
    {                                                                        \
        .mmap = mmap, .munmap = munmap, .mremap = sys_mremap,                \
        .ftruncate = ftruncate, .fstat = fstat, .msync = msync,              \
        .madvise = madvise, .dupfd = sys_dupfd, .close = close,              \
        .set_vma_name = sys_set_vma_name,                                    \
        .thread_sigmask = pthread_sigmask,                                   \
        .sigtimedwait = sigtimedwait, .blkdev_size = sys_blkdev_size,        \
        .mlock = mlock, .munlock = munlock, .mincore = mincore,              \
        .mprotect = mprotect,                                                \
    }

const struct mmf__sys mmf__sys_default = MMF_SYS_DEFAULT;
struct mmf__sys mmf__sys = MMF_SYS_DEFAULT;
