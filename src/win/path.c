/*
 * path.c - mmf_open_path() on Windows: CreateFileW with the mode's access,
 * the size set for "w+", the view from the granularity boundary below
 * offset. An empty map (an empty file, or offset at its end with size 0)
 * is a reservation of one granularity, never touched: Windows cannot map
 * an empty file, and the map must be open so that "r+" can resize it.
 */
#define _WIN32_WINNT 0x0A00
#include <stdlib.h>
#include <string.h>

#include "os.h"

static const struct path_mode {
    const char *mode;
    DWORD access, disposition;
    int flags, prot;
    mmf_access maccess;
} modes[] = {
    {"r", GENERIC_READ, OPEN_EXISTING, MMF_MAP_SHARED, MMF_PROT_READ,
     MMF_ACCESS_READ},
    {"r+", GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING, MMF_MAP_SHARED,
     MMF_PROT_READ | MMF_PROT_WRITE, MMF_ACCESS_WRITE},
    {"w+", GENERIC_READ | GENERIC_WRITE, CREATE_ALWAYS, MMF_MAP_SHARED,
     MMF_PROT_READ | MMF_PROT_WRITE, MMF_ACCESS_WRITE},
    {"c", GENERIC_READ, OPEN_EXISTING, MMF_MAP_PRIVATE,
     MMF_PROT_READ | MMF_PROT_WRITE, MMF_ACCESS_COPY},
};

static const struct path_mode *
find_mode(const char *mode)
{
    for (size_t k = 0; k < sizeof modes / sizeof modes[0]; k++)
        if (strcmp(mode, modes[k].mode) == 0)
            return &modes[k];
    return NULL;
}

/* Open path with mode's access into m->file. */
static mmf_status
open_file(mmf_map *m, const char *path, const struct path_mode *pm)
{
    wchar_t *wpath = mmf__os_wide(m, path);
    HANDLE h;

    if (wpath == NULL)
        return MMF_ESYS;
    h = mmf__sys.open(wpath, pm->access, pm->disposition);
    free(wpath);
    if (h == INVALID_HANDLE_VALUE)
        return mmf__syserr(m, "CreateFileW", (int)GetLastError());
    m->file = h;
    return MMF_OK;
}

/* The length to map, from the file's size (after "w+" set it). */
static mmf_status
length_of(mmf_map *m, const struct path_mode *pm, uint64_t size,
          int64_t offset, size_t *length)
{
    uint64_t fsize, off = (uint64_t)offset;

    if (pm->disposition == CREATE_ALWAYS
        && !mmf__sys.set_file_size(m->file, off + size))
        return mmf__syserr(m, "SetFileInformationByHandle",
                           (int)GetLastError());
    if (!mmf__sys.file_size(m->file, &fsize))
        return mmf__syserr(m, "GetFileSizeEx", (int)GetLastError());
    if (off > fsize)
        return MMF_EOFFSET;
    if (size == 0)
        size = fsize - off;
    else if (fsize - off < size)
        return MMF_ELENGTH;
    if (size > (uint64_t)PTRDIFF_MAX - mmf__os_granularity())
        return MMF_ELENGTH;
    *length = (size_t)size;
    return MMF_OK;
}

/* The view of [offset - delta, offset + length), or the reservation of an
 * empty map. */
static mmf_status
map_view(mmf_map *m, int64_t offset, size_t length)
{
    size_t gran = mmf__os_granularity();
    uint64_t start = (uint64_t)offset - m->delta;
    void *p;
    mmf_status s;

    if (length == 0) {
        if ((p = mmf__sys.reserve(gran)) == NULL)
            return mmf__syserr(m, "VirtualAlloc", (int)GetLastError());
        m->reserved = 1;
        m->mapped = gran;
    } else {
        s = mmf__os_map_section(m, m->file, m->prot, (uint64_t)offset + length,
                                start, m->delta + length, &p);
        if (s != MMF_OK)
            return s;
        m->mapped = m->delta + length;
    }
    m->data = (unsigned char *)p + m->delta;
    m->size = length;
    return MMF_OK;
}

mmf_status
mmf__os_open_path(mmf_map *m, const char *path, const char *mode,
                  uint64_t size, int64_t offset)
{
    const struct path_mode *pm = find_mode(mode);
    size_t length = 0;
    mmf_status s;

    if (pm == NULL)
        return MMF_EMODE;
    if (pm->disposition == CREATE_ALWAYS && size == 0)
        return MMF_ENOSIZE;
    if (size > (uint64_t)PTRDIFF_MAX
        || (uint64_t)offset > (uint64_t)INT64_MAX - size)
        return MMF_EINVAL;
    if ((s = open_file(m, path, pm)) != MMF_OK)
        return s;
    mmf__set_mode(m, pm->flags, pm->prot, pm->maccess);
    m->delta = (size_t)((uint64_t)offset % mmf__os_granularity());
    if ((s = length_of(m, pm, size, offset, &length)) == MMF_OK)
        s = map_view(m, offset, length);
    if (s != MMF_OK) {
        mmf__sys.close(m->file);
        m->file = NULL;
        return s;
    }
    m->offset = offset;
    m->fd = -1;
    m->anonymous = 0;
    m->trackfd = 1;
    m->page_size = mmf__os_pagesize();
    return MMF_OK;
}
