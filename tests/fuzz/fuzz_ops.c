/*
 * fuzz_ops.c - libFuzzer target: the input is a sequence of libmmf
 * operations, hostile ones included (truncate or extend the file under the
 * map, close or replace the private fd, pin and close, resize to odd
 * sizes), each checked against a plain reference model: the expected
 * status, the cursor, the bytes read, and the file's size and contents.
 *
 * Build with libFuzzer:  make fuzz SECONDS=N
 * Replay a corpus:       tests/fuzz/replay.c (built by make check)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mmf.h"

/* The platform's files for the model: a scratch file, its size, another
 * file on a descriptor's number (one choice point, as in mmf.h). */
#if defined(_WIN32)
#include "fuzz_win.h"
#else
#include "fuzz_posix.h"
#endif

#define MAXFILE (5 * 4096)

/* ---- input reader ------------------------------------------------------ */

struct input {
    const uint8_t *p;
    size_t n;
};

static unsigned
take8(struct input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static unsigned
take16(struct input *in)
{
    return take8(in) | (take8(in) << 8);
}

/* A size biased towards the interesting values around the map's length. */
static size_t
take_size(struct input *in, size_t len)
{
    unsigned k = take8(in);
    size_t ps = mmf_pagesize();
    switch (k % 8) {
    case 0:
        return 0;
    case 1:
        return len;
    case 2:
        return len ? len - 1 : 0;
    case 3:
        return len + 1;
    case 4:
        return ps * (k / 8 % 5);
    case 5:
        return (size_t)-1 - (k / 8);
    default:
        return take16(in) % (MAXFILE + 2);
    }
}

/* ---- the statuses seen ------------------------------------------------ */

/* Every status each libmmf function returned, recorded by CALL(): the
 * replay writes them out (MMF_FUZZ_STATUSES=FILE), and tests/fuzz/
 * statuses.py checks that each is among those the function's comment in
 * mmf.h documents. */
static struct seen {
    const char *fn;
    unsigned long bits; /* bit k: status -k was returned */
} seen[32];

static void fail(const char *what, long expect, long got);

static mmf_status
saw(const char *fn, mmf_status st)
{
    size_t i;
    for (i = 0; i < sizeof seen / sizeof seen[0] && seen[i].fn != NULL; i++)
        if (strcmp(seen[i].fn, fn) == 0)
            break;
    if (i == sizeof seen / sizeof seen[0])
        abort(); /* more functions than the table holds */
    seen[i].fn = fn;
    if (st > 0 || -(long)st >= (long)(8 * sizeof seen[i].bits))
        fail(fn, 0, st); /* no status of mmf.h */
    seen[i].bits |= 1ul << -(long)st;
    return st;
}

#define CALL(fn, ...) saw(#fn, fn(__VA_ARGS__))

void fuzz_ops_write_statuses(FILE *out);

/* One line per function: its name, then the names of the statuses seen. */
void
fuzz_ops_write_statuses(FILE *out)
{
    for (size_t i = 0; i < sizeof seen / sizeof seen[0] && seen[i].fn; i++) {
        fprintf(out, "%s", seen[i].fn);
        for (long k = 0; k < (long)(8 * sizeof seen[i].bits); k++)
            if (seen[i].bits & (1ul << k))
                fprintf(out, " %s", mmf_status_name((int)-k));
        fprintf(out, "\n");
    }
}

/* ---- the model ------------------------------------------------------------ */

struct model {
    mmf_map m;
    int file;        /* our own fd of the backing file, or -1 */
    int stolen;      /* a file opened on the private fd's number */
    int shared_file; /* contents live in fbytes */
    int closed, pins;
    mmf_access access;
    int anonymous, anon_shared, trackfd;
    size_t len, pos, offset;
    unsigned char fbytes[MAXFILE + 8192];
    size_t fsize;
    unsigned char priv[MAXFILE + 8192];  /* COPY and anonymous contents */
    unsigned char taint[MAXFILE + 8192]; /* content unknown (truncation) */
};

static void
fail(const char *what, long expect, long got)
{
    fprintf(stderr, "fuzz_ops: %s: expected %ld, got %ld\n", what, expect,
            got);
    abort();
}

#define CHECK_EQ(what, expect, got)                                           \
    do {                                                                      \
        if ((long)(expect) != (long)(got))                                    \
            fail(what, (long)(expect), (long)(got));                          \
    } while (0)

static unsigned char *
content(struct model *s)
{
    return s->shared_file ? s->fbytes + s->offset : s->priv;
}

/* Is every page touched by [a, a + n) backed by the file? */
static int
valid(const struct model *s, size_t a, size_t n)
{
    if (!s->shared_file && s->access != MMF_ACCESS_COPY)
        return 1;
    if (n == 0)
        return 1;
    size_t ps = mmf_pagesize();
    size_t last_page = (s->offset + a + n - 1) / ps * ps;
    return last_page < s->fsize;
}

static int
tainted(const struct model *s, size_t a, size_t n)
{
    for (size_t i = a; i < a + n; i++)
        if (s->taint[i])
            return 1;
    return 0;
}

static void
check_bytes(struct model *s, const char *what, size_t a,
            const unsigned char *got, size_t n)
{
    const unsigned char *want = content(s) + a;
    for (size_t i = 0; i < n; i++)
        if (!s->taint[a + i] && want[i] != got[i])
            fail(what, want[i], got[i]);
}

/* The status expected of an access to [a, a + n): a fault exactly when some
 * page is beyond the end of the file. */
static mmf_status
access_status(const struct model *s, size_t a, size_t n)
{
    return valid(s, a, n) ? MMF_OK : MMF_EFAULT;
}

static int
open_status_ok(struct model *s, mmf_status st)
{
    if (st == MMF_OK)
        return 1;
    s->closed = 1;
    return 0;
}

/* ---- set-up ------------------------------------------------------------------ */

static int
setup(struct model *s, struct input *in)
{
    size_t gran = mmf_granularity(); /* offsets: the page size on POSIX */
    unsigned mode = take8(in);
    memset(s, 0, sizeof *s);
    s->file = s->stolen = -1;
    mmf_init(&s->m);
    s->anonymous = mode % 5 == 4;
    s->access = (mmf_access)(mode / 5 % 4);
    s->trackfd = (mode / 20) % 4 != 0;
    if (s->anonymous) {
        s->anon_shared = (mode / 80) % 2;
        s->access = MMF_ACCESS_DEFAULT;
        s->len = 1 + take16(in) % MAXFILE;
        int flags = s->anon_shared ? MMF_MAP_SHARED : MMF_MAP_PRIVATE;
        return open_status_ok(s, CALL(mmf_open, &s->m, MMF_ANONYMOUS, s->len,
                                      flags, MMF_PROT_READ | MMF_PROT_WRITE,
                                      s->access, 0, s->trackfd));
    }
    s->file = fz_scratch_file();
    if (s->file < 0)
        return 0;
    s->fsize = 1 + take16(in) % MAXFILE;
    for (size_t i = 0; i < s->fsize; i++)
        s->fbytes[i] = (unsigned char)(i * 7 + mode);
    if (fz_write(s->file, s->fbytes, s->fsize) != 0)
        return 0;
    s->offset = (mode / 160) % 2 && s->fsize > gran ? gran : 0;
    s->len = s->fsize - s->offset;
    s->shared_file = s->access != MMF_ACCESS_COPY;
    memcpy(s->priv, s->fbytes + s->offset, s->len);
    int st = CALL(mmf_open, &s->m, s->file, 0, MMF_MAP_SHARED,
                  MMF_PROT_READ | MMF_PROT_WRITE, s->access,
                  (int64_t)s->offset, s->trackfd);
    CHECK_EQ("open", MMF_OK, st);
    return 1;
}

/* ---- operations ------------------------------------------------------------------ */

static void
op_read(struct model *s, struct input *in)
{
    unsigned char buf[MAXFILE + 8192];
    size_t n = take_size(in, s->len), got;
    size_t rem = s->pos < s->len ? s->len - s->pos : 0;
    size_t want = n < rem ? n : rem;
    mmf_status st = CALL(mmf_read, &s->m, buf, n, &got);
    if (s->closed) {
        CHECK_EQ("read closed", MMF_ECLOSED, st);
        return;
    }
    CHECK_EQ("read", access_status(s, s->pos, want), st);
    if (st != MMF_OK)
        return;
    CHECK_EQ("read n", want, got);
    check_bytes(s, "read bytes", s->pos, buf, got);
    s->pos += got;
}

static void
op_write(struct model *s, struct input *in)
{
    unsigned char buf[256];
    size_t n = take8(in);
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)take8(in);
    mmf_status st = CALL(mmf_write, &s->m, buf, n), want;
    if (s->closed)
        want = MMF_ECLOSED;
    else if (s->access == MMF_ACCESS_READ)
        want = MMF_EREADONLY;
    else if (s->pos > s->len || s->len - s->pos < n)
        want = MMF_ERANGE;
    else
        want = access_status(s, s->pos, n);
    CHECK_EQ("write", want, st);
    if (want == MMF_EFAULT)
        memset(s->taint + s->pos, 1, n); /* partly written */
    if (st != MMF_OK)
        return;
    unsigned char *c = content(s);
    for (size_t i = 0; i < n; i++)
        if (!s->taint[s->pos + i])
            c[s->pos + i] = buf[i];
    s->pos += n;
}

static void
op_seek(struct model *s, struct input *in)
{
    int whence = (int)(take8(in) % 4);
    int64_t off = (int64_t)take_size(in, s->len) * ((take8(in) & 1) ? -1 : 1);
    size_t np;
    mmf_status st = CALL(mmf_seek, &s->m, off, whence, &np), want = MMF_OK;
    /* base <= len <= MAXFILE: base + off is in [0, len] exactly when off
     * is in [-base, len - base], which needs no wider type (no __int128:
     * 32-bit targets have none) */
    int64_t base = whence == 1   ? (int64_t)s->pos
                   : whence == 2 ? (int64_t)s->len
                                 : 0;
    int inside = off >= -base && off <= (int64_t)s->len - base;
    if (s->closed)
        want = MMF_ECLOSED;
    else if (whence == 3)
        want = MMF_EINVAL;
    else if (!inside)
        want = MMF_ERANGE;
    CHECK_EQ("seek", want, st);
    if (st == MMF_OK) {
        s->pos = (size_t)(base + off);
        CHECK_EQ("seek pos", s->pos, np);
    }
}

static ptrdiff_t
naive(const unsigned char *h, size_t start, size_t end, const unsigned char *n,
      size_t nl, int rev)
{
    if (start > end || end - start < nl)
        return -1;
    if (!rev) {
        for (size_t i = start; i + nl <= end; i++)
            if (memcmp(h + i, n, nl) == 0)
                return (ptrdiff_t)i;
    } else {
        for (size_t i = end - nl + 1; i-- > start;)
            if (memcmp(h + i, n, nl) == 0)
                return (ptrdiff_t)i;
    }
    return -1;
}

static void
op_find(struct model *s, struct input *in, int rev)
{
    unsigned char needle[16];
    size_t nl = take8(in) % 6;
    size_t start = take_size(in, s->len), end = take_size(in, s->len);
    /* Needles drawn from the map itself, to find something. */
    size_t from = take16(in) % (s->len + 1);
    for (size_t i = 0; i < nl; i++)
        needle[i] = (from + i < s->len && !s->closed) ? content(s)[from + i]
                                                      : (unsigned char)i;
    ptrdiff_t got;
    mmf_status st = rev ? CALL(mmf_rfind, &s->m, needle, nl, start, end, &got)
                        : CALL(mmf_find, &s->m, needle, nl, start, end, &got);
    if (s->closed) {
        CHECK_EQ("find closed", MMF_ECLOSED, st);
        return;
    }
    size_t e = end < s->len ? end : s->len;
    size_t span = start <= e ? e - start : 0;
    if (!valid(s, start <= e ? start : 0, span)) {
        if (st != MMF_OK && st != MMF_EFAULT) /* may stop before the hole */
            fail("find status", MMF_EFAULT, st);
        return;
    }
    CHECK_EQ("find", MMF_OK, st);
    if (start <= e && tainted(s, start, span))
        return;
    CHECK_EQ(rev ? "rfind" : "find",
             naive(content(s), start, e, needle, nl, rev), got);
}

static void
op_move(struct model *s, struct input *in)
{
    size_t d = take_size(in, s->len), f = take_size(in, s->len);
    size_t n = take_size(in, s->len);
    mmf_status st = CALL(mmf_move, &s->m, d, f, n), want;
    if (getenv("FUZZ_TRACE"))
        fprintf(stderr, "  move d %zu f %zu n %zu\n", d, f, n);
    if (s->closed)
        want = MMF_ECLOSED;
    else if (s->access == MMF_ACCESS_READ)
        want = MMF_EREADONLY;
    else if (d > s->len || f > s->len || s->len - d < n || s->len - f < n)
        want = MMF_ERANGE;
    else
        /* memmove() onto itself touches nothing */
        want =
            d == f || (valid(s, d, n) && valid(s, f, n)) ? MMF_OK : MMF_EFAULT;
    CHECK_EQ("move", want, st);
    if (want == MMF_EFAULT)
        memset(s->taint + d, 1, n);
    if (st == MMF_OK) {
        memmove(content(s) + d, content(s) + f, n);
        if (tainted(s, f, n)) /* taint travels with the bytes */
            memset(s->taint + d, 1, n);
    }
}

static void
op_slice(struct model *s, struct input *in)
{
    unsigned char buf[MAXFILE + 8192];
    size_t start = take_size(in, s->len);
    ptrdiff_t step = (ptrdiff_t)(take8(in) % 7) - 3;
    size_t count = take8(in) % 64;
    mmf_status st = CALL(mmf_get_slice, &s->m, start, step, count, buf), want;
    int inside = 1;
    size_t lo = start, hi = start;
    if (count > 0) {
        /* the bytes from start to the last item, without a wider type */
        size_t span = (size_t)(step < 0 ? -step : step) * (count - 1);
        if (step >= 0) {
            inside = start < s->len && span < s->len - start;
            lo = start;
            hi = start + span + 1;
        } else {
            inside = start < s->len && span <= start;
            lo = start - span;
            hi = start + 1;
        }
    }
    if (s->closed)
        want = MMF_ECLOSED;
    else if (count > 0 && !(start < s->len))
        want = MMF_ERANGE;
    else if (count > 1 && step == 0)
        want = MMF_EINVAL;
    else if (!inside)
        want = MMF_ERANGE;
    else
        want = access_status(s, lo, hi - lo);
    if (want == MMF_EFAULT && st == MMF_OK)
        want = MMF_OK; /* a stride may step over the faulting page */
    CHECK_EQ("get_slice", want, st);
    if (st != MMF_OK)
        return;
    for (size_t i = 0; i < count; i++) {
        size_t at = (size_t)((ptrdiff_t)start + step * (ptrdiff_t)i);
        if (!s->taint[at] && content(s)[at] != buf[i])
            fail("get_slice bytes", content(s)[at], buf[i]);
    }
}

static void
op_resize(struct model *s, struct input *in)
{
    size_t n = take_size(in, MAXFILE - s->offset) % (MAXFILE - s->offset + 1);
    if (take8(in) & 1)
        n = take_size(in, s->len);
    mmf_status st = CALL(mmf_resize, &s->m, n), want;
    if (s->closed)
        want = MMF_ECLOSED;
    else if (s->pins)
        want = MMF_EBUSY;
    else if (!s->trackfd)
        want = MMF_ENOTRACK;
    else if (s->access == MMF_ACCESS_READ || s->access == MMF_ACCESS_COPY)
        want = MMF_ENORESIZE;
    else if (n == 0 || n > (size_t)PTRDIFF_MAX - s->offset)
        want = MMF_ERANGE;
    else if (s->anonymous && s->anon_shared && n > s->len
             && !fz_shared_anon_grows())
        want = MMF_ENOTSUP;
    else if (s->stolen >= 0)
        want = MMF_ESYS;
    else
        want = MMF_OK;
    CHECK_EQ("resize", want, st);
    if (st == MMF_ESYS && s->stolen >= 0)
        CHECK_EQ("resize stolen errno", EBADF, mmf_syserr(&s->m));
    if (st != MMF_OK)
        return;
    if (s->anonymous) {
        if (n > s->len)
            memset(s->priv + s->len, 0, n - s->len);
    } else {
        size_t nf = s->offset + n;
        if (nf > s->fsize)
            memset(s->fbytes + s->fsize, 0, nf - s->fsize);
        s->fsize = nf;
    }
    if (n > s->len)
        memset(s->taint + s->len, 0, n - s->len);
    s->len = n;
}

/* Hostile: change the file's size behind the map's back. */
static void
op_truncate(struct model *s, struct input *in)
{
    if (s->file < 0)
        return;
    size_t n = take16(in) % (MAXFILE + 1);
    if (fz_set_size(s->file, n) != 0) /* Windows: refused while mapped */
        return;
    if (n > s->fsize)
        memset(s->fbytes + s->fsize, 0, n - s->fsize);
    /* Bytes past the new end have unknown contents from now on: the kernel
     * zeroes the partial page, and private copies are dropped. */
    for (size_t i = 0; i < s->len; i++)
        if (s->offset + i >= n || s->access == MMF_ACCESS_COPY)
            s->taint[i] = 1;
    s->fsize = n;
}

/* Hostile: close the private fd and put another file on its number. */
static void
op_steal_fd(struct model *s)
{
    if (s->closed || s->m.fd < 0 || s->stolen >= 0)
        return;
    int num = s->m.fd;
    fz_replace_fd(num);
    s->stolen = num;
}

static void
op_size(struct model *s)
{
    uint64_t got;
    mmf_status st = CALL(mmf_size, &s->m, &got), want;
    if (s->closed)
        want = MMF_ECLOSED;
    else if (!s->trackfd)
        want = MMF_ENOTRACK;
    else if (!s->anonymous && s->stolen >= 0)
        want = MMF_ESYS;
    else
        want = MMF_OK;
    CHECK_EQ("size", want, st);
    if (st == MMF_OK)
        CHECK_EQ("size value", s->anonymous ? s->len : s->fsize, got);
}

static void
op_close(struct model *s)
{
    mmf_status st = CALL(mmf_close, &s->m);
    CHECK_EQ("close", s->pins && !s->closed ? MMF_EBUSY : MMF_OK, st);
    if (st == MMF_OK)
        s->closed = 1;
}

static void
op_pin(struct model *s, int pin)
{
    if (!pin) {
        if (s->pins > 0) {
            mmf_unpin(&s->m);
            s->pins--;
        }
        return;
    }
    mmf_status st = CALL(mmf_pin, &s->m, NULL, NULL);
    CHECK_EQ("pin", s->closed ? MMF_ECLOSED : MMF_OK, st);
    if (st == MMF_OK)
        s->pins++;
}

static void
op_flush(struct model *s, struct input *in)
{
    size_t ps = mmf_pagesize();
    size_t off = (take8(in) % 3) * ps, n = take_size(in, s->len);
    mmf_status st = CALL(mmf_flush, &s->m, off, n, 0), want;
    if (s->closed)
        want = MMF_ECLOSED;
    else if (off > s->len || n > s->len - off)
        want = MMF_ERANGE;
    else
        want = MMF_OK;
    if (want == MMF_OK && st == MMF_ESYS) /* msync on a truncated range */
        return;
    CHECK_EQ("flush", want, st);
}

/* CALL(mmf_readline_alloc, )'s allocator: one static buffer. */
static unsigned char line_out[MAXFILE + 8192];

static void *
line_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return n <= sizeof line_out ? line_out : NULL;
}

/* The line's length was judged want_st / want_len: CALL(mmf_readline_alloc, )
 * must agree, copy the line's bytes and move past it. */
static void
check_readline(struct model *s, mmf_status want_st, size_t want_len)
{
    size_t got = 99;
    mmf_status st = CALL(mmf_readline_alloc, &s->m, line_alloc, NULL, &got);
    CHECK_EQ("readline", want_st, st);
    if (st != MMF_OK)
        return;
    CHECK_EQ("readline length", want_len, got);
    check_bytes(s, "readline bytes", s->pos, line_out, got);
    s->pos += got;
}

/* The line at the cursor: CALL(mmf_line_length, ), then CALL(mmf_readline_alloc, ). */
static void
op_line(struct model *s)
{
    size_t got;
    mmf_status st = CALL(mmf_line_length, &s->m, &got);
    if (s->closed) {
        CHECK_EQ("line closed", MMF_ECLOSED, st);
        check_readline(s, MMF_ECLOSED, 0);
        return;
    }
    for (size_t i = s->pos; i < s->len; i++) {
        if (!valid(s, i, 1)) {
            CHECK_EQ("line fault", MMF_EFAULT, st);
            check_readline(s, MMF_EFAULT, 0);
            return;
        }
        if (s->taint[i])
            return; /* unknown byte: any answer will do */
        if (content(s)[i] == '\n') {
            CHECK_EQ("line", MMF_OK, st);
            CHECK_EQ("line length", i + 1 - s->pos, got);
            check_readline(s, MMF_OK, got);
            return;
        }
    }
    CHECK_EQ("line", MMF_OK, st);
    CHECK_EQ("line length", s->pos < s->len ? s->len - s->pos : 0, got);
    check_readline(s, MMF_OK, got);
}

/* After every step: the cursor and length agree with the model. */
static void
check_state(struct model *s)
{
    size_t v;
    if (s->closed) {
        CHECK_EQ("closed", 1, mmf_closed(&s->m));
        return;
    }
    CHECK_EQ("tell", MMF_OK, CALL(mmf_tell, &s->m, &v));
    CHECK_EQ("pos", s->pos, v);
    CHECK_EQ("len", MMF_OK, CALL(mmf_len, &s->m, &v));
    CHECK_EQ("length", s->len, v);
    CHECK_EQ("pins", (size_t)s->pins, mmf_pins(&s->m));
}

static size_t
naive_count(const unsigned char *h, size_t start, size_t end,
            const unsigned char *n, size_t nl)
{
    size_t c = 0, i = start;
    if (start > end)
        return 0;
    if (nl == 0)
        return end - start + 1;
    while (end - i >= nl) {
        if (memcmp(h + i, n, nl) == 0) {
            c++;
            i += nl;
        } else
            i++;
    }
    return c;
}

static void
op_count(struct model *s, struct input *in)
{
    unsigned char needle[8];
    size_t nl = take8(in) % 4, got = 0;
    size_t start = take_size(in, s->len), end = take_size(in, s->len);
    size_t from = take16(in) % (s->len + 1);
    for (size_t i = 0; i < nl; i++)
        needle[i] = (from + i < s->len && !s->closed) ? content(s)[from + i]
                                                      : (unsigned char)'a';
    mmf_status st = CALL(mmf_count, &s->m, needle, nl, start, end, &got);
    if (s->closed) {
        CHECK_EQ("count closed", MMF_ECLOSED, st);
        return;
    }
    size_t e = end < s->len ? end : s->len;
    size_t span = start <= e ? e - start : 0;
    if (!valid(s, start <= e ? start : 0, span)) {
        if (st != MMF_OK && st != MMF_EFAULT)
            fail("count status", MMF_EFAULT, st);
        return;
    }
    CHECK_EQ("count", MMF_OK, st);
    if (start <= e && tainted(s, start, span))
        return;
    CHECK_EQ("count", naive_count(content(s), start, e, needle, nl), got);
}

/* populate and resident: the status only (residency is the kernel's). */
static void
op_populate(struct model *s, struct input *in)
{
    size_t start = take_size(in, s->len + 1), n = take_size(in, s->len);
    int write = take8(in) & 1;
    size_t res = 0;
    mmf_status st = CALL(mmf_populate, &s->m, start, n, write), rs;
    rs = CALL(mmf_resident, &s->m, start, n, &res);
    if (s->closed) {
        CHECK_EQ("populate closed", MMF_ECLOSED, st);
        CHECK_EQ("resident closed", MMF_ECLOSED, rs);
        return;
    }
    if (start > s->len) {
        CHECK_EQ("populate range", MMF_ERANGE, st);
        CHECK_EQ("resident range", MMF_ERANGE, rs);
        return;
    }
    CHECK_EQ("resident", MMF_OK, rs);
    if (res > s->len - start)
        fail("resident bytes", (int)(s->len - start), (int)res);
    if (write && s->access == MMF_ACCESS_READ) {
        CHECK_EQ("populate readonly", MMF_EREADONLY, st);
        return;
    }
    size_t span = n < s->len - start ? n : s->len - start;
    if (valid(s, start, span))
        CHECK_EQ("populate", MMF_OK, st);
    else if (st != MMF_OK && st != MMF_ESYS && st != MMF_EFAULT)
        fail("populate status", MMF_ESYS, st);
}

static void
step(struct model *s, struct input *in, int trace)
{
    unsigned op = take8(in) % 18;
    if (trace)
        fprintf(stderr,
                "op %u: len %zu pos %zu fsize %zu off %zu acc %d "
                "anon %d closed %d pins %d\n",
                op, s->len, s->pos, s->fsize, s->offset, (int)s->access,
                s->anonymous, s->closed, s->pins);
    switch (op) {
    case 0:
        op_read(s, in);
        break;
    case 1:
        op_write(s, in);
        break;
    case 2:
        op_seek(s, in);
        break;
    case 3:
        op_find(s, in, 0);
        break;
    case 4:
        op_find(s, in, 1);
        break;
    case 5:
        op_move(s, in);
        break;
    case 6:
        op_slice(s, in);
        break;
    case 7:
        op_resize(s, in);
        break;
    case 8:
        op_truncate(s, in);
        break;
    case 9:
        op_steal_fd(s);
        break;
    case 10:
        op_size(s);
        break;
    case 11:
        op_close(s);
        break;
    case 12:
        op_pin(s, 1);
        break;
    case 13:
        op_pin(s, 0);
        break;
    case 14:
        op_flush(s, in);
        break;
    case 16:
        op_count(s, in);
        break;
    case 17:
        op_populate(s, in);
        break;
    default:
        op_line(s);
        break;
    }
    check_state(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct model s;
    struct input in = {data, size};

    int trace = getenv("FUZZ_TRACE") != NULL;
    mmf_guard_install(NULL);
    if (setup(&s, &in)) {
        for (int i = 0; i < 64 && in.n > 0; i++)
            step(&s, &in, trace);
    }
    while (s.pins > 0) {
        mmf_unpin(&s.m);
        s.pins--;
    }
    CHECK_EQ("final close", MMF_OK, CALL(mmf_close, &s.m));
    if (s.stolen >= 0)
        fz_close(s.stolen);
    if (s.file >= 0)
        fz_close(s.file);
    return 0;
}
