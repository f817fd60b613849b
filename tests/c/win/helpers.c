/*
 * helpers.c - see helpers.h.
 */
#include "helpers.h"

#include "sys.h" /* src/win/sys.h: the table restored after each test */

size_t PAGE, GRAN;
const char *h_argv0;

static char dir[MAX_PATH];
static unsigned files;
static unsigned long handles_before;

void
w_skip_reason(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("w_skip: ");
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
}

int
h_group_setup(void **state)
{
    char tmp[MAX_PATH];
    (void)state;
    PAGE = mmf_pagesize();
    GRAN = mmf_granularity();
    if (GetTempPathA(sizeof tmp, tmp) == 0)
        return -1;
    /* Wine reuses process ids: the clock as well */
    snprintf(dir, sizeof dir, "%smmf-test-%lu-%llu", tmp,
             (unsigned long)GetCurrentProcessId(),
             (unsigned long long)GetTickCount64());
    return CreateDirectoryA(dir, NULL) ? 0 : -1;
}

/* Remove every file of the folder, then the folder. */
int
h_group_teardown(void **state)
{
    char pat[MAX_PATH + 4], path[2 * MAX_PATH];
    WIN32_FIND_DATAA fd;
    HANDLE h;

    (void)state;
    snprintf(pat, sizeof pat, "%s\\*", dir);
    h = FindFirstFileA(pat, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            snprintf(path, sizeof path, "%s\\%s", dir, fd.cFileName);
            DeleteFileA(path);
        } while (FindNextFileA(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryA(dir);
    return 0;
}

/* Wine's GetProcessHandleCount() says 0 always; its handle table gives
 * out the lowest free slot, so the value of a fresh handle moves up when
 * a handle leaked. */
unsigned long
w_handles(void)
{
    HANDLE h = CreateEventA(NULL, FALSE, FALSE, NULL);
    CloseHandle(h);
    return (unsigned long)(uintptr_t)h;
}

int
h_setup(void **state)
{
    (void)state;
    handles_before = w_handles();
    return 0;
}

int
h_teardown(void **state)
{
    unsigned long after;
    (void)state;
    mmf__sys = mmf__sys_default;
    after = w_handles();
    if (after != handles_before) {
        print_error("handle leak: a new handle was 0x%lx before the test, "
                    "0x%lx after\n", handles_before, after);
        return -1;
    }
    return 0;
}

void
w_new_path(char *path)
{
    snprintf(path, MAX_PATH, "%s\\f%u.bin", dir, files++);
}

unsigned char
h_pattern(size_t i)
{
    return (unsigned char)(1 + (i * 7 + i / 251) % 253);
}

int
h_make_file(const void *data, size_t len, char *path)
{
    char own[MAX_PATH];
    char *p = path != NULL ? path : own;
    unsigned char chunk[4096];
    int fd;

    w_new_path(p);
    fd = _open(p, _O_RDWR | _O_CREAT | _O_TRUNC | _O_BINARY, 0666);
    if (fd < 0)
        fail_msg("_open %s failed", p);
    for (size_t done = 0; done < len;) {
        size_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
        if (data != NULL)
            memcpy(chunk, (const unsigned char *)data + done, n);
        else
            h_fill_pattern(chunk, n, done);
        if (_write(fd, chunk, (unsigned)n) != (int)n)
            fail_msg("_write %s failed", p);
        done += n;
    }
    return fd;
}

long long
h_file_size(const char *path)
{
    WIN32_FILE_ATTRIBUTE_DATA a;
    if (!GetFileAttributesExA(path, GetFileExInfoStandard, &a))
        return -1;
    return ((long long)a.nFileSizeHigh << 32) | a.nFileSizeLow;
}

void
h_assert_file_is(const char *path, const void *want, size_t len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *got = malloc(len + 1);
    size_t n;

    if (f == NULL || got == NULL)
        fail_msg("cannot read %s", path);
    n = fread(got, 1, len + 1, f);
    fclose(f);
    if (n != len) {
        free(got);
        fail_msg("%s holds %llu bytes, expected %llu", path,
                 (unsigned long long)n, (unsigned long long)len);
    }
    for (size_t i = 0; i < len; i++)
        if (got[i] != ((const unsigned char *)want)[i]) {
            unsigned g = got[i], w = ((const unsigned char *)want)[i];
            free(got);
            fail_msg("%s differs at %llu: 0x%02x != 0x%02x", path,
                     (unsigned long long)i, g, w);
        }
    free(got);
}

void
h_open_anon(mmf_map *m, size_t len, int flags)
{
    mmf_init(m);
    ASSERT_OK(mmf_open(m, MMF_ANONYMOUS, len, flags, RW, MMF_ACCESS_DEFAULT,
                       0, 1));
}

void
h_note(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    print_message("%s\n", buf);
}
