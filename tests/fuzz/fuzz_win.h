/*
 * fuzz_win.h - the fuzz model's files on Windows (fuzz_ops.c): a
 * temporary file deleted on its last close as the scratch file, and
 * _chsize() behind the map's back, which Windows refuses while the file
 * has a section (the model then changes nothing). The map keeps a HANDLE,
 * not a descriptor (mmf_fileno() is -1), so nothing can be put on its
 * number: fz_replace_fd() is never reached.
 */
#ifndef MMF_FUZZ_WIN_H
#define MMF_FUZZ_WIN_H

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>

static inline int
fz_scratch_file(void)
{
    char dir[MAX_PATH], path[MAX_PATH];

    if (GetTempPathA(sizeof dir, dir) == 0
        || GetTempFileNameA(dir, "mmf", 0, path) == 0)
        return -1;
    return _open(path, _O_RDWR | _O_CREAT | _O_TRUNC | _O_BINARY
                           | _O_TEMPORARY,
                 _S_IREAD | _S_IWRITE);
}

static inline int
fz_write(int fd, const void *p, size_t n)
{
    return _write(fd, p, (unsigned)n) == (int)n ? 0 : -1;
}

static inline int
fz_set_size(int fd, size_t n)
{
    return _chsize_s(fd, (long long)n) == 0 ? 0 : -1;
}

static inline void
fz_close(int fd)
{
    _close(fd);
}

static inline void
fz_replace_fd(int num)
{
    (void)num;
}

/* Any anonymous map can grow on Windows (a new section). */
static inline int
fz_shared_anon_grows(void)
{
    return 1;
}

#endif /* MMF_FUZZ_WIN_H */
