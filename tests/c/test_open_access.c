/*
 * test_open_access.c - mmf_open()'s access resolution and its effect, and
 * trackfd: the private descriptor, its absence, a caller closing or
 * reusing its own.
 */
#include "helpers.h"

/* ---- access resolution -------------------------------------------------- */

struct access_case {
    int flags, prot, access;
    mmf_status st;
    int rflags, rprot, raccess;
};

static void
resolve_access_all_cases(void **state)
{
    const int S = MAP_SHARED, P = MAP_PRIVATE, R = PROT_READ, W = PROT_WRITE,
              X = PROT_EXEC;
    const struct access_case cases[] = {
        /* explicit modes with the default flags and prot */
        {S, R | W, MMF_ACCESS_READ, MMF_OK, S, R, MMF_ACCESS_READ},
        {S, R | W, MMF_ACCESS_WRITE, MMF_OK, S, R | W, MMF_ACCESS_WRITE},
        {S, R | W, MMF_ACCESS_COPY, MMF_OK, P, R | W, MMF_ACCESS_COPY},
        /* DEFAULT: flags kept, access from prot */
        {S, R | W, MMF_ACCESS_DEFAULT, MMF_OK, S, R | W, MMF_ACCESS_DEFAULT},
        {P, R | W, MMF_ACCESS_DEFAULT, MMF_OK, P, R | W, MMF_ACCESS_DEFAULT},
        {S, R | W | X, MMF_ACCESS_DEFAULT, MMF_OK, S, R | W | X,
         MMF_ACCESS_DEFAULT},
        {S, W, MMF_ACCESS_DEFAULT, MMF_OK, S, W, MMF_ACCESS_WRITE},
        {P, W | X, MMF_ACCESS_DEFAULT, MMF_OK, P, W | X, MMF_ACCESS_WRITE},
        {S, R, MMF_ACCESS_DEFAULT, MMF_OK, S, R, MMF_ACCESS_READ},
        {P, R, MMF_ACCESS_DEFAULT, MMF_OK, P, R, MMF_ACCESS_READ},
        {S, X, MMF_ACCESS_DEFAULT, MMF_OK, S, X, MMF_ACCESS_READ},
        {S, R | X, MMF_ACCESS_DEFAULT, MMF_OK, S, R | X, MMF_ACCESS_READ},
        {S, 0, MMF_ACCESS_DEFAULT, MMF_OK, S, 0, MMF_ACCESS_READ},
        {S | MAP_POPULATE, R | W, MMF_ACCESS_DEFAULT, MMF_OK, S | MAP_POPULATE,
         R | W, MMF_ACCESS_DEFAULT},
        /* access together with other flags or prot */
        {P, R | W, MMF_ACCESS_READ, MMF_EACCESSFLAGS, 0, 0, 0},
        {P, R | W, MMF_ACCESS_WRITE, MMF_EACCESSFLAGS, 0, 0, 0},
        {P, R | W, MMF_ACCESS_COPY, MMF_EACCESSFLAGS, 0, 0, 0},
        {S, R, MMF_ACCESS_READ, MMF_EACCESSFLAGS, 0, 0, 0},
        {S, R | W | X, MMF_ACCESS_WRITE, MMF_EACCESSFLAGS, 0, 0, 0},
        {S, W, MMF_ACCESS_COPY, MMF_EACCESSFLAGS, 0, 0, 0},
        {S | MAP_POPULATE, R | W, MMF_ACCESS_READ, MMF_EACCESSFLAGS, 0, 0, 0},
        /* an unknown access with other flags or prot: flags first */
        {P, R | W, 4, MMF_EACCESSFLAGS, 0, 0, 0},
        {S, R, -1, MMF_EACCESSFLAGS, 0, 0, 0},
        /* unknown values */
        {S, R | W, 4, MMF_EACCESS, 0, 0, 0},
        {S, R | W, -1, MMF_EACCESS, 0, 0, 0},
        {S, R | W, INT_MAX, MMF_EACCESS, 0, 0, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < ARRAY_LEN(cases); i++) {
        const struct access_case *c = &cases[i];
        int flags = c->flags, prot = c->prot;
        mmf_access access = (mmf_access)c->access;
        mmf_status st = mmf_resolve_access(&flags, &prot, &access);

        if (st != c->st)
            fail_msg("case %zu (flags 0x%x, prot 0x%x, access %d): %s, "
                     "expected %s",
                     i, c->flags, c->prot, c->access, mmf_status_name(st),
                     mmf_status_name(c->st));
        if (st == MMF_OK) {
            if (flags != c->rflags || prot != c->rprot
                || (int)access != c->raccess)
                fail_msg("case %zu (flags 0x%x, prot 0x%x, access %d): "
                         "resolved to flags 0x%x prot 0x%x access %d, "
                         "expected 0x%x 0x%x %d",
                         i, c->flags, c->prot, c->access, flags, prot,
                         (int)access, c->rflags, c->rprot, c->raccess);
        } else if (flags != c->flags || prot != c->prot
                   || (int)access != c->access) {
            fail_msg("case %zu: outputs changed on failure", i);
        }
    }
}

/* The resolved access shows in behaviour: READ refuses writes, COPY does
 * not reach the file, DEFAULT with MAP_PRIVATE writes but does not reach
 * the file either. */
static void
open_effective_access_behaviour(void **state)
{
    char path[PATH_MAX];
    unsigned char *orig = malloc(PAGE);
    mmf_map m = {0};
    int fd;

    (void)state;
    h_fill_pattern(orig, PAGE, 0);
    fd = h_make_file(orig, PAGE, path);

    h_open_ok(&m, fd, 0, MAP_SHARED, PROT_READ, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_ST(mmf_write_byte(&m, 'x'), MMF_EREADONLY);
    ASSERT_ST(mmf_move(&m, 0, 1, 1), MMF_EREADONLY);
    ASSERT_ST(mmf_set_slice(&m, 0, 1, 1, "x"), MMF_EREADONLY);
    ASSERT_ST(mmf_resize(&m, 2 * PAGE), MMF_ENORESIZE);
    ASSERT_OK(mmf_close(&m));

    h_open_ok(&m, fd, 0, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT, 0, 1);
    ASSERT_OK(mmf_write(&m, "priv", 4));
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, orig, PAGE);

    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_COPY, 0, 1);
    ASSERT_OK(mmf_write(&m, "copy", 4));
    ASSERT_ST(mmf_resize(&m, 2 * PAGE), MMF_ENORESIZE);
    ASSERT_OK(mmf_close(&m));
    h_assert_file_is(path, orig, PAGE);

    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_WRITE, 0, 1);
    ASSERT_OK(mmf_write(&m, "shar", 4));
    ASSERT_OK(mmf_close(&m));
    memcpy(orig, "shar", 4);
    h_assert_file_is(path, orig, PAGE);

    close(fd);
    free(orig);
}

/* ---- trackfd ------------------------------------------------------------ */

static void
trackfd_on_keeps_a_cloexec_duplicate(void **state)
{
    int before[256], after[256], nb, na, priv, flags;
    struct stat a, b;
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = h_make_file(NULL, PAGE, NULL);
    nb = h_list_fds(before, 256);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    na = h_list_fds(after, 256);
    ASSERT_EQ(na, nb + 1);
    priv = h_new_fd(before, nb, after, na);
    ASSERT_TRUE(priv >= 0);
    ASSERT_TRUE(priv != fd);
    flags = fcntl(priv, F_GETFD);
    ASSERT_TRUE(flags >= 0);
    ASSERT_TRUE(flags & FD_CLOEXEC);
    ASSERT_EQ(fstat(priv, &a), 0);
    ASSERT_EQ(fstat(fd, &b), 0);
    ASSERT_TRUE(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_count_fds(), nb); /* closed by mmf_close */
    ASSERT_EQ(fcntl(priv, F_GETFD), -1);
    close(fd);
}

static void
trackfd_on_caller_may_close_its_fd(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    uint64_t size = 0;
    unsigned char b;
    int fd, nfds;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    nfds = h_count_fds();
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    close(fd);
    ASSERT_OK(mmf_get_byte(&m, PAGE + 3, &b));
    ASSERT_EQ(b, h_pattern(PAGE + 3));
    ASSERT_OK(mmf_set_byte(&m, 0, 'Z'));
    ASSERT_OK(mmf_size(&m, &size));
    ASSERT_UEQ(size, 2 * PAGE);
    ASSERT_OK(mmf_resize(&m, 3 * PAGE));
    ASSERT_EQ(h_file_size(path), (long long)(3 * PAGE));
    ASSERT_OK(mmf_flush(&m, 0, 3 * PAGE, 0));
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_count_fds(), nfds - 1);
    {
        unsigned char c;
        ASSERT_EQ(h_read_file(path, &c, 1), 1);
        ASSERT_EQ(c, 'Z');
    }
}

static void
trackfd_off_adds_no_fd(void **state)
{
    mmf_map m = {0};
    uint64_t size;
    int fd, nfds;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, NULL);
    nfds = h_count_fds();
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 0);
    ASSERT_EQ(h_count_fds(), nfds);
    ASSERT_UEQ(h_len(&m), 2 * PAGE); /* length 0 still uses the file size */
    close(fd);                       /* the map does not need it */
    ASSERT_OK(mmf_set_byte(&m, 1, 'q'));
    ASSERT_ST(mmf_size(&m, &size), MMF_ENOTRACK);
    ASSERT_ST(mmf_resize(&m, PAGE), MMF_ENOTRACK);
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(h_count_fds(), nfds - 1);
}

/* The caller closes the library's private fd behind its back (H-35). */
static void
private_fd_closed_by_caller(void **state)
{
    int before[256], after[256], nb, na, priv;
    char path[PATH_MAX];
    mmf_map m = {0};
    uint64_t size;
    unsigned char b;
    int fd;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    nb = h_list_fds(before, 256);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    na = h_list_fds(after, 256);
    priv = h_new_fd(before, nb, after, na);
    ASSERT_TRUE(priv >= 0);
    ASSERT_EQ(close(priv), 0);
    ASSERT_ESYS(&m, mmf_size(&m, &size), EBADF, NULL);
    ASSERT_ESYS(&m, mmf_resize(&m, 3 * PAGE), EBADF, NULL);
    ASSERT_EQ(h_file_size(path), (long long)(2 * PAGE));
    ASSERT_UEQ(h_len(&m), 2 * PAGE);
    ASSERT_OK(mmf_get_byte(&m, 7, &b)); /* the mapping itself is fine */
    ASSERT_EQ(b, h_pattern(7));
    ASSERT_OK(mmf_close(&m));
    ASSERT_EQ(mmf_closed(&m), 1);
    close(fd);
}

/* The private fd's number is reused by another file (H-36): the library must
 * neither truncate nor close that file. */
static void
private_fd_number_reused_by_another_file(void **state)
{
    int before[256], after[256], nb, na, priv, other, fd;
    char path[PATH_MAX], opath[PATH_MAX];
    mmf_map m = {0};
    uint64_t size;

    (void)state;
    fd = h_make_file(NULL, 2 * PAGE, path);
    other = h_make_file(NULL, 100, opath);
    nb = h_list_fds(before, 256);
    h_open_ok(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
    na = h_list_fds(after, 256);
    priv = h_new_fd(before, nb, after, na);
    ASSERT_TRUE(priv >= 0);
    ASSERT_EQ(close(priv), 0);
    ASSERT_EQ(dup2(other, priv), priv); /* same number, another file */

    ASSERT_ESYS(&m, mmf_size(&m, &size), EBADF, NULL);
    ASSERT_ESYS(&m, mmf_resize(&m, 3 * PAGE), EBADF, NULL);
    ASSERT_ESYS(&m, mmf_resize(&m, 10), EBADF, NULL);
    ASSERT_EQ(h_file_size(opath), 100);
    ASSERT_EQ(h_file_size(path), (long long)(2 * PAGE));
    ASSERT_OK(mmf_close(&m));
    ASSERT_TRUE(fcntl(priv, F_GETFD) >= 0); /* not closed by the library */
    ASSERT_EQ(h_file_size(opath), 100);
    close(priv);
    close(other);
    close(fd);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(resolve_access_all_cases),
        H_TEST(open_effective_access_behaviour),
        H_TEST(trackfd_on_keeps_a_cloexec_duplicate),
        H_TEST(trackfd_on_caller_may_close_its_fd),
        H_TEST(trackfd_off_adds_no_fd),
        H_TEST(private_fd_closed_by_caller),
        H_TEST(private_fd_number_reused_by_another_file),
    };

    (void)argc;
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("open_access", tests, h_group_setup,
                                       h_group_teardown);
}
