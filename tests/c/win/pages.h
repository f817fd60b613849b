/*
 * pages.h - for tests that need pages next to inaccessible ones, and
 * clocks (test_search_*.c, through search_check.h, and test_find.c): the
 * Windows calls. POSIX: ../pages_posix.h.
 */
#ifndef MMF_TEST_WIN_PAGES_H
#define MMF_TEST_WIN_PAGES_H

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <stddef.h>

static inline size_t
t_page_size(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwPageSize;
}

static inline unsigned char *
t_pages(size_t len)
{
    return VirtualAlloc(NULL, len, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}

static inline int
t_no_access(void *p, size_t len)
{
    DWORD old;
    return VirtualProtect(p, len, PAGE_NOACCESS, &old) ? 0 : -1;
}

/* A private view (FILE_MAP_COPY, libmmf's MMF_MAP_PRIVATE) takes
 * PAGE_WRITECOPY, not PAGE_READWRITE. */
static inline int
t_read_write(void *p, size_t len)
{
    DWORD old;
    return VirtualProtect(p, len, PAGE_READWRITE, &old)
                   || VirtualProtect(p, len, PAGE_WRITECOPY, &old)
               ? 0
               : -1;
}

static inline void
t_pages_free(void *p, size_t len)
{
    (void)len;
    VirtualFree(p, 0, MEM_RELEASE);
}

/* Seconds of CPU time of the process (user and kernel, in 100 ns). */
static inline double
t_cpu_seconds(void)
{
    FILETIME created, exited, kernel, user;
    ULARGE_INTEGER k, u;

    GetProcessTimes(GetCurrentProcess(), &created, &exited, &kernel, &user);
    k.LowPart = kernel.dwLowDateTime;
    k.HighPart = kernel.dwHighDateTime;
    u.LowPart = user.dwLowDateTime;
    u.HighPart = user.dwHighDateTime;
    return (double)(k.QuadPart + u.QuadPart) * 1e-7;
}

/* Seconds of a monotonic clock (the performance counter). */
static inline double
t_wall_seconds(void)
{
    LARGE_INTEGER now, freq;

    QueryPerformanceCounter(&now);
    QueryPerformanceFrequency(&freq);
    return (double)now.QuadPart / (double)freq.QuadPart;
}

#endif /* MMF_TEST_WIN_PAGES_H */
