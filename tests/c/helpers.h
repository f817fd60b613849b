/*
 * helpers.h - shared fixtures and assertions for libmmf's C tests (cmocka).
 *
 * Every test program includes this header, links tests/c/helpers.c and runs
 * one cmocka group. Use h_group_setup/h_group_teardown as the group fixtures
 * and h_setup/h_teardown as the per-test fixtures: they create a private
 * temporary directory, remove every file a test made, and fail a test that
 * leaks a file descriptor or a mapping of one of its temporary files.
 */
#ifndef MMF_TEST_HELPERS_H
#define MMF_TEST_HELPERS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* 64-bit off_t on 32-bit targets, as the library: the tests share its
 * system call table (posix/sys.h), whose entries take off_t. */
#ifndef _FILE_OFFSET_BITS
#define _FILE_OFFSET_BITS 64
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "mmf.h"

#include "asserts.h"

/* The page size, set by h_group_setup(). */
extern size_t PAGE;

#define RW (PROT_READ | PROT_WRITE)

/* A length no address space holds: 2^62 on 64-bit targets; all but the
 * last page of the 4 GiB on 32-bit ones (where 2^62 is not a size_t). */
#define H_BEYOND_ADDRESS_SPACE                                                \
    (SIZE_MAX > UINT32_MAX ? SIZE_MAX / 4 + 1 : SIZE_MAX - 4095)

/* 2^bits (46, 50: sizes the checks accept, more than a machine has) on
 * 64-bit targets; PTRDIFF_MAX, the largest size they accept, on 32-bit. */
#define H_HUGE_SIZE(bits)                                                     \
    (SIZE_MAX > UINT32_MAX ? (size_t)(UINT64_C(1) << (bits))                  \
                           : (size_t)PTRDIFF_MAX)

/* ---- assertions that explain their failures ------------------------------
 * They print the expression and both values (status names for statuses).
 * The portable ones (ASSERT_ST, ASSERT_OK, ASSERT_EQ, ASSERT_UEQ,
 * ASSERT_TRUE, ASSERT_STR_EQ) are in asserts.h; these use POSIX's. */

/* An MMF_ESYS with the given errno (and, if func is not NULL, sysfunc). */
#define ASSERT_ESYS(m, expr, err, func)                                       \
    do {                                                                      \
        ASSERT_ST(expr, MMF_ESYS);                                            \
        h_check_syserr((m), (err), (func), #expr, __FILE__, __LINE__);        \
    } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                \
    do {                                                                      \
        size_t at_ = h_mem_diff((a), (b), (n));                               \
        if (at_ != (size_t)-1)                                                \
            fail_msg("%s == %s (%zu bytes)\n    first difference at %zu: "    \
                     "0x%02x != 0x%02x",                                      \
                     #a, #b, (size_t)(n), at_,                                \
                     ((const unsigned char *)(a))[at_],                       \
                     ((const unsigned char *)(b))[at_]);                      \
    } while (0)

/* Index of the first differing byte, or (size_t)-1. */
size_t h_mem_diff(const void *a, const void *b, size_t n);

/* Fails the test unless m's syserr is err and (func != NULL) sysfunc is
 * func. */
void h_check_syserr(const mmf_map *m, int err, const char *func,
                    const char *expr, const char *file, int line);

/* ---- fixtures ----------------------------------------------------------- */

int h_group_setup(void **state);
int h_group_teardown(void **state);
/* Per test: records the fd count; at the end removes the test's files and
 * fails the test if an fd or a mapping of a temporary file leaked. */
int h_setup(void **state);
int h_teardown(void **state);

#define H_TEST(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)

/* ---- temporary files ------------------------------------------------------
 * Files live in a private directory that h_group_teardown() removes; the
 * files of a test are unlinked by h_teardown(). */

/* The temporary directory (created by h_group_setup). */
const char *h_dir(void);

/* Create a file holding len bytes of data (data NULL: the pattern below),
 * open it O_RDWR and return the fd; the path goes to path (PATH_MAX bytes)
 * when path is not NULL. Fails the test on error. The caller closes fd. */
int h_make_file(const void *data, size_t len, char *path);

/* A file's size (-1 on error) and contents (up to cap bytes; returns the
 * number read, or -1). */
long long h_file_size(const char *path);
long long h_read_file(const char *path, void *buf, size_t cap);
/* Fails the test unless the file at path holds exactly want[0, len). */
void h_assert_file_is(const char *path, const void *want, size_t len);

/* ---- leak detection ----------------------------------------------------- */

/* Number of open file descriptors (/proc/self/fd). */
int h_count_fds(void);
/* Fill fds[0..cap) with open descriptor numbers; returns the count. */
int h_list_fds(int *fds, int cap);
/* The one fd present in after[] but not in before[], or -1 if none or more
 * than one. */
int h_new_fd(const int *before, int nbefore, const int *after, int nafter);

/* Number of lines of /proc/self/maps. */
int h_count_maps(void);
/* Number of mappings of files in the temporary directory. */
int h_count_tmp_maps(void);
/* 1 if any byte of [addr, addr + len) is mapped (per /proc/self/maps). */
int h_range_mapped(const void *addr, size_t len);
/* 1 if /proc/self/maps has a line containing needle. */
int h_maps_contain(const char *needle);

/* Bytes of address space (VmSize from /proc/self/status), or -1. */
long long h_vm_size(void);

/* ---- convenience ------------------------------------------------------- */

/* Open a map and fail the test unless it returns MMF_OK. */
void h_open_ok(mmf_map *m, int fd, size_t length, int flags, int prot,
               mmf_access access, int64_t offset, int trackfd);
/* Open an anonymous map of len bytes (flags: MAP_SHARED or MAP_PRIVATE). */
void h_open_anon(mmf_map *m, size_t len, int flags);
/* A shared read-write map (trackfd) of a new file holding text[0, len);
 * returns the file's fd, the path goes to path as in h_make_file(). */
int h_open_text(mmf_map *m, const char *text, size_t len, char *path);
/* An anonymous private map of len bytes holding the pattern. */
void h_open_pattern_anon(mmf_map *m, size_t len);
/* mmf_guard_install() succeeds: the fault guard is again in front of
 * the handlers cmocka installs around every test (test_guard_*.c). */
void h_guard_in_front(void);
/* h_len(), h_tell(), h_data(): asserts.h. */

/* Path of the test binary (for re-executing itself), set by main(). */
extern const char *h_argv0;

/* Print through cmocka's output so that messages interleave correctly. */
void h_note(const char *fmt, ...);

/* ---- known differences of qemu-user (tools/cross.sh) ----------------------
 * A test that meets one detects it at run time with a probe below and
 * skips, printing the reason on a line "h_skip: REASON" that the cross
 * step collects. Nothing else skips. */
#define H_SKIP(...)                                                           \
    do {                                                                      \
        h_skip_reason(__VA_ARGS__);                                           \
        skip();                                                               \
    } while (0)
void h_skip_reason(const char *fmt, ...);

/* madvise() accepts an advice the kernel does not know (qemu-user: madvise
 * is a no-op that returns 0, so neither errors nor effects show). */
int h_madvise_is_noop(void);

/* Reading a PROT_WRITE-only page faults (qemu-user on some targets; Linux
 * makes every such page readable). */
int h_write_only_unreadable(void);

/* The kernel's fault address (si_addr) of a SIGSEGV on a PROT_NONE page
 * or a SIGBUS past the end of a mapped file is not the byte touched
 * (qemu-user on s390x and i386 reports other addresses). */
int h_fault_addresses_wrong(void);

/* A SIGBUS from a page of a mapped file past the file's end, met by a
 * block copy (glibc's memcpy, 256 bytes), kills the process instead of
 * reaching its handler: qemu-user from 8.2 on s390x. The copy's MVC runs
 * in a helper of qemu's written in C, outside the code qemu generated, and
 * qemu takes a host SIGBUS at such a pc for a bug of its own ("QEMU
 * internal SIGBUS", linux-user/signal.c, host_sigbus_handler); 7.2 gave it
 * to the program. A load or store of generated code (one byte, say) still
 * reaches the handler. Probed in a child process. */
int h_file_sigbus_kills(void);
#define H_FILE_SIGBUS_KILLS                                                   \
    "a SIGBUS in a block copy past the end of a mapped file kills "           \
    "qemu-user here (\"QEMU internal SIGBUS\": qemu 8.2 and later, s390x)"

/* Run this test program again with args (NULL-terminated): execv of
 * h_argv0, or, under qemu-user (which cannot run a foreign program that
 * the guest execs), of $MMF_TEST_QEMU with h_argv0 as its program. */
void h_exec_self(char *const args[]);

/* A madvise() for mmf__sys that refuses the populate advice
 * (MADV_POPULATE_READ/WRITE, 22 and 23) with EINVAL, as kernels before
 * 5.14 do; any other advice goes to the real call. */
int h_madvise_no_populate(void *addr, size_t len, int advice);

#endif /* MMF_TEST_HELPERS_H */
