/*
 * sys_linux.c - the system call table's Linux entries (sys.h): mremap,
 * memfd_create and its seals, VMA names (prctl), block device sizes
 * (ioctl BLKGETSIZE64) and sigtimedwait.
 */
#define _GNU_SOURCE
#define _FILE_OFFSET_BITS 64 /* 32-bit targets: see sys.h */
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "sys.h"

/* <linux/fs.h>'s value; musl has no kernel headers to include */
#ifndef BLKGETSIZE64
#define BLKGETSIZE64 _IOR(0x12, 114, size_t)
#endif
#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif

void *
mmf__sys_mremap(void *addr, size_t old_len, size_t new_len)
{
    return mremap(addr, old_len, new_len, MREMAP_MAYMOVE);
}

int
mmf__sys_set_vma_name(void *addr, size_t len, const char *name)
{
    return prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)addr,
                 (unsigned long)len, (unsigned long)name);
}

int
mmf__sys_blkdev_size(int fd, uint64_t *size)
{
    return ioctl(fd, BLKGETSIZE64, size);
}

int
mmf__sys_memfd(const char *name)
{
    return memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

int
mmf__sys_add_seals(int fd, int seals)
{
    return fcntl(fd, F_ADD_SEALS, seals);
}

int
mmf__sys_sigtimedwait(const sigset_t *set, siginfo_t *info,
                      const struct timespec *timeout)
{
    return sigtimedwait(set, info, timeout);
}
