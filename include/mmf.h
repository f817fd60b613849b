/*
 * mmf.h - memory-mapped file objects.
 *
 * This header is the manual of libmmf. It implements, as a C API, the object
 * that Python's mmap module describes: a map of a file descriptor or of
 * anonymous memory, with a cursor, and operations to read, write, search,
 * move, flush, advise and resize it.
 *
 * Conventions
 * -----------
 * - Objects are caller-allocated. A zeroed mmf_map (or one set up by
 *   mmf_init()) is a closed map; mmf_close() on a closed map is a no-op, so
 *   every object is always safe to close.
 * - Every fallible function returns an mmf_status: MMF_OK (0) or a negative
 *   value from MMF_STATUS_MAP below. Values are pinned and never change.
 *   Results come back through out-parameters.
 * - When a function returns MMF_ESYS, the OS error (errno on POSIX,
 *   GetLastError() on Windows) is kept in the object: mmf_syserr() returns
 *   it and mmf_sysfunc() names the call ("mmap", "MapViewOfFile", ...).
 *   When it returns MMF_EFAULT, a SIGBUS or SIGSEGV was raised while libmmf
 *   itself touched the mapped bytes (typically: the file was truncated under
 *   the map, or an I/O error); mmf_syserr() is EIO (SIGBUS) or EFAULT
 *   (SIGSEGV) and mmf_fault_offset() is the offset of the fault in the map.
 *   On Windows the faults are EXCEPTION_IN_PAGE_ERROR, whose mmf_syserr()
 *   is the I/O error as a Win32 code (the NTSTATUS of the exception turned
 *   into one), and an access violation inside the map, whose mmf_syserr()
 *   is ERROR_NOACCESS (998), as CPython reports them.
 *   The operation then changed nothing: the cursor is where it was.
 * - Windows: fd arguments are C runtime descriptors (_open(), _fileno()),
 *   whose HANDLE libmmf duplicates; flags and prot take MMF_MAP_* and
 *   MMF_PROT_* (which are the platform's MAP_* and PROT_* on POSIX); offsets
 *   must be multiples of mmf_granularity(), 64 KiB. See docs/windows.md.
 * - Positions, lengths and indices are byte counts from the start of the map.
 *   Python-level conveniences (negative indices, None, slices) are the
 *   caller's business: the library takes normalised values.
 * - The cursor (pos) may lie beyond the end of the map after a shrinking
 *   resize; reads there return nothing and writes fail with MMF_ERANGE.
 *
 * Thread safety
 * -------------
 * There is no global mutable state apart from the process-wide fault guard
 * (signal handlers for SIGBUS and SIGSEGV, installed once; on Windows a
 * vectored exception handler). Distinct objects
 * may be used from distinct threads freely. One object used from several
 * threads needs external locking around every call that takes a non-const
 * mmf_map *; calls taking a const mmf_map * may run concurrently with each
 * other. Such a call that fails with MMF_EFAULT still records the fault in
 * the object (mmf_syserr(), mmf_sysfunc(), mmf_fault_offset()): each of
 * these is stored and loaded atomically, so concurrent faults are no data
 * race, but after two concurrent faults the three may describe different
 * ones (read them under the lock that orders the calls, to get one
 * fault's). A caller that releases its lock during a long operation keeps the
 * mapping alive with mmf_pin() (close and resize then fail with MMF_EBUSY).
 *
 * Memory access and the fault guard
 * ---------------------------------
 * Every access that libmmf makes to mapped bytes runs inside the fault guard:
 * a fault there becomes MMF_EFAULT instead of killing the process. Faults
 * anywhere else (including code reading a pointer obtained with mmf_pin())
 * reach the handler that was installed before libmmf, unchanged. Another
 * library that installs its own SIGBUS/SIGSEGV handler after libmmf can cut
 * the guard out; mmf_guard_install() puts it back in front, idempotently.
 * The guard costs no system call: short accesses run in leaf routines that
 * the handler resumes at a fixup (x86-64 Linux), long ones arm a per-thread
 * record with sigsetjmp(env, 0). A write that fails changes nothing: the
 * pages it spans are touched before the first byte is stored.
 *
 * Poison mode (debug builds, -DMMF_POISON when compiling libmmf): the
 * addresses of a closed map are never reused (an inaccessible reservation
 * replaces it), so a pointer kept past mmf_close() faults at once instead
 * of reading whatever is mapped there next.
 */
#ifndef MMF_H
#define MMF_H

#include <stddef.h>
#include <stdint.h>

/* The platform's part of this header: the mapping constants under the
 * names MMF_MAP_* and MMF_PROT_*, and the private fields of mmf_map
 * (MMF_PLATFORM_FIELDS). The one platform choice of the public header. */
#if defined(_WIN32)
#include "mmf/win.h"
#else
#include "mmf/unix.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define MMF_VERSION_MAJOR 0
#define MMF_VERSION_MINOR 1
#define MMF_VERSION_PATCH 0
#define MMF_VERSION_STRING "0.1.0"

/* MMF_EXPORT marks the API for export from libmmf.so. A program that
 * compiles the core's sources into itself (the Python extension does)
 * defines MMF_EMBED: then nothing is exported, and calls into the core are
 * direct calls instead of calls through the PLT. On Windows, the build of
 * mmf.dll defines MMF_BUILD_DLL (dllexport) and a program linking with the
 * DLL defines MMF_USE_DLL (dllimport); a static link defines neither. */
#if defined(MMF_EMBED)
#define MMF_EXPORT
#elif defined(_WIN32) && defined(MMF_BUILD_DLL)
#define MMF_EXPORT __declspec(dllexport)
#elif defined(_WIN32) && defined(MMF_USE_DLL)
#define MMF_EXPORT __declspec(dllimport)
#elif defined(_WIN32)
#define MMF_EXPORT
#elif defined(__GNUC__) && __GNUC__ >= 4
#define MMF_EXPORT __attribute__((visibility("default")))
#else
#define MMF_EXPORT
#endif

/*
 * Status codes: X(name, value, description). mmf_status_name() returns
 * "MMF_<name>", mmf_strerror() the description.
 */
#define MMF_STATUS_MAP(X)                                                     \
    X(OK, 0, "success")                                                       \
    X(ECLOSED, -1, "map is closed")                                           \
    X(ERANGE, -2, "position, offset or length outside the map")               \
    X(EINVAL, -3, "invalid argument")                                         \
    X(EREADONLY, -4, "map is read-only")                                      \
    X(ENORESIZE, -5, "read-only or copy-on-write map cannot be resized")      \
    X(EBUSY, -6, "map has pinned views")                                      \
    X(ENOMEM, -7, "out of memory")                                            \
    X(ENOTSUP, -8, "not supported for this map on this platform")             \
    X(ESYS, -9, "system call failed")                                         \
    X(EFAULT, -10, "memory fault inside the map (truncated file or I/O)")     \
    X(EEMPTY, -11, "cannot map an empty file")                                \
    X(EOFFSET, -12, "offset is greater than the file size")                   \
    X(ELENGTH, -13, "length is greater than the file size")                   \
    X(ENOTRACK, -14, "no file descriptor kept (trackfd is off)")              \
    X(EACCESS, -15, "invalid access mode")                                    \
    X(EACCESSFLAGS, -16, "access mode given together with flags or prot")     \
    X(ENOREAD, -17, "map is not readable (PROT_NONE or exec-only)")           \
    X(ENOTANON, -18, "operation needs an anonymous map")                      \
    X(EOPTBOTH, -19, "options HUGEPAGES and MEMFD do not combine")            \
    X(EOPTHUGETLB, -20, "options HUGEPAGES and MAP_HUGETLB do not combine")   \
    X(EOPTSHARED, -21, "option MEMFD needs a shared map (MAP_SHARED)")        \
    X(EMODE, -22, "mode is none of \"r\", \"r+\", \"w+\" and \"c\"")          \
    X(ENOSIZE, -23, "mode \"w+\" needs a size")

typedef enum mmf_status {
#define MMF_STATUS_ENUM_(name, value, text) MMF_##name = (value),
    MMF_STATUS_MAP(MMF_STATUS_ENUM_)
#undef MMF_STATUS_ENUM_
} mmf_status;

/* Access modes, with the values of Python's mmap.ACCESS_* constants. */
typedef enum mmf_access {
    MMF_ACCESS_DEFAULT = 0, /* behaviour from flags and prot */
    MMF_ACCESS_READ = 1,    /* shared, read-only */
    MMF_ACCESS_WRITE = 2,   /* shared, write-through */
    MMF_ACCESS_COPY = 3     /* private copy-on-write; never reaches the file */
} mmf_access;

/* fd value that asks mmf_open() for anonymous memory. */
#define MMF_ANONYMOUS (-1)

/*
 * The map object. Its layout is public so that callers can embed it (the
 * Python binding does), but its fields are private: use the functions.
 * Zero-initialised means closed.
 */
typedef struct mmf_map {
    unsigned char *data;     /* first mapped byte; NULL when closed */
    size_t size;             /* mapping length in bytes */
    size_t pos;              /* cursor; may exceed size after a shrink */
    int64_t offset;          /* file offset of data[0] */
    size_t pins;             /* outstanding mmf_pin() calls */
    int fd;                  /* private duplicate of the file, or -1 */
    mmf_access access;       /* effective access mode */
    unsigned char trackfd;   /* 1 if the library keeps a private fd */
    unsigned char anonymous; /* 1 for anonymous memory */
    unsigned char readable;  /* 0 for PROT_NONE and exec-only maps */
    unsigned char writable;  /* 0 for ACCESS_READ */
    MMF_PLATFORM_FIELDS      /* the backend's own (mmf/unix.h, mmf/win.h) */
    size_t page_size;        /* the page size backing the map */
    size_t delta;        /* data - the mapping's start (unaligned offset) */
    size_t mapped;       /* the mapping's length from data - delta */
    int syserr;          /* OS error of the last MMF_ESYS / MMF_EFAULT */
    const char *sysfunc; /* name of the call that failed */
    size_t fault_offset; /* offset in the map of the last MMF_EFAULT */
} mmf_map;

/* ------------------------------------------------------------------------
 * Status helpers
 * ------------------------------------------------------------------------ */

/* mmf_strerror() : Describe a status in a few words.
 * @return a static string; "unknown status" for a value not in the list. */
MMF_EXPORT const char *mmf_strerror(int status);

/* mmf_status_name() : The status's name, e.g. "MMF_ERANGE".
 * @return a static string; "MMF_UNKNOWN" for a value not in the list. */
MMF_EXPORT const char *mmf_status_name(int status);

/* mmf_syserr() : The OS error number of the last MMF_ESYS or MMF_EFAULT
 * returned for this object (errno on POSIX), 0 if none. */
MMF_EXPORT int mmf_syserr(const mmf_map *m);

/* mmf_sysfunc() : The name of the system call behind the last MMF_ESYS
 * ("mmap", "mremap", "ftruncate", ...), or "fault" after MMF_EFAULT.
 * @return a static string, or NULL if there was no such error. */
MMF_EXPORT const char *mmf_sysfunc(const mmf_map *m);

/* mmf_fault_offset() : Offset in the map of the fault behind the last
 * MMF_EFAULT. Meaningless if no MMF_EFAULT was returned. */
MMF_EXPORT size_t mmf_fault_offset(const mmf_map *m);

/* mmf_pagesize() : The page size; mmf_granularity() : the alignment that
 * mmf_open() requires of offset (the page size on POSIX, the allocation
 * granularity on Windows: 64 KiB). */
MMF_EXPORT size_t mmf_pagesize(void);
MMF_EXPORT size_t mmf_granularity(void);

/* mmf_guard_install() : Install (or move back in front) the fault guard's
 * SIGBUS and SIGSEGV handlers (Windows: its vectored exception handler,
 * first in the list). The library calls it once by itself; call it
 * again after another component installed its own handlers for those
 * signals. Idempotent and thread-safe. The handlers that were there before
 * are kept and called for every fault that is not libmmf's own.
 * @return MMF_OK, or MMF_ESYS if sigaction() failed (errno in *syserr when
 * syserr is not NULL). */
MMF_EXPORT mmf_status mmf_guard_install(int *syserr);

/* ------------------------------------------------------------------------
 * Opening and closing
 * ------------------------------------------------------------------------ */

/* mmf_init() : Make m a closed map: zero it, then set fd to -1 (no private
 * descriptor). A merely zeroed map is closed as well, but its fd field
 * reads 0. */
MMF_EXPORT void mmf_init(mmf_map *m);

/* mmf_resolve_access() : Validate and resolve an access mode against flags
 * and prot, exactly as mmf_open() does (Python's rules):
 * - access != DEFAULT with flags != shared or prot != read|write:
 *   MMF_EACCESSFLAGS;
 * - READ: shared, prot read; WRITE: shared, read|write; COPY: private,
 *   read|write;
 * - DEFAULT: flags kept; the effective access is DEFAULT if prot has read
 *   and write, WRITE if prot has write only, READ otherwise (read, exec,
 *   none);
 * - any other value: MMF_EACCESS.
 * On success *flags, *prot and *access hold the resolved values; on failure
 * they are unchanged.
 * @return MMF_OK, MMF_EACCESSFLAGS, MMF_EACCESS. */
MMF_EXPORT mmf_status mmf_resolve_access(int *flags, int *prot,
                                         mmf_access *access);

/* mmf_open() : Map length bytes of the file open as fd, from offset, or
 * anonymous memory when fd is MMF_ANONYMOUS.
 *
 * flags and prot are the platform's mapping flags and protection (MAP_SHARED,
 * PROT_READ|PROT_WRITE are Python's defaults); access and the resolution of
 * all three follow mmf_resolve_access(). For a regular file, length 0 means
 * "from offset to the end of the file", and the file is never extended: the
 * map must fit in it. For other files (devices, pipes) no size check is made
 * and length 0 fails in the OS. offset must be a multiple of
 * mmf_granularity(), or the OS refuses it (MMF_ESYS, EINVAL).
 *
 * With trackfd non-zero, the library keeps a private, close-on-exec duplicate
 * of fd, used by mmf_size() and mmf_resize() and closed by mmf_close(); the
 * caller may close fd at once. With trackfd zero, fd is used only for the
 * mapping call. Anonymous maps keep no fd.
 *
 * m must be closed (zeroed or closed by mmf_close()). On success m is open
 * with pos 0. On failure m is closed, nothing leaks, and for MMF_ESYS the OS
 * error is in mmf_syserr(m).
 *
 * Checks, in this order: offset < 0 (MMF_EINVAL); access against flags/prot
 * (MMF_EACCESSFLAGS, MMF_EACCESS); then, for a regular file: length 0 and an
 * empty file (MMF_EEMPTY), length 0 and offset >= file size (MMF_EOFFSET),
 * length > 0 and offset + length past the end (MMF_ELENGTH); then duplicating
 * fd and mapping (MMF_ESYS).
 *
 * Offsets are 64-bit on every target, 32-bit ones included (the library
 * is built with a 64-bit off_t) and never truncated: an offset the
 * platform's mapping call cannot take whole is MMF_EINVAL before any call
 * (32-bit Linux: 16 TiB and above, mmap2's limit), and a file whose size
 * the platform cannot report is MMF_ESYS with EOVERFLOW from "fstat".
 * @return MMF_OK, MMF_EINVAL, MMF_EACCESSFLAGS, MMF_EACCESS, MMF_EEMPTY,
 *         MMF_EOFFSET, MMF_ELENGTH, MMF_ESYS. */
MMF_EXPORT mmf_status mmf_open(mmf_map *m, int fd, size_t length, int flags,
                               int prot, mmf_access access, int64_t offset,
                               int trackfd);

/* mmf_open_tagged() : mmf_open() with a name for the section (Python's
 * tagname, Windows only): a map of the same tagname in any process shares
 * the memory (named shared memory when fd is MMF_ANONYMOUS); a section of
 * that name that exists already is opened (its size then bounds length).
 * tagname NULL is mmf_open().
 * @return as mmf_open(), and MMF_ENOTSUP for a tagname on POSIX. */
MMF_EXPORT mmf_status mmf_open_tagged(mmf_map *m, int fd, size_t length,
                                      int flags, int prot, mmf_access access,
                                      int64_t offset, int trackfd,
                                      const char *tagname);

/* mmf_open_path() : Open the file at path and map it (beyond Python's
 * mmap; the modes of numpy.memmap):
 *   "r"  read-only (ACCESS_READ);       "r+" read-write, shared (WRITE);
 *   "w+" create or truncate, then size the file to offset + size, with its
 *        disk space allocated (posix_fallocate), so that a full disk fails
 *        here (MMF_ESYS, ENOSPC) and not as a fault later (WRITE);
 *   "c"  copy-on-write (ACCESS_COPY).
 * size is the length to map; 0 means to the end of the file (not for
 * "w+", which needs one: MMF_ENOSIZE). offset may be any byte offset: the
 * mapping starts at the page below it. An empty file, or an offset at its
 * end with size 0, gives an empty map (length 0; "r+" can resize it). The
 * map owns the descriptor it opened (close-on-exec). The open never
 * blocks on a FIFO (O_NONBLOCK), and what cannot be mapped is refused
 * before anything else: a directory is MMF_ESYS EISDIR from "open"; a
 * FIFO, a socket or a character device other than /dev/zero is MMF_ESYS
 * ENODEV from "mmap" (what mmap() says of them).
 * Offsets follow mmf_open() on 32-bit targets (64-bit, never truncated).
 * Windows: path is UTF-8, opened with CreateFileW; "w+" sets the size
 * (no allocation call), the view starts at the 64 KiB boundary below
 * offset, and an empty map is a reservation of 64 KiB never touched.
 * Checked in this order: path or mode NULL, offset < 0 (MMF_EINVAL), the
 * mode (MMF_EMODE), size 0 with "w+" (MMF_ENOSIZE), size or offset beyond
 * what the platform's mapping call takes (MMF_EINVAL), then the file.
 * @return MMF_OK, MMF_EINVAL, MMF_EMODE, MMF_ENOSIZE, MMF_EOFFSET
 *         (offset past the end), MMF_ELENGTH (offset + size past the end),
 *         MMF_ESYS (open, fstat, posix_fallocate, mmap...). */
MMF_EXPORT mmf_status mmf_open_path(mmf_map *m, const char *path,
                                    const char *mode, uint64_t size,
                                    int64_t offset);

/* Options of mmf_open_anon() (beyond Python's mmap). */
#define MMF_OPT_HUGEPAGES 0x1u /* transparent huge pages, for 2 MiB or more */
#define MMF_OPT_MEMFD 0x2u     /* shared, backed by a sealed memfd: growable */

/* mmf_open_anon() : An anonymous map of length bytes, like
 * mmf_open(m, MMF_ANONYMOUS, length, flags, prot, access, 0, 1), with
 * options:
 * - MMF_OPT_HUGEPAGES: a map of at least 2 MiB is placed on a 2 MiB
 *   boundary and advised MADV_HUGEPAGE, so that the kernel backs it with
 *   transparent huge pages (first touches fault 2 MiB at a time) where
 *   the kernel allows it (/sys/kernel/mm/transparent_hugepage: "enabled"
 *   for private maps, "shmem_enabled" for shared ones); mmf_page_size()
 *   says what the map got.
 * - MMF_OPT_MEMFD: the memory is a memfd sealed against shrinking (so it
 *   can never be truncated under the map), mapped shared. Unlike a plain
 *   shared anonymous map it can grow with mmf_resize(); a forked child
 *   shares it; mmf_fileno() gives its descriptor (close-on-exec) to hand to
 *   another process, which can map it like a file. Shrinking unmaps the
 *   tail but keeps the memfd's size. It behaves as a file map otherwise
 *   (mmf_size() is the memfd's size).
 * The options are checked as mmf_check_options() does, after the access
 * mode is resolved. Windows has neither option: MMF_ENOTSUP.
 * @return as mmf_open(), and the statuses of mmf_check_options(). */
MMF_EXPORT mmf_status mmf_open_anon(mmf_map *m, size_t length, int flags,
                                    int prot, mmf_access access,
                                    unsigned options);

/* mmf_check_options() : Validate mmf_open_anon()'s options against flags
 * (resolved by mmf_resolve_access()), exactly as mmf_open_anon() does and
 * in its order: a bit that is no MMF_OPT_* (MMF_EINVAL), HUGEPAGES with
 * MEMFD (MMF_EOPTBOTH), HUGEPAGES with the system's explicit huge-page
 * flag, MAP_HUGETLB on Linux (MMF_EOPTHUGETLB), MEMFD without MAP_SHARED
 * (MMF_EOPTSHARED); on Windows, which has neither option, any option
 * (MMF_ENOTSUP). For a caller that reports bad arguments before it opens
 * anything.
 * @return MMF_OK, MMF_EINVAL, MMF_EOPTBOTH, MMF_EOPTHUGETLB,
 *         MMF_EOPTSHARED, MMF_ENOTSUP. */
MMF_EXPORT mmf_status mmf_check_options(int flags, unsigned options);

/* mmf_page_size() : The size of the pages backing the map: the huge page
 * size for an MMF_OPT_HUGEPAGES map that got them advised (and the kernel
 * has transparent huge pages enabled), else the system page size; 0 when
 * closed. */
MMF_EXPORT size_t mmf_page_size(const mmf_map *m);

/* mmf_fileno() : The map's private file descriptor (a duplicate of the
 * caller's, or the memfd), or -1 (anonymous map, trackfd off, closed; on
 * Windows always: the map keeps a HANDLE). It stays the map's: do not
 * close it. */
MMF_EXPORT int mmf_fileno(const mmf_map *m);

/* mmf_close() : Unmap and close the private fd. Closing a closed map does
 * nothing. The private fd is closed only if it is still the file that was
 * mapped (a caller that closed it and reused the number is left alone).
 * Errors from the OS are ignored: the map is closed on return of MMF_OK.
 * @return MMF_OK, or MMF_EBUSY if pinned (the map stays open). */
MMF_EXPORT mmf_status mmf_close(mmf_map *m);

/* mmf_closed() : 1 if m is closed, 0 if open. */
MMF_EXPORT int mmf_closed(const mmf_map *m);

/* mmf_overlaps() : 1 if [p, p + n) shares a byte with the map's bytes
 * (the buffer is a view of the map itself), 0 if not, if n is 0 or if m
 * is closed. A caller that copies between the map and such a buffer in
 * pieces must copy in one call instead (mmf_read(), mmf_write()), which
 * handle the overlap. */
MMF_EXPORT int mmf_overlaps(const mmf_map *m, const void *p, size_t n);

/* mmf_access_mode() : The effective access mode of an open map (after
 * resolution: a DEFAULT request with read-only prot is READ). */
MMF_EXPORT mmf_access mmf_access_mode(const mmf_map *m);

/* mmf_offset() : The file offset the map starts at (0 when anonymous). */
MMF_EXPORT int64_t mmf_offset(const mmf_map *m);

/* mmf_check_readable() : Whether reads are allowed now (not for PROT_NONE
 * or exec-only maps, or after mmf_protect() took read access away).
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD. */
MMF_EXPORT mmf_status mmf_check_readable(const mmf_map *m);

/* mmf_check_writable() : Whether writes are allowed now.
 * @return MMF_OK, MMF_ECLOSED, MMF_EREADONLY. */
MMF_EXPORT mmf_status mmf_check_writable(const mmf_map *m);

/* ------------------------------------------------------------------------
 * Direct access and pins
 * ------------------------------------------------------------------------ */

/* mmf_pin() : Get the mapped bytes for a zero-copy view, and pin the map:
 * until the matching mmf_unpin(), mmf_close() and mmf_resize() return
 * MMF_EBUSY, so *data stays valid. Reads through *data are NOT covered by
 * the fault guard. Either out-parameter may be NULL.
 * @return MMF_OK, MMF_ECLOSED. */
MMF_EXPORT mmf_status mmf_pin(mmf_map *m, unsigned char **data, size_t *len);

/* mmf_unpin() : Release one pin taken with mmf_pin(). Unpinning a map with
 * no pins is a caller bug; it is ignored. */
MMF_EXPORT void mmf_unpin(mmf_map *m);

/* mmf_pins() : The number of outstanding pins. */
MMF_EXPORT size_t mmf_pins(const mmf_map *m);

/* ------------------------------------------------------------------------
 * Cursor
 * ------------------------------------------------------------------------ */

/* mmf_len() : The mapping length in bytes, in *len.
 * @return MMF_OK, MMF_ECLOSED. */
MMF_EXPORT mmf_status mmf_len(const mmf_map *m, size_t *len);

/* mmf_tell() : The cursor, in *pos (it may exceed the length).
 * @return MMF_OK, MMF_ECLOSED. */
MMF_EXPORT mmf_status mmf_tell(const mmf_map *m, size_t *pos);

/* mmf_seek() : Move the cursor to off from the start (whence 0), from the
 * cursor (1) or from the end (2), as lseek() does. The target may equal the
 * length. On success the new cursor is in *newpos (if not NULL); on failure
 * the cursor is unchanged.
 * @return MMF_OK, MMF_ECLOSED, MMF_EINVAL (whence),
 *         MMF_ERANGE (target below 0, past the length, or overflowing). */
MMF_EXPORT mmf_status mmf_seek(mmf_map *m, int64_t off, int whence,
                               size_t *newpos);

/* ------------------------------------------------------------------------
 * Reading and writing at the cursor
 * ------------------------------------------------------------------------ */

/* mmf_remaining() : Bytes from the cursor to the end (0 when the cursor is
 * at or past the end), in *n.
 * @return MMF_OK, MMF_ECLOSED. */
MMF_EXPORT mmf_status mmf_remaining(const mmf_map *m, size_t *n);

/* mmf_read() : Copy up to n bytes from the cursor into dst and advance the
 * cursor by the number copied, *nread = min(n, remaining). Reading at or
 * past the end copies nothing and succeeds.
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_EFAULT (cursor unchanged). */
MMF_EXPORT mmf_status mmf_read(mmf_map *m, void *dst, size_t n, size_t *nread);

/* mmf_read_byte() : The byte at the cursor in *out; the cursor moves by 1.
 * @return MMF_OK, MMF_ECLOSED, MMF_ERANGE (cursor at or past the end),
 *         MMF_ENOREAD, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_read_byte(mmf_map *m, unsigned char *out);

/* mmf_line_length() : The length of the line at the cursor, in *len: up to
 * and including the first '\n', or to the end of the map when there is none;
 * 0 at or past the end. The cursor does not move; mmf_read() of *len bytes
 * then returns the line (this is how readline() is built).
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_line_length(const mmf_map *m, size_t *len);

/* mmf_readline() : Copy the line at the cursor into dst, which has room for
 * cap bytes, and advance the cursor past it. *nread is the line's length. A
 * line longer than cap is cut at cap bytes (the cursor moves by cap).
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_readline(mmf_map *m, void *dst, size_t cap,
                                   size_t *nread);

/* mmf_alloc_fn : Gives a buffer of n bytes (n may be 0) for mmf_readline_alloc()
 * to fill, or NULL when it cannot (then MMF_ENOMEM). It must not use the
 * map. ctx is the caller's, passed through. */
typedef void *(*mmf_alloc_fn)(void *ctx, size_t n);

/* mmf_readline_alloc() : Copy the line at the cursor, whatever its length,
 * into a buffer of exactly its length that alloc(ctx, len) returns, and
 * advance the cursor past it; *nread is the line's length (0 at or past the
 * end, after a call of alloc(ctx, 0)). One call does what mmf_line_length()
 * and mmf_read() do together, checking the map once: the caller allocates
 * its string object in alloc. On any failure the cursor does not move; the
 * buffer alloc returned, if any, is the caller's to free.
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_ENOMEM (alloc returned NULL),
 *         MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_readline_alloc(mmf_map *m, mmf_alloc_fn alloc,
                                         void *ctx, size_t *nread);

/* mmf_readline_alloc_upto() : mmf_readline_alloc() for a line of at most
 * max bytes: a longer line is MMF_ERANGE, before alloc is called and with
 * the cursor unchanged. A caller that must stay responsive (the Python
 * binding checks for signals between chunks of a long scan) reads short
 * lines in this one call and a longer one in pieces of its own.
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_ERANGE, MMF_ENOMEM,
 *         MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_readline_alloc_upto(mmf_map *m, size_t max,
                                              mmf_alloc_fn alloc, void *ctx,
                                              size_t *nread);

/* mmf_next_line() : The line iterator's step: the line at the cursor, as
 * mmf_readline() would return it, given as its offset in the map (*off) and
 * its length (*len), and the cursor moves past it. At or past the end: *len
 * is 0, *off the cursor, and nothing moves. It copies nothing: read the line
 * with mmf_get_slice(), or through the pointer of mmf_pin(). Calls
 * mix with mmf_readline(), mmf_seek() and mmf_tell().
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_EFAULT (cursor unchanged). */
MMF_EXPORT mmf_status mmf_next_line(mmf_map *m, size_t *off, size_t *len);

/* mmf_write() : Copy n bytes from src to the cursor and advance it by n.
 * All or nothing: if the cursor is past the end or fewer than n bytes
 * remain, nothing is written. src may point into the map itself.
 * @return MMF_OK, MMF_ECLOSED, MMF_EREADONLY, MMF_ERANGE, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_write(mmf_map *m, const void *src, size_t n);

/* mmf_write_byte() : Store b at the cursor and advance it by 1.
 * @return MMF_OK, MMF_ECLOSED, MMF_EREADONLY, MMF_ERANGE (cursor at or past
 *         the end), MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_write_byte(mmf_map *m, unsigned char b);

/* ------------------------------------------------------------------------
 * Random access (indices are absolute; the cursor does not move)
 * ------------------------------------------------------------------------ */

/* mmf_get_byte() : The byte at index i, in *out.
 * @return MMF_OK, MMF_ECLOSED, MMF_ERANGE (i >= length), MMF_ENOREAD,
 *         MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_get_byte(const mmf_map *m, size_t i,
                                   unsigned char *out);

/* mmf_set_byte() : Store b at index i.
 * @return MMF_OK, MMF_ECLOSED, MMF_EREADONLY, MMF_ERANGE, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_set_byte(mmf_map *m, size_t i, unsigned char b);

/* mmf_get_slice() : Gather count bytes at start, start + step, ... into dst
 * (step may be negative; step 1 is a plain copy). Every index must lie in
 * the map, else nothing is copied.
 * @return MMF_OK, MMF_ECLOSED, MMF_ERANGE, MMF_EINVAL (step 0 with count
 *         > 1), MMF_ENOREAD, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_get_slice(const mmf_map *m, size_t start,
                                    ptrdiff_t step, size_t count, void *dst);

/* mmf_set_slice() : Scatter count bytes of src to start, start + step, ...
 * All or nothing, like mmf_get_slice(). src may point into the map (it is
 * then read completely before anything is written).
 * @return MMF_OK, MMF_ECLOSED, MMF_EREADONLY, MMF_ERANGE, MMF_EINVAL,
 *         MMF_ENOMEM (an overlapping strided copy needs a buffer),
 *         MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_set_slice(mmf_map *m, size_t start, ptrdiff_t step,
                                    size_t count, const void *src);

/* mmf_move() : Copy count bytes from src to dest inside the map, as memmove()
 * (overlap allowed). Both ranges must lie in the map; count 0 is allowed
 * anywhere up to the length. The cursor does not move. Checks, in this
 * order: closed, read-only, unreadable (MMF_ENOREAD), then the ranges.
 * @return MMF_OK, MMF_ECLOSED, MMF_EREADONLY, MMF_ENOREAD, MMF_ERANGE,
 *         MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_move(mmf_map *m, size_t dest, size_t src,
                               size_t count);

/* ------------------------------------------------------------------------
 * Searching (the cursor does not move)
 * ------------------------------------------------------------------------ */

/* mmf_find() : The lowest index i with start <= i and i + nlen <= end where
 * needle occurs, in *out, or -1. end is clamped to the length; start is NOT
 * clamped (a start past the length finds nothing, even for an empty needle).
 * An empty needle matches at start. Never reads outside [start, end).
 * needle may point into the map.
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_find(const mmf_map *m, const void *needle,
                               size_t nlen, size_t start, size_t end,
                               ptrdiff_t *out);

/* mmf_rfind() : Like mmf_find(), but the highest such index; an empty needle
 * matches at end (after clamping).
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_rfind(const mmf_map *m, const void *needle,
                                size_t nlen, size_t start, size_t end,
                                ptrdiff_t *out);

/* mmf_count() : The number of non-overlapping occurrences of needle in
 * [start, end), counted from the left as bytes.count() does, in *count. end
 * is clamped to the length; start > end counts nothing; an empty needle
 * counts end - start + 1. One-byte needles use a SIMD count; longer ones
 * the search kernel of mmf_find(), so the time is linear in any case.
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_count(const mmf_map *m, const void *needle,
                                size_t nlen, size_t start, size_t end,
                                size_t *count);

/* mmf_count_part() : mmf_count(), for a count split into pieces (to check
 * for signals between them): also gives in *resume where the count of a
 * longer range [start, end2), end2 > end, goes on so that the counts of
 * the pieces add up to the count of the whole. Counting [start, end) finds
 * exactly the occurrences that start before end - nlen + 1; *resume is
 * past the last of them and at least end - nlen + 1 (end for nlen <= 1,
 * start when the range is shorter than the needle, so a piece must be at
 * least nlen bytes long to move on).
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOREAD, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_count_part(const mmf_map *m, const void *needle,
                                     size_t nlen, size_t start, size_t end,
                                     size_t *count, size_t *resume);

/* ------------------------------------------------------------------------
 * Operations on the mapping and the file
 * ------------------------------------------------------------------------ */

/* mmf_flush() : Write back [offset, offset + size) to the file with msync().
 * flags are the platform's msync flags; 0 means synchronous (MS_SYNC).
 * offset must be page-aligned or the OS refuses it (MMF_ESYS, EINVAL). For
 * ACCESS_READ and ACCESS_COPY maps this checks the range and does nothing.
 * Windows: FlushViewOfFile() then FlushFileBuffers() (the map's own
 * handle); flags are ignored; any offset.
 * @return MMF_OK, MMF_ECLOSED, MMF_ERANGE (offset > length or
 *         size > length - offset), MMF_ESYS. */
MMF_EXPORT mmf_status mmf_flush(mmf_map *m, size_t offset, size_t size,
                                int flags);

/* ---- memory control (beyond Python's mmap) ----
 * Each takes a byte range [start, start + length) of the map: length is
 * clamped to the end of the map, and the range is widened to whole pages
 * (start need not be aligned). start past the end is MMF_ERANGE.
 *
 * mmf_lock() / mmf_unlock() : Lock the range's pages in RAM (mlock), or
 * unlock them. Locked pages are never paged out; RLIMIT_MEMLOCK bounds
 * them (MMF_ESYS with ENOMEM or EPERM). Windows: VirtualLock() and
 * VirtualUnlock(), bounded by the working set's minimum.
 * @return MMF_OK, MMF_ECLOSED, MMF_ERANGE, MMF_ESYS. */
MMF_EXPORT mmf_status mmf_lock(mmf_map *m, size_t start, size_t length);
MMF_EXPORT mmf_status mmf_unlock(mmf_map *m, size_t start, size_t length);

/* mmf_populate() : Prefault the range, for reading (write 0) or for
 * writing (write 1: the pages are made writable and dirty-ready, so that
 * later stores take no fault), with MADV_POPULATE_READ / _WRITE where the
 * kernel has them (Linux 5.14) and a guarded loop touching each page
 * elsewhere (Windows too). A page that cannot be had (a hole past the end
 * of the file) fails the call: MMF_ESYS (EFAULT) from the kernel, or
 * MMF_EFAULT from the loop.
 * @return MMF_OK, MMF_ECLOSED, MMF_ERANGE, MMF_ENOREAD (write 0 on an
 *         unreadable map), MMF_EREADONLY (write 1 on a read-only map),
 *         MMF_ESYS, MMF_EFAULT. */
MMF_EXPORT mmf_status mmf_populate(mmf_map *m, size_t start, size_t length,
                                   int write);

/* mmf_resident() : How many bytes of the range are resident in RAM now
 * (mincore; Windows: QueryWorkingSetEx), in *bytes: the resident pages,
 * each counted for its part inside [start, start + length).
 * @return MMF_OK, MMF_ECLOSED, MMF_ERANGE, MMF_ENOMEM, MMF_ESYS. */
MMF_EXPORT mmf_status mmf_resident(mmf_map *m, size_t start, size_t length,
                                   size_t *bytes);

/* mmf_protect() : Change the protection of the whole map to prot (the
 * platform's PROT_* bits, with mprotect; Windows: MMF_PROT_* bits, with
 * VirtualProtect), and what the map allows with it:
 * reads need PROT_READ (or PROT_WRITE), writes PROT_WRITE. An ACCESS_READ
 * map stays read-only (MMF_EREADONLY for PROT_WRITE). Refused while the map
 * is pinned (MMF_EBUSY): an exported view must not lose the access it was
 * given. On failure nothing changed.
 * @return MMF_OK, MMF_ECLOSED, MMF_EBUSY, MMF_EREADONLY, MMF_ESYS. */
MMF_EXPORT mmf_status mmf_protect(mmf_map *m, int prot);

/* mmf_madvise() : Advise the kernel about [start, start + length); length is
 * clamped to the end of the map, and 0 is passed through. advice is the
 * platform's MADV_* value. The address of byte start must be page-aligned
 * (else MMF_ESYS, EINVAL): never widened, even for a map of
 * mmf_open_path() at an unaligned offset, as advice such as MADV_REMOVE
 * destroys what it covers. Windows: MMF_MADV_NORMAL does nothing,
 * MMF_MADV_WILLNEED is PrefetchVirtualMemory(), MMF_MADV_FREE is
 * DiscardVirtualMemory(), any other advice MMF_ENOTSUP (mmf/win.h).
 * @return MMF_OK, MMF_ECLOSED, MMF_ERANGE (start >= length), MMF_ESYS. */
MMF_EXPORT mmf_status mmf_madvise(mmf_map *m, int advice, size_t start,
                                  size_t length);

/* mmf_size() : For a map with a private fd, the size of the file now (which
 * may differ from the mapping length); for an anonymous map, the mapping
 * length. In *out.
 * @return MMF_OK, MMF_ECLOSED, MMF_ENOTRACK (trackfd off), MMF_ESYS (fstat,
 *         or EBADF if the private fd was closed or replaced). */
MMF_EXPORT mmf_status mmf_size(mmf_map *m, uint64_t *out);

/* mmf_resize() : Change the mapping length to newsize, and for a file map the
 * file's size to offset + newsize. The cursor is not changed (it may end up
 * past the end). All or nothing: on failure the file size and the mapping
 * are what they were. A shared anonymous map can shrink but not grow.
 * Checks, in this order: closed (MMF_ECLOSED), pinned (MMF_EBUSY), no private
 * fd for a file map or trackfd off (MMF_ENOTRACK), ACCESS_READ or
 * ACCESS_COPY (MMF_ENORESIZE), newsize 0 or offset + newsize overflowing
 * (MMF_ERANGE), growing a shared anonymous map (MMF_ENOTSUP), zeroing the
 * grown part of an anonymous map's last page (MMF_EFAULT), then the OS
 * (MMF_ESYS; EBADF if the private fd was closed or replaced).
 * Windows: every resize maps anew (the data pointer moves), and shared
 * anonymous maps can grow. A map of mmf_open_tagged() is refused while
 * another handle holds its section (MMF_ESYS, ERROR_ALREADY_EXISTS;
 * CPython refuses it too). If mapping fails after a shrink cut the file, the
 * map is back at its old size but the bytes cut read as zeros (Windows
 * cannot cut a file that has a view, so they cannot stay mapped).
 * @return MMF_OK, MMF_ECLOSED, MMF_EBUSY, MMF_ENOTRACK, MMF_ENORESIZE,
 *         MMF_ERANGE, MMF_ENOTSUP, MMF_EFAULT, MMF_ESYS. */
MMF_EXPORT mmf_status mmf_resize(mmf_map *m, size_t newsize);

/* The longest name mmf_set_name() takes, in bytes (the kernel's limit less
 * its terminating NUL). */
#define MMF_NAME_MAX 79

/* mmf_set_name() : Name an anonymous map for /proc/PID/maps (Linux
 * PR_SET_VMA_ANON_NAME; the kernel shows "[anon:NAME]"). name is at most
 * MMF_NAME_MAX bytes, with no control characters other than those the
 * kernel accepts. Checked in this order, as CPython 3.15 does: the name's
 * length, a map not anonymous (also once closed), a closed map, then the
 * kernel.
 * @return MMF_OK, MMF_EINVAL (name too long), MMF_ENOTANON, MMF_ECLOSED,
 *         MMF_ENOTSUP (no such call on this platform), MMF_ESYS (the kernel
 *         refused: EINVAL without CONFIG_ANON_VMA_NAME). */
MMF_EXPORT mmf_status mmf_set_name(mmf_map *m, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* MMF_H */
