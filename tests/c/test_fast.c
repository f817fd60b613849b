/*
 * test_fast.c - the fast primitives of internal.h (mmf__fast_memchr and
 * mmf__fast_copy: assembly on x86-64 Linux, src/guarded elsewhere) against
 * memchr and memmove, at every instruction set the CPU offers (the x86-64
 * routines have SSE2 and AVX2 forms): every length up to MMF__FAST_MAX,
 * every alignment, ranges that end on the last byte before a
 * PROT_NONE page of the map (a read past the range would fault, and the
 * primitive would report MMF_EFAULT), newlines dense, sparse and absent.
 * And a fault inside the range is MMF_EFAULT in every form (each has its
 * own fixup), after which the primitives still work.
 */
#include "helpers.h"

#include "internal.h"
#include "search.h"

static int isa_sse2 = MMF__ISA_SSE2;
static int isa_avx2 = MMF__ISA_AVX2;
static int isa_default = MMF__ISA_UNKNOWN;

/* The instruction set of the state, or skipped where the CPU lacks it. */
static int
isa_setup(void **state)
{
    int want = **(int **)state;

    if (want != MMF__ISA_UNKNOWN
        && (int)mmf__search_set_isa((enum mmf__isa)want) != want) {
        print_message("  (instruction set %d not available: skipped)\n", want);
        *state = NULL;
    }
    return h_setup(state);
}

static int
isa_teardown(void **state)
{
    mmf__search_set_isa(MMF__ISA_UNKNOWN);
    return h_teardown(state);
}

/* A map of three pages: the first two readable, filled by fill(), the
 * third PROT_NONE. */
static unsigned char *
open_fenced(mmf_map *m, int density)
{
    unsigned char *p;
    unsigned int x = 12345;

    h_guard_in_front();
    h_open_anon(m, 3 * PAGE, MAP_PRIVATE);
    ASSERT_OK(mmf_pin(m, &p, NULL));
    for (size_t i = 0; i < 2 * PAGE; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = density && (x >> 16) % (unsigned)density == 0 ? '\n' : 'a';
    }
    ASSERT_EQ(mprotect(p + 2 * PAGE, PAGE, PROT_NONE), 0);
    return p;
}

static void
close_fenced(mmf_map *m, unsigned char *p)
{
    ASSERT_EQ(mprotect(p + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE), 0);
    mmf_unpin(m);
    ASSERT_OK(mmf_close(m));
}

static void
check_memchr(const mmf_map *m, const unsigned char *s, size_t n)
{
    const unsigned char *q = memchr(s, '\n', n);
    size_t want = q != NULL ? (size_t)(q - s) : n, idx = SIZE_MAX;

    ASSERT_OK(mmf__fast_memchr(m, s, '\n', n, &idx));
    if (idx != want)
        fail_msg("memchr at %zu, %zu bytes: %zu, not %zu",
                 (size_t)((uintptr_t)s & 4095), n, idx, want);
}

/* Ranges ending on the last readable byte, or a few bytes before it, and
 * ranges at every alignment in the middle; every n up to MMF__FAST_MAX (the
 * AVX2 form scans 256 bytes at once, shorter ranges in aligned chunks). */
static void
memchr_matches_libc(void **state)
{
    static const int densities[] = {0, 300, 40, 3};
    mmf_map m = {0};

    if (*state == NULL)
        skip();
    for (size_t d = 0; d < sizeof densities / sizeof *densities; d++) {
        unsigned char *p = open_fenced(&m, densities[d]);

        for (size_t end = 2 * PAGE - 70; end <= 2 * PAGE; end++)
            for (size_t n = 0; n <= MMF__FAST_MAX; n++)
                check_memchr(&m, p + end - n, n);
        for (size_t at = 0; at < 64; at++)
            for (size_t n = 0; n <= MMF__FAST_MAX; n++)
                check_memchr(&m, p + PAGE + at, n);
        close_fenced(&m, p);
    }
}

/* Copies out of the map and into it, ending at the fence, every length
 * up to MMF__FAST_MAX; the bytes around the destination stay as they
 * were. */
static void
copy_matches_memmove(void **state)
{
    enum { PAD = 64 };
    unsigned char buf[MMF__FAST_MAX + 2 * PAD], want[sizeof buf];
    unsigned char src[MMF__FAST_MAX];
    mmf_map m = {0};
    unsigned char *p;

    if (*state == NULL)
        skip();
    p = open_fenced(&m, 7);
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 7 + 1);
    for (size_t end = 2 * PAGE - 40; end <= 2 * PAGE; end++) {
        for (size_t n = 0; n <= MMF__FAST_MAX; n++) {
            size_t at = PAD + (end + n) % PAD;

            memset(buf, 0xEE, sizeof buf);
            memcpy(want, buf, sizeof buf);
            memcpy(want + at, p + end - n, n);
            ASSERT_OK(mmf__fast_copy(&m, buf + at, p + end - n, n));
            ASSERT_MEM_EQ(buf, want, sizeof buf);
        }
    }
    /* into the map, ending at the fence, then back */
    for (size_t n = 0; n <= MMF__FAST_MAX; n++) {
        ASSERT_OK(mmf__fast_copy(&m, p + 2 * PAGE - n, src, n));
        ASSERT_MEM_EQ(p + 2 * PAGE - n, src, n);
    }
    close_fenced(&m, p);
}

/* Up to 64 bytes the copy is a memmove: overlapping ranges in the map,
 * either way. */
static void
short_copy_is_a_memmove(void **state)
{
    unsigned char want[256];
    mmf_map m = {0};
    unsigned char *p;

    if (*state == NULL)
        skip();
    p = open_fenced(&m, 5);
    for (size_t n = 1; n <= 64; n++) {
        for (size_t d = 0; d <= 70; d += 3) {
            unsigned char *base = p + PAGE;

            for (size_t i = 0; i < sizeof want; i++)
                base[i] = (unsigned char)(i + n);
            memcpy(want, base, sizeof want);
            memmove(want + d, want + 35, n);
            ASSERT_OK(mmf__fast_copy(&m, base + d, base + 35, n));
            ASSERT_MEM_EQ(base, want, sizeof want);
        }
    }
    close_fenced(&m, p);
}

/* A range that reaches into the PROT_NONE page faults in each form (the
 * short and the windowed memchr, the short and the long copies), and the
 * primitives work again afterwards. */
static void
fault_in_range_is_efault(void **state)
{
    unsigned char buf[MMF__FAST_MAX];
    mmf_map m = {0};
    unsigned char *p;
    size_t idx;

    if (*state == NULL)
        skip();
    p = open_fenced(&m, 0); /* no newline: the scans reach the fence */
    for (int i = 0; i < 2; i++) {
        ASSERT_ST(mmf__fast_memchr(&m, p + 2 * PAGE - 10, '\n', 100, &idx),
                  MMF_EFAULT);
        ASSERT_ST(mmf__fast_memchr(&m, p + 2 * PAGE - 100, '\n', 256, &idx),
                  MMF_EFAULT);
        ASSERT_ST(mmf__fast_copy(&m, buf, p + 2 * PAGE - 20, 40), MMF_EFAULT);
        ASSERT_ST(mmf__fast_copy(&m, buf, p + 2 * PAGE - 100, 200),
                  MMF_EFAULT);
        ASSERT_OK(mmf__fast_memchr(&m, p + PAGE, '\n', 256, &idx));
        ASSERT_UEQ(idx, 256);
        ASSERT_OK(mmf__fast_copy(&m, buf, p + PAGE, 200));
        ASSERT_MEM_EQ(buf, p + PAGE, 200);
    }
    close_fenced(&m, p);
}

#define ISA_TEST(f, isa)                                                      \
    cmocka_unit_test_prestate_setup_teardown(f, isa_setup, isa_teardown,      \
                                             &(isa))

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        ISA_TEST(memchr_matches_libc, isa_default),
        ISA_TEST(memchr_matches_libc, isa_sse2),
        ISA_TEST(memchr_matches_libc, isa_avx2),
        ISA_TEST(copy_matches_memmove, isa_default),
        ISA_TEST(copy_matches_memmove, isa_sse2),
        ISA_TEST(copy_matches_memmove, isa_avx2),
        ISA_TEST(short_copy_is_a_memmove, isa_sse2),
        ISA_TEST(short_copy_is_a_memmove, isa_avx2),
        ISA_TEST(fault_in_range_is_efault, isa_default),
        ISA_TEST(fault_in_range_is_efault, isa_sse2),
        ISA_TEST(fault_in_range_is_efault, isa_avx2),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("fast", tests, h_group_setup,
                                       h_group_teardown);
}
