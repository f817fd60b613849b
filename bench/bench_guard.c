/*
 * bench_guard.c - what the fault guard costs per call.
 *
 *   build it with every .c file of src/ and src/posix/ and -lpthread,
 *   -Iinclude -Isrc -Isrc/posix; `make bench` does (tools/bench.sh).
 *
 * Each row is nanoseconds per call, the median of 7 runs of 10^7 calls on
 * a 1 MiB anonymous map, timed with CLOCK_MONOTONIC:
 *   - unguarded: the same access done directly on the mapped bytes (what
 *     a library without a guard does);
 *   - fast path: the public call, whose access goes through a fast
 *     primitive (a leaf routine the fault handler resumes at its fixup, so
 *     nothing is armed per call);
 *   - armed guard: the same access through mmf__guarded() (sigsetjmp(env,
 *     0), no system call), the path of long copies and searches.
 * The difference to the unguarded row is the guard's cost per call,
 * together with the call's own checks (state, bounds, cursor).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "internal.h"

#define CALLS 10000000L
#define RUNS 7
#define MAPLEN ((size_t)1 << 20)

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef void (*loop_fn)(mmf_map *m, unsigned char *sink);

/* The median ns per call of fn, which makes CALLS calls. */
static double
ns_per_call(loop_fn fn, mmf_map *m)
{
    double t[RUNS];
    unsigned char sink[16] = {0};
    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        fn(m, sink);
        t[r] = (now() - t0) * 1e9 / (double)CALLS;
    }
    qsort(t, RUNS, sizeof t[0], cmp);
    if (sink[0] == 0xA5 && sink[1] == 0x5A) /* keep the loads */
        puts("");
    return t[RUNS / 2];
}

/* ---- one byte at an index ---- */

static void
byte_raw(mmf_map *m, unsigned char *sink)
{
    const volatile unsigned char *p = m->data;
    for (long i = 0; i < CALLS; i++)
        sink[0] ^= p[(size_t)i & (MAPLEN - 1)];
}

static void
byte_fast(mmf_map *m, unsigned char *sink)
{
    unsigned char b;
    for (long i = 0; i < CALLS; i++) {
        if (mmf_get_byte(m, (size_t)i & (MAPLEN - 1), &b) != MMF_OK)
            abort();
        sink[0] ^= b;
    }
}

struct one {
    const unsigned char *src;
    unsigned char *dst;
    size_t n;
};

static void
op_copy(void *ctx)
{
    struct one *o = ctx;
    memcpy(o->dst, o->src, o->n);
}

static void
byte_armed(mmf_map *m, unsigned char *sink)
{
    unsigned char b;
    struct one o = {NULL, &b, 1};
    for (long i = 0; i < CALLS; i++) {
        o.src = m->data + ((size_t)i & (MAPLEN - 1));
        if (mmf__guarded(m, op_copy, &o) != MMF_OK)
            abort();
        sink[0] ^= b;
    }
}

/* ---- 8 bytes at the cursor ---- */

static void
read8_raw(mmf_map *m, unsigned char *sink)
{
    unsigned char buf[8];
    for (long i = 0; i < CALLS; i++) {
        size_t at = ((size_t)i * 8) & (MAPLEN - 1);
        memcpy(buf, (const void *)(m->data + at), 8);
        __asm__ volatile("" : : "r"(buf) : "memory");
        sink[1] ^= buf[3];
    }
}

static void
read8_fast(mmf_map *m, unsigned char *sink)
{
    unsigned char buf[8];
    size_t got;
    for (long i = 0; i < CALLS; i++) {
        if (((size_t)i & (MAPLEN / 8 - 1)) == 0)
            mmf_seek(m, 0, 0, NULL);
        if (mmf_read(m, buf, 8, &got) != MMF_OK)
            abort();
        sink[1] ^= buf[3];
    }
}

static void
read8_armed(mmf_map *m, unsigned char *sink)
{
    unsigned char buf[8];
    struct one o = {NULL, buf, 8};
    for (long i = 0; i < CALLS; i++) {
        o.src = m->data + (((size_t)i * 8) & (MAPLEN - 1));
        if (mmf__guarded(m, op_copy, &o) != MMF_OK)
            abort();
        sink[1] ^= buf[3];
    }
}

/* ---- a 40-byte line ---- */

static void
line_raw(mmf_map *m, unsigned char *sink)
{
    for (long i = 0; i < CALLS; i++) {
        size_t at = ((size_t)i * 41) % (MAPLEN - 64);
        const unsigned char *nl = memchr(m->data + at, '\n', 64);
        sink[2] ^= (unsigned char)(nl - m->data);
    }
}

static void
line_fast(mmf_map *m, unsigned char *sink)
{
    size_t len;
    for (long i = 0; i < CALLS; i++) {
        mmf_seek(m, (int64_t)(((size_t)i * 41) % (MAPLEN - 64)), 0, NULL);
        if (mmf_line_length(m, &len) != MMF_OK)
            abort();
        sink[2] ^= (unsigned char)len;
    }
}

int
main(void)
{
    mmf_map m = {0};
    static const struct {
        const char *what;
        loop_fn raw, fast, armed;
    } rows[] = {
        {"one byte at an index (mmf_get_byte)", byte_raw, byte_fast,
         byte_armed},
        {"8 bytes at the cursor (mmf_read)", read8_raw, read8_fast,
         read8_armed},
        {"line length, 40-byte lines (mmf_line_length)", line_raw, line_fast,
         NULL},
    };

    if (mmf_open(&m, MMF_ANONYMOUS, MAPLEN, MAP_PRIVATE,
                 PROT_READ | PROT_WRITE, MMF_ACCESS_DEFAULT, 0, 1)
        != MMF_OK)
        return 1;
    for (size_t i = 0; i < MAPLEN; i++)
        m.data[i] = (unsigned char)(i % 41 == 40 ? '\n' : 'a' + i % 26);
    printf("fault guard cost, ns per call (median of %d x %ld calls)\n", RUNS,
           CALLS);
    printf("| access | unguarded | fast path | armed guard (setjmp) |\n");
    printf("|---|---|---|---|\n");
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        double raw = ns_per_call(rows[r].raw, &m);
        double fast = ns_per_call(rows[r].fast, &m);
        printf("| %s | %.2f | %.2f (+%.2f) |", rows[r].what, raw, fast,
               fast - raw);
        if (rows[r].armed != NULL) {
            double armed = ns_per_call(rows[r].armed, &m);
            printf(" %.2f (+%.2f) |\n", armed, armed - raw);
        } else
            printf(" - |\n");
    }
    mmf_close(&m);
    return 0;
}
