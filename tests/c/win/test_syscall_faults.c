/*
 * test_syscall_faults.c - failures of the system injected through the
 * Windows backend's call table (src/win/sys.h): for each operation, the
 * N-th call it makes fails, for every N until the operation makes fewer
 * than N calls. Each failure must come back as MMF_ESYS with the error
 * and the call's name, leave the map as it was (or closed, never
 * half-open), and leak no handle. Not the fault guard (test_guard.c).
 */
#include "helpers.h"

#include "sys.h"

/* The error every injected failure gives (ERROR_IO_DEVICE). */
#define INJECTED 1117

static int calls, fail_at;

static int
fails(void)
{
    if (++calls != fail_at)
        return 0;
    SetLastError(INJECTED);
    return 1;
}

static HANDLE
f_osfhandle(int fd)
{
    return fails() ? INVALID_HANDLE_VALUE : mmf__sys_default.osfhandle(fd);
}

static DWORD
f_file_type(HANDLE h)
{
    return fails() ? FILE_TYPE_UNKNOWN : mmf__sys_default.file_type(h);
}

static HANDLE
f_open(const wchar_t *path, DWORD access, DWORD disposition)
{
    return fails() ? INVALID_HANDLE_VALUE
                   : mmf__sys_default.open(path, access, disposition);
}

static HANDLE
f_dup(HANDLE h)
{
    return fails() ? NULL : mmf__sys_default.dup(h);
}

static BOOL
f_file_size(HANDLE h, uint64_t *size)
{
    return fails() ? FALSE : mmf__sys_default.file_size(h, size);
}

static BOOL
f_set_file_size(HANDLE h, uint64_t size)
{
    return fails() ? FALSE : mmf__sys_default.set_file_size(h, size);
}

static HANDLE
f_create_mapping(HANDLE file, DWORD protect, uint64_t size,
                 const wchar_t *name)
{
    return fails() ? NULL
                   : mmf__sys_default.create_mapping(file, protect, size,
                                                     name);
}

static void *
f_map_view(HANDLE section, DWORD access, uint64_t offset, size_t length)
{
    return fails() ? NULL
                   : mmf__sys_default.map_view(section, access, offset,
                                               length);
}

static void *
f_reserve(size_t length)
{
    return fails() ? NULL : mmf__sys_default.reserve(length);
}

static BOOL
f_flush_view(void *addr, size_t length)
{
    return fails() ? FALSE : mmf__sys_default.flush_view(addr, length);
}

static BOOL
f_flush_file(HANDLE h)
{
    return fails() ? FALSE : mmf__sys_default.flush_file(h);
}

static BOOL
f_protect(void *addr, size_t length, DWORD prot, DWORD *old)
{
    return fails() ? FALSE
                   : mmf__sys_default.protect(addr, length, prot, old);
}

static BOOL
f_lock(void *addr, size_t length)
{
    return fails() ? FALSE : mmf__sys_default.lock(addr, length);
}

static BOOL
f_working_set(void *entries, DWORD n)
{
    return fails() ? FALSE : mmf__sys_default.working_set(entries, n);
}

static BOOL
f_prefetch(void *addr, size_t length)
{
    return fails() ? FALSE : mmf__sys_default.prefetch(addr, length);
}

/* Every entry that can fail, counted; the release calls (unmap, close,
 * unreserve, unlock) are left alone: their failures are ignored. */
static void
inject(int n)
{
    calls = 0;
    fail_at = n;
    mmf__sys.osfhandle = f_osfhandle;
    mmf__sys.file_type = f_file_type;
    mmf__sys.open = f_open;
    mmf__sys.dup = f_dup;
    mmf__sys.file_size = f_file_size;
    mmf__sys.set_file_size = f_set_file_size;
    mmf__sys.create_mapping = f_create_mapping;
    mmf__sys.map_view = f_map_view;
    mmf__sys.reserve = f_reserve;
    mmf__sys.flush_view = f_flush_view;
    mmf__sys.flush_file = f_flush_file;
    mmf__sys.protect = f_protect;
    mmf__sys.lock = f_lock;
    mmf__sys.working_set = f_working_set;
    mmf__sys.prefetch = f_prefetch;
}

static void
restore(void)
{
    mmf__sys = mmf__sys_default;
}

/* An injected failure: MMF_ESYS with the error and a call's name, or
 * (file_type failing) a check that was skipped, which is no error. */
static void
assert_injected(const mmf_map *m, mmf_status s)
{
    ASSERT_ST(s, MMF_ESYS);
    ASSERT_EQ(mmf_syserr(m), INJECTED);
    ASSERT_TRUE(mmf_sysfunc(m) != NULL);
}

/* Run op with the n-th call failing, n = 1, 2, ... until op makes fewer
 * than n calls; check(m, s, n) judges each run. Returns the number of
 * calls a clean run makes. */
typedef mmf_status (*op_fn)(mmf_map *m, void *ctx);
typedef void (*check_fn)(mmf_map *m, mmf_status s, void *ctx);

static int
every_failure(op_fn op, check_fn check, void *ctx)
{
    int n;
    for (n = 1; n < 100; n++) {
        mmf_map m;
        unsigned long before = w_handles();
        mmf_status s;
        int made;

        mmf_init(&m);
        inject(n);
        s = op(&m, ctx);
        made = calls;
        restore();
        check(&m, s, ctx);
        mmf_close(&m);
        if (w_handles() != before)
            fail_msg("the failure of call %d leaked a handle", n);
        if (made < n)
            return n - 1;
    }
    fail_msg("more than 100 calls");
    return 0;
}

struct file_ctx {
    char path[MAX_PATH];
    int fd;
    size_t len;
};

static mmf_status
op_open_file(mmf_map *m, void *ctx)
{
    struct file_ctx *f = ctx;
    return mmf_open(m, f->fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                    1);
}

/* Open: either open and right, or failed and closed. */
static void
check_open(mmf_map *m, mmf_status s, void *ctx)
{
    struct file_ctx *f = ctx;
    if (s == MMF_OK) {
        ASSERT_EQ(h_len(m), f->len);
        return;
    }
    assert_injected(m, s);
    ASSERT_TRUE(mmf_closed(m));
}

static void
open_file_map(void **state)
{
    struct file_ctx f;
    (void)state;
    f.len = 3 * PAGE;
    f.fd = h_make_file(NULL, f.len, f.path);
    ASSERT_TRUE(every_failure(op_open_file, check_open, &f) >= 4);
    _close(f.fd);
}

static mmf_status
op_open_anon(mmf_map *m, void *ctx)
{
    (void)ctx;
    return mmf_open(m, MMF_ANONYMOUS, 3 * PAGE, MMF_MAP_SHARED,
                    MMF_PROT_NONE, MMF_ACCESS_DEFAULT, 0, 1);
}

static void
open_anonymous_map(void **state)
{
    struct file_ctx f;
    (void)state;
    f.len = 3 * PAGE;
    /* the section, the view, and taking the access away */
    ASSERT_EQ(every_failure(op_open_anon, check_open, &f), 3);
}

static mmf_status
op_open_path(mmf_map *m, void *ctx)
{
    struct file_ctx *f = ctx;
    return mmf_open_path(m, f->path, "w+", f->len, 7);
}

static void
check_open_path(mmf_map *m, mmf_status s, void *ctx)
{
    struct file_ctx *f = ctx;
    if (s == MMF_OK) {
        ASSERT_EQ(h_len(m), f->len);
        return;
    }
    assert_injected(m, s);
    ASSERT_TRUE(mmf_closed(m));
}

static void
open_path(void **state)
{
    struct file_ctx f;
    (void)state;
    f.len = 2 * PAGE;
    w_new_path(f.path);
    ASSERT_TRUE(every_failure(op_open_path, check_open_path, &f) >= 5);
}

/* Resize: all or nothing. The map is opened with the table intact, then
 * the resize runs with the failure; on failure the map, its bytes and
 * the file's size are as they were. */
struct resize_ctx {
    struct file_ctx f;
    size_t newsize;
    int anonymous;
    const char *tagname;
};

static mmf_status
op_resize(mmf_map *m, void *ctx)
{
    struct resize_ctx *r = ctx;
    mmf_status s;
    restore();
    if (r->anonymous)
        s = mmf_open_tagged(m, MMF_ANONYMOUS, r->f.len, MMF_MAP_SHARED, RW,
                            MMF_ACCESS_DEFAULT, 0, 1, r->tagname);
    else
        s = mmf_open(m, r->f.fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                     0, 1);
    ASSERT_OK(s);
    h_fill_pattern(h_data(m), r->f.len, 0);
    inject(fail_at);
    return mmf_resize(m, r->newsize);
}

static void
check_resize(mmf_map *m, mmf_status s, void *ctx)
{
    struct resize_ctx *r = ctx;
    unsigned char *want = malloc(r->f.len);
    size_t keep = r->newsize < r->f.len ? r->newsize : r->f.len;

    h_fill_pattern(want, r->f.len, 0);
    if (s == MMF_OK) {
        ASSERT_EQ(h_len(m), r->newsize);
        ASSERT_MEM_EQ(h_data(m), want, keep);
        if (!r->anonymous)
            ASSERT_EQ(h_file_size(r->f.path), r->newsize);
    }
    else {
        assert_injected(m, s);
        ASSERT_TRUE(!mmf_closed(m));
        ASSERT_EQ(h_len(m), r->f.len);
        /* a failed shrink of a file loses what it cut (src/win/resize.c):
         * only the bytes it keeps are checked */
        ASSERT_MEM_EQ(h_data(m), want, keep);
        if (!r->anonymous)
            ASSERT_EQ(h_file_size(r->f.path), r->f.len);
    }
    free(want);
    /* the file back to its size for the next run */
    if (!r->anonymous) {
        mmf_close(m);
        ASSERT_EQ(_chsize(r->f.fd, (long)r->f.len), 0);
    }
}

static void
resize_file_grow_and_shrink(void **state)
{
    struct resize_ctx r = {0};
    (void)state;
    r.f.len = 2 * PAGE;
    r.f.fd = h_make_file(NULL, r.f.len, r.f.path);
    r.newsize = 2 * GRAN;
    ASSERT_TRUE(every_failure(op_resize, check_resize, &r) >= 4);
    r.newsize = PAGE + 1;
    ASSERT_TRUE(every_failure(op_resize, check_resize, &r) >= 4);
    _close(r.f.fd);
}

static void
resize_anonymous(void **state)
{
    struct resize_ctx r = {0};
    (void)state;
    r.f.len = 2 * PAGE;
    r.anonymous = 1;
    r.newsize = 2 * GRAN;
    ASSERT_TRUE(every_failure(op_resize, check_resize, &r) >= 2);
    r.newsize = PAGE;
    ASSERT_TRUE(every_failure(op_resize, check_resize, &r) >= 2);
}

static void
resize_named(void **state)
{
    char name[64];
    struct resize_ctx r = {0};
    (void)state;
    snprintf(name, sizeof name, "mmf-test-%lu-f",
             (unsigned long)GetCurrentProcessId());
    r.f.len = 2 * PAGE;
    r.anonymous = 1;
    r.tagname = name;
    r.newsize = 2 * GRAN;
    ASSERT_TRUE(every_failure(op_resize, check_resize, &r) >= 2);
}

/* The calls that change nothing: flush, lock, protect, resident,
 * madvise, size, each failing with its name. */
static void
one_call_operations_name_their_call(void **state)
{
    char path[MAX_PATH];
    int fd = h_make_file(NULL, 2 * PAGE, path);
    size_t bytes;
    uint64_t size;
    mmf_map m;

    (void)state;
    mmf_init(&m);
    ASSERT_OK(mmf_open(&m, fd, 0, MMF_MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0,
                       1));
    inject(1);
    ASSERT_ESYS(&m, mmf_flush(&m, 0, PAGE, 0), INJECTED, "FlushViewOfFile");
    inject(2);
    ASSERT_ESYS(&m, mmf_flush(&m, 0, PAGE, 0), INJECTED, "FlushFileBuffers");
    inject(1);
    ASSERT_ESYS(&m, mmf_lock(&m, 0, PAGE), INJECTED, "VirtualLock");
    inject(1);
    ASSERT_ESYS(&m, mmf_protect(&m, MMF_PROT_READ), INJECTED,
                "VirtualProtect");
    ASSERT_OK(mmf_check_writable(&m)); /* unchanged */
    inject(1);
    ASSERT_ESYS(&m, mmf_resident(&m, 0, PAGE, &bytes), INJECTED,
                "QueryWorkingSetEx");
    inject(1);
    ASSERT_ESYS(&m, mmf_madvise(&m, MMF_MADV_WILLNEED, 0, PAGE), INJECTED,
                "PrefetchVirtualMemory");
    inject(1);
    ASSERT_ESYS(&m, mmf_size(&m, &size), INJECTED, "GetFileSizeEx");
    restore();
    ASSERT_OK(mmf_close(&m));
    _close(fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(open_file_map),
        H_TEST(open_anonymous_map),
        H_TEST(open_path),
        H_TEST(resize_file_grow_and_shrink),
        H_TEST(resize_anonymous),
        H_TEST(resize_named),
        H_TEST(one_call_operations_name_their_call),
    };
    return W_RUN(tests);
}
