/*
 * helpers.c - fixtures for libmmf's C tests. See helpers.h.
 *
 * /proc files are read with open()/read() into static buffers, never with
 * stdio, so that counting maps does not itself allocate or map memory.
 */
#include "helpers.h"

#include <sys/wait.h>

#include <dirent.h>

#include "posix/sys.h"

size_t PAGE;
const char *h_argv0 = "/proc/self/exe";

#define MAX_FILES 256

static char tmpdir[PATH_MAX / 2];
static char files[MAX_FILES][PATH_MAX];
static int nfiles;
static int test_fds, test_maps;
static pid_t owner_pid;

void
h_note(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    print_message("%s\n", buf);
}

/* Set by H_SKIP(): the test stopped midway (h_teardown). */
static int skipping;

void
h_skip_reason(const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    skipping = 1;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    print_message("h_skip: %s\n", buf);
}

int
h_madvise_is_noop(void)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, ps, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int rc;

    if (p == MAP_FAILED)
        return 0;
    rc = madvise(p, ps, 12345); /* no such advice: EINVAL from Linux */
    munmap(p, ps);
    return rc == 0;
}

int
h_write_only_unreadable(void)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    int status = 0;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid == 0) { /* dies of the fault, or exits 0 */
        unsigned char *p =
            mmap(NULL, ps, PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        unsigned char buf[16];
        volatile size_t n = sizeof buf; /* a real memcpy, as the library's */
        /* cmocka's handlers would catch the fault and go on testing */
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        if ((void *)p == MAP_FAILED)
            _exit(1);
        memset(p, 1, n);
        memcpy(buf, p, n);
        _exit(buf[0] == 1 ? 0 : 1);
    }
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return 0;
    return WIFSIGNALED(status);
}

static sigjmp_buf probe_env;
static void *volatile probe_addr;

static void
probe_handler(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    probe_addr = si->si_addr;
    siglongjmp(probe_env, 1);
}

/* Touch p[off] (which faults with sig) with probe_handler installed:
 * did the handler see that address? */
static int
probe_fault(volatile unsigned char *p, size_t off, int sig)
{
    struct sigaction sa, old;
    int exact;

    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = probe_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, &old);
    probe_addr = NULL;
    if (sigsetjmp(probe_env, 1) == 0)
        (void)p[off];
    exact = probe_addr == (void *)(p + off);
    sigaction(sig, &old, NULL);
    return exact;
}

int
h_fault_addresses_wrong(void)
{
    static int known = -1;
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *p;
    FILE *f;
    int exact;

    if (known >= 0)
        return known;
    p = mmap(NULL, 2 * ps, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    exact = probe_fault(p, ps + 5, SIGSEGV);
    munmap(p, 2 * ps);
    f = tmpfile();
    if (f != NULL && ftruncate(fileno(f), (off_t)ps) == 0) {
        p = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, fileno(f), 0);
        if (p != MAP_FAILED) {
            exact = exact && probe_fault(p, ps + 5, SIGBUS);
            munmap(p, 2 * ps);
        }
    }
    if (f != NULL)
        fclose(f);
    known = !exact;
    return known;
}

/* The child of h_file_sigbus_kills(): exits 0 when the SIGBUS of a block
 * copy from past the end of a mapped file reached its handler, 1 or 2 when
 * the probe could not be set up or nothing faulted. */
static void
file_sigbus_child(void)
{
    size_t ps = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char buf[256];
    volatile size_t n = sizeof buf; /* a real memcpy, as the library's */
    struct sigaction sa;
    FILE *f = tmpfile();
    unsigned char *p;
    int null = open("/dev/null", O_WRONLY);

    if (f == NULL || ftruncate(fileno(f), (off_t)ps) != 0)
        _exit(1);
    p = mmap(NULL, ps, PROT_READ, MAP_SHARED, fileno(f), 0);
    if ((void *)p == MAP_FAILED || ftruncate(fileno(f), 0) != 0)
        _exit(1);
    if (null >= 0)
        dup2(null, 2); /* qemu's "QEMU internal SIGBUS" */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = probe_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
    if (sigsetjmp(probe_env, 1) == 0) {
        memcpy(buf, p, n);
        _exit(buf[n - 1] == 7 ? 2 : 1); /* a copy the compiler keeps */
    }
    _exit(0);
}

int
h_file_sigbus_kills(void)
{
    static int known = -1;
    int status = 0;
    pid_t pid;

    if (known >= 0)
        return known;
    fflush(NULL);
    pid = fork();
    if (pid == 0)
        file_sigbus_child();
    known = pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status)
            && WTERMSIG(status) == SIGBUS;
    return known;
}

void
h_exec_self(char *const args[])
{
    const char *qemu = getenv("MMF_TEST_QEMU");
    char *argv[16];
    int i = 0, k = 0;

    if (qemu != NULL && *qemu != '\0')
        argv[i++] = (char *)qemu;
    argv[i++] = (char *)h_argv0;
    while (args[k] != NULL && i < 15)
        argv[i++] = args[k++];
    argv[i] = NULL;
    execv(argv[0], argv);
}

size_t
h_mem_diff(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != q[i])
            return i;
    return (size_t)-1;
}

void
h_check_syserr(const mmf_map *m, int err, const char *func, const char *expr,
               const char *file, int line)
{
    int got = mmf_syserr(m);
    const char *f = mmf_sysfunc(m);

    if (got != err) {
        print_error("%s\n    syserr %d (%s), expected %d (%s)\n", expr, got,
                    strerror(got), err, strerror(err));
        _fail(file, line);
    }
    if (func != NULL && (f == NULL || strcmp(f, func) != 0)) {
        print_error("%s\n    sysfunc \"%s\", expected \"%s\"\n", expr,
                    f ? f : "(null)", func);
        _fail(file, line);
    }
}

/* ---- fixtures ----------------------------------------------------------- */

static void
remove_tmpdir(void)
{
    int i;

    if (tmpdir[0] == '\0' || getpid() != owner_pid)
        return;
    for (i = 0; i < nfiles; i++)
        unlink(files[i]);
    nfiles = 0;
    rmdir(tmpdir);
    tmpdir[0] = '\0';
}

int
h_group_setup(void **state)
{
    const char *base = getenv("TMPDIR");
    static int registered;

    (void)state;
    PAGE = (size_t)sysconf(_SC_PAGESIZE);
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    snprintf(tmpdir, sizeof tmpdir, "%s/mmf-test.XXXXXX", base);
    if (mkdtemp(tmpdir) == NULL) {
        print_error("mkdtemp(%s): %s\n", tmpdir, strerror(errno));
        tmpdir[0] = '\0';
        return -1;
    }
    owner_pid = getpid();
    if (!registered) {
        registered = 1;
        atexit(remove_tmpdir); /* also after a failed assertion or exit() */
    }
    return 0;
}

int
h_group_teardown(void **state)
{
    (void)state;
    remove_tmpdir();
    return 0;
}

int
h_setup(void **state)
{
    (void)state;
    mmf__sys = mmf__sys_default; /* undo any fault injection */
    skipping = 0;
    test_fds = h_count_fds();
    test_maps = h_count_tmp_maps();
    return 0;
}

int
h_teardown(void **state)
{
    int i, fds, maps, rc = 0;

    (void)state;
    mmf__sys = mmf__sys_default; /* undo any fault injection */
    maps = h_count_tmp_maps();
    for (i = 0; i < nfiles; i++)
        unlink(files[i]);
    nfiles = 0;
    fds = h_count_fds();
    if (skipping) /* H_SKIP() left the test midway, its objects open */
        return 0;
    if (fds != test_fds) {
        print_error("fd leak: %d open before the test, %d after\n", test_fds,
                    fds);
        rc = -1;
    }
    if (maps != test_maps) {
        print_error("map leak: %d mappings of temporary files before the "
                    "test, %d after\n",
                    test_maps, maps);
        rc = -1;
    }
    return rc;
}

/* ---- temporary files ---------------------------------------------------- */

const char *
h_dir(void)
{
    return tmpdir;
}

unsigned char
h_pattern(size_t i)
{
    /* period 251 (prime), so not aligned with any page size; never 0 */
    return (unsigned char)(1 + (i * 7 + i / 251) % 251);
}

static void
write_all(int fd, const unsigned char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail_msg("write to a temporary file: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
}

int
h_make_file(const void *data, size_t len, char *path)
{
    unsigned char buf[4096];
    char *p;
    int fd;

    if (tmpdir[0] == '\0')
        fail_msg("no temporary directory (group setup missing?)");
    if (nfiles == MAX_FILES)
        fail_msg("too many temporary files in one test");
    p = files[nfiles];
    snprintf(p, PATH_MAX, "%s/f%d.XXXXXX", tmpdir, nfiles);
    fd = mkostemp(p, O_CLOEXEC);
    if (fd < 0)
        fail_msg("mkostemp(%s): %s", p, strerror(errno));
    nfiles++;
    if (data != NULL) {
        write_all(fd, data, len);
    } else {
        size_t done = 0;
        while (done < len) {
            size_t n = len - done < sizeof buf ? len - done : sizeof buf;
            h_fill_pattern(buf, n, done);
            write_all(fd, buf, n);
            done += n;
        }
    }
    if (path != NULL)
        snprintf(path, PATH_MAX, "%s", p);
    return fd;
}

long long
h_file_size(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return -1;
    return (long long)st.st_size;
}

long long
h_read_file(const char *path, void *buf, size_t cap)
{
    size_t done = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    while (done < cap) {
        ssize_t n = read(fd, (char *)buf + done, cap - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    return (long long)done;
}

void
h_assert_file_is(const char *path, const void *want, size_t len)
{
    long long size = h_file_size(path);
    unsigned char *got;

    if (size != (long long)len)
        fail_msg("file %s has %lld bytes, expected %zu", path, size, len);
    got = malloc(len + 1);
    assert_non_null(got);
    if (h_read_file(path, got, len + 1) != (long long)len) {
        free(got);
        fail_msg("cannot read %s back", path);
    }
    if (h_mem_diff(got, want, len) != (size_t)-1) {
        size_t at = h_mem_diff(got, want, len);
        unsigned g = got[at], w = ((const unsigned char *)want)[at];
        free(got);
        fail_msg("file %s differs at offset %zu: 0x%02x, expected 0x%02x",
                 path, at, g, w);
    }
    free(got);
}

/* ---- leak detection ----------------------------------------------------- */

int
h_list_fds(int *fds, int cap)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0, self;

    if (d == NULL)
        fail_msg("opendir(/proc/self/fd): %s", strerror(errno));
    self = dirfd(d);
    while ((e = readdir(d)) != NULL) {
        int fd;
        if (e->d_name[0] == '.')
            continue;
        fd = atoi(e->d_name);
        if (fd == self)
            continue;
        if (n < cap && fds != NULL)
            fds[n] = fd;
        n++;
    }
    closedir(d);
    return n;
}

int
h_count_fds(void)
{
    return h_list_fds(NULL, 0);
}

int
h_new_fd(const int *before, int nbefore, const int *after, int nafter)
{
    int i, j, found = -1;

    for (i = 0; i < nafter; i++) {
        for (j = 0; j < nbefore; j++)
            if (before[j] == after[i])
                break;
        if (j == nbefore) {
            if (found != -1)
                return -1;
            found = after[i];
        }
    }
    return found;
}

/* Read a whole /proc file into a static buffer; returns its length. */
static char procbuf[1 << 20];

static size_t
read_proc(const char *path)
{
    size_t done = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        fail_msg("open(%s): %s", path, strerror(errno));
    for (;;) {
        ssize_t n = read(fd, procbuf + done, sizeof procbuf - 1 - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
        if (done == sizeof procbuf - 1)
            break;
    }
    close(fd);
    procbuf[done] = '\0';
    return done;
}

int
h_count_maps(void)
{
    size_t len = read_proc("/proc/self/maps"), i;
    int n = 0;

    for (i = 0; i < len; i++)
        if (procbuf[i] == '\n')
            n++;
    return n;
}

int
h_count_tmp_maps(void)
{
    size_t dlen = strlen(tmpdir);
    char *line, *save = NULL;
    int n = 0;

    if (dlen == 0)
        return 0;
    read_proc("/proc/self/maps");
    for (line = strtok_r(procbuf, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *p = strstr(line, tmpdir);
        if (p != NULL && p[dlen] == '/')
            n++;
    }
    return n;
}

int
h_range_mapped(const void *addr, size_t len)
{
    uintptr_t lo = (uintptr_t)addr, hi = lo + len;
    char *line, *save = NULL;

    read_proc("/proc/self/maps");
    for (line = strtok_r(procbuf, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        unsigned long long a, b;
        if (sscanf(line, "%llx-%llx", &a, &b) != 2)
            continue;
        if (a < hi && lo < b)
            return 1;
    }
    return 0;
}

int
h_maps_contain(const char *needle)
{
    read_proc("/proc/self/maps");
    return strstr(procbuf, needle) != NULL;
}

long long
h_vm_size(void)
{
    char *p;

    read_proc("/proc/self/status");
    p = strstr(procbuf, "VmSize:");
    if (p == NULL)
        return -1;
    return strtoll(p + 7, NULL, 10) * 1024;
}

/* ---- convenience -------------------------------------------------------- */

void
h_open_ok(mmf_map *m, int fd, size_t length, int flags, int prot,
          mmf_access access, int64_t offset, int trackfd)
{
    mmf_status st =
        mmf_open(m, fd, length, flags, prot, access, offset, trackfd);
    if (st != MMF_OK)
        fail_msg("mmf_open(fd %d, length %zu, flags 0x%x, prot 0x%x, "
                 "access %d, offset %lld, trackfd %d) returned %s, "
                 "syserr %d (%s)",
                 fd, length, flags, prot, (int)access, (long long)offset,
                 trackfd, mmf_status_name(st), mmf_syserr(m),
                 strerror(mmf_syserr(m)));
}

void
h_open_anon(mmf_map *m, size_t len, int flags)
{
    h_open_ok(m, MMF_ANONYMOUS, len, flags, PROT_READ | PROT_WRITE,
              MMF_ACCESS_DEFAULT, 0, 1);
}

int
h_open_text(mmf_map *m, const char *text, size_t len, char *path)
{
    int fd = h_make_file(text, len, path);
    h_open_ok(m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    return fd;
}

void
h_open_pattern_anon(mmf_map *m, size_t len)
{
    unsigned char *buf = malloc(len);
    h_open_anon(m, len, MAP_PRIVATE);
    h_fill_pattern(buf, len, 0);
    ASSERT_OK(mmf_set_slice(m, 0, 1, len, buf));
    free(buf);
}

void
h_guard_in_front(void)
{
    int err = -1;
    ASSERT_OK(mmf_guard_install(&err));
    ASSERT_EQ(err, 0);
}

int
h_madvise_no_populate(void *addr, size_t len, int advice)
{
    if (advice == 22 || advice == 23) {
        errno = EINVAL;
        return -1;
    }
    return mmf__sys_default.madvise(addr, len, advice);
}
