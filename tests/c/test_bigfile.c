/*
 * test_bigfile.c - file offsets above 4 GiB: a map at such an
 * offset shows the bytes that are there, on every target, 32-bit ones
 * included (64-bit off_t, never truncated to 32 bits).
 */
#include "helpers.h"

#include <sys/wait.h>

#define GIB ((int64_t)1 << 30)

/* The offset mapped: 4 GiB + 3 pages. Cut to 32 bits it would be 3 pages,
 * where the file holds other bytes. */
static int64_t
high_offset(void)
{
    return 4 * GIB + 3 * (int64_t)PAGE;
}

static const char high_bytes[] = "above 4 GiB";
static const char low_bytes[] = "below 4 GiB";

/* A sparse 5 GiB file with high_bytes at high_offset() and low_bytes at
 * its low 32 bits; -1 when the file system cannot hold it. */
static int
make_big_file(char *path)
{
    int fd = h_make_file(NULL, 0, path);
    int64_t high = high_offset();

    if (ftruncate(fd, (off_t)(5 * GIB)) != 0
        || pwrite(fd, high_bytes, sizeof high_bytes, (off_t)high)
               != (ssize_t)sizeof high_bytes
        || pwrite(fd, low_bytes, sizeof low_bytes, (off_t)(high % (4 * GIB)))
               != (ssize_t)sizeof low_bytes) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Child mode "--map PATH": map the page at high_offset() and exit; run
 * under qemu -strace by strace_shows_offset(). */
static int
child_map(const char *path)
{
    mmf_map m = {0};
    int fd = open(path, O_RDONLY);

    PAGE = (size_t)sysconf(_SC_PAGESIZE);
    if (fd < 0
        || mmf_open(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_READ,
                    high_offset(), 1)
               != MMF_OK)
        return 1;
    mmf_close(&m);
    return 0;
}

/* qemu-user 7.2 for i386 cuts mmap2's offset to 32 bits itself, so the
 * bytes cannot show that libmmf passed it whole. Instead: the child maps
 * under `qemu-i386 -strace`, and the mmap2 call it logs must carry the
 * offset in pages (4 GiB + 3 pages: 0x100003 for 4 KiB pages). */
static void
assert_strace_shows_offset(const char *path)
{
    const char *qemu = getenv("MMF_TEST_QEMU");
    char log[PATH_MAX], want[64], line[512];
    int status = 0, found = 0, fd;
    FILE *f;
    pid_t pid;

    snprintf(log, sizeof log, "%s/strace.log", h_dir());
    snprintf(want, sizeof want, ",0x%llx)",
             (unsigned long long)(high_offset() / 4096));
    fflush(NULL);
    pid = fork();
    ASSERT_TRUE(pid >= 0);
    if (pid == 0) {
        fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, 2) < 0)
            _exit(126);
        execl(qemu, qemu, "-strace", h_argv0, "--map", path, (char *)NULL);
        _exit(127);
    }
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    f = fopen(log, "r");
    ASSERT_TRUE(f != NULL);
    while (fgets(line, sizeof line, f) != NULL)
        if (strstr(line, "mmap2(") != NULL && strstr(line, want) != NULL)
            found = 1;
    fclose(f);
    unlink(log);
    if (!found)
        fail_msg("qemu -strace shows no mmap2 call with offset %s", want);
    h_note("qemu-user 7.2 maps offset %lld at its low 32 bits itself; "
           "checked the system call instead: mmap2(..., %s",
           (long long)high_offset(), want + 1);
}

static void
offset_above_4gib_maps_the_bytes_there(void **state)
{
    char path[PATH_MAX];
    unsigned char got[sizeof high_bytes];
    mmf_map m = {0};
    int fd;

    (void)state;
    fd = make_big_file(path);
    if (fd < 0) {
        unlink(path);
        H_SKIP("the file system of %s cannot hold a sparse 5 GiB file (%s)",
               h_dir(), strerror(errno));
    }
    ASSERT_OK(mmf_open(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_READ,
                       high_offset(), 1));
    ASSERT_UEQ(mmf_offset(&m), high_offset());
    ASSERT_OK(mmf_get_slice(&m, 0, 1, sizeof got, got));
    ASSERT_OK(mmf_close(&m));
    if (memcmp(got, low_bytes, sizeof low_bytes) == 0 && sizeof(long) == 4
        && getenv("MMF_TEST_QEMU") != NULL)
        assert_strace_shows_offset(path);
    else
        ASSERT_MEM_EQ(got, high_bytes, sizeof high_bytes);
    close(fd);
}

/* An offset 32-bit Linux cannot pass to mmap2 (16 TiB and above) is
 * refused before the call; elsewhere the file's size decides. */
static void
offset_beyond_mmap2_is_refused(void **state)
{
    char path[PATH_MAX];
    mmf_map m = {0};
    int fd = h_make_file(NULL, PAGE, path);
    mmf_status st;

    (void)state;
    st = mmf_open(&m, fd, 0, MAP_SHARED, RW, MMF_ACCESS_READ, (int64_t)1 << 44,
                  1);
    ASSERT_ST(st, MMF_EOFFSET);
    if (ftruncate(fd, (off_t)(((int64_t)1 << 44) + (int64_t)PAGE)) == 0) {
        st = mmf_open(&m, fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_READ,
                      (int64_t)1 << 44, 1);
        if (sizeof(long) == 4)
            ASSERT_ST(st, MMF_EINVAL);
        else
            ASSERT_OK(st);
        mmf_close(&m);
    }
    ASSERT_EQ(mmf_closed(&m), 1);
    close(fd);
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        H_TEST(offset_above_4gib_maps_the_bytes_there),
        H_TEST(offset_beyond_mmap2_is_refused),
    };

    if (argc == 3 && strcmp(argv[1], "--map") == 0)
        return child_map(argv[2]);
    h_argv0 = argv[0];
    return cmocka_run_group_tests_name("bigfile", tests, h_group_setup,
                                       h_group_teardown);
}
