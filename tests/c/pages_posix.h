/*
 * pages_posix.h - for tests that need pages next to inaccessible ones, and
 * clocks (test_search_*.c, through search_check.h, and test_find.c): the
 * POSIX calls. Windows: win/pages.h.
 */
#ifndef MMF_TEST_PAGES_POSIX_H
#define MMF_TEST_PAGES_POSIX_H

#include <stddef.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static inline size_t
t_page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

/* len bytes of fresh read-write pages, or NULL. */
static inline unsigned char *
t_pages(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* Take all access to [p, p + len) away: 0, or -1. */
static inline int
t_no_access(void *p, size_t len)
{
    return mprotect(p, len, PROT_NONE);
}

/* Give [p, p + len) read and write access back: 0, or -1. */
static inline int
t_read_write(void *p, size_t len)
{
    return mprotect(p, len, PROT_READ | PROT_WRITE);
}

static inline void
t_pages_free(void *p, size_t len)
{
    munmap(p, len);
}

/* Seconds of CPU time of the process. */
static inline double
t_cpu_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Seconds of a monotonic clock. */
static inline double
t_wall_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* MMF_TEST_PAGES_POSIX_H */
