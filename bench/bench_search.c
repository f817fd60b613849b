/*
 * bench_search.c - throughput of the search kernels (src/search.c) against
 * memchr/memrchr (the ceiling), glibc memmem and a naive reverse search, on
 * generated English-like text and on repetitive data.
 *
 *   cc -O2 -Iinclude -Isrc -Isrc/posix bench/bench_search.c src/search.c \
 *       src/search_simd.c -o build/bench_search -lm
 *   build/bench_search [MiB]        (default 1024; 64 when QUICK is set)
 *
 * Every figure is GB/s (10^9 bytes a second) of haystack covered by a search
 * for an absent needle, the median of 5 runs timed with CLOCK_MONOTONIC.
 * Ours runs over the whole haystack; the baselines, which can be very slow
 * on repetitive data, over its first BASE_MIB MiB (text) or REP_MIB MiB
 * (repetitive), which does not change a streaming rate.
 *
 * The text: sentences of words drawn with Zipf frequencies from a
 * vocabulary of 5000 (the 150 commonest English words, then pseudo-words
 * of English letter frequencies and word lengths), capitals, commas,
 * full stops, lines of about 72 characters. Needles of each length are
 * pieces of independently generated text, changed until absent; three per
 * length, and the table shows the slowest for ours.
 */
#define _GNU_SOURCE /* memrchr, memmem */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "internal.h"

#define BASE_MIB 256
#define REP_MIB 16
#define RUNS 5
#define NEEDLES 3
#define VOCAB 5000

typedef unsigned char uchar;

/* ---- random numbers ----------------------------------------------------- */

static uint64_t
next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* ---- English-like text -------------------------------------------------- */

static const char *common_words[] = {
    "the",     "of",    "and",    "to",     "a",       "in",      "is",
    "that",    "for",   "it",     "as",     "was",     "with",    "be",
    "by",      "on",    "not",    "he",     "i",       "this",    "are",
    "or",      "his",   "from",   "at",     "which",   "but",     "have",
    "an",      "had",   "they",   "you",    "were",    "their",   "one",
    "all",     "we",    "can",    "her",    "has",     "there",   "been",
    "if",      "more",  "when",   "will",   "would",   "who",     "so",
    "no",      "she",   "other",  "its",    "may",     "these",   "what",
    "them",    "than",  "some",   "him",    "time",    "into",    "only",
    "do",      "out",   "up",     "could",  "about",   "any",     "my",
    "then",    "two",   "first",  "new",    "like",    "our",     "over",
    "also",    "made",  "did",    "such",   "after",   "most",    "people",
    "many",    "years", "way",    "should", "very",    "through", "just",
    "where",   "those", "how",    "each",   "before",  "great",   "state",
    "between", "good",  "under",  "world",  "own",     "see",     "well",
    "because", "long",  "same",   "even",   "used",    "work",    "much",
    "make",    "life",  "day",    "year",   "back",    "still",   "might",
    "know",    "never", "both",   "while",  "down",    "last",    "being",
    "must",    "us",    "here",   "place",  "against", "right",   "without",
    "three",   "house", "little", "part",   "found",   "water",   "number",
    "school",  "small", "every",  "since",  "night",   "think",   "came",
    "money",   "again",
};

/* English letter frequencies, per 10000. */
static const int letter_freq[26] = {
    817, 149, 278, 425, 1270, 223, 202, 609, 697, 15,  77, 403, 241,
    675, 751, 193, 10,  599,  633, 906, 276, 98,  236, 15, 197, 7,
};

/* Lengths of dictionary words: weights for 2 .. 13 letters. */
static const int word_len_freq[12] = {3, 8, 14, 16, 16, 14, 11, 8, 5, 3, 1, 1};

struct textgen {
    char words[VOCAB][16];
    uint8_t lens[VOCAB];
    uint16_t zipf[1 << 20]; /* a uniform 20-bit number -> a word */
    char letters[10000];    /* a uniform number below 10000 -> a letter */
};

static int
pick(const int *weights, int n, uint64_t *rng)
{
    int total = 0, r;

    for (int i = 0; i < n; i++)
        total += weights[i];
    r = (int)(next(rng) % (uint64_t)total);
    for (int i = 0; i < n; i++)
        if ((r -= weights[i]) < 0)
            return i;
    return n - 1;
}

static int
is_vowel(char c)
{
    return strchr("aeiouy", c) != NULL;
}

/* A word of len letters at English letter frequencies, mostly alternating
 * consonants and vowels (at most two of a kind in a row). */
static void
pseudo_word(const struct textgen *g, char *w, int len, uint64_t *rng)
{
    int run = 0;

    for (int j = 0; j < len; j++) {
        char c;
        do {
            c = g->letters[next(rng) % 10000];
        } while (j > 0 && is_vowel(c) == is_vowel(w[j - 1]) && run >= 2);
        run = j > 0 && is_vowel(c) == is_vowel(w[j - 1]) ? run + 1 : 1;
        w[j] = c;
    }
    w[len] = 0;
}

static void
textgen_init(struct textgen *g)
{
    size_t ncommon = sizeof(common_words) / sizeof(common_words[0]);
    uint64_t rng = 42;
    double total = 0, acc = 0;
    size_t w = 0, k = 0;

    for (int c = 0; c < 26; c++)
        for (int i = 0; i < letter_freq[c] && k < 10000; i++)
            g->letters[k++] = (char)('a' + c);
    while (k < 10000)
        g->letters[k++] = 'e';
    for (size_t i = 0; i < VOCAB; i++) {
        if (i < ncommon) {
            strcpy(g->words[i], common_words[i]);
        } else {
            int len = 2 + pick(word_len_freq, 12, &rng);
            pseudo_word(g, g->words[i], len, &rng);
        }
        g->lens[i] = (uint8_t)strlen(g->words[i]);
    }
    /* Zipf-Mandelbrot: the word of rank r has weight 1 / (r + 2.7) */
    for (size_t r = 0; r < VOCAB; r++)
        total += 1.0 / ((double)r + 3.7);
    for (size_t i = 0; i < (1u << 20); i++) {
        double u = ((double)i + 0.5) / (double)(1u << 20) * total;
        while (w < VOCAB - 1 && acc + 1.0 / ((double)w + 3.7) < u)
            acc += 1.0 / ((double)w++ + 3.7);
        g->zipf[i] = (uint16_t)w;
    }
}

/* Fill out[0, n) with text; rng picks the words. */
static void
textgen_fill(const struct textgen *g, uchar *out, size_t n, uint64_t rng)
{
    size_t i = 0, line = 0;
    int sentence_left = 0;

    while (i < n) {
        uint64_t r = next(&rng);
        const char *word = g->words[g->zipf[r >> 44]];
        size_t len = g->lens[g->zipf[r >> 44]], start = i;
        for (size_t j = 0; j < len && i < n; j++, line++)
            out[i++] = (uchar)word[j];
        if (sentence_left == 0) {       /* this word starts a sentence */
            out[start] &= (uchar)~0x20; /* a capital */
            sentence_left = 5 + (int)(r % 16);
        }
        if (--sentence_left == 0 && i < n)
            out[i++] = '.';
        else if ((r >> 8) % 13 == 0 && i < n)
            out[i++] = ',';
        if (i < n)
            out[i++] = line > 72 ? '\n' : ' ';
        if (line > 72)
            line = 0;
    }
}

/* ---- timing ------------------------------------------------------------- */

typedef ptrdiff_t (*search_fn)(const uchar *h, size_t hlen, const uchar *n,
                               size_t nlen);

static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static volatile ptrdiff_t sink;

/* GB/s of fn over h[0, hlen), the median of RUNS runs. */
static double
rate(search_fn fn, const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    double t[RUNS];

    for (int i = 0; i < RUNS; i++) {
        double t0 = seconds();
        sink = fn(h, hlen, n, nlen);
        t[i] = seconds() - t0;
    }
    qsort(t, RUNS, sizeof(t[0]), cmp_double);
    return (double)hlen / t[RUNS / 2] / 1e9;
}

/* ---- the engines -------------------------------------------------------- */

static ptrdiff_t
ours_fwd(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    return mmf__search_fwd(h, hlen, n, nlen);
}

static ptrdiff_t
ours_rev(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    return mmf__search_rev(h, hlen, n, nlen);
}

static ptrdiff_t
glibc_memmem(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    const uchar *p = memmem(h, hlen, n, nlen);

    return p != NULL ? p - h : -1;
}

/* memchr and memrchr look for the needle's first byte only: the ceiling,
 * run once with a byte the haystack lacks and shown on every row. */
static ptrdiff_t
libc_memchr(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    const uchar *p = memchr(h, n[0], hlen);

    (void)nlen;
    return p != NULL ? p - h : -1;
}

static ptrdiff_t
libc_memrchr(const uchar *h, size_t hlen, const uchar *n, size_t nlen)
{
    const uchar *p = memrchr(h, n[0], hlen);

    (void)nlen;
    return p != NULL ? p - h : -1;
}

/* The placeholder this kernel replaced: memcmp at every position. */
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

/* ---- needles ------------------------------------------------------------ */

/* An absent needle of nlen bytes: a piece of other text, with bytes
 * changed at random until the haystack lacks it. */
static void
absent_needle(const struct textgen *g, const uchar *hay, size_t hlen,
              uchar *nd, size_t nlen, uint64_t seed)
{
    uchar src[4096];
    uint64_t rng = seed;

    textgen_fill(g, src, sizeof(src), seed * 7919);
    memcpy(nd, src + next(&rng) % (sizeof(src) - nlen), nlen);
    while (mmf__search_fwd(hay, hlen, nd, nlen) >= 0)
        nd[next(&rng) % nlen] = (uchar)g->letters[next(&rng) % 10000];
}

/* ---- the tables --------------------------------------------------------- */

static const size_t lens[] = {1, 2, 4, 8, 16, 64, 256};
#define NLENS (sizeof(lens) / sizeof(lens[0]))

static void
text_table(const struct textgen *g, const uchar *hay, size_t hlen)
{
    static const uchar absent[] = "#";
    size_t blen = (size_t)BASE_MIB << 20;
    uchar nd[NEEDLES][256];
    double gf = 0, gr = 0, ceil_f, ceil_r;

    blen = blen < hlen ? blen : hlen;
    printf("\nEnglish-like text, %zu MiB (baselines over %zu MiB); GB/s\n",
           hlen >> 20, blen >> 20);
    printf("%4s | %8s %8s %8s | %8s %8s %8s | %s\n", "len", "ours", "memmem",
           "memchr", "ours rev", "naive", "memrchr", "ours per needle f/r");
    ceil_f = rate(libc_memchr, hay, hlen, absent, 1);
    ceil_r = rate(libc_memrchr, hay, hlen, absent, 1);
    for (size_t l = 0; l < NLENS; l++) {
        size_t n = lens[l];
        double f = 1e9, r = 1e9, fi[NEEDLES], ri[NEEDLES];
        for (int k = 0; k < NEEDLES; k++) {
            if (n == 1)
                nd[k][0] = (uchar) "#~\x01"[k]; /* bytes text lacks */
            else
                absent_needle(g, hay, hlen, nd[k], n, 1000 * n + (size_t)k);
            fi[k] = rate(ours_fwd, hay, hlen, nd[k], n);
            ri[k] = rate(ours_rev, hay, hlen, nd[k], n);
            f = fi[k] < f ? fi[k] : f;
            r = ri[k] < r ? ri[k] : r;
        }
        printf("%4zu | %8.2f %8.2f %8.2f | %8.2f %8.2f %8.2f |", n, f,
               n > 1 ? rate(glibc_memmem, hay, blen, nd[0], n) : 0.0, ceil_f,
               r, rate(naive_rev, hay, blen, nd[0], n), ceil_r);
        for (int k = 0; k < NEEDLES; k++)
            printf(" %.1f/%.1f", fi[k], ri[k]);
        printf("\n");
        if (n > 1) {
            gf += log(f);
            gr += log(r);
        }
    }
    printf("geometric mean, lengths 2..256 (slowest needles): forward %.2f, "
           "reverse %.2f\n",
           exp(gf / (NLENS - 1)), exp(gr / (NLENS - 1)));
}

/* Needles of the repetitive shapes, over a haystack of 'a's. */
static void
shape_needle(int shape, uchar *nd, size_t n)
{
    memset(nd, 'a', n);
    if (shape == 0)
        nd[n - 1] = 'b'; /* a...ab */
    else if (shape == 1)
        nd[0] = 'b'; /* baa...a */
    else
        nd[1] = 'b'; /* abaa...a */
}

static void
repetitive_table(uchar *hay, size_t hlen)
{
    static const char *names[] = {"a..ab",          "baa..a",
                                  "abaa..a",        "(ab)*:(ab)..aa",
                                  "noisy:(ab)..aa", "{a,b}*:random"};
    size_t blen = hlen < (size_t)REP_MIB << 20 ? hlen : (size_t)REP_MIB << 20;
    uchar nd[256];
    uint64_t rng = 7;

    printf("\nRepetitive haystacks, %zu MiB (baselines over %zu MiB); GB/s\n"
           "  a..ab, baa..a, abaa..a: over 'aaa...'\n"
           "  (ab)*:(ab)..aa: over 'abab...', needle (ab)^m then aa\n"
           "  noisy:(ab)..aa: the same, one haystack byte in 16 set to b\n"
           "  {a,b}*:random: over random a/b, needle random a/b\n",
           hlen >> 20, blen >> 20);
    printf("%-15s %4s | %8s %8s | %8s %8s\n", "shape", "len", "ours", "memmem",
           "ours rev", "naive");
    for (int shape = 0; shape < 6; shape++) {
        if (shape == 3 || shape == 4)
            for (size_t i = 0; i < hlen; i++)
                hay[i] = "ab"[i & 1];
        if (shape == 4) /* noise that never makes "aa" */
            for (size_t i = 0; i < hlen; i += 8) {
                uint64_t r = next(&rng);
                for (size_t j = 0; j < 8 && i + j < hlen; j++)
                    if ((r >> (8 * j)) % 256 < 16)
                        hay[i + j] = 'b';
            }
        else if (shape == 5)
            for (size_t i = 0; i < hlen; i += 64) {
                uint64_t r = next(&rng);
                for (size_t j = 0; j < 64 && i + j < hlen; j++)
                    hay[i + j] = (uchar)('a' + ((r >> j) & 1));
            }
        for (size_t l = 1; l < NLENS; l++) {
            size_t n = lens[l];
            if (shape < 3) {
                shape_needle(shape, nd, n);
            } else if (shape == 3 || shape == 4) {
                for (size_t i = 0; i < n; i++)
                    nd[i] = "ab"[i & 1];
                nd[n - 1] = nd[n - 2] = 'a';
            } else {
                do { /* shorter ones are all present */
                    for (size_t i = 0; i < n; i++)
                        nd[i] = (uchar)('a' + (next(&rng) & 1));
                } while (n >= 32 && mmf__search_fwd(hay, hlen, nd, n) >= 0);
                if (n < 32)
                    continue;
            }
            printf("%-15s %4zu | %8.2f %8.2f | %8.2f %8.2f\n", names[shape], n,
                   rate(ours_fwd, hay, hlen, nd, n),
                   rate(glibc_memmem, hay, blen, nd, n),
                   rate(ours_rev, hay, hlen, nd, n),
                   rate(naive_rev, hay, blen, nd, n));
        }
    }
}

int
main(int argc, char **argv)
{
    size_t mib = argc > 1                  ? strtoul(argv[1], NULL, 10)
                 : getenv("QUICK") != NULL ? 64
                                           : 1024;
    size_t hlen = mib << 20;
    struct textgen *g = malloc(sizeof(*g));
    uchar *hay = mmap(NULL, hlen, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (g == NULL || hay == MAP_FAILED || mib == 0) {
        fprintf(stderr, "usage: bench_search [MiB]\n");
        return 2;
    }
    /* 4 KiB pages, as a file map has */
    madvise(hay, hlen, MADV_NOHUGEPAGE);
    textgen_init(g);
    textgen_fill(g, hay, hlen, 1);
    printf("sample: %.150s\n", (const char *)hay);
    text_table(g, hay, hlen);
    memset(hay, 'a', hlen);
    repetitive_table(hay, hlen);
    munmap(hay, hlen);
    free(g);
    return 0;
}
