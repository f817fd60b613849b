/*
 * resize.c - mmf_resize() on Windows. A view cannot grow in place, and a
 * file with a section cannot change its size (ERROR_USER_MAPPED_FILE), so
 * every resize unmaps and maps again:
 * - a file map: view and section closed, the file's size set
 *   (SetFileInformationByHandle), a new section and view;
 * - an anonymous map: a new section of the paging file, the bytes copied
 *   over, then the old one closed;
 * - a named (tagname) anonymous map: the name can belong to one section
 *   only, so the bytes are kept on the heap while the old section closes
 *   and the new one takes the name. When another handle (another map, or
 *   another process) still holds the old section, the name stays with it:
 *   the resize is refused (CPython refuses it too), with MMF_ESYS
 *   ERROR_ALREADY_EXISTS from "CreateFileMappingW", and the map is the old
 *   section again.
 * On failure the map is as it was; if even that cannot be had again, the
 * map is closed (never half-open) and the first error is what is reported.
 */
#define _WIN32_WINNT 0x0A00
#include <stdlib.h>
#include <string.h>

#include "os.h"

#define RW (MMF_PROT_READ | MMF_PROT_WRITE)

struct copy_op {
    void *dst;
    const void *src;
    size_t n;
};

static void
op_copy(void *p)
{
    struct copy_op *c = p;
    memcpy(c->dst, c->src, c->n);
}

/* Leave m closed after a failure that could not be undone; the error
 * recorded first stays. */
static mmf_status
close_after(mmf_map *m, mmf_status s)
{
    int err = m->syserr;
    const char *func = m->sysfunc;

    mmf__os_release(m, NULL, 0, -1);
    m->fd = -1;
    m->syserr = err;
    m->sysfunc = func;
    return s;
}

/* Map [offset - delta, offset + size) of m's file (m->section is NULL),
 * and make it m's view. */
static mmf_status
map_file(mmf_map *m, size_t size)
{
    void *view;
    uint64_t start = (uint64_t)m->offset - m->delta;
    mmf_status s =
        mmf__os_map_section(m, m->file, RW, (uint64_t)m->offset + size, start,
                            m->delta + size, &view);
    if (s != MMF_OK)
        return s;
    m->data = (unsigned char *)view + m->delta;
    m->size = size;
    m->mapped = m->delta + size;
    return mmf__os_reprotect(m);
}

static mmf_status
resize_file(mmf_map *m, size_t newsize)
{
    uint64_t old_fsize;
    size_t oldsize = m->size;
    const char *func;
    mmf_status s;
    int err;

    if (!mmf__sys.file_size(m->file, &old_fsize))
        return mmf__syserr(m, "GetFileSizeEx", (int)GetLastError());
    mmf__os_unmap(m, mmf__os_base(m));
    if (!mmf__sys.set_file_size(m->file, (uint64_t)m->offset + newsize)) {
        err = (int)GetLastError();
        s = oldsize == 0 ? MMF_ESYS : map_file(m, oldsize);
        mmf__syserr(m, "SetFileInformationByHandle", err);
        return s == MMF_OK ? MMF_ESYS : close_after(m, MMF_ESYS);
    }
    if ((s = map_file(m, newsize)) == MMF_OK)
        return MMF_OK;
    /* Back to the old size; a shrink has lost the bytes it cut: Windows
     * cannot keep them mapped while it cuts. */
    err = m->syserr;
    func = m->sysfunc;
    if (m->section != NULL)
        mmf__os_unmap(m, mmf__os_base(m));
    if (!mmf__sys.set_file_size(m->file, old_fsize) || oldsize == 0
        || map_file(m, oldsize) != MMF_OK) {
        mmf__syserr(m, func, err);
        return close_after(m, s);
    }
    mmf__syserr(m, func, err);
    return s;
}

/* A new section of the paging file with the bytes of m that fit. */
static mmf_status
resize_anon(mmf_map *m, size_t newsize)
{
    HANDLE old = m->section;
    unsigned char *old_base = mmf__os_base(m);
    struct copy_op c;
    void *view;
    mmf_status s;

    s = mmf__os_map_section(m, INVALID_HANDLE_VALUE, RW, newsize, 0, newsize,
                            &view);
    if (s != MMF_OK)
        return s;
    c.dst = view;
    c.src = m->data;
    c.n = m->size < newsize ? m->size : newsize;
    if ((s = mmf__guarded(m, op_copy, &c)) != MMF_OK) {
        mmf__sys.unmap_view(view);
        mmf__sys.close(m->section);
        m->section = old;
        return s;
    }
    mmf__sys.unmap_view(old_base);
    mmf__sys.close(old);
    m->data = view;
    m->size = newsize;
    m->mapped = newsize;
    return mmf__os_reprotect(m);
}

/* The section of m's name, size bytes, as m's view: a new one, or, unless
 * refused (refuse_existing: MMF_ESYS ERROR_ALREADY_EXISTS), the one that
 * another handle still holds (*existed). m->section is NULL on entry. */
static mmf_status
map_named(mmf_map *m, size_t size, int refuse_existing, int *existed)
{
    wchar_t *name = mmf__os_wide(m, m->tagname);
    HANDLE section;
    void *view;
    int err;

    if (name == NULL)
        return MMF_ESYS;
    section = mmf__sys.create_mapping(INVALID_HANDLE_VALUE, PAGE_READWRITE,
                                      size, name);
    err = (int)GetLastError();
    free(name);
    if (section == NULL)
        return mmf__syserr(m, "CreateFileMappingW", err);
    *existed = err == ERROR_ALREADY_EXISTS;
    if (*existed && refuse_existing) {
        mmf__sys.close(section);
        return mmf__syserr(m, "CreateFileMappingW", ERROR_ALREADY_EXISTS);
    }
    view =
        mmf__sys.map_view(section, mmf__os_view_access(m->flags, RW), 0, size);
    if (view == NULL) {
        err = (int)GetLastError();
        mmf__sys.close(section);
        return mmf__syserr(m, "MapViewOfFile", err);
    }
    m->section = section;
    m->data = view;
    m->size = size;
    m->mapped = size;
    return MMF_OK;
}

/* Keep the bytes, give the name up, take it again at the new size; if
 * that fails, take it again at the old size (the bytes are there still
 * when another handle kept the section, else copied back). */
static mmf_status
resize_named(mmf_map *m, size_t newsize)
{
    size_t oldsize = m->size, keep = oldsize < newsize ? oldsize : newsize;
    unsigned char *buf = malloc(oldsize);
    struct copy_op c = {buf, m->data, oldsize};
    const char *func;
    mmf_status s;
    int existed = 0, err;

    if (buf == NULL)
        return MMF_ENOMEM;
    if ((s = mmf__guarded(m, op_copy, &c)) != MMF_OK) {
        free(buf);
        return s;
    }
    mmf__os_unmap(m, m->data);
    if ((s = map_named(m, newsize, 1, &existed)) == MMF_OK) {
        memcpy(m->data, buf, keep);
        free(buf);
        return mmf__os_reprotect(m);
    }
    err = m->syserr;
    func = m->sysfunc;
    if (map_named(m, oldsize, 0, &existed) != MMF_OK) {
        free(buf);
        mmf__syserr(m, func, err);
        return close_after(m, s);
    }
    if (!existed)
        memcpy(m->data, buf, oldsize);
    free(buf);
    mmf__syserr(m, func, err);
    mmf__os_reprotect(m);
    return s;
}

mmf_status
mmf__os_resize(mmf_map *m, size_t newsize)
{
    assert(m->data != NULL && m->pins == 0 && newsize > 0);
    if (!m->anonymous)
        return resize_file(m, newsize);
    return m->tagname != NULL ? resize_named(m, newsize)
                              : resize_anon(m, newsize);
}
