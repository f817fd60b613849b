/*
 * map.c - the portable core of a map object: opening and closing, pins,
 * the cursor, and the policy of flush, madvise, size, resize and set_name.
 * The platform does the rest (mmf__os_*); no mapped byte is touched here.
 */
#include <string.h>

#include "internal.h"
#include "search.h"

void
mmf_init(mmf_map *m)
{
    memset(m, 0, sizeof *m);
    m->fd = -1;
}

int
mmf_closed(const mmf_map *m)
{
    return m->data == NULL;
}

mmf_access
mmf_access_mode(const mmf_map *m)
{
    return m->access;
}

int64_t
mmf_offset(const mmf_map *m)
{
    return m->offset;
}

mmf_status
mmf_check_readable(const mmf_map *m)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    return m->readable ? MMF_OK : MMF_ENOREAD;
}

mmf_status
mmf_check_writable(const mmf_map *m)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    return m->writable ? MMF_OK : MMF_EREADONLY;
}

int
mmf_syserr(const mmf_map *m)
{
    return __atomic_load_n(&m->syserr, __ATOMIC_RELAXED);
}

const char *
mmf_sysfunc(const mmf_map *m)
{
    return __atomic_load_n(&m->sysfunc, __ATOMIC_RELAXED);
}

size_t
mmf_fault_offset(const mmf_map *m)
{
    return __atomic_load_n(&m->fault_offset, __ATOMIC_RELAXED);
}

size_t
mmf_pagesize(void)
{
    return mmf__os_pagesize();
}

size_t
mmf_granularity(void)
{
    return mmf__os_granularity();
}

mmf_status
mmf__syserr(mmf_map *m, const char *func, int err)
{
    m->syserr = err;
    m->sysfunc = func;
    return MMF_ESYS;
}

mmf_status
mmf__check_length(uint64_t fsize, int64_t offset, size_t *length)
{
    uint64_t off = (uint64_t)offset;

    assert(offset >= 0);
    if (*length == 0) {
        if (fsize == 0)
            return MMF_EEMPTY;
        if (off >= fsize)
            return MMF_EOFFSET;
        if (fsize - off > (uint64_t)PTRDIFF_MAX)
            return MMF_ELENGTH;
        *length = (size_t)(fsize - off);
        return MMF_OK;
    }
    if (off > fsize || fsize - off < (uint64_t)*length)
        return MMF_ELENGTH;
    return MMF_OK;
}

size_t
mmf__overlap(size_t a, size_t n, size_t lo, size_t hi)
{
    size_t b = a + n;

    a = a < lo ? lo : a;
    b = b > hi ? hi : b;
    return b > a ? b - a : 0;
}

void
mmf__set_mode(mmf_map *m, int flags, int prot, mmf_access access)
{
    m->flags = flags;
    m->prot = prot;
    m->access = access;
    /* A write-only map reads as well: Windows has no write-only pages, and
     * every MMU Linux supports it on reads them too; where one does not,
     * the fault guard turns the read into MMF_EFAULT. */
    m->readable = (prot & (MMF_PROT_READ | MMF_PROT_WRITE)) != 0;
    m->writable = access != MMF_ACCESS_READ;
}

/* Python's rules, with the platform's MMF_MAP_* and MMF_PROT_* values
 * (include/mmf/unix.h, win.h). On failure nothing is written. */
mmf_status
mmf_resolve_access(int *flags, int *prot, mmf_access *access)
{
    const int rw = MMF_PROT_READ | MMF_PROT_WRITE;

    if (*access != MMF_ACCESS_DEFAULT
        && (*flags != MMF_MAP_SHARED || *prot != rw))
        return MMF_EACCESSFLAGS;
    switch (*access) {
    case MMF_ACCESS_READ:
        *flags = MMF_MAP_SHARED;
        *prot = MMF_PROT_READ;
        return MMF_OK;
    case MMF_ACCESS_WRITE:
        *flags = MMF_MAP_SHARED;
        *prot = rw;
        return MMF_OK;
    case MMF_ACCESS_COPY:
        *flags = MMF_MAP_PRIVATE;
        *prot = rw;
        return MMF_OK;
    case MMF_ACCESS_DEFAULT:
        if ((*prot & rw) == rw)
            return MMF_OK;
        *access =
            (*prot & MMF_PROT_WRITE) ? MMF_ACCESS_WRITE : MMF_ACCESS_READ;
        return MMF_OK;
    }
    return MMF_EACCESS;
}

/* After a failed open: a closed map that still tells why it failed. */
static void
reset_keeping_error(mmf_map *m)
{
    int err = m->syserr;
    const char *func = m->sysfunc;
    mmf_init(m);
    m->syserr = err;
    m->sysfunc = func;
}

static mmf_status
open_map(mmf_map *m, int fd, size_t length, int flags, int prot,
         mmf_access access, int64_t offset, int trackfd, unsigned options,
         const char *tagname)
{
    mmf_status s;

    if (m->data != NULL)
        return MMF_EINVAL;
    mmf_init(m);
    if (offset < 0)
        return MMF_EINVAL;
    if ((s = mmf_resolve_access(&flags, &prot, &access)) != MMF_OK)
        return s;
    if (options != 0 && (s = mmf_check_options(flags, options)) != MMF_OK)
        return s;
    mmf__guard_ready();
    (void)mmf__isa(); /* detected before the fast primitives run */
    s = mmf__os_open(m, fd, length, flags, prot, access, offset, trackfd,
                     options, tagname);
    if (s != MMF_OK)
        reset_keeping_error(m);
    return s;
}

mmf_status
mmf_open(mmf_map *m, int fd, size_t length, int flags, int prot,
         mmf_access access, int64_t offset, int trackfd)
{
    return open_map(m, fd, length, flags, prot, access, offset, trackfd, 0,
                    NULL);
}

mmf_status
mmf_open_tagged(mmf_map *m, int fd, size_t length, int flags, int prot,
                mmf_access access, int64_t offset, int trackfd,
                const char *tagname)
{
    return open_map(m, fd, length, flags, prot, access, offset, trackfd, 0,
                    tagname);
}

mmf_status
mmf_open_path(mmf_map *m, const char *path, const char *mode, uint64_t size,
              int64_t offset)
{
    mmf_status s;

    if (m->data != NULL)
        return MMF_EINVAL;
    mmf_init(m);
    if (path == NULL || mode == NULL || offset < 0)
        return MMF_EINVAL;
    mmf__guard_ready();
    (void)mmf__isa(); /* detected before the fast primitives run */
    s = mmf__os_open_path(m, path, mode, size, offset);
    if (s != MMF_OK)
        reset_keeping_error(m);
    return s;
}

mmf_status
mmf_check_options(int flags, unsigned options)
{
    if (options & ~(MMF_OPT_HUGEPAGES | MMF_OPT_MEMFD))
        return MMF_EINVAL;
    if (options == (MMF_OPT_HUGEPAGES | MMF_OPT_MEMFD))
        return MMF_EOPTBOTH;
    return mmf__os_check_options(flags, options);
}

mmf_status
mmf_open_anon(mmf_map *m, size_t length, int flags, int prot,
              mmf_access access, unsigned options)
{
    return open_map(m, MMF_ANONYMOUS, length, flags, prot, access, 0, 1,
                    options, NULL);
}

size_t
mmf_page_size(const mmf_map *m)
{
    return m->data == NULL ? 0 : m->page_size;
}

int
mmf_fileno(const mmf_map *m)
{
    return m->data == NULL ? -1 : m->fd;
}

/* The closed state is published before anything is released, so that the
 * object is never seen half-open. */
mmf_status
mmf_close(mmf_map *m)
{
    if (m->data == NULL)
        return MMF_OK;
    if (m->pins > 0)
        return MMF_EBUSY;
    unsigned char *data = m->data;
    size_t size = m->size;
    int fd = m->fd;
    m->data = NULL;
    m->fd = -1;
    mmf__os_release(m, data, size, fd);
    return MMF_OK;
}

mmf_status
mmf_pin(mmf_map *m, unsigned char **data, size_t *len)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    m->pins++;
    if (data != NULL)
        *data = m->data;
    if (len != NULL)
        *len = m->size;
    return MMF_OK;
}

void
mmf_unpin(mmf_map *m)
{
    if (m->pins > 0)
        m->pins--;
}

size_t
mmf_pins(const mmf_map *m)
{
    return m->pins;
}

mmf_status
mmf_len(const mmf_map *m, size_t *len)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    *len = m->size;
    return MMF_OK;
}

mmf_status
mmf_tell(const mmf_map *m, size_t *pos)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    *pos = m->pos;
    return MMF_OK;
}

mmf_status
mmf_remaining(const mmf_map *m, size_t *n)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    *n = m->pos < m->size ? m->size - m->pos : 0;
    return MMF_OK;
}

mmf_status
mmf_seek(mmf_map *m, int64_t off, int whence, size_t *newpos)
{
    int64_t base, target;

    if (m->data == NULL)
        return MMF_ECLOSED;
    switch (whence) {
    case 0:
        base = 0;
        break;
    case 1:
        base = (int64_t)m->pos;
        break;
    case 2:
        base = (int64_t)m->size;
        break;
    default:
        return MMF_EINVAL;
    }
    if (__builtin_add_overflow(base, off, &target) || target < 0
        || (uint64_t)target > m->size)
        return MMF_ERANGE;
    m->pos = (size_t)target;
    if (newpos != NULL)
        *newpos = m->pos;
    return MMF_OK;
}

mmf_status
mmf_flush(mmf_map *m, size_t offset, size_t size, int flags)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    if (offset > m->size || size > m->size - offset)
        return MMF_ERANGE;
    if (m->access == MMF_ACCESS_READ || m->access == MMF_ACCESS_COPY)
        return MMF_OK;
    return mmf__os_flush(m, offset, size, flags);
}

mmf_status
mmf_madvise(mmf_map *m, int advice, size_t start, size_t length)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    if (start >= m->size)
        return MMF_ERANGE;
    if (length > m->size - start)
        length = m->size - start;
    return mmf__os_madvise(m, advice, start, length);
}

mmf_status
mmf_protect(mmf_map *m, int prot)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    if (m->pins > 0)
        return MMF_EBUSY;
    return mmf__os_protect(m, prot);
}

/* The byte range [*start, *start + *length) clamped to the map, then
 * widened to whole pages, as offsets from the mapping's start (data -
 * delta); *lo and *hi keep the clamped byte range, in the same terms. */
static mmf_status
page_range(const mmf_map *m, size_t *start, size_t *length, size_t *lo,
           size_t *hi)
{
    size_t ps = mmf__os_pagesize(), a;

    if (m->data == NULL)
        return MMF_ECLOSED;
    if (*start > m->size)
        return MMF_ERANGE;
    if (*length > m->size - *start)
        *length = m->size - *start;
    /* from here on, offsets from the mapping's start (data - delta) */
    *lo = m->delta + *start;
    *hi = *lo + *length;
    a = *lo - *lo % ps;
    *length += *lo - a;
    *start = a;
    return MMF_OK;
}

static mmf_status
lock_range(mmf_map *m, size_t start, size_t length, int lock)
{
    size_t lo, hi;
    mmf_status s = page_range(m, &start, &length, &lo, &hi);
    if (s != MMF_OK || hi == lo)
        return s;
    return mmf__os_lock(m, start, length, lock);
}

mmf_status
mmf_lock(mmf_map *m, size_t start, size_t length)
{
    return lock_range(m, start, length, 1);
}

mmf_status
mmf_unlock(mmf_map *m, size_t start, size_t length)
{
    return lock_range(m, start, length, 0);
}

mmf_status
mmf_populate(mmf_map *m, size_t start, size_t length, int write)
{
    size_t lo, hi;
    mmf_status s = page_range(m, &start, &length, &lo, &hi);

    if (s != MMF_OK)
        return s;
    if (write && (s = mmf_check_writable(m)) != MMF_OK)
        return s;
    if (!write && !m->readable)
        return MMF_ENOREAD;
    if (hi == lo)
        return MMF_OK;
    s = mmf__os_populate(m, start, length, write);
    /* the fallback touches the bytes asked for ([lo, hi) is in mapping
     * terms, mmf__touch() takes offsets from data) */
    return s == MMF_ENOTSUP ? mmf__touch(m, lo - m->delta, hi - lo, write) : s;
}

mmf_status
mmf_resident(mmf_map *m, size_t start, size_t length, size_t *bytes)
{
    size_t lo, hi;
    mmf_status s = page_range(m, &start, &length, &lo, &hi);

    *bytes = 0;
    if (s != MMF_OK || hi == lo)
        return s;
    return mmf__os_resident(m, start, length, lo, hi, bytes);
}

mmf_status
mmf_size(mmf_map *m, uint64_t *out)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    if (!m->trackfd)
        return MMF_ENOTRACK;
    if (m->anonymous) {
        *out = m->size;
        return MMF_OK;
    }
    return mmf__os_file_size(m, out);
}

mmf_status
mmf_resize(mmf_map *m, size_t newsize)
{
    if (m->data == NULL)
        return MMF_ECLOSED;
    if (m->pins > 0)
        return MMF_EBUSY;
    if (!m->trackfd)
        return MMF_ENOTRACK;
    if (m->access == MMF_ACCESS_READ || m->access == MMF_ACCESS_COPY)
        return MMF_ENORESIZE;
    if (newsize == 0 || newsize > (size_t)PTRDIFF_MAX
        || (uint64_t)m->offset > (uint64_t)PTRDIFF_MAX - newsize)
        return MMF_ERANGE;
    if (m->anonymous && newsize > m->size && !mmf__os_anon_can_grow(m))
        return MMF_ENOTSUP;
    if (m->anonymous && newsize > m->size) {
        /* The last page of the mapping keeps whatever a larger mapping
         * once wrote past the end: the grown part must read as zeros. It
         * is zeroed first, while nothing else has changed (docs/hazards.md
         * H-50: the map is not writable after protect(PROT_READ), and a
         * failure after the remap would leave the new length behind). */
        size_t page = mmf__os_pagesize();
        size_t tail = (page - m->size % page) % page;
        mmf_status s = mmf__os_zero_tail(
            m, tail < newsize - m->size ? tail : newsize - m->size);
        if (s != MMF_OK)
            return s;
    }
    return mmf__os_resize(m, newsize);
}

mmf_status
mmf_set_name(mmf_map *m, const char *name)
{
    /* CPython 3.15's order: the length first; the kind of map is known
     * even once closed. */
    if (strlen(name) > MMF_NAME_MAX)
        return MMF_EINVAL;
    if (!m->anonymous)
        return MMF_ENOTANON;
    if (m->data == NULL)
        return MMF_ECLOSED;
    return mmf__os_set_name(m, name);
}
