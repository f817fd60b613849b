/*
 * search_simd.c - the filter passes of the search kernel (search.h) on the
 * vector units of x86: AVX2 when the CPU has it, SSE2 otherwise, chosen at
 * run time and cached. Other instruction sets use the portable passes of
 * search.c. This file holds the library's one architecture #if: it selects
 * an instruction set, not an operating system.
 *
 * A block of W candidate positions s .. s + W - 1 (W = 64 or 16) loads the
 * W bytes at s + off[k] for each filter byte k, compares them with that
 * byte, and ANDs the results: bit i of the mask says whether candidate
 * s + i passes all three. The last load of candidate s reads hay[s + off[k]
 * + W - 1] <= hay[last + nlen - 1] = hay[hlen - 1] as long as s + W - 1 <=
 * last, so a block never reads past the haystack. When fewer than W
 * candidates remain, the final block is moved back to end at the last
 * candidate and the positions already tried are masked off. The exact
 * passes (short needles, after the filters gave up) compare all n needle
 * bytes the same way and finish the last few candidates with memcmp.
 */
#include <string.h>

#include "search.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

/* The detected instruction set (enum mmf__isa); 0 until the first open or
 * search. Threads racing to fill it in store the same value, hence relaxed
 * atomics: the kernel's only mutable static. The fast primitives of
 * src/linux/extable.c read it too (AVX2 or not). */
int mmf__isa_level;

static enum mmf__isa
current_isa(void)
{
    int level = __atomic_load_n(&mmf__isa_level, __ATOMIC_RELAXED);

    if (level != MMF__ISA_UNKNOWN)
        return (enum mmf__isa)level;
    __builtin_cpu_init();
    /* AVX2 with BMI1 (tzcnt, which src/linux/extable.c uses): every CPU
     * with the one has the other */
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi"))
        level = MMF__ISA_AVX2;
    else if (__builtin_cpu_supports("sse2"))
        level = MMF__ISA_SSE2;
    else
        level = MMF__ISA_SCALAR;
    __atomic_store_n(&mmf__isa_level, level, __ATOMIC_RELAXED);
    return (enum mmf__isa)level;
}

enum mmf__isa
mmf__isa(void)
{
    return current_isa();
}

enum mmf__isa
mmf__search_set_isa(enum mmf__isa isa)
{
    enum mmf__isa have;

    __atomic_store_n(&mmf__isa_level, MMF__ISA_UNKNOWN, __ATOMIC_RELAXED);
    have = current_isa();
    if (isa != MMF__ISA_UNKNOWN && isa < have) {
        have = isa;
        __atomic_store_n(&mmf__isa_level, (int)have, __ATOMIC_RELAXED);
    }
    return have;
}

/* Verify the candidates s + i for the bits i of mask, lowest first. */
static ptrdiff_t
verify_up(struct mmf__scan *sc, size_t s, uint64_t mask)
{
    for (; mask != 0; mask &= mask - 1) {
        size_t c = s + (size_t)__builtin_ctzll(mask);
        if (mmf__verify(sc, c))
            return (ptrdiff_t)c;
    }
    return -1;
}

/* Verify the candidates s + i for the bits i of mask, highest first. */
static ptrdiff_t
verify_down(struct mmf__scan *sc, size_t s, uint64_t mask)
{
    while (mask != 0) {
        unsigned int i = 63 - (unsigned int)__builtin_clzll(mask);
        if (mmf__verify(sc, s + i))
            return (ptrdiff_t)(s + i);
        mask &= ~((uint64_t)1 << i);
    }
    return -1;
}

/* ---- SSE2: 16 candidates a block ---------------------------------------- */

__attribute__((target("sse2"))) static inline uint32_t
block16(const struct mmf__scan *sc, size_t s)
{
    const unsigned char *h = sc->hay + s;
    __m128i a, b, c;

    a = _mm_loadu_si128((const __m128i *)(h + sc->off[0]));
    b = _mm_loadu_si128((const __m128i *)(h + sc->off[1]));
    c = _mm_loadu_si128((const __m128i *)(h + sc->off[2]));
    a = _mm_cmpeq_epi8(a, _mm_set1_epi8((char)sc->byte[0]));
    b = _mm_cmpeq_epi8(b, _mm_set1_epi8((char)sc->byte[1]));
    c = _mm_cmpeq_epi8(c, _mm_set1_epi8((char)sc->byte[2]));
    return (uint32_t)_mm_movemask_epi8(_mm_and_si128(_mm_and_si128(a, b), c));
}

__attribute__((target("sse2"))) static ptrdiff_t
fwd_sse2(struct mmf__scan *sc, size_t *pos)
{
    size_t s = *pos, end = sc->last + 1;
    uint32_t m;
    ptrdiff_t r;

    if (end < 16)
        return mmf__scan_fwd_scalar(sc, pos);
    for (; s + 16 <= end; s += 16) {
        m = block16(sc, s);
        if (m == 0)
            continue;
        if ((r = verify_up(sc, s, m)) >= 0)
            return r;
        if (mmf__over_budget(sc, s + 16 - sc->origin)) {
            *pos = s + 16;
            return -1;
        }
    }
    *pos = end;
    if (s == end)
        return -1;
    m = block16(sc, end - 16) & (0xffffu << (s - (end - 16)));
    return verify_up(sc, end - 16, m);
}

__attribute__((target("sse2"))) static ptrdiff_t
rev_sse2(struct mmf__scan *sc, size_t *end)
{
    size_t e = *end;
    uint32_t m;
    ptrdiff_t r;

    if (sc->last + 1 < 16)
        return mmf__scan_rev_scalar(sc, end);
    for (; e >= 16; e -= 16) {
        m = block16(sc, e - 16);
        if (m == 0)
            continue;
        if ((r = verify_down(sc, e - 16, m)) >= 0)
            return r;
        if (mmf__over_budget(sc, sc->origin - (e - 16))) {
            *end = e - 16;
            return -1;
        }
    }
    *end = 0;
    if (e == 0)
        return -1;
    m = block16(sc, 0) & (((uint32_t)1 << e) - 1);
    return verify_down(sc, 0, m);
}

/* ---- AVX2: 64 candidates a block (two vectors) -------------------------- */

__attribute__((target("avx2"))) static inline __m256i
match32(const struct mmf__scan *sc, const __m256i *v, size_t s)
{
    const unsigned char *h = sc->hay + s;
    __m256i a, b, c;

    a = _mm256_loadu_si256((const __m256i *)(h + sc->off[0]));
    b = _mm256_loadu_si256((const __m256i *)(h + sc->off[1]));
    c = _mm256_loadu_si256((const __m256i *)(h + sc->off[2]));
    a = _mm256_cmpeq_epi8(a, v[0]);
    b = _mm256_cmpeq_epi8(b, v[1]);
    c = _mm256_cmpeq_epi8(c, v[2]);
    return _mm256_and_si256(_mm256_and_si256(a, b), c);
}

/* The mask of the candidates among s .. s + 63. */
__attribute__((target("avx2"))) static inline uint64_t
block64(const struct mmf__scan *sc, const __m256i *v, size_t s)
{
    __m256i a = match32(sc, v, s), b = match32(sc, v, s + 32);
    __m256i any = _mm256_or_si256(a, b);

    if (_mm256_testz_si256(any, any))
        return 0;
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(a)
           | (uint64_t)(uint32_t)_mm256_movemask_epi8(b) << 32;
}

__attribute__((target("avx2"))) static void
broadcast_avx2(const struct mmf__scan *sc, __m256i *v)
{
    for (int i = 0; i < 3; i++)
        v[i] = _mm256_set1_epi8((char)sc->byte[i]);
}

__attribute__((target("avx2"))) static ptrdiff_t
fwd_avx2(struct mmf__scan *sc, size_t *pos)
{
    size_t s = *pos, end = sc->last + 1;
    __m256i v[3];
    uint64_t m;
    ptrdiff_t r;

    if (end < 64)
        return fwd_sse2(sc, pos);
    broadcast_avx2(sc, v);
    for (; s + 64 <= end; s += 64) {
        m = block64(sc, v, s);
        if (m == 0)
            continue;
        if ((r = verify_up(sc, s, m)) >= 0)
            return r;
        if (mmf__over_budget(sc, s + 64 - sc->origin)) {
            *pos = s + 64;
            return -1;
        }
    }
    *pos = end;
    if (s == end)
        return -1;
    m = block64(sc, v, end - 64) & (~(uint64_t)0 << (s - (end - 64)));
    return verify_up(sc, end - 64, m);
}

__attribute__((target("avx2"))) static ptrdiff_t
rev_avx2(struct mmf__scan *sc, size_t *end)
{
    size_t e = *end;
    __m256i v[3];
    uint64_t m;
    ptrdiff_t r;

    if (sc->last + 1 < 64)
        return rev_sse2(sc, end);
    broadcast_avx2(sc, v);
    for (; e >= 64; e -= 64) {
        m = block64(sc, v, e - 64);
        if (m == 0)
            continue;
        if ((r = verify_down(sc, e - 64, m)) >= 0)
            return r;
        if (mmf__over_budget(sc, sc->origin - (e - 64))) {
            *end = e - 64;
            return -1;
        }
    }
    *end = 0;
    if (e == 0)
        return -1;
    m = block64(sc, v, 0) & (((uint64_t)1 << e) - 1);
    return verify_down(sc, 0, m);
}

/* ---- exact passes ----------------------------------------------------------
 * A block ANDs the comparisons of all n needle bytes; its reads end at
 * hay[s + W - 1 + n - 1] <= hay[hlen - 1] as in the filter. Fewer than W
 * candidates left over at the end are compared one by one. */

static ptrdiff_t
exact_up_scalar(const struct mmf__scan *sc, size_t from, size_t to)
{
    for (size_t s = from; s < to; s++)
        if (memcmp(sc->hay + s, sc->needle, sc->nlen) == 0)
            return (ptrdiff_t)s;
    return -1;
}

static ptrdiff_t
exact_down_scalar(const struct mmf__scan *sc, size_t from, size_t to)
{
    for (size_t s = to; s-- > from;)
        if (memcmp(sc->hay + s, sc->needle, sc->nlen) == 0)
            return (ptrdiff_t)s;
    return -1;
}

__attribute__((target("sse2"))) static inline uint32_t
exact16(const unsigned char *h, const __m128i *nv, size_t n)
{
    __m128i acc = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)h), nv[0]);

    for (size_t i = 1; i < n; i++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(h + i));
        acc = _mm_and_si128(acc, _mm_cmpeq_epi8(v, nv[i]));
    }
    return (uint32_t)_mm_movemask_epi8(acc);
}

__attribute__((target("sse2"))) static ptrdiff_t
exact_fwd_sse2(const struct mmf__scan *sc, size_t from, size_t to)
{
    __m128i nv[MMF__EXACT_MAX];
    size_t s;
    uint32_t m;

    for (size_t i = 0; i < sc->nlen; i++)
        nv[i] = _mm_set1_epi8((char)sc->needle[i]);
    for (s = from; s + 16 <= to; s += 16)
        if ((m = exact16(sc->hay + s, nv, sc->nlen)) != 0)
            return (ptrdiff_t)(s + (size_t)__builtin_ctz(m));
    return exact_up_scalar(sc, s, to);
}

__attribute__((target("sse2"))) static ptrdiff_t
exact_rev_sse2(const struct mmf__scan *sc, size_t from, size_t to)
{
    __m128i nv[MMF__EXACT_MAX];
    size_t e;
    uint32_t m;

    for (size_t i = 0; i < sc->nlen; i++)
        nv[i] = _mm_set1_epi8((char)sc->needle[i]);
    for (e = to; e >= from + 16; e -= 16)
        if ((m = exact16(sc->hay + e - 16, nv, sc->nlen)) != 0)
            return (ptrdiff_t)(e - 16 + 31 - (size_t)__builtin_clz(m));
    return exact_down_scalar(sc, from, e);
}

__attribute__((target("avx2"))) static inline uint32_t
exact32(const unsigned char *h, const __m256i *nv, size_t n)
{
    __m256i acc = _mm256_loadu_si256((const __m256i *)h);

    acc = _mm256_cmpeq_epi8(acc, nv[0]);
    for (size_t i = 1; i < n; i++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(h + i));
        acc = _mm256_and_si256(acc, _mm256_cmpeq_epi8(v, nv[i]));
    }
    return (uint32_t)_mm256_movemask_epi8(acc);
}

__attribute__((target("avx2"))) static ptrdiff_t
exact_fwd_avx2(const struct mmf__scan *sc, size_t from, size_t to)
{
    __m256i nv[MMF__EXACT_MAX];
    size_t s;
    uint32_t m;

    for (size_t i = 0; i < sc->nlen; i++)
        nv[i] = _mm256_set1_epi8((char)sc->needle[i]);
    for (s = from; s + 32 <= to; s += 32)
        if ((m = exact32(sc->hay + s, nv, sc->nlen)) != 0)
            return (ptrdiff_t)(s + (size_t)__builtin_ctz(m));
    return exact_up_scalar(sc, s, to);
}

__attribute__((target("avx2"))) static ptrdiff_t
exact_rev_avx2(const struct mmf__scan *sc, size_t from, size_t to)
{
    __m256i nv[MMF__EXACT_MAX];
    size_t e;
    uint32_t m;

    for (size_t i = 0; i < sc->nlen; i++)
        nv[i] = _mm256_set1_epi8((char)sc->needle[i]);
    for (e = to; e >= from + 32; e -= 32)
        if ((m = exact32(sc->hay + e - 32, nv, sc->nlen)) != 0)
            return (ptrdiff_t)(e - 32 + 31 - (size_t)__builtin_clz(m));
    return exact_down_scalar(sc, from, e);
}

/* ---- dispatch ----------------------------------------------------------- */

ptrdiff_t
mmf__scan_fwd(struct mmf__scan *sc, size_t *pos)
{
    switch (current_isa()) {
    case MMF__ISA_AVX2:
        return fwd_avx2(sc, pos);
    case MMF__ISA_SSE2:
        return fwd_sse2(sc, pos);
    default:
        return mmf__scan_fwd_scalar(sc, pos);
    }
}

ptrdiff_t
mmf__scan_rev(struct mmf__scan *sc, size_t *end)
{
    switch (current_isa()) {
    case MMF__ISA_AVX2:
        return rev_avx2(sc, end);
    case MMF__ISA_SSE2:
        return rev_sse2(sc, end);
    default:
        return mmf__scan_rev_scalar(sc, end);
    }
}

size_t
mmf__exact_max(void)
{
    return current_isa() >= MMF__ISA_SSE2 ? MMF__EXACT_MAX : 0;
}

ptrdiff_t
mmf__exact_fwd(const struct mmf__scan *sc, size_t from, size_t to)
{
    if (current_isa() == MMF__ISA_AVX2)
        return exact_fwd_avx2(sc, from, to);
    return exact_fwd_sse2(sc, from, to);
}

ptrdiff_t
mmf__exact_rev(const struct mmf__scan *sc, size_t from, size_t to)
{
    if (current_isa() == MMF__ISA_AVX2)
        return exact_rev_avx2(sc, from, to);
    return exact_rev_sse2(sc, from, to);
}

/* ---- counting one byte ---- */

__attribute__((target("sse2"))) static size_t
count_sse2(const unsigned char *h, size_t n, unsigned char c)
{
    const __m128i v = _mm_set1_epi8((char)c), zero = _mm_setzero_si128();
    __m128i total = zero;
    uint64_t lanes[2];
    size_t i = 0, count = 0;

    while (n - i >= 16) {
        /* per-byte counters, folded before they can wrap (255 rounds) */
        __m128i acc = zero;
        size_t stop = n - i >= 255 * 16 ? i + 255 * 16 : i + (n - i) / 16 * 16;
        for (; i < stop; i += 16)
            acc = _mm_sub_epi8(
                acc,
                _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(h + i)), v));
        total = _mm_add_epi64(total, _mm_sad_epu8(acc, zero));
    }
    /* Through memory, not _mm_cvtsi128_si64(): that one is x86-64 only. */
    _mm_storeu_si128((__m128i *)lanes, total);
    count = (size_t)(lanes[0] + lanes[1]);
    for (; i < n; i++)
        count += h[i] == c;
    return count;
}

__attribute__((target("avx2"))) static size_t
count_avx2(const unsigned char *h, size_t n, unsigned char c)
{
    const __m256i v = _mm256_set1_epi8((char)c), zero = _mm256_setzero_si256();
    __m256i total = zero;
    uint64_t lanes[4];
    size_t i = 0, count;

    while (n - i >= 64) {
        __m256i a0 = zero, a1 = zero;
        size_t rounds = (n - i) / 64 < 255 ? (n - i) / 64 : 255;
        for (size_t r = 0; r < rounds; r++, i += 64) {
            a0 = _mm256_sub_epi8(
                a0, _mm256_cmpeq_epi8(
                        _mm256_loadu_si256((const __m256i *)(h + i)), v));
            a1 = _mm256_sub_epi8(
                a1, _mm256_cmpeq_epi8(
                        _mm256_loadu_si256((const __m256i *)(h + i + 32)), v));
        }
        total = _mm256_add_epi64(total, _mm256_sad_epu8(a0, zero));
        total = _mm256_add_epi64(total, _mm256_sad_epu8(a1, zero));
    }
    /* Through memory, not _mm256_extract_epi64(): x86-64 only. */
    _mm256_storeu_si256((__m256i *)lanes, total);
    count = (size_t)(lanes[0] + lanes[1] + lanes[2] + lanes[3]);
    return count + count_sse2(h + i, n - i, c);
}

size_t
mmf__count_byte(const unsigned char *h, size_t n, unsigned char c)
{
    switch (current_isa()) {
    case MMF__ISA_AVX2:
        return count_avx2(h, n, c);
    case MMF__ISA_SSE2:
        return count_sse2(h, n, c);
    default:
        return mmf__count_byte_scalar(h, n, c);
    }
}

#else /* no vector unit we know: the portable passes */

size_t
mmf__count_byte(const unsigned char *h, size_t n, unsigned char c)
{
    return mmf__count_byte_scalar(h, n, c);
}

enum mmf__isa
mmf__isa(void)
{
    return MMF__ISA_SCALAR;
}

enum mmf__isa
mmf__search_set_isa(enum mmf__isa isa)
{
    (void)isa;
    return MMF__ISA_SCALAR;
}

ptrdiff_t
mmf__scan_fwd(struct mmf__scan *sc, size_t *pos)
{
    return mmf__scan_fwd_scalar(sc, pos);
}

ptrdiff_t
mmf__scan_rev(struct mmf__scan *sc, size_t *end)
{
    return mmf__scan_rev_scalar(sc, end);
}

size_t
mmf__exact_max(void)
{
    return 0;
}

ptrdiff_t
mmf__exact_fwd(const struct mmf__scan *sc, size_t from, size_t to)
{
    (void)sc;
    (void)from;
    (void)to;
    return -1; /* never called: mmf__exact_max() is 0 */
}

ptrdiff_t
mmf__exact_rev(const struct mmf__scan *sc, size_t from, size_t to)
{
    (void)sc;
    (void)from;
    (void)to;
    return -1;
}

#endif
