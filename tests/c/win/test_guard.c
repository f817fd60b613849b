/*
 * test_guard.c - the fault guard on Windows (src/win/guard.c): an access
 * violation inside the map, raised while libmmf touches it, is MMF_EFAULT
 * with the offset and ERROR_NOACCESS, in any thread, as often as it
 * happens; a fault that is not libmmf's reaches the handlers after ours.
 * The faults are made by taking the pages' access away behind the
 * library's back (VirtualProtect on the pinned pointer): Windows has no
 * truncated-file fault to provoke (a mapped file cannot be cut).
 */
#include "helpers.h"

/* Open an anonymous map of 4 pages and take the third one's access away
 * behind the library's back. */
static unsigned char *
open_with_hole(mmf_map *m)
{
    unsigned char *p;
    DWORD old;

    h_open_anon(m, 4 * PAGE, MMF_MAP_SHARED);
    p = h_data(m);
    memset(p, 'a', 4 * PAGE);
    ASSERT_TRUE(VirtualProtect(p + 2 * PAGE, PAGE, PAGE_NOACCESS, &old));
    return p;
}

static void
close_with_hole(mmf_map *m, unsigned char *p)
{
    DWORD old;
    ASSERT_TRUE(VirtualProtect(p + 2 * PAGE, PAGE, PAGE_READWRITE, &old));
    ASSERT_OK(mmf_close(m));
}

#define ASSERT_FAULT(m, expr, off)                                          \
    do {                                                                    \
        ASSERT_ST(expr, MMF_EFAULT);                                        \
        ASSERT_EQ(mmf_syserr(m), ERROR_NOACCESS);                           \
        ASSERT_STR_EQ(mmf_sysfunc(m), "fault");                             \
        ASSERT_EQ(mmf_fault_offset(m), (off));                              \
    } while (0)

static void
read_across_a_hole_is_efault(void **state)
{
    mmf_map m;
    unsigned char *buf = malloc(4 * PAGE);
    unsigned char *p = open_with_hole(&m);
    size_t n = 99, pos = 1;

    (void)state;
    ASSERT_OK(mmf_seek(&m, 10, 0, NULL));
    ASSERT_FAULT(&m, mmf_read(&m, buf, 4 * PAGE, &n), 2 * PAGE);
    ASSERT_OK(mmf_tell(&m, &pos));
    ASSERT_EQ(pos, 10); /* the cursor did not move */
    ASSERT_OK(mmf_read(&m, buf, 10, &n)); /* before the hole: fine */
    ASSERT_EQ(n, 10);
    free(buf);
    close_with_hole(&m, p);
}

/* The short paths: items, small reads, lines, short searches. */
static void
every_kind_of_access_is_guarded(void **state)
{
    mmf_map m;
    unsigned char *p = open_with_hole(&m);
    unsigned char b, buf[64];
    ptrdiff_t at;
    size_t count, len;

    (void)state;
    ASSERT_FAULT(&m, mmf_get_byte(&m, 2 * PAGE + 5, &b), 2 * PAGE + 5);
    ASSERT_FAULT(&m, mmf_set_byte(&m, 2 * PAGE + 6, 'x'), 2 * PAGE + 6);
    ASSERT_FAULT(&m, mmf_get_slice(&m, 2 * PAGE + 1, 1, 8, buf),
                 2 * PAGE + 1);
    ASSERT_FAULT(&m, mmf_find(&m, "zz", 2, PAGE, 3 * PAGE, &at), 2 * PAGE);
    /* a short window is copied first, from its start */
    ASSERT_FAULT(&m, mmf_rfind(&m, "z", 1, 2 * PAGE, 2 * PAGE + 40, &at),
                 2 * PAGE);
    ASSERT_FAULT(&m, mmf_count(&m, "a", 1, 0, SIZE_MAX, &count), 2 * PAGE);
    ASSERT_OK(mmf_seek(&m, 2 * PAGE - 3, 0, NULL));
    ASSERT_FAULT(&m, mmf_line_length(&m, &len), 2 * PAGE);
    ASSERT_FAULT(&m, mmf_move(&m, 0, 2 * PAGE, 16), 2 * PAGE);
    ASSERT_FAULT(&m, mmf_write(&m, "xyzxyz", 6), 2 * PAGE);
    /* all or nothing: the write touched its pages before storing */
    ASSERT_EQ(p[2 * PAGE - 3], 'a');
    close_with_hole(&m, p);
}

/* Many faults in a row: the handler leaves nothing behind. */
static void
many_faults_in_a_row(void **state)
{
    mmf_map m;
    unsigned char *p = open_with_hole(&m);
    unsigned char b;

    (void)state;
    for (int i = 0; i < 20000; i++)
        ASSERT_FAULT(&m, mmf_get_byte(&m, 2 * PAGE + (size_t)i % PAGE, &b),
                     2 * PAGE + (size_t)i % PAGE);
    ASSERT_OK(mmf_get_byte(&m, 0, &b));
    close_with_hole(&m, p);
}

struct thread_arg {
    mmf_map *m;
    int faults;
};

static DWORD WINAPI
fault_in_thread(void *p)
{
    struct thread_arg *a = p;
    unsigned char b;
    for (int i = 0; i < 1000; i++)
        if (mmf_get_byte(a->m, 2 * PAGE + 1, &b) == MMF_EFAULT)
            a->faults++;
    return 0;
}

static void
faults_in_other_threads(void **state)
{
    mmf_map m;
    unsigned char *p = open_with_hole(&m);
    struct thread_arg a[2] = {{&m, 0}, {&m, 0}};
    HANDLE t[2];

    (void)state;
    for (int i = 0; i < 2; i++)
        t[i] = CreateThread(NULL, 0, fault_in_thread, &a[i], 0, NULL);
    WaitForMultipleObjects(2, t, TRUE, INFINITE);
    for (int i = 0; i < 2; i++) {
        CloseHandle(t[i]);
        ASSERT_EQ(a[i].faults, 1000);
    }
    close_with_hole(&m, p);
}

/* A foreign access violation (not inside an armed map) goes on to the
 * handler after ours, which fixes it. */
static volatile LONG foreign_seen;
static unsigned char *foreign_page;

static LONG CALLBACK
fix_foreign(EXCEPTION_POINTERS *ep)
{
    DWORD old;
    uintptr_t addr = ep->ExceptionRecord->ExceptionInformation[1];
    if (ep->ExceptionRecord->ExceptionCode != EXCEPTION_ACCESS_VIOLATION
        || addr != (uintptr_t)foreign_page)
        return EXCEPTION_CONTINUE_SEARCH;
    foreign_seen++;
    VirtualProtect(foreign_page, 1, PAGE_READWRITE, &old);
    return EXCEPTION_CONTINUE_EXECUTION;
}

static void
foreign_faults_reach_the_next_handler(void **state)
{
    void *h;
    mmf_map m;

    (void)state;
    h_open_anon(&m, PAGE, MMF_MAP_SHARED); /* the guard is installed */
    foreign_page = VirtualAlloc(NULL, PAGE, MEM_COMMIT | MEM_RESERVE,
                                PAGE_NOACCESS);
    ASSERT_TRUE(foreign_page != NULL);
    h = AddVectoredExceptionHandler(0, fix_foreign); /* after ours */
    foreign_seen = 0;
    ((volatile unsigned char *)foreign_page)[0] = 7;
    ASSERT_EQ(foreign_seen, 1);
    ASSERT_EQ(foreign_page[0], 7);
    RemoveVectoredExceptionHandler(h);
    VirtualFree(foreign_page, 0, MEM_RELEASE);
    ASSERT_OK(mmf_close(&m));
}

/* While armed too: an access violation outside the map (here, in the
 * caller's buffer during a read) is not the guard's, and goes on. */
static void
foreign_faults_while_armed_go_on(void **state)
{
    void *h;
    mmf_map m;
    size_t n = 0;

    (void)state;
    h_open_anon(&m, PAGE, MMF_MAP_SHARED);
    memset(h_data(&m), 'r', PAGE);
    foreign_page = VirtualAlloc(NULL, PAGE, MEM_COMMIT | MEM_RESERVE,
                                PAGE_NOACCESS);
    ASSERT_TRUE(foreign_page != NULL);
    h = AddVectoredExceptionHandler(0, fix_foreign);
    foreign_seen = 0;
    ASSERT_OK(mmf_read(&m, foreign_page, 1000, &n));
    ASSERT_EQ(n, 1000);
    ASSERT_EQ(foreign_seen, 1);
    ASSERT_EQ(foreign_page[999], 'r');
    RemoveVectoredExceptionHandler(h);
    VirtualFree(foreign_page, 0, MEM_RELEASE);
    ASSERT_OK(mmf_close(&m));
}

/* mmf_guard_install() again puts the guard first: in front of a handler
 * that would otherwise see (and here: count and refuse) libmmf's faults. */
static volatile LONG first_seen;

static LONG CALLBACK
count_all(EXCEPTION_POINTERS *ep)
{
    (void)ep;
    first_seen++;
    return EXCEPTION_CONTINUE_SEARCH;
}

static void
guard_install_moves_the_guard_first(void **state)
{
    mmf_map m;
    unsigned char *p = open_with_hole(&m);
    unsigned char b;
    int err = -1;
    void *h;

    (void)state;
    h = AddVectoredExceptionHandler(1, count_all); /* in front of ours */
    first_seen = 0;
    ASSERT_FAULT(&m, mmf_get_byte(&m, 2 * PAGE, &b), 2 * PAGE);
    ASSERT_EQ(first_seen, 1);
    ASSERT_OK(mmf_guard_install(&err));
    ASSERT_EQ(err, 0);
    ASSERT_OK(mmf_guard_install(NULL)); /* idempotent */
    first_seen = 0;
    ASSERT_FAULT(&m, mmf_get_byte(&m, 2 * PAGE, &b), 2 * PAGE);
    ASSERT_EQ(first_seen, 0);
    RemoveVectoredExceptionHandler(h);
    close_with_hole(&m, p);
}

/* An in-page error (a file's page that cannot be read in) needs a volume
 * that fails under a mapped file: nothing here can make one. */
static void
in_page_error_is_efault(void **state)
{
    (void)state;
    W_SKIP("an EXCEPTION_IN_PAGE_ERROR needs a volume that fails under a "
           "mapped file (a network share, a removed disk); Windows will "
           "not cut a mapped file (test_io: "
           "mapped_file_cannot_be_truncated), so nothing here makes one");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        H_TEST(read_across_a_hole_is_efault),
        H_TEST(every_kind_of_access_is_guarded),
        H_TEST(many_faults_in_a_row),
        H_TEST(faults_in_other_threads),
        H_TEST(foreign_faults_reach_the_next_handler),
        H_TEST(foreign_faults_while_armed_go_on),
        H_TEST(guard_install_moves_the_guard_first),
        H_TEST(in_page_error_is_efault),
    };
    return W_RUN(tests);
}
