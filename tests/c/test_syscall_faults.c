/*
 * test_syscall_faults.c - system call failure injection through the
 * syscall table (SQLite's faultsim idea, docs/hazards.md H-39). Not the
 * fault guard's tests: those are in test_guard.c.
 *
 * Every entry of mmf__sys is wrapped by a counter. For each public
 * operation that makes system calls, the N-th call is made to fail, for
 * N = 1, 2, ... until the operation completes without reaching the fault.
 * At every N the test checks:
 *   - the status: MMF_ESYS with the injected errno, or the fault-free
 *     status where the library may ignore that call's error (munmap and
 *     close in mmf_close, for instance);
 *   - the object: still usable with the same length, contents and cursor,
 *     or cleanly closed (for a failed open or a close);
 *   - the file: size and contents unchanged by a failed call;
 *   - leaks: no file descriptor, no mapping left behind.
 * A second pass injects EINTR instead, which the library must retry
 * transparently: the operation then succeeds as if nothing happened.
 *
 * The number of injection points exercised is printed at the end
 * ("fault points exercised: N").
 */
#include "helpers.h"

#include "posix/sys.h"

/* ---- the wrapped table -------------------------------------------------- */

enum entry {
    E_MMAP,
    E_MUNMAP,
    E_MREMAP,
    E_FTRUNCATE,
    E_FSTAT,
    E_MSYNC,
    E_MADVISE,
    E_DUPFD,
    E_CLOSE,
    E_SETNAME,
    E_SIGMASK,
    E_SIGWAIT,
    E_MLOCK,
    E_MUNLOCK,
    E_MINCORE,
    E_MPROTECT,
    E_MEMFD,
    E_SEALS,
    E_OPEN,
    E_FALLOCATE,
    E_READTEXT,
    E_COUNT
};

static const char *const entry_name[E_COUNT] = {
    "mmap",           "munmap",       "mremap",    "ftruncate", "fstat",
    "msync",          "madvise",      "dupfd",     "close",     "set_vma_name",
    "thread_sigmask", "sigtimedwait", "mlock",     "munlock",   "mincore",
    "mprotect",       "memfd",        "add_seals", "open",      "fallocate",
    "read_text",
};

/* A plausible error for each call. */
static const int entry_errno[E_COUNT] = {
    ENOMEM, EINVAL, ENOMEM, EIO,    EIO,    EIO,    EAGAIN,
    EMFILE, EIO,    ENOMEM, EINVAL, EAGAIN, ENOMEM, ENOMEM,
    ENOMEM, EACCES, EMFILE, EPERM,  EACCES, ENOSPC, EIO,
};

#define MAX_REGIONS 16

static struct {
    int fail_at; /* fail the fail_at-th call (1-based); 0: none */
    int eintr;   /* inject EINTR instead of entry_errno */
    int calls;
    int hit;     /* the entry that failed, or -1 */
    int seq[64]; /* the entries called, in order */
    /* regions mapped during the operation, and regions a failed munmap
     * left mapped (the test unmaps those itself) */
    void *mapped[MAX_REGIONS];
    size_t mapped_len[MAX_REGIONS];
    int nmapped;
    void *leaked[MAX_REGIONS];
    size_t leaked_len[MAX_REGIONS];
    int nleaked;
    /* close() reported EINTR for this fd; a second close of it is a bug */
    int eintr_closed_fd;
    int double_close;
} fi;

static int
inject(enum entry e)
{
    if (fi.calls < (int)ARRAY_LEN(fi.seq))
        fi.seq[fi.calls] = e;
    fi.calls++;
    if (fi.fail_at != 0 && fi.calls == fi.fail_at) {
        fi.hit = e;
        return 1;
    }
    return 0;
}

static int
injected_errno(enum entry e)
{
    return fi.eintr ? EINTR : entry_errno[e];
}

static void *
w_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    void *p;
    if (inject(E_MMAP)) {
        errno = injected_errno(E_MMAP);
        return MAP_FAILED;
    }
    p = mmf__sys_default.mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED && fi.nmapped < MAX_REGIONS) {
        fi.mapped[fi.nmapped] = p;
        fi.mapped_len[fi.nmapped++] = len;
    }
    return p;
}

static int
w_munmap(void *addr, size_t len)
{
    if (inject(E_MUNMAP)) {
        if (fi.nleaked < MAX_REGIONS) {
            fi.leaked[fi.nleaked] = addr;
            fi.leaked_len[fi.nleaked++] = len;
        }
        errno = injected_errno(E_MUNMAP);
        return -1;
    }
    return mmf__sys_default.munmap(addr, len);
}

static void *
w_mremap(void *addr, size_t old_len, size_t new_len)
{
    void *p;
    if (inject(E_MREMAP)) {
        errno = injected_errno(E_MREMAP);
        return MAP_FAILED;
    }
    p = mmf__sys_default.mremap(addr, old_len, new_len);
    if (p != MAP_FAILED && fi.nmapped < MAX_REGIONS) {
        fi.mapped[fi.nmapped] = p;
        fi.mapped_len[fi.nmapped++] = new_len;
    }
    return p;
}

static int
w_ftruncate(int fd, off_t len)
{
    if (inject(E_FTRUNCATE)) {
        errno = injected_errno(E_FTRUNCATE);
        return -1;
    }
    return mmf__sys_default.ftruncate(fd, len);
}

static int
w_fstat(int fd, struct stat *st)
{
    if (inject(E_FSTAT)) {
        errno = injected_errno(E_FSTAT);
        return -1;
    }
    return mmf__sys_default.fstat(fd, st);
}

static int
w_msync(void *addr, size_t len, int flags)
{
    if (inject(E_MSYNC)) {
        errno = injected_errno(E_MSYNC);
        return -1;
    }
    return mmf__sys_default.msync(addr, len, flags);
}

static int
w_madvise(void *addr, size_t len, int advice)
{
    if (inject(E_MADVISE)) {
        errno = injected_errno(E_MADVISE);
        return -1;
    }
    return mmf__sys_default.madvise(addr, len, advice);
}

static int
w_dupfd(int fd)
{
    if (inject(E_DUPFD)) {
        errno = injected_errno(E_DUPFD);
        return -1;
    }
    return mmf__sys_default.dupfd(fd);
}

/* Linux semantics: the descriptor is released even when close() reports
 * an error (EINTR included), so it must never be closed twice. */
static int
w_close(int fd)
{
    int fail = inject(E_CLOSE), rc;

    if (fi.eintr_closed_fd == fd)
        fi.double_close++;
    rc = mmf__sys_default.close(fd);
    if (fail) {
        if (fi.eintr)
            fi.eintr_closed_fd = fd;
        errno = injected_errno(E_CLOSE);
        return -1;
    }
    return rc;
}

static int
w_set_vma_name(void *addr, size_t len, const char *name)
{
    if (inject(E_SETNAME)) {
        errno = injected_errno(E_SETNAME);
        return -1;
    }
    return mmf__sys_default.set_vma_name(addr, len, name);
}

/* pthread_sigmask style: returns the error number */
static int
w_thread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
    if (inject(E_SIGMASK))
        return injected_errno(E_SIGMASK);
    return mmf__sys_default.thread_sigmask(how, set, old);
}

static int
w_sigtimedwait(const sigset_t *set, siginfo_t *info,
               const struct timespec *timeout)
{
    if (inject(E_SIGWAIT)) {
        errno = injected_errno(E_SIGWAIT);
        return -1;
    }
    return mmf__sys_default.sigtimedwait(set, info, timeout);
}

static int
w_mlock(const void *addr, size_t len)
{
    if (inject(E_MLOCK)) {
        errno = injected_errno(E_MLOCK);
        return -1;
    }
    return mmf__sys_default.mlock(addr, len);
}

static int
w_munlock(const void *addr, size_t len)
{
    if (inject(E_MUNLOCK)) {
        errno = injected_errno(E_MUNLOCK);
        return -1;
    }
    return mmf__sys_default.munlock(addr, len);
}

static int
w_mincore(void *addr, size_t len, unsigned char *vec)
{
    if (inject(E_MINCORE)) {
        errno = injected_errno(E_MINCORE);
        return -1;
    }
    return mmf__sys_default.mincore(addr, len, vec);
}

static int
w_mprotect(void *addr, size_t len, int prot)
{
    if (inject(E_MPROTECT)) {
        errno = injected_errno(E_MPROTECT);
        return -1;
    }
    return mmf__sys_default.mprotect(addr, len, prot);
}

static int
w_memfd(const char *name)
{
    if (inject(E_MEMFD)) {
        errno = injected_errno(E_MEMFD);
        return -1;
    }
    return mmf__sys_default.memfd(name);
}

static int
w_add_seals(int fd, int seals)
{
    if (inject(E_SEALS)) {
        errno = injected_errno(E_SEALS);
        return -1;
    }
    return mmf__sys_default.add_seals(fd, seals);
}

static int
w_open(const char *path, int flags)
{
    if (inject(E_OPEN)) {
        errno = injected_errno(E_OPEN);
        return -1;
    }
    return mmf__sys_default.open(path, flags);
}

/* posix_fallocate style: returns the error number (EINTR is not one of
 * its errors: only the failure is injected) */
static int
w_fallocate(int fd, off_t off, off_t len)
{
    if (inject(E_FALLOCATE) && !fi.eintr)
        return injected_errno(E_FALLOCATE);
    return mmf__sys_default.fallocate(fd, off, len);
}

static long
w_read_text(const char *path, char *buf, size_t cap)
{
    if (inject(E_READTEXT)) {
        errno = injected_errno(E_READTEXT);
        return -1;
    }
    return mmf__sys_default.read_text(path, buf, cap);
}

static void
arm(int fail_at, int eintr)
{
    memset(&fi, 0, sizeof fi);
    fi.fail_at = fail_at;
    fi.eintr = eintr;
    fi.hit = -1;
    fi.eintr_closed_fd = -1;
    mmf__sys.mmap = w_mmap;
    mmf__sys.munmap = w_munmap;
    mmf__sys.mremap = w_mremap;
    mmf__sys.ftruncate = w_ftruncate;
    mmf__sys.fstat = w_fstat;
    mmf__sys.msync = w_msync;
    mmf__sys.madvise = w_madvise;
    mmf__sys.dupfd = w_dupfd;
    mmf__sys.close = w_close;
    mmf__sys.set_vma_name = w_set_vma_name;
    mmf__sys.thread_sigmask = w_thread_sigmask;
    mmf__sys.sigtimedwait = w_sigtimedwait;
    mmf__sys.mlock = w_mlock;
    mmf__sys.munlock = w_munlock;
    mmf__sys.mincore = w_mincore;
    mmf__sys.mprotect = w_mprotect;
    mmf__sys.memfd = w_memfd;
    mmf__sys.add_seals = w_add_seals;
    mmf__sys.open = w_open;
    mmf__sys.fallocate = w_fallocate;
    mmf__sys.read_text = w_read_text;
}

static void
disarm(void)
{
    mmf__sys = mmf__sys_default;
}

/* ---- operations under test ---------------------------------------------- */

enum kind { K_OPEN, K_CLOSE, K_OTHER };

#define FILE_LEN (3 * PAGE)

struct fixture {
    char path[PATH_MAX];
    int fd; /* the caller's fd, or -1 */
    mmf_map m;
    unsigned char *file_before; /* FILE_LEN + PAGE bytes */
    long long fsize_before;
    unsigned char *map_before; /* contents of the map before the op */
    size_t len_before, pos_before;
    uint64_t memfd_before; /* a memfd map: the memfd's size */
    uint64_t size_out;
    size_t resident_out;
};

struct op {
    const char *name;
    const char *slug; /* the test name suffix */
    enum kind kind;
    int file;       /* needs a file */
    int anon_flags; /* open an anonymous map with these flags (setup) */
    int64_t offset; /* the window opened in setup (file maps) */
    size_t length;
    mmf_status (*run)(struct fixture *f);
};

static mmf_status
run_open_track(struct fixture *f)
{
    return mmf_open(&f->m, f->fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
}

static mmf_status
run_open_notrack(struct fixture *f)
{
    return mmf_open(&f->m, f->fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 0);
}

static mmf_status
run_open_window(struct fixture *f)
{
    return mmf_open(&f->m, f->fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_COPY,
                    (int64_t)PAGE, 1);
}

static mmf_status
run_open_anon_shared(struct fixture *f)
{
    return mmf_open(&f->m, MMF_ANONYMOUS, 2 * PAGE, MAP_SHARED, RW,
                    MMF_ACCESS_DEFAULT, 0, 1);
}

static mmf_status
run_open_anon_private(struct fixture *f)
{
    return mmf_open(&f->m, MMF_ANONYMOUS, 2 * PAGE, MAP_PRIVATE, RW,
                    MMF_ACCESS_DEFAULT, 0, 1);
}

static mmf_status
run_close(struct fixture *f)
{
    return mmf_close(&f->m);
}

static mmf_status
run_flush(struct fixture *f)
{
    return mmf_flush(&f->m, 0, f->len_before, 0);
}

static mmf_status
run_madvise(struct fixture *f)
{
    return mmf_madvise(&f->m, MADV_WILLNEED, 0, SIZE_MAX);
}

static mmf_status
run_size(struct fixture *f)
{
    return mmf_size(&f->m, &f->size_out);
}

static mmf_status
run_resize_4p(struct fixture *f)
{
    return mmf_resize(&f->m, 4 * PAGE);
}

static mmf_status
run_resize_p10(struct fixture *f)
{
    return mmf_resize(&f->m, PAGE + 10);
}

static mmf_status
run_resize_p(struct fixture *f)
{
    return mmf_resize(&f->m, PAGE);
}

static mmf_status
run_set_name(struct fixture *f)
{
    return mmf_set_name(&f->m, "mmf-fault");
}

static mmf_status
run_open_memfd(struct fixture *f)
{
    return mmf_open_anon(&f->m, 2 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                         MMF_OPT_MEMFD);
}

static mmf_status
run_open_huge(struct fixture *f)
{
    return mmf_open_anon(&f->m, 2 * PAGE, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT,
                         MMF_OPT_HUGEPAGES);
}

static mmf_status
run_open_path(struct fixture *f)
{
    return mmf_open_path(&f->m, f->path, "r+", 0, 0);
}

static mmf_status
run_populate(struct fixture *f)
{
    return mmf_populate(&f->m, 1, SIZE_MAX, 0);
}

static mmf_status
run_populate_write(struct fixture *f)
{
    return mmf_populate(&f->m, 0, SIZE_MAX, 1);
}

static mmf_status
run_lock(struct fixture *f)
{
    return mmf_lock(&f->m, 0, SIZE_MAX);
}

static mmf_status
run_unlock(struct fixture *f)
{
    return mmf_unlock(&f->m, 0, SIZE_MAX);
}

static mmf_status
run_resident(struct fixture *f)
{
    return mmf_resident(&f->m, 0, SIZE_MAX, &f->resident_out);
}

static mmf_status
run_protect(struct fixture *f)
{
    return mmf_protect(&f->m, PROT_READ | PROT_WRITE);
}

static mmf_status
run_open_length(struct fixture *f)
{
    return mmf_open(&f->m, f->fd, 2 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                    0, 1);
}

static const struct op ops[] = {
    {"open file, trackfd", "open_file", K_OPEN, 1, 0, 0, 0, run_open_track},
    {"open file, length given", "open_file_length", K_OPEN, 1, 0, 0, 0,
     run_open_length},
    {"open file, trackfd off", "open_file_notrack", K_OPEN, 1, 0, 0, 0,
     run_open_notrack},
    {"open file window, ACCESS_COPY", "open_file_window_copy", K_OPEN, 1, 0, 0,
     0, run_open_window},
    {"open anonymous shared", "open_anon_shared", K_OPEN, 0, 0, 0, 0,
     run_open_anon_shared},
    {"open anonymous private", "open_anon_private", K_OPEN, 0, 0, 0, 0,
     run_open_anon_private},
    {"close file map", "close_file", K_CLOSE, 1, 0, 0, 0, run_close},
    {"close anonymous map", "close_anon", K_CLOSE, 0, MAP_SHARED, 0, 0,
     run_close},
    {"flush", "flush", K_OTHER, 1, 0, 0, 0, run_flush},
    {"madvise", "madvise", K_OTHER, 1, 0, 0, 0, run_madvise},
    {"size", "size", K_OTHER, 1, 0, 0, 0, run_size},
    {"resize file grow", "resize_file_grow", K_OTHER, 1, 0, 0, 0,
     run_resize_4p},
    {"resize file shrink", "resize_file_shrink", K_OTHER, 1, 0, 0, 0,
     run_resize_p10},
    {"resize file window grow", "resize_window_grow", K_OTHER, 1, 0, 1, 1,
     run_resize_4p},
    {"resize file window shrink", "resize_window_shrink", K_OTHER, 1, 0, 1, 2,
     run_resize_p},
    {"resize anonymous private grow", "resize_anon_private_grow", K_OTHER, 0,
     MAP_PRIVATE, 0, 0, run_resize_4p},
    {"resize anonymous private shrink", "resize_anon_private_shrink", K_OTHER,
     0, MAP_PRIVATE, 0, 0, run_resize_p10},
    {"resize anonymous shared shrink", "resize_anon_shared_shrink", K_OTHER, 0,
     MAP_SHARED, 0, 0, run_resize_p},
    {"set_name", "set_name", K_OTHER, 0, MAP_PRIVATE, 0, 0, run_set_name},
    {"open anonymous memfd", "open_anon_memfd", K_OPEN, 0, 0, 0, 0,
     run_open_memfd},
    {"open anonymous, huge pages", "open_anon_huge", K_OPEN, 0, 0, 0, 0,
     run_open_huge},
    {"open by path r+", "open_path", K_OPEN, 1, 0, 0, 0, run_open_path},
    {"populate for reading", "populate", K_OTHER, 1, 0, 0, 0, run_populate},
    {"populate for writing", "populate_write", K_OTHER, 0, MAP_SHARED, 0, 0,
     run_populate_write},
    {"lock", "lock", K_OTHER, 1, 0, 0, 0, run_lock},
    {"unlock", "unlock", K_OTHER, 0, MAP_PRIVATE, 0, 0, run_unlock},
    {"resident", "resident", K_OTHER, 1, 0, 0, 0, run_resident},
    {"protect", "protect", K_OTHER, 1, 0, 0, 0, run_protect},
};

/* docs/hazards.md H-50: every resize path, on every kind of map. These ops
 * also give the anonymous map's options and a protection to set after
 * setup. */
struct op_ex {
    struct op op;
    unsigned options; /* mmf_open_anon()'s options */
    int protect;      /* if not 0: mmf_protect() with this after setup */
    int unaligned;    /* anonymous maps: 2 pages + 10 bytes, not 3 pages */
};

static const struct op_ex ops_ex[] = {
    {{"resize memfd grow", "resize_memfd_grow", K_OTHER, 0, MAP_SHARED, 0, 0,
      run_resize_4p},
     MMF_OPT_MEMFD,
     0,
     0},
    {{"resize memfd shrink", "resize_memfd_shrink", K_OTHER, 0, MAP_SHARED, 0,
      0, run_resize_p10},
     MMF_OPT_MEMFD,
     0,
     0},
    {{"resize anonymous private grow, read-only", "resize_anon_ro_grow",
      K_OTHER, 0, MAP_PRIVATE, 0, 0, run_resize_4p},
     0,
     PROT_READ,
     0},
    {{"resize anonymous private grow from 2 pages + 10, read-only",
      "resize_anon_ro_grow_unaligned", K_OTHER, 0, MAP_PRIVATE, 0, 0,
      run_resize_4p},
     0,
     PROT_READ,
     1},
    {{"resize anonymous private grow from 2 pages + 10",
      "resize_anon_grow_unaligned", K_OTHER, 0, MAP_PRIVATE, 0, 0,
      run_resize_4p},
     0,
     0,
     1},
    {{"resize anonymous private shrink, read-only", "resize_anon_ro_shrink",
      K_OTHER, 0, MAP_PRIVATE, 0, 0, run_resize_p10},
     0,
     PROT_READ,
     0},
    {{"resize anonymous private grow, huge pages option",
      "resize_anon_hugeopt_grow", K_OTHER, 0, MAP_PRIVATE, 0, 0,
      run_resize_4p},
     MMF_OPT_HUGEPAGES,
     0,
     0},
    {{"resize file grow, read-only", "resize_file_ro_grow", K_OTHER, 1, 0, 0,
      0, run_resize_4p},
     0,
     PROT_READ,
     0},
    {{"resize file window grow, read-only", "resize_window_ro_grow", K_OTHER,
      1, 0, 1, 1, run_resize_4p},
     0,
     PROT_READ,
     0},
    {{"resize file window shrink, read-only", "resize_window_ro_shrink",
      K_OTHER, 1, 0, 1, 2, run_resize_p},
     0,
     PROT_READ,
     0},
};

static const struct op_ex *
op_ex_of(const struct op *op)
{
    size_t i;
    for (i = 0; i < ARRAY_LEN(ops_ex); i++)
        if (&ops_ex[i].op == op)
            return &ops_ex[i];
    return NULL;
}

static unsigned
op_options(const struct op *op)
{
    const struct op_ex *x = op_ex_of(op);
    return x != NULL ? x->options : 0;
}

/* The length of the anonymous map setup opens for op. */
static size_t
op_anon_len(const struct op *op)
{
    const struct op_ex *x = op_ex_of(op);
    return x != NULL && x->unaligned ? 2 * PAGE + 10 : 3 * PAGE;
}

static int
op_protect(const struct op *op)
{
    const struct op_ex *x = op_ex_of(op);
    return x != NULL ? x->protect : 0;
}

/* The length a resize operation asks for, 0 for other operations. */
static size_t
expected_newsize(const struct op *op)
{
    if (op->run == run_resize_4p)
        return 4 * PAGE;
    if (op->run == run_resize_p10)
        return PAGE + 10;
    if (op->run == run_resize_p)
        return PAGE;
    return 0;
}

static int
is_resize(const struct op *op)
{
    return expected_newsize(op) != 0;
}

/* Prepare the fixture (no fault injection). */
static void
setup_fixture(const struct op *op, struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->file_before = malloc(FILE_LEN + PAGE);
    f->map_before = malloc(4 * PAGE);
    if (op->file) {
        f->fd = h_make_file(NULL, FILE_LEN, f->path);
        f->fsize_before = FILE_LEN;
        h_fill_pattern(f->file_before, FILE_LEN, 0);
    }
    if (op->kind != K_OPEN) {
        if (op->file)
            h_open_ok(&f->m, f->fd, op->length * PAGE, MAP_SHARED, RW,
                      MMF_ACCESS_DEFAULT, op->offset * (int64_t)PAGE, 1);
        else if (op_options(op) != 0)
            ASSERT_OK(mmf_open_anon(&f->m, op_anon_len(op), op->anon_flags, RW,
                                    MMF_ACCESS_DEFAULT, op_options(op)));
        else if (op_anon_len(op) != 3 * PAGE) {
            /* bytes past the end in its last page, from a larger map */
            h_open_anon(&f->m, 3 * PAGE, op->anon_flags);
            ASSERT_OK(mmf_set_slice(&f->m, 0, 1, 3, "abc"));
            ASSERT_OK(mmf_set_byte(&f->m, op_anon_len(op) + 1, 0xee));
            ASSERT_OK(mmf_resize(&f->m, op_anon_len(op)));
        } else
            h_open_anon(&f->m, 3 * PAGE, op->anon_flags);
        if (!op->file) { /* give anonymous maps recognisable contents */
            size_t n = op_anon_len(op);
            unsigned char *buf = malloc(n);
            h_fill_pattern(buf, n, 5);
            ASSERT_OK(mmf_set_slice(&f->m, 0, 1, n, buf));
            free(buf);
        }
        if (op_options(op) & MMF_OPT_MEMFD)
            ASSERT_OK(mmf_size(&f->m, &f->memfd_before));
        if (op_protect(op) != 0)
            ASSERT_OK(mmf_protect(&f->m, op_protect(op)));
        ASSERT_OK(mmf_seek(&f->m, 3, 0, NULL));
        f->len_before = h_len(&f->m);
        f->pos_before = 3;
        ASSERT_OK(mmf_get_slice(&f->m, 0, 1, f->len_before, f->map_before));
    }
}

/* Unmap what a failed munmap left behind, unless the map still owns it. */
static void
release_leaked_regions(struct fixture *f)
{
    int i;
    for (i = 0; i < fi.nleaked; i++) {
        unsigned char *p = NULL;
        size_t len = 0;
        if (!mmf_closed(&f->m) && mmf_pin(&f->m, &p, &len) == MMF_OK) {
            mmf_unpin(&f->m);
            if ((unsigned char *)fi.leaked[i] < p + len
                && p < (unsigned char *)fi.leaked[i] + fi.leaked_len[i])
                continue;
        }
        munmap(fi.leaked[i], fi.leaked_len[i]);
    }
    fi.nleaked = 0;
}

static void
teardown_fixture(struct fixture *f)
{
    if (!mmf_closed(&f->m))
        ASSERT_OK(mmf_close(&f->m));
    if (f->fd >= 0)
        close(f->fd);
    free(f->file_before);
    free(f->map_before);
}

/* The file is exactly as it was before the operation. */
static void
check_file_unchanged(const struct fixture *f)
{
    if (f->fsize_before > 0)
        h_assert_file_is(f->path, f->file_before, (size_t)f->fsize_before);
}

/* The map is open with the length, contents and cursor it had. */
static void
check_map_unchanged(const struct op *op, const struct fixture *f)
{
    unsigned char *buf = malloc(f->len_before);
    ASSERT_EQ(mmf_closed(&f->m), 0);
    ASSERT_UEQ(h_len(&f->m), f->len_before);
    ASSERT_UEQ(h_tell(&f->m), f->pos_before);
    ASSERT_OK(mmf_get_slice(&f->m, 0, 1, f->len_before, buf));
    ASSERT_MEM_EQ(buf, f->map_before, f->len_before);
    free(buf);
    if (op_options(op) & MMF_OPT_MEMFD) {
        uint64_t size = 0;
        ASSERT_OK(mmf_size((mmf_map *)&f->m, &size));
        ASSERT_UEQ(size, f->memfd_before);
    }
}

/* What a successful operation must have done. */
static void
check_success(const struct op *op, struct fixture *f)
{
    size_t k;

    if (op->kind == K_CLOSE) {
        ASSERT_EQ(mmf_closed(&f->m), 1);
        return;
    }
    if (op->kind == K_OPEN) {
        unsigned char *buf;
        size_t len = h_len(&f->m);
        ASSERT_EQ(mmf_closed(&f->m), 0);
        ASSERT_UEQ(h_tell(&f->m), 0);
        if (op->file && op->run != run_open_notrack) {
            uint64_t size = 0;
            ASSERT_OK(mmf_size(&f->m, &size)); /* the private fd works */
            ASSERT_UEQ(size, FILE_LEN);
        }
        if (op->file)
            ASSERT_UEQ(len, op->run == run_open_window   ? PAGE
                            : op->run == run_open_length ? 2 * PAGE
                                                         : FILE_LEN);
        else
            ASSERT_UEQ(len, 2 * PAGE);
        buf = malloc(FILE_LEN);
        ASSERT_OK(mmf_get_slice(&f->m, 0, 1, len, buf));
        if (op->file) {
            size_t from = op->run == run_open_window ? PAGE : 0;
            ASSERT_MEM_EQ(buf, f->file_before + from, len);
        } else {
            for (k = 0; k < len; k++)
                if (buf[k] != 0)
                    fail_msg("anonymous byte %zu is %d", k, buf[k]);
        }
        free(buf);
        return;
    }
    ASSERT_EQ(mmf_closed(&f->m), 0);
    ASSERT_UEQ(h_tell(&f->m), f->pos_before);
    if (is_resize(op)) {
        size_t n = expected_newsize(op), keep;
        unsigned char *buf = malloc(n);
        ASSERT_UEQ(h_len(&f->m), n);
        keep = n < f->len_before ? n : f->len_before;
        ASSERT_OK(mmf_get_slice(&f->m, 0, 1, n, buf));
        ASSERT_MEM_EQ(buf, f->map_before, keep);
        for (k = keep; k < n; k++) {
            /* a grown file map shows the rest of the file, then zeros */
            size_t off = (size_t)op->offset * PAGE + k;
            unsigned char want = op->file && off < (size_t)f->fsize_before
                                     ? f->file_before[off]
                                     : 0;
            if (buf[k] != want)
                fail_msg("grown byte %zu is %d, expected %d", k, buf[k], want);
        }
        free(buf);
        if (op->file)
            ASSERT_EQ(h_file_size(f->path),
                      (long long)(op->offset * (int64_t)PAGE) + (long long)n);
        if (op_options(op) & MMF_OPT_MEMFD) { /* sealed: never shrinks */
            uint64_t size = 0;
            ASSERT_OK(mmf_size(&f->m, &size));
            ASSERT_UEQ(size, n > f->memfd_before ? n : f->memfd_before);
        }
        return;
    }
    check_map_unchanged(op, f);
    if (op->run == run_size)
        ASSERT_UEQ(f->size_out, FILE_LEN);
    check_file_unchanged(f);
}

/* May the library ignore a failure of entry e in op (the operation then
 * returns its fault-free status)? */
static int
may_ignore(const struct op *op, int e)
{
    switch (e) {
    case E_MUNMAP:
    case E_CLOSE:
    case E_SIGMASK:
    case E_SIGWAIT:
        return 1;
    case E_READTEXT: /* huge pages: unknown, so plain pages */
        return 1;
    case E_MADVISE: /* MADV_HUGEPAGE refused: plain pages */
        return op->run == run_open_huge || op->kind == K_CLOSE;
    case E_FSTAT:
        /* open: the size checks are skipped when fstat fails, as in
         * CPython, and a memfd's identity stays unknown; close: errors
         * are ignored */
        return (op->kind == K_OPEN && op->run != run_open_path)
               || op->kind == K_CLOSE;
    default:
        return op->kind == K_CLOSE;
    }
}

static void
describe_sequence(char *out, size_t cap)
{
    size_t used = 0;
    int i;

    out[0] = '\0';
    for (i = 0; i < fi.calls && i < (int)ARRAY_LEN(fi.seq); i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "",
                                 entry_name[fi.seq[i]]);
}

static int points_total;

/* What run_once() is checking, printed by the teardown if a check failed
 * (a failed assertion leaves run_once() before it clears this). */
static char fault_ctx[256];

/* The fixture of the run in progress: after a failed check the teardown
 * releases it, so that only the library's own leaks are reported. */
static struct fixture *cur_fixture;

static int
fault_teardown(void **state)
{
    disarm();
    if (fault_ctx[0] != '\0')
        print_error("    while checking: %s\n", fault_ctx);
    fault_ctx[0] = '\0';
    if (cur_fixture != NULL) {
        struct fixture *f = cur_fixture;
        cur_fixture = NULL;
        release_leaked_regions(f);
        if (!mmf_closed(&f->m)) {
            while (mmf_pins(&f->m) > 0)
                mmf_unpin(&f->m);
            mmf_close(&f->m);
        }
        if (f->fd >= 0)
            close(f->fd);
        if (f->path[0] != '\0')
            unlink(f->path);
        free(f->file_before);
        free(f->map_before);
    }
    return h_teardown(state);
}

/* Run op once with fault_at (0: none). Returns 1 if the fault was hit. */
static int
run_once(const struct op *op, int fail_at, int eintr, mmf_status base_st,
         int verbose)
{
    /* static: the teardown may release it after a failed check */
    static struct fixture f;
    int fds0 = h_count_fds(), maps0 = h_count_tmp_maps(), hit, i;
    int still, still_during = 0;
    mmf_status st;
    unsigned char *region = NULL;
    size_t region_len = 0;

    setup_fixture(op, &f);
    cur_fixture = &f;
    if (!mmf_closed(&f.m)) {
        region = h_data(&f.m);
        region_len = f.len_before;
    }
    arm(fail_at, eintr);
    st = op->run(&f);
    disarm();
    hit = fi.hit;
    snprintf(fault_ctx, sizeof fault_ctx,
             "%s, %s failing with %s at call %d -> %s (syserr %d)", op->name,
             hit >= 0 ? entry_name[hit] : "nothing",
             hit < 0 ? "-"
             : eintr ? "EINTR"
                     : strerror(entry_errno[hit]),
             fail_at, mmf_status_name(st), mmf_syserr(&f.m));

    if (verbose) {
        char seq[512];
        describe_sequence(seq, sizeof seq);
        h_note("  %-34s %-14s calls: %s", op->name, mmf_status_name(st),
               seq[0] ? seq : "(none)");
    }

    if (hit < 0) {
        if (st != base_st)
            fail_msg("%s: %s without a fault, %s before", op->name,
                     mmf_status_name(st), mmf_status_name(base_st));
    } else if (!eintr && st == MMF_ESYS
               && mmf_syserr(&f.m) == entry_errno[hit]) {
        /* reported: nothing may have changed */
        ASSERT_TRUE(mmf_sysfunc(&f.m) != NULL);
        if (op->kind == K_OPEN) {
            ASSERT_EQ(mmf_closed(&f.m), 1);
        } else if (op->kind == K_OTHER) {
            check_map_unchanged(op, &f);
            check_file_unchanged(&f);
            /* and the object still works */
            ASSERT_ST(op->run(&f), base_st);
        } else {
            fail_msg("%s: close reported %s", op->name, entry_name[hit]);
        }
    } else if (!eintr && op->kind == K_OPEN && may_ignore(op, hit)
               && st == MMF_ESYS) {
        /* an ignored failure made a later call fail (fstat skipped, so
         * length 0 reached mmap): fine if the map is cleanly closed */
        ASSERT_EQ(mmf_closed(&f.m), 1);
    } else if (eintr || may_ignore(op, hit)) {
        if (st != base_st)
            fail_msg("%s: %s failing with %s (call %d) gave %s, syserr %d "
                     "(%s); expected %s%s",
                     op->name, entry_name[hit],
                     eintr ? "EINTR" : strerror(entry_errno[hit]), fail_at,
                     mmf_status_name(st), mmf_syserr(&f.m),
                     strerror(mmf_syserr(&f.m)), mmf_status_name(base_st),
                     eintr ? " (EINTR must be retried)" : " (error ignored)");
    } else {
        fail_msg("%s: %s failing with %s (call %d) gave %s, syserr %d (%s); "
                 "expected MMF_ESYS with that errno",
                 op->name, entry_name[hit], strerror(entry_errno[hit]),
                 fail_at, mmf_status_name(st), mmf_syserr(&f.m),
                 strerror(mmf_syserr(&f.m)));
    }
    if (fi.double_close)
        fail_msg("%s: close() retried after EINTR (fd closed twice)",
                 op->name);
    if (st == base_st && base_st == MMF_OK)
        check_success(op, &f);

    /* leaks: everything goes back to how it was before setup */
    release_leaked_regions(&f);
    cur_fixture = NULL;
    teardown_fixture(&f);
    /* the address ranges first: musl's malloc maps memory of its own
     * (opendir() in h_count_fds()), and may get the range just freed */
    still = region != NULL && h_range_mapped(region, region_len);
    for (i = 0; i < fi.nmapped; i++)
        still_during |= h_range_mapped(fi.mapped[i], fi.mapped_len[i]);
    if (h_count_fds() != fds0)
        fail_msg("%s, %s failing at call %d: fd leak (%d before, %d after)",
                 op->name, hit >= 0 ? entry_name[hit] : "nothing", fail_at,
                 fds0, h_count_fds());
    if (h_count_tmp_maps() != maps0)
        fail_msg("%s, %s failing at call %d: file map leak", op->name,
                 hit >= 0 ? entry_name[hit] : "nothing", fail_at);
    if (still)
        fail_msg("%s, %s failing at call %d: the map is still mapped",
                 op->name, hit >= 0 ? entry_name[hit] : "nothing", fail_at);
    if (still_during)
        fail_msg("%s, %s failing at call %d: a region mapped during "
                 "the operation is still mapped",
                 op->name, hit >= 0 ? entry_name[hit] : "nothing", fail_at);
    if (op->file)
        unlink(f.path);
    fault_ctx[0] = '\0';
    return hit >= 0;
}

/* Baseline, then N = 1, 2, ... until no fault is hit. */
static int
exercise(const struct op *op, int eintr)
{
    struct fixture f;
    mmf_status base_st;
    int n, points = 0;

    /* the fault-free status */
    setup_fixture(op, &f);
    base_st = op->run(&f);
    if (is_resize(op) && base_st != MMF_OK) /* every resize here can work */
        fail_msg("%s: %s without a fault", op->name, mmf_status_name(base_st));
    release_leaked_regions(&f);
    teardown_fixture(&f);
    if (op->file)
        unlink(f.path);
    if (!eintr)
        run_once(op, 0, 0, base_st, 1);

    for (n = 1; n < 100; n++) {
        if (!run_once(op, n, eintr, base_st, 0))
            break;
        points++;
    }
    if (n == 100)
        fail_msg("%s: more than 100 injection points?", op->name);
    return points;
}

static void
errno_fault_at_every_call(void **state)
{
    const struct op *op = *state;
    int points = exercise(op, 0);
    h_note("%d injection points", points);
    points_total += points;
}

static void
eintr_at_every_call_is_retried(void **state)
{
    const struct op *op = *state;
    int points = exercise(op, 1);
    h_note("%d injection points", points);
    points_total += points;
}

/* EINTR twice in a row, and on every call: still retried. */
static int eintr_left;

static int
w_ftruncate_eintr(int fd, off_t len)
{
    if (eintr_left > 0) {
        eintr_left--;
        errno = EINTR;
        return -1;
    }
    return mmf__sys_default.ftruncate(fd, len);
}

static int
w_msync_eintr(void *addr, size_t len, int flags)
{
    if (eintr_left > 0) {
        eintr_left--;
        errno = EINTR;
        return -1;
    }
    return mmf__sys_default.msync(addr, len, flags);
}

static void
eintr_repeated_is_retried(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    eintr_left = 5;
    mmf__sys.ftruncate = w_ftruncate_eintr;
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(eintr_left, 0);
    eintr_left = 3;
    mmf__sys.msync = w_msync_eintr;
    ASSERT_OK(mmf_flush(&m, 0, 3 * PAGE, 0));
    ASSERT_EQ(eintr_left, 0);
    mmf__sys = mmf__sys_default;
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE));
    ASSERT_OK(mmf_close(&m));
    close(fd);
}

/* A failure on every call from the N-th on ("persistent" faults): the
 * library must still return an error or succeed, never crash, and must
 * not leak a descriptor. Rollbacks may be impossible here (the rollback
 * itself fails), so only the process's health and fds are checked. */
static int persist_from, persist_calls;

#define PERSIST(e, fail_expr, call)                                           \
    do {                                                                      \
        if (++persist_calls >= persist_from) {                                \
            errno = entry_errno[e];                                           \
            return fail_expr;                                                 \
        }                                                                     \
        return call;                                                          \
    } while (0)

static void *
p_mremap(void *a, size_t o, size_t n)
{
    PERSIST(E_MREMAP, MAP_FAILED, mmf__sys_default.mremap(a, o, n));
}

static int
p_ftruncate(int fd, off_t len)
{
    PERSIST(E_FTRUNCATE, -1, mmf__sys_default.ftruncate(fd, len));
}

static int
p_fstat(int fd, struct stat *st)
{
    PERSIST(E_FSTAT, -1, mmf__sys_default.fstat(fd, st));
}

static void
persistent_faults_in_resize_do_not_crash_or_leak(void **state)
{
    int from, fds0 = h_count_fds();

    (void)state;
    for (from = 1; from <= 6; from++) {
        static const size_t sizes[] = {0, 10, 4};
        size_t s;
        for (s = 1; s < ARRAY_LEN(sizes); s++) {
            char path[PATH_MAX];
            mmf_map m = {0};
            mmf_status st;
            size_t newsize = sizes[s] == 10 ? PAGE + 10 : 4 * PAGE, len;
            int fd = h_make_file(NULL, 2 * PAGE, path);

            h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
            persist_from = from;
            persist_calls = 0;
            mmf__sys.mremap = p_mremap;
            mmf__sys.ftruncate = p_ftruncate;
            mmf__sys.fstat = p_fstat;
            st = mmf_resize(&m, newsize);
            mmf__sys = mmf__sys_default;
            ASSERT_TRUE(st == MMF_OK || st == MMF_ESYS);
            ASSERT_EQ(mmf_closed(&m), 0);
            len = h_len(&m);
            ASSERT_TRUE(len == newsize || len == 2 * PAGE);
            if (st == MMF_OK)
                ASSERT_UEQ(len, newsize);
            /* whatever the length, the map must be readable to its end */
            {
                unsigned char b;
                ASSERT_OK(mmf_get_byte(&m, 0, &b));
            }
            ASSERT_OK(mmf_close(&m));
            close(fd);
            unlink(path);
        }
    }
    ASSERT_EQ(h_count_fds(), fds0);
}

#define NOPS ARRAY_LEN(ops)
#define NOPS_ALL (NOPS + ARRAY_LEN(ops_ex))

static const struct op *
op_at(size_t i)
{
    return i < NOPS ? &ops[i] : &ops_ex[i - NOPS].op;
}

int
main(int argc, char **argv)
{
    static char names[2 * NOPS_ALL][96];
    struct CMUnitTest tests[2 * NOPS_ALL + 2];
    size_t i, n = 0;
    int rc;

    (void)argc;
    h_argv0 = argv[0];
    for (i = 0; i < NOPS_ALL; i++) {
        snprintf(names[n], sizeof names[n], "fault_in_%s", op_at(i)->slug);
        tests[n] =
            (struct CMUnitTest){names[n], errno_fault_at_every_call, h_setup,
                                fault_teardown, (void *)op_at(i)};
        n++;
    }
    for (i = 0; i < NOPS_ALL; i++) {
        snprintf(names[n], sizeof names[n], "eintr_in_%s_is_retried",
                 op_at(i)->slug);
        tests[n] =
            (struct CMUnitTest){names[n], eintr_at_every_call_is_retried,
                                h_setup, fault_teardown, (void *)op_at(i)};
        n++;
    }
    tests[n++] = (struct CMUnitTest)H_TEST(eintr_repeated_is_retried);
    tests[n++] = (struct CMUnitTest)H_TEST(
        persistent_faults_in_resize_do_not_crash_or_leak);
    rc = cmocka_run_group_tests_name("syscall_faults", tests, h_group_setup,
                                     h_group_teardown);
    printf("fault points exercised: %d\n", points_total);
    return rc;
}
