/*
 * sysfault_run.h - system call failure injection through the syscall
 * table (SQLite's faultsim idea, docs/hazards.md H-39), shared by the
 * test_syscall_faults_*.c programs, each of which runs it on its own
 * operations. Not the fault guard's tests: those are in test_guard_*.c.
 *
 * Every entry of mmf__sys is wrapped by a counter. For each public
 * operation that makes system calls, the N-th call is made to fail, for
 * N = 1, 2, ... until the operation completes without reaching the fault.
 * At every N the test checks:
 *   - the status: MMF_ESYS with the injected errno, or the fault-free
 *     status where the library may ignore that call's error (munmap and
 *     close in mmf_close, for instance);
 *   - the object: still usable with the same length, contents and cursor,
 *     or cleanly closed (for a failed open or a close);
 *   - the file: size and contents unchanged by a failed call;
 *   - leaks: no file descriptor, no mapping left behind.
 * A second pass injects EINTR instead, which the library must retry
 * transparently: the operation then succeeds as if nothing happened.
 *
 * The number of injection points exercised is printed at the end
 * ("fault points exercised: N").
 */
#ifndef MMF_TEST_SYSFAULT_RUN_H
#define MMF_TEST_SYSFAULT_RUN_H

#include "sysfault_ops.h"

static const struct op_ex *
op_ex_of(const struct op *op)
{
    size_t i;
    for (i = 0; i < ARRAY_LEN(ops_ex); i++)
        if (&ops_ex[i].op == op)
            return &ops_ex[i];
    return NULL;
}

static unsigned
op_options(const struct op *op)
{
    const struct op_ex *x = op_ex_of(op);
    return x != NULL ? x->options : 0;
}

/* The length of the anonymous map setup opens for op. */
static size_t
op_anon_len(const struct op *op)
{
    const struct op_ex *x = op_ex_of(op);
    return x != NULL && x->unaligned ? 2 * PAGE + 10 : 3 * PAGE;
}

static int
op_protect(const struct op *op)
{
    const struct op_ex *x = op_ex_of(op);
    return x != NULL ? x->protect : 0;
}

/* The length a resize operation asks for, 0 for other operations. */
static size_t
expected_newsize(const struct op *op)
{
    if (op->run == run_resize_4p)
        return 4 * PAGE;
    if (op->run == run_resize_p10)
        return PAGE + 10;
    if (op->run == run_resize_p)
        return PAGE;
    return 0;
}

static int
is_resize(const struct op *op)
{
    return expected_newsize(op) != 0;
}

/* Prepare the fixture (no fault injection). */
static void
setup_fixture(const struct op *op, struct fixture *f)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->file_before = malloc(FILE_LEN + PAGE);
    f->map_before = malloc(4 * PAGE);
    if (op->file) {
        f->fd = h_make_file(NULL, FILE_LEN, f->path);
        f->fsize_before = FILE_LEN;
        h_fill_pattern(f->file_before, FILE_LEN, 0);
    }
    if (op->kind != K_OPEN) {
        if (op->file)
            h_open_ok(&f->m, f->fd, op->length * PAGE, MAP_SHARED, RW,
                      MMF_ACCESS_DEFAULT, op->offset * (int64_t)PAGE, 1);
        else if (op_options(op) != 0)
            ASSERT_OK(mmf_open_anon(&f->m, op_anon_len(op), op->anon_flags, RW,
                                    MMF_ACCESS_DEFAULT, op_options(op)));
        else if (op_anon_len(op) != 3 * PAGE) {
            /* bytes past the end in its last page, from a larger map */
            h_open_anon(&f->m, 3 * PAGE, op->anon_flags);
            ASSERT_OK(mmf_set_slice(&f->m, 0, 1, 3, "abc"));
            ASSERT_OK(mmf_set_byte(&f->m, op_anon_len(op) + 1, 0xee));
            ASSERT_OK(mmf_resize(&f->m, op_anon_len(op)));
        } else
            h_open_anon(&f->m, 3 * PAGE, op->anon_flags);
        if (!op->file) { /* give anonymous maps recognisable contents */
            size_t n = op_anon_len(op);
            unsigned char *buf = malloc(n);
            h_fill_pattern(buf, n, 5);
            ASSERT_OK(mmf_set_slice(&f->m, 0, 1, n, buf));
            free(buf);
        }
        if (op_options(op) & MMF_OPT_MEMFD)
            ASSERT_OK(mmf_size(&f->m, &f->memfd_before));
        if (op_protect(op) != 0)
            ASSERT_OK(mmf_protect(&f->m, op_protect(op)));
        ASSERT_OK(mmf_seek(&f->m, 3, 0, NULL));
        f->len_before = h_len(&f->m);
        f->pos_before = 3;
        ASSERT_OK(mmf_get_slice(&f->m, 0, 1, f->len_before, f->map_before));
    }
}

/* Unmap what a failed munmap left behind, unless the map still owns it. */
static void
release_leaked_regions(struct fixture *f)
{
    int i;
    for (i = 0; i < fi.nleaked; i++) {
        unsigned char *p = NULL;
        size_t len = 0;
        if (!mmf_closed(&f->m) && mmf_pin(&f->m, &p, &len) == MMF_OK) {
            mmf_unpin(&f->m);
            if ((unsigned char *)fi.leaked[i] < p + len
                && p < (unsigned char *)fi.leaked[i] + fi.leaked_len[i])
                continue;
        }
        munmap(fi.leaked[i], fi.leaked_len[i]);
    }
    fi.nleaked = 0;
}

static void
teardown_fixture(struct fixture *f)
{
    if (!mmf_closed(&f->m))
        ASSERT_OK(mmf_close(&f->m));
    if (f->fd >= 0)
        close(f->fd);
    free(f->file_before);
    free(f->map_before);
}

/* The file is exactly as it was before the operation. */
static void
check_file_unchanged(const struct fixture *f)
{
    if (f->fsize_before > 0)
        h_assert_file_is(f->path, f->file_before, (size_t)f->fsize_before);
}

/* The map is open with the length, contents and cursor it had. */
static void
check_map_unchanged(const struct op *op, const struct fixture *f)
{
    unsigned char *buf = malloc(f->len_before);
    ASSERT_EQ(mmf_closed(&f->m), 0);
    ASSERT_UEQ(h_len(&f->m), f->len_before);
    ASSERT_UEQ(h_tell(&f->m), f->pos_before);
    ASSERT_OK(mmf_get_slice(&f->m, 0, 1, f->len_before, buf));
    ASSERT_MEM_EQ(buf, f->map_before, f->len_before);
    free(buf);
    if (op_options(op) & MMF_OPT_MEMFD) {
        uint64_t size = 0;
        ASSERT_OK(mmf_size((mmf_map *)&f->m, &size));
        ASSERT_UEQ(size, f->memfd_before);
    }
}

/* What a successful operation must have done. */
static void
check_success(const struct op *op, struct fixture *f)
{
    size_t k;

    if (op->kind == K_CLOSE) {
        ASSERT_EQ(mmf_closed(&f->m), 1);
        return;
    }
    if (op->kind == K_OPEN) {
        unsigned char *buf;
        size_t len = h_len(&f->m);
        ASSERT_EQ(mmf_closed(&f->m), 0);
        ASSERT_UEQ(h_tell(&f->m), 0);
        if (op->file && op->run != run_open_notrack) {
            uint64_t size = 0;
            ASSERT_OK(mmf_size(&f->m, &size)); /* the private fd works */
            ASSERT_UEQ(size, FILE_LEN);
        }
        if (op->file)
            ASSERT_UEQ(len, op->run == run_open_window   ? PAGE
                            : op->run == run_open_length ? 2 * PAGE
                                                         : FILE_LEN);
        else
            ASSERT_UEQ(len, 2 * PAGE);
        buf = malloc(FILE_LEN);
        ASSERT_OK(mmf_get_slice(&f->m, 0, 1, len, buf));
        if (op->file) {
            size_t from = op->run == run_open_window ? PAGE : 0;
            ASSERT_MEM_EQ(buf, f->file_before + from, len);
        } else {
            for (k = 0; k < len; k++)
                if (buf[k] != 0)
                    fail_msg("anonymous byte %zu is %d", k, buf[k]);
        }
        free(buf);
        return;
    }
    ASSERT_EQ(mmf_closed(&f->m), 0);
    ASSERT_UEQ(h_tell(&f->m), f->pos_before);
    if (is_resize(op)) {
        size_t n = expected_newsize(op), keep;
        unsigned char *buf = malloc(n);
        ASSERT_UEQ(h_len(&f->m), n);
        keep = n < f->len_before ? n : f->len_before;
        ASSERT_OK(mmf_get_slice(&f->m, 0, 1, n, buf));
        ASSERT_MEM_EQ(buf, f->map_before, keep);
        for (k = keep; k < n; k++) {
            /* a grown file map shows the rest of the file, then zeros */
            size_t off = (size_t)op->offset * PAGE + k;
            unsigned char want = op->file && off < (size_t)f->fsize_before
                                     ? f->file_before[off]
                                     : 0;
            if (buf[k] != want)
                fail_msg("grown byte %zu is %d, expected %d", k, buf[k], want);
        }
        free(buf);
        if (op->file)
            ASSERT_EQ(h_file_size(f->path),
                      (long long)(op->offset * (int64_t)PAGE) + (long long)n);
        if (op_options(op) & MMF_OPT_MEMFD) { /* sealed: never shrinks */
            uint64_t size = 0;
            ASSERT_OK(mmf_size(&f->m, &size));
            ASSERT_UEQ(size, n > f->memfd_before ? n : f->memfd_before);
        }
        return;
    }
    check_map_unchanged(op, f);
    if (op->run == run_size)
        ASSERT_UEQ(f->size_out, FILE_LEN);
    check_file_unchanged(f);
}

/* May the library ignore a failure of entry e in op (the operation then
 * returns its fault-free status)? */
static int
may_ignore(const struct op *op, int e)
{
    switch (e) {
    case E_MUNMAP:
    case E_CLOSE:
    case E_SIGMASK:
    case E_SIGWAIT:
        return 1;
    case E_READTEXT: /* huge pages: unknown, so plain pages */
        return 1;
    case E_MADVISE: /* MADV_HUGEPAGE refused: plain pages */
        return op->run == run_open_huge || op->kind == K_CLOSE;
    case E_FSTAT:
        /* open: the size checks are skipped when fstat fails, as in
         * CPython, and a memfd's identity stays unknown; close: errors
         * are ignored */
        return (op->kind == K_OPEN && op->run != run_open_path)
               || op->kind == K_CLOSE;
    default:
        return op->kind == K_CLOSE;
    }
}

static void
describe_sequence(char *out, size_t cap)
{
    size_t used = 0;
    int i;

    out[0] = '\0';
    for (i = 0; i < fi.calls && i < (int)ARRAY_LEN(fi.seq); i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "",
                                 entry_name[fi.seq[i]]);
}

static int points_total;

/* What run_once() is checking, printed by the teardown if a check failed
 * (a failed assertion leaves run_once() before it clears this). */
static char fault_ctx[256];

/* The fixture of the run in progress: after a failed check the teardown
 * releases it, so that only the library's own leaks are reported. */
static struct fixture *cur_fixture;

static int
fault_teardown(void **state)
{
    disarm();
    if (fault_ctx[0] != '\0')
        print_error("    while checking: %s\n", fault_ctx);
    fault_ctx[0] = '\0';
    if (cur_fixture != NULL) {
        struct fixture *f = cur_fixture;
        cur_fixture = NULL;
        release_leaked_regions(f);
        if (!mmf_closed(&f->m)) {
            while (mmf_pins(&f->m) > 0)
                mmf_unpin(&f->m);
            mmf_close(&f->m);
        }
        if (f->fd >= 0)
            close(f->fd);
        if (f->path[0] != '\0')
            unlink(f->path);
        free(f->file_before);
        free(f->map_before);
    }
    return h_teardown(state);
}

/* Run op once with fault_at (0: none). Returns 1 if the fault was hit. */
static int
run_once(const struct op *op, int fail_at, int eintr, mmf_status base_st,
         int verbose)
{
    /* static: the teardown may release it after a failed check */
    static struct fixture f;
    int fds0 = h_count_fds(), maps0 = h_count_tmp_maps(), hit, i;
    int still, still_during = 0;
    mmf_status st;
    unsigned char *region = NULL;
    size_t region_len = 0;

    setup_fixture(op, &f);
    cur_fixture = &f;
    if (!mmf_closed(&f.m)) {
        region = h_data(&f.m);
        region_len = f.len_before;
    }
    arm(fail_at, eintr);
    st = op->run(&f);
    disarm();
    hit = fi.hit;
    snprintf(fault_ctx, sizeof fault_ctx,
             "%s, %s failing with %s at call %d -> %s (syserr %d)", op->name,
             hit >= 0 ? entry_name[hit] : "nothing",
             hit < 0 ? "-"
             : eintr ? "EINTR"
                     : strerror(entry_errno[hit]),
             fail_at, mmf_status_name(st), mmf_syserr(&f.m));

    if (verbose) {
        char seq[512];
        describe_sequence(seq, sizeof seq);
        h_note("  %-34s %-14s calls: %s", op->name, mmf_status_name(st),
               seq[0] ? seq : "(none)");
    }

    if (hit < 0) {
        if (st != base_st)
            fail_msg("%s: %s without a fault, %s before", op->name,
                     mmf_status_name(st), mmf_status_name(base_st));
    } else if (!eintr && st == MMF_ESYS
               && mmf_syserr(&f.m) == entry_errno[hit]) {
        /* reported: nothing may have changed */
        ASSERT_TRUE(mmf_sysfunc(&f.m) != NULL);
        if (op->kind == K_OPEN) {
            ASSERT_EQ(mmf_closed(&f.m), 1);
        } else if (op->kind == K_OTHER) {
            check_map_unchanged(op, &f);
            check_file_unchanged(&f);
            /* and the object still works */
            ASSERT_ST(op->run(&f), base_st);
        } else {
            fail_msg("%s: close reported %s", op->name, entry_name[hit]);
        }
    } else if (!eintr && op->kind == K_OPEN && may_ignore(op, hit)
               && st == MMF_ESYS) {
        /* an ignored failure made a later call fail (fstat skipped, so
         * length 0 reached mmap): fine if the map is cleanly closed */
        ASSERT_EQ(mmf_closed(&f.m), 1);
    } else if (eintr || may_ignore(op, hit)) {
        if (st != base_st)
            fail_msg("%s: %s failing with %s (call %d) gave %s, syserr %d "
                     "(%s); expected %s%s",
                     op->name, entry_name[hit],
                     eintr ? "EINTR" : strerror(entry_errno[hit]), fail_at,
                     mmf_status_name(st), mmf_syserr(&f.m),
                     strerror(mmf_syserr(&f.m)), mmf_status_name(base_st),
                     eintr ? " (EINTR must be retried)" : " (error ignored)");
    } else {
        fail_msg("%s: %s failing with %s (call %d) gave %s, syserr %d (%s); "
                 "expected MMF_ESYS with that errno",
                 op->name, entry_name[hit], strerror(entry_errno[hit]),
                 fail_at, mmf_status_name(st), mmf_syserr(&f.m),
                 strerror(mmf_syserr(&f.m)));
    }
    if (fi.double_close)
        fail_msg("%s: close() retried after EINTR (fd closed twice)",
                 op->name);
    if (st == base_st && base_st == MMF_OK)
        check_success(op, &f);

    /* leaks: everything goes back to how it was before setup */
    release_leaked_regions(&f);
    cur_fixture = NULL;
    teardown_fixture(&f);
    /* the address ranges first: musl's malloc maps memory of its own
     * (opendir() in h_count_fds()), and may get the range just freed */
    still = region != NULL && h_range_mapped(region, region_len);
    for (i = 0; i < fi.nmapped; i++)
        still_during |= h_range_mapped(fi.mapped[i], fi.mapped_len[i]);
    if (h_count_fds() != fds0)
        fail_msg("%s, %s failing at call %d: fd leak (%d before, %d after)",
                 op->name, hit >= 0 ? entry_name[hit] : "nothing", fail_at,
                 fds0, h_count_fds());
    if (h_count_tmp_maps() != maps0)
        fail_msg("%s, %s failing at call %d: file map leak", op->name,
                 hit >= 0 ? entry_name[hit] : "nothing", fail_at);
    if (still)
        fail_msg("%s, %s failing at call %d: the map is still mapped",
                 op->name, hit >= 0 ? entry_name[hit] : "nothing", fail_at);
    if (still_during)
        fail_msg("%s, %s failing at call %d: a region mapped during "
                 "the operation is still mapped",
                 op->name, hit >= 0 ? entry_name[hit] : "nothing", fail_at);
    if (op->file)
        unlink(f.path);
    fault_ctx[0] = '\0';
    return hit >= 0;
}

/* Baseline, then N = 1, 2, ... until no fault is hit. */
static int
exercise(const struct op *op, int eintr)
{
    struct fixture f;
    mmf_status base_st;
    int n, points = 0;

    /* the fault-free status */
    setup_fixture(op, &f);
    base_st = op->run(&f);
    if (is_resize(op) && base_st != MMF_OK) /* every resize here can work */
        fail_msg("%s: %s without a fault", op->name, mmf_status_name(base_st));
    release_leaked_regions(&f);
    teardown_fixture(&f);
    if (op->file)
        unlink(f.path);
    if (!eintr)
        run_once(op, 0, 0, base_st, 1);

    for (n = 1; n < 100; n++) {
        if (!run_once(op, n, eintr, base_st, 0))
            break;
        points++;
    }
    if (n == 100)
        fail_msg("%s: more than 100 injection points?", op->name);
    return points;
}

static void
errno_fault_at_every_call(void **state)
{
    const struct op *op = *state;
    int points = exercise(op, 0);
    h_note("%d injection points", points);
    points_total += points;
}

static void
eintr_at_every_call_is_retried(void **state)
{
    const struct op *op = *state;
    int points = exercise(op, 1);
    h_note("%d injection points", points);
    points_total += points;
}

#define NOPS ARRAY_LEN(ops)
#define NOPS_ALL (NOPS + ARRAY_LEN(ops_ex))

static const struct op *
op_at(size_t i)
{
    return i < NOPS ? &ops[i] : &ops_ex[i - NOPS].op;
}

/* The test program: fault_in_SLUG and eintr_in_SLUG_is_retried for every
 * operation that want() selects, then the nextra tests of extra[]; prints
 * the number of injection points exercised. */
static int
fault_main(char **argv, const char *group, int (*want)(const struct op *),
           const struct CMUnitTest *extra, size_t nextra)
{
    static char names[2 * NOPS_ALL][96];
    struct CMUnitTest tests[2 * NOPS_ALL + 8];
    size_t i, n = 0;
    int rc;

    h_argv0 = argv[0];
    /* before h_group_setup() sets it: is_resize() needs the page size */
    PAGE = (size_t)sysconf(_SC_PAGESIZE);
    assert_true(nextra <= 8);
    for (i = 0; i < NOPS_ALL; i++) {
        if (!want(op_at(i)))
            continue;
        snprintf(names[n], sizeof names[n], "fault_in_%s", op_at(i)->slug);
        tests[n] =
            (struct CMUnitTest){names[n], errno_fault_at_every_call, h_setup,
                                fault_teardown, (void *)op_at(i)};
        n++;
    }
    for (i = 0; i < NOPS_ALL; i++) {
        if (!want(op_at(i)))
            continue;
        snprintf(names[n], sizeof names[n], "eintr_in_%s_is_retried",
                 op_at(i)->slug);
        tests[n] =
            (struct CMUnitTest){names[n], eintr_at_every_call_is_retried,
                                h_setup, fault_teardown, (void *)op_at(i)};
        n++;
    }
    for (i = 0; i < nextra; i++)
        tests[n++] = extra[i];
    rc = _cmocka_run_group_tests(group, tests, n, h_group_setup,
                                 h_group_teardown);
    printf("fault points exercised: %d\n", points_total);
    return rc;
}

#endif /* MMF_TEST_SYSFAULT_RUN_H */
