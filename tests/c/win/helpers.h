/*
 * helpers.h - fixtures and assertions for libmmf's C tests on Windows
 * (cmocka, built with mingw and run under Wine by tools/win.sh). The
 * Windows implementation of the portable part of tests/c/helpers.h, under
 * the same names (h_*, H_TEST, ASSERT_*), so that a test of portable
 * behaviour builds on either (test_find.c, test_count.c): temporary files
 * in a private folder, a handle-leak check around every test, assertions
 * that print both operands (with %llu: the C runtime's printf has no %zu).
 * Windows' own: w_new_path(), w_handles(), GRAN, and W_SKIP, the only way
 * a test skips: for a real Windows difference or a named Wine limit, with
 * the reason.
 */
#ifndef MMF_TEST_WIN_HELPERS_H
#define MMF_TEST_WIN_HELPERS_H

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "mmf.h"

#include "../asserts.h"

/* The page size and the allocation granularity, set by h_group_setup(). */
extern size_t PAGE, GRAN;

#define RW (MMF_PROT_READ | MMF_PROT_WRITE)

#define ASSERT_MEM_EQ(a, b, n)                                              \
    do {                                                                    \
        const unsigned char *a_ = (const void *)(a);                        \
        const unsigned char *b_ = (const void *)(b);                        \
        for (size_t i_ = 0; i_ < (size_t)(n); i_++)                         \
            if (a_[i_] != b_[i_])                                           \
                fail_msg("%s == %s (%llu bytes)\n    first difference at "  \
                         "%llu: 0x%02x != 0x%02x",                          \
                         #a, #b, (unsigned long long)(n),                   \
                         (unsigned long long)i_, a_[i_], b_[i_]);           \
    } while (0)

/* An MMF_ESYS with the given GetLastError() value and sysfunc. */
#define ASSERT_ESYS(m, expr, err, func)                                     \
    do {                                                                    \
        ASSERT_ST(expr, MMF_ESYS);                                          \
        ASSERT_EQ(mmf_syserr(m), (err));                                    \
        ASSERT_STR_EQ(mmf_sysfunc(m), (func));                              \
    } while (0)

/* ---- fixtures ------------------------------------------------------------
 * The group fixtures make and remove the private folder; the per-test ones
 * restore the system call table and fail a test that leaks a handle. */
int h_group_setup(void **state);
int h_group_teardown(void **state);
int h_setup(void **state);
int h_teardown(void **state);

#define H_TEST(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)

/* Run a group of tests with the fixtures above. */
#define W_RUN(tests)                                                        \
    cmocka_run_group_tests(tests, h_group_setup, h_group_teardown)

/* Skip this test for a reason that names the Windows difference or the
 * Wine limit: "w_skip: REASON" before cmocka's line (tools/win.sh). */
#define W_SKIP(...)                                                         \
    do {                                                                    \
        w_skip_reason(__VA_ARGS__);                                         \
        skip();                                                             \
    } while (0)
void w_skip_reason(const char *fmt, ...);

/* ---- files ---------------------------------------------------------------
 * A new file in the private folder holding len bytes of data (NULL: the
 * pattern), open read-write in binary mode: its C runtime descriptor. The
 * path goes to path (MAX_PATH bytes) when not NULL. */
int h_make_file(const void *data, size_t len, char *path);
/* A fresh path in the private folder (no file made). */
void w_new_path(char *path);
/* A file's size, -1 on error. */
long long h_file_size(const char *path);
/* Fail unless the file at path holds exactly want[0, len). */
void h_assert_file_is(const char *path, const void *want, size_t len);

/* ---- maps --------------------------------------------------------------- */
void h_open_anon(mmf_map *m, size_t len, int flags);
/* h_len(), h_tell(), h_data(): ../asserts.h. */

/* Path of the test program, set by main(). */
extern const char *h_argv0;

/* Print through cmocka's output. */
void h_note(const char *fmt, ...);

/* The value a new handle gets now: it moves when a handle leaked (the
 * lowest free slot of the handle table; GetProcessHandleCount() is a stub
 * in Wine). */
unsigned long w_handles(void);

#endif /* MMF_TEST_WIN_HELPERS_H */
