/*
 * fuzz_posix.h - the fuzz model's files on POSIX (fuzz_ops.c): a memfd as
 * the scratch file, ftruncate() behind the map's back, and another file
 * put on the private descriptor's number with dup2().
 */
#ifndef MMF_FUZZ_POSIX_H
#define MMF_FUZZ_POSIX_H

#include <sys/mman.h>
#include <unistd.h>

/* An empty read-write file that goes away once closed: its fd, or -1. */
static inline int
fz_scratch_file(void)
{
    return memfd_create("fuzz", MFD_CLOEXEC);
}

/* Write all n bytes at the file's position: 0, or -1. */
static inline int
fz_write(int fd, const void *p, size_t n)
{
    return write(fd, p, n) == (ssize_t)n ? 0 : -1;
}

/* Set the file's size: 0, or -1. */
static inline int
fz_set_size(int fd, size_t n)
{
    return ftruncate(fd, (off_t)n);
}

static inline void
fz_close(int fd)
{
    close(fd);
}

/* Close descriptor num and open another file on its number. */
static inline void
fz_replace_fd(int num)
{
    close(num);
    int other = fz_scratch_file();
    if (other >= 0 && other != num) {
        dup2(other, num);
        close(other);
    }
}

/* Can a shared anonymous map grow? Not on Linux (kernel bug 8691). */
static inline int
fz_shared_anon_grows(void)
{
    return 0;
}

#endif /* MMF_FUZZ_POSIX_H */
