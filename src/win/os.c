/*
 * os.c - the Windows backend: sections and views (CreateFileMappingW,
 * MapViewOfFile), flush (FlushViewOfFile + FlushFileBuffers), the
 * Windows forms of madvise, protection, locking, residency, and the file
 * size. Resizing is in resize.c, mmf_open_path() in path.c. Every call to
 * the system goes through the table in sys.c; an MMF_ESYS keeps
 * GetLastError() in the object (mmf__syserr()).
 */
#define _WIN32_WINNT 0x0A00
#include <stdlib.h>
#include <string.h>

#include "os.h"

size_t
mmf__os_pagesize(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwPageSize;
}

size_t
mmf__os_granularity(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwAllocationGranularity;
}

DWORD
mmf__os_section_protect(int flags, int prot)
{
    int x = (prot & MMF_PROT_EXEC) != 0;

    if (!(prot & MMF_PROT_WRITE))
        return x ? PAGE_EXECUTE_READ : PAGE_READONLY;
    if (flags == MMF_MAP_PRIVATE)
        return x ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
    return x ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
}

DWORD
mmf__os_view_access(int flags, int prot)
{
    DWORD a = FILE_MAP_READ;

    if ((prot & MMF_PROT_WRITE) && flags == MMF_MAP_PRIVATE)
        a = FILE_MAP_COPY;
    else if (prot & MMF_PROT_WRITE)
        a = FILE_MAP_WRITE | FILE_MAP_READ;
    return (prot & MMF_PROT_EXEC) ? a | FILE_MAP_EXECUTE : a;
}

/* The protection of pages of a view mapped with flags, for prot. */
static DWORD
page_protect(int flags, int prot)
{
    int x = (prot & MMF_PROT_EXEC) != 0;

    if (!(prot & (MMF_PROT_READ | MMF_PROT_WRITE)))
        return x ? PAGE_EXECUTE : PAGE_NOACCESS;
    if (!(prot & MMF_PROT_WRITE))
        return x ? PAGE_EXECUTE_READ : PAGE_READONLY;
    if (flags == MMF_MAP_PRIVATE)
        return x ? PAGE_EXECUTE_WRITECOPY : PAGE_WRITECOPY;
    return x ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
}

wchar_t *
mmf__os_wide(mmf_map *m, const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w;

    if (n <= 0) {
        mmf__syserr(m, "MultiByteToWideChar", (int)GetLastError());
        return NULL;
    }
    if ((w = malloc((size_t)n * sizeof *w)) == NULL) {
        mmf__syserr(m, "malloc", ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

mmf_status
mmf__os_map_section(mmf_map *m, HANDLE file, int prot, uint64_t size,
                    uint64_t view_offset, size_t view_length, void **view)
{
    wchar_t *name = NULL;
    HANDLE section;
    /* the paging file takes no copy-on-write section: a private view of a
     * section nobody else has is private all the same */
    int sflags = file == INVALID_HANDLE_VALUE ? MMF_MAP_SHARED : m->flags;
    int err;

    if (m->tagname != NULL && (name = mmf__os_wide(m, m->tagname)) == NULL)
        return MMF_ESYS;
    section = mmf__sys.create_mapping(
        file, mmf__os_section_protect(sflags, prot), size, name);
    err = (int)GetLastError();
    free(name);
    if (section == NULL)
        return mmf__syserr(m, "CreateFileMappingW", err);
    *view = mmf__sys.map_view(section, mmf__os_view_access(m->flags, prot),
                              view_offset, view_length);
    if (*view == NULL) {
        err = (int)GetLastError();
        mmf__sys.close(section);
        return mmf__syserr(m, "MapViewOfFile", err);
    }
    m->section = section;
    return MMF_OK;
}

void
mmf__os_unmap(mmf_map *m, void *base)
{
    if (base != NULL && m->reserved)
        mmf__sys.unreserve(base);
    else if (base != NULL)
        mmf__sys.unmap_view(base);
    if (m->section != NULL)
        mmf__sys.close(m->section);
    m->section = NULL;
    m->reserved = 0;
}

mmf_status
mmf__os_reprotect(mmf_map *m)
{
    DWORD old;
    int prot = m->prot;

    /* A new view has the access its prot gave it (read-write after a
     * resize); pages of another protection are set here: none (a view
     * cannot be mapped without access), or what mmf_protect() set. */
    if (prot == (MMF_PROT_READ | MMF_PROT_WRITE) || m->reserved)
        return MMF_OK;
    if (!mmf__sys.protect(mmf__os_base(m), m->mapped,
                          page_protect(m->flags, prot), &old))
        return mmf__syserr(m, "VirtualProtect", (int)GetLastError());
    return MMF_OK;
}

/* Check the file size against the request, as Python does, and fill in
 * *length when it is 0. Only files on disk have a size to check. */
static mmf_status
check_file_size(mmf_map *m, HANDLE h, size_t *length, int64_t offset)
{
    uint64_t fsize;
    DWORD type;

    /* FILE_TYPE_UNKNOWN is a failure only with an error to say so */
    SetLastError(NO_ERROR);
    type = mmf__sys.file_type(h);
    if (type == FILE_TYPE_UNKNOWN && GetLastError() != NO_ERROR)
        return mmf__syserr(m, "GetFileType", (int)GetLastError());
    if (type != FILE_TYPE_DISK)
        return MMF_OK;
    if (!mmf__sys.file_size(h, &fsize))
        return mmf__syserr(m, "GetFileSizeEx", (int)GetLastError());
    return mmf__check_length(fsize, offset, length);
}

/* The file part of mmf__os_open(): its HANDLE in *h, the size checked,
 * and with trackfd a private duplicate in m->file. */
static mmf_status
open_file(mmf_map *m, int fd, size_t *length, int64_t offset, int trackfd,
          HANDLE *h)
{
    mmf_status s;

    if ((*h = mmf__sys.osfhandle(fd)) == INVALID_HANDLE_VALUE)
        return mmf__syserr(m, "_get_osfhandle", (int)GetLastError());
    if ((s = check_file_size(m, *h, length, offset)) != MMF_OK)
        return s;
    if (trackfd && (m->file = mmf__sys.dup(*h)) == NULL)
        return mmf__syserr(m, "DuplicateHandle", (int)GetLastError());
    return MMF_OK;
}

mmf_status
mmf__os_check_options(int flags, unsigned options)
{
    (void)flags;
    /* huge pages and memfd are Linux's */
    return options != 0 ? MMF_ENOTSUP : MMF_OK;
}

mmf_status
mmf__os_open(mmf_map *m, int fd, size_t length, int flags, int prot,
             mmf_access access, int64_t offset, int trackfd, unsigned options,
             const char *tagname)
{
    HANDLE h = INVALID_HANDLE_VALUE;
    void *view;
    mmf_status s;

    (void)options; /* none on Windows: mmf__os_check_options() refused them */
    if ((flags != MMF_MAP_SHARED && flags != MMF_MAP_PRIVATE)
        || (prot & ~(MMF_PROT_READ | MMF_PROT_WRITE | MMF_PROT_EXEC)))
        return MMF_EINVAL;
    m->page_size = mmf__os_pagesize();
    if (tagname != NULL && (m->tagname = strdup(tagname)) == NULL)
        return MMF_ENOMEM;
    m->anonymous = fd == MMF_ANONYMOUS;
    mmf__set_mode(m, flags, prot, access);
    s = m->anonymous ? MMF_OK : open_file(m, fd, &length, offset, trackfd, &h);
    /* a file's section ends at the map's end: never past the file */
    if (s == MMF_OK)
        s = mmf__os_map_section(
            m, h, prot, (m->anonymous ? 0 : (uint64_t)offset) + length,
            m->anonymous ? 0 : (uint64_t)offset, length, &view);
    if (s != MMF_OK) {
        if (m->file != NULL)
            mmf__sys.close(m->file);
        free(m->tagname);
        m->file = NULL;
        m->tagname = NULL;
        return s;
    }
    m->data = view;
    m->size = length;
    m->delta = 0;
    m->mapped = length;
    m->offset = offset;
    m->fd = -1;
    m->trackfd = trackfd != 0;
    if ((s = mmf__os_reprotect(m)) != MMF_OK)
        mmf__os_release(m, m->data, m->size, -1);
    return s;
}

/* The backend's own fields are cleared here, through a const pointer as
 * the fault guard's slots are: the caller (mmf_close()) has closed m. */
void
mmf__os_release(const mmf_map *m, unsigned char *data, size_t size, int fd)
{
    mmf_map *w = (mmf_map *)m;

    (void)size; /* the whole view goes: from data - delta */
    (void)fd;   /* Windows keeps a HANDLE instead (m->file) */
    mmf__os_unmap(w, data == NULL ? NULL : data - m->delta);
    if (w->file != NULL)
        mmf__sys.close(w->file);
    free(w->tagname);
    w->file = NULL;
    w->tagname = NULL;
    w->data = NULL;
}

/* FlushViewOfFile() writes the dirty pages; FlushFileBuffers() makes the
 * file's metadata and cache reach the disk, which msync(MS_SYNC) implies.
 * flags (msync's on POSIX) are ignored. */
mmf_status
mmf__os_flush(mmf_map *m, size_t offset, size_t size, int flags)
{
    (void)flags;
    if (size == 0 || m->reserved)
        return MMF_OK; /* FlushViewOfFile(p, 0) would flush the view */
    if (!mmf__sys.flush_view(m->data + offset, size))
        return mmf__syserr(m, "FlushViewOfFile", (int)GetLastError());
    if (m->file != NULL && !mmf__sys.flush_file(m->file))
        return mmf__syserr(m, "FlushFileBuffers", (int)GetLastError());
    return MMF_OK;
}

mmf_status
mmf__os_madvise(mmf_map *m, int advice, size_t start, size_t length)
{
    DWORD err;

    if (length == 0 || advice == MMF_MADV_NORMAL)
        return MMF_OK;
    switch (advice) {
    case MMF_MADV_WILLNEED:
        if (!mmf__sys.prefetch(m->data + start, length))
            return mmf__syserr(m, "PrefetchVirtualMemory",
                               (int)GetLastError());
        return MMF_OK;
    case MMF_MADV_FREE:
        err = mmf__sys.discard(m->data + start, length);
        return err == 0 ? MMF_OK
                        : mmf__syserr(m, "DiscardVirtualMemory", (int)err);
    }
    return MMF_ENOTSUP;
}

mmf_status
mmf__os_protect(mmf_map *m, int prot)
{
    DWORD old;

    if ((prot & MMF_PROT_WRITE) && m->access == MMF_ACCESS_READ)
        return MMF_EREADONLY;
    if (prot & ~(MMF_PROT_READ | MMF_PROT_WRITE | MMF_PROT_EXEC))
        return MMF_EINVAL;
    if (!m->reserved
        && !mmf__sys.protect(mmf__os_base(m), m->mapped,
                             page_protect(m->flags, prot), &old))
        return mmf__syserr(m, "VirtualProtect", (int)GetLastError());
    m->prot = prot;
    m->readable = (prot & (MMF_PROT_READ | MMF_PROT_WRITE)) != 0;
    m->writable = (prot & MMF_PROT_WRITE) != 0;
    return MMF_OK;
}

mmf_status
mmf__os_lock(mmf_map *m, size_t start, size_t length, int lock)
{
    void *p = mmf__os_base(m) + start;

    if (lock && !mmf__sys.lock(p, length))
        return mmf__syserr(m, "VirtualLock", (int)GetLastError());
    /* munlock() of pages that are not locked succeeds; so does this */
    if (!lock && !mmf__sys.unlock(p, length)
        && GetLastError() != ERROR_NOT_LOCKED)
        return mmf__syserr(m, "VirtualUnlock", (int)GetLastError());
    return MMF_OK;
}

/* No populate call: the portable loop touches the pages (src/map.c). */
mmf_status
mmf__os_populate(mmf_map *m, size_t start, size_t length, int write)
{
    (void)m;
    (void)start;
    (void)length;
    (void)write;
    return MMF_ENOTSUP;
}

/* An entry of QueryWorkingSetEx(): PSAPI_WORKING_SET_EX_INFORMATION, whose
 * attributes' bit 0 (Valid) says the page is in the working set. */
struct ws_entry {
    void *addr;
    uintptr_t attrs;
};

mmf_status
mmf__os_resident(mmf_map *m, size_t start, size_t length, size_t lo, size_t hi,
                 size_t *bytes)
{
    struct ws_entry e[512];
    size_t ps = mmf__os_pagesize(), done = 0;

    *bytes = 0;
    while (done < length) {
        size_t n = length - done, pages;
        if (n > sizeof e / sizeof e[0] * ps)
            n = sizeof e / sizeof e[0] * ps;
        pages = (n + ps - 1) / ps;
        for (size_t i = 0; i < pages; i++)
            e[i].addr = mmf__os_base(m) + start + done + i * ps;
        if (!mmf__sys.working_set(e, (DWORD)pages))
            return mmf__syserr(m, "QueryWorkingSetEx", (int)GetLastError());
        for (size_t i = 0; i < pages; i++)
            if (e[i].attrs & 1)
                *bytes += mmf__overlap(start + done + i * ps, ps, lo, hi);
        done += n;
    }
    return MMF_OK;
}

mmf_status
mmf__os_file_size(mmf_map *m, uint64_t *out)
{
    if (m->file == NULL)
        return mmf__syserr(m, "GetFileSizeEx", ERROR_INVALID_HANDLE);
    if (!mmf__sys.file_size(m->file, out))
        return mmf__syserr(m, "GetFileSizeEx", (int)GetLastError());
    return MMF_OK;
}

/* A new section of the paging file is zero-filled, and resize.c copies
 * only the map's bytes into it: the grown part reads as zeros already. */
mmf_status
mmf__os_zero_tail(mmf_map *m, size_t n)
{
    (void)m;
    (void)n;
    return MMF_OK;
}

/* Any anonymous map can grow: resize.c makes a new section. */
int
mmf__os_anon_can_grow(const mmf_map *m)
{
    (void)m;
    return 1;
}

/* Windows names sections at creation (mmf_open_tagged()), not maps. */
mmf_status
mmf__os_set_name(mmf_map *m, const char *name)
{
    (void)m;
    (void)name;
    return MMF_ENOTSUP;
}
