/*
 * search_check.h - what the tests of the search kernels share
 * (test_search_kernels.c, test_search_passes.c): the naive reference, a
 * small random generator, arenas of pages between PROT_NONE ones, check()
 * of both kernels and the short-window searches against the reference,
 * periodic inputs, and the fixture that runs each test once per
 * instruction set (ISA_TESTS). Portable: the tests also build on Windows
 * (tools/win.sh), the pages and the CPU clock from pages_posix.h or
 * win/pages.h.
 *
 * Sizes print with %llu and a cast: Windows' C runtime has no %zu.
 */
#ifndef MMF_TEST_SEARCH_CHECK_H
#define MMF_TEST_SEARCH_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Pages between inaccessible ones, and the CPU clock: the platform's (one
 * choice point; the test also runs on Windows, tools/win.sh). */
#if defined(_WIN32)
#include "win/pages.h"
#else
#include "pages_posix.h"
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#include "internal.h"
#include "search.h"

typedef unsigned char uchar;

/* Big buffers are static, so that a failed assertion (which leaves the
 * test by longjmp) leaks nothing. */
static uchar big_hay[1 << 20];

/* ---- reference and helpers ---------------------------------------------- */

static ptrdiff_t
naive_fwd(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    if (nlen > hlen)
        return -1;
    for (size_t i = 0; i + nlen <= hlen; i++)
        if (memcmp(h + i, n, nlen) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static ptrdiff_t
naive_rev(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    if (nlen > hlen)
        return -1;
    for (size_t i = hlen - nlen + 1; i-- > 0;)
        if (memcmp(h + i, n, nlen) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t
rnd(void)
{
    uint64_t x = rng_state;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static size_t
below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rnd() % n);
}

/* A region of `pages` read-write pages between two PROT_NONE pages. */
struct arena {
    uchar *map;
    uchar *lo; /* first usable byte, right after the lower guard */
    uchar *hi; /* one past the last usable byte: the upper guard */
    size_t maplen;
};

static void
arena_open(struct arena *a, size_t pages)
{
    size_t ps = t_page_size();

    a->maplen = (pages + 2) * ps;
    a->map = t_pages(a->maplen);
    assert_true(a->map != NULL);
    assert_int_equal(t_no_access(a->map, ps), 0);
    assert_int_equal(t_no_access(a->map + a->maplen - ps, ps), 0);
    a->lo = a->map + ps;
    a->hi = a->map + a->maplen - ps;
}

static void
arena_close(struct arena *a)
{
    t_pages_free(a->map, a->maplen);
}

/* Compare both kernels with the reference on one case; on a mismatch,
 * print the case before failing. */
static void
check(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    ptrdiff_t want_f = naive_fwd(h, hlen, n, nlen);
    ptrdiff_t want_r = naive_rev(h, hlen, n, nlen);
    ptrdiff_t got_f = mmf__search_fwd(h, hlen, n, nlen);
    ptrdiff_t got_r = mmf__search_rev(h, hlen, n, nlen);
    /* the short-window searches hold for any length */
    ptrdiff_t short_f = mmf__search_short_fwd(h, hlen, n, nlen);
    ptrdiff_t short_r = mmf__search_short_rev(h, hlen, n, nlen);

    if (short_f != want_f || short_r != want_r) {
        print_message("short: hlen=%llu nlen=%llu: fwd %lld (want %lld), "
                      "rev %lld (want %lld)\n",
                      (unsigned long long)hlen, (unsigned long long)nlen,
                      (long long)short_f, (long long)want_f,
                      (long long)short_r, (long long)want_r);
    }
    assert_int_equal(short_f, want_f);
    assert_int_equal(short_r, want_r);
    if (got_f != want_f || got_r != want_r) {
        print_message("hlen=%llu nlen=%llu hay%%64=%u: fwd %lld (want %lld), "
                      "rev %lld (want %lld)\n  needle: %.*s\n",
                      (unsigned long long)hlen, (unsigned long long)nlen,
                      (unsigned int)((uintptr_t)h % 64), (long long)got_f,
                      (long long)want_f, (long long)got_r, (long long)want_r,
                      (int)(nlen < 80 ? nlen : 80), (const char *)n);
    }
    assert_int_equal(got_f, want_f);
    assert_int_equal(got_r, want_r);
}

/* ---- the instruction-set fixture ---------------------------------------- */

static int isa_scalar = MMF__ISA_SCALAR;
static int isa_sse2 = MMF__ISA_SSE2;
static int isa_avx2 = MMF__ISA_AVX2;

static int
isa_setup(void **state)
{
    int want = **(int **)state;

    if ((int)mmf__search_set_isa((enum mmf__isa)want) != want) {
        print_message("  (instruction set %d not available: skipped)\n", want);
        *state = NULL;
    }
    return 0;
}

static int
isa_teardown(void **state)
{
    (void)state;
    mmf__search_set_isa(MMF__ISA_UNKNOWN);
    return 0;
}

#define SKIP_IF_NO_ISA(state)                                                 \
    do {                                                                      \
        if (*(state) == NULL)                                                 \
            skip();                                                           \
    } while (0)

/* ---- periodic inputs ---------------------------------------------------- */

/* p[0, len): unit repeated. */
static void
fill_periodic(uchar *p, size_t len, const char *unit)
{
    size_t u = strlen(unit);

    for (size_t i = 0; i < len; i++)
        p[i] = (uchar)unit[i % u];
}

/* The periodic needle with its last byte (last two for a 2-byte unit)
 * changed: absent from a haystack of the same unit. */
static void
periodic_needle(uchar *nd, size_t nlen, const char *unit)
{
    fill_periodic(nd, nlen, unit);
    nd[nlen - 1] = nd[nlen - 1] == 'a' ? 'b' : 'a';
    if (strlen(unit) == 2)
        nd[nlen - 2] = nd[nlen - 1]; /* "aa" or "bb": absent from (ab)* */
}

/* The tests[] entries of f: one run per instruction set. */
#define ISA_TESTS(f)                                                          \
    {#f " [portable]", f, isa_setup, isa_teardown, &isa_scalar},              \
        {#f " [sse2]", f, isa_setup, isa_teardown, &isa_sse2},                \
    {                                                                         \
        #f " [avx2]", f, isa_setup, isa_teardown, &isa_avx2                   \
    }

#endif /* MMF_TEST_SEARCH_CHECK_H */
