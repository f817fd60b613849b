/*
 * sysfault_ops.h - the operations that the system call failure injection
 * runs (test_syscall_faults_*.c, through sysfault_run.h): for each, how
 * its fixture is set up (a file, an anonymous map of some kind, a window)
 * and the call made under injection. Each test program picks its own
 * (fault_main() in sysfault_run.h).
 */
#ifndef MMF_TEST_SYSFAULT_OPS_H
#define MMF_TEST_SYSFAULT_OPS_H

#include "sysfault_table.h"

/* ---- operations under test ---------------------------------------------- */

enum kind { K_OPEN, K_CLOSE, K_OTHER };

#define FILE_LEN (3 * PAGE)

struct fixture {
    char path[PATH_MAX];
    int fd; /* the caller's fd, or -1 */
    mmf_map m;
    unsigned char *file_before; /* FILE_LEN + PAGE bytes */
    long long fsize_before;
    unsigned char *map_before; /* contents of the map before the op */
    size_t len_before, pos_before;
    uint64_t memfd_before; /* a memfd map: the memfd's size */
    uint64_t size_out;
    size_t resident_out;
};

struct op {
    const char *name;
    const char *slug; /* the test name suffix */
    enum kind kind;
    int file;       /* needs a file */
    int anon_flags; /* open an anonymous map with these flags (setup) */
    int64_t offset; /* the window opened in setup (file maps) */
    size_t length;
    mmf_status (*run)(struct fixture *f);
};

static mmf_status
run_open_track(struct fixture *f)
{
    return mmf_open(&f->m, f->fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 1);
}

static mmf_status
run_open_notrack(struct fixture *f)
{
    return mmf_open(&f->m, f->fd, 0, MAP_SHARED, RW, MMF_ACCESS_DEFAULT, 0, 0);
}

static mmf_status
run_open_window(struct fixture *f)
{
    return mmf_open(&f->m, f->fd, PAGE, MAP_SHARED, RW, MMF_ACCESS_COPY,
                    (int64_t)PAGE, 1);
}

static mmf_status
run_open_anon_shared(struct fixture *f)
{
    return mmf_open(&f->m, MMF_ANONYMOUS, 2 * PAGE, MAP_SHARED, RW,
                    MMF_ACCESS_DEFAULT, 0, 1);
}

static mmf_status
run_open_anon_private(struct fixture *f)
{
    return mmf_open(&f->m, MMF_ANONYMOUS, 2 * PAGE, MAP_PRIVATE, RW,
                    MMF_ACCESS_DEFAULT, 0, 1);
}

static mmf_status
run_close(struct fixture *f)
{
    return mmf_close(&f->m);
}

static mmf_status
run_flush(struct fixture *f)
{
    return mmf_flush(&f->m, 0, f->len_before, 0);
}

static mmf_status
run_madvise(struct fixture *f)
{
    return mmf_madvise(&f->m, MADV_WILLNEED, 0, SIZE_MAX);
}

static mmf_status
run_size(struct fixture *f)
{
    return mmf_size(&f->m, &f->size_out);
}

static mmf_status
run_resize_4p(struct fixture *f)
{
    return mmf_resize(&f->m, 4 * PAGE);
}

static mmf_status
run_resize_p10(struct fixture *f)
{
    return mmf_resize(&f->m, PAGE + 10);
}

static mmf_status
run_resize_p(struct fixture *f)
{
    return mmf_resize(&f->m, PAGE);
}

static mmf_status
run_set_name(struct fixture *f)
{
    return mmf_set_name(&f->m, "mmf-fault");
}

static mmf_status
run_open_memfd(struct fixture *f)
{
    return mmf_open_anon(&f->m, 2 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                         MMF_OPT_MEMFD);
}

static mmf_status
run_open_huge(struct fixture *f)
{
    return mmf_open_anon(&f->m, 2 * PAGE, MAP_PRIVATE, RW, MMF_ACCESS_DEFAULT,
                         MMF_OPT_HUGEPAGES);
}

static mmf_status
run_open_path(struct fixture *f)
{
    return mmf_open_path(&f->m, f->path, "r+", 0, 0);
}

static mmf_status
run_populate(struct fixture *f)
{
    return mmf_populate(&f->m, 1, SIZE_MAX, 0);
}

static mmf_status
run_populate_write(struct fixture *f)
{
    return mmf_populate(&f->m, 0, SIZE_MAX, 1);
}

static mmf_status
run_lock(struct fixture *f)
{
    return mmf_lock(&f->m, 0, SIZE_MAX);
}

static mmf_status
run_unlock(struct fixture *f)
{
    return mmf_unlock(&f->m, 0, SIZE_MAX);
}

static mmf_status
run_resident(struct fixture *f)
{
    return mmf_resident(&f->m, 0, SIZE_MAX, &f->resident_out);
}

static mmf_status
run_protect(struct fixture *f)
{
    return mmf_protect(&f->m, PROT_READ | PROT_WRITE);
}

static mmf_status
run_open_length(struct fixture *f)
{
    return mmf_open(&f->m, f->fd, 2 * PAGE, MAP_SHARED, RW, MMF_ACCESS_DEFAULT,
                    0, 1);
}

static const struct op ops[] = {
    {"open file, trackfd", "open_file", K_OPEN, 1, 0, 0, 0, run_open_track},
    {"open file, length given", "open_file_length", K_OPEN, 1, 0, 0, 0,
     run_open_length},
    {"open file, trackfd off", "open_file_notrack", K_OPEN, 1, 0, 0, 0,
     run_open_notrack},
    {"open file window, ACCESS_COPY", "open_file_window_copy", K_OPEN, 1, 0, 0,
     0, run_open_window},
    {"open anonymous shared", "open_anon_shared", K_OPEN, 0, 0, 0, 0,
     run_open_anon_shared},
    {"open anonymous private", "open_anon_private", K_OPEN, 0, 0, 0, 0,
     run_open_anon_private},
    {"close file map", "close_file", K_CLOSE, 1, 0, 0, 0, run_close},
    {"close anonymous map", "close_anon", K_CLOSE, 0, MAP_SHARED, 0, 0,
     run_close},
    {"flush", "flush", K_OTHER, 1, 0, 0, 0, run_flush},
    {"madvise", "madvise", K_OTHER, 1, 0, 0, 0, run_madvise},
    {"size", "size", K_OTHER, 1, 0, 0, 0, run_size},
    {"resize file grow", "resize_file_grow", K_OTHER, 1, 0, 0, 0,
     run_resize_4p},
    {"resize file shrink", "resize_file_shrink", K_OTHER, 1, 0, 0, 0,
     run_resize_p10},
    {"resize file window grow", "resize_window_grow", K_OTHER, 1, 0, 1, 1,
     run_resize_4p},
    {"resize file window shrink", "resize_window_shrink", K_OTHER, 1, 0, 1, 2,
     run_resize_p},
    {"resize anonymous private grow", "resize_anon_private_grow", K_OTHER, 0,
     MAP_PRIVATE, 0, 0, run_resize_4p},
    {"resize anonymous private shrink", "resize_anon_private_shrink", K_OTHER,
     0, MAP_PRIVATE, 0, 0, run_resize_p10},
    {"resize anonymous shared shrink", "resize_anon_shared_shrink", K_OTHER, 0,
     MAP_SHARED, 0, 0, run_resize_p},
    {"set_name", "set_name", K_OTHER, 0, MAP_PRIVATE, 0, 0, run_set_name},
    {"open anonymous memfd", "open_anon_memfd", K_OPEN, 0, 0, 0, 0,
     run_open_memfd},
    {"open anonymous, huge pages", "open_anon_huge", K_OPEN, 0, 0, 0, 0,
     run_open_huge},
    {"open by path r+", "open_path", K_OPEN, 1, 0, 0, 0, run_open_path},
    {"populate for reading", "populate", K_OTHER, 1, 0, 0, 0, run_populate},
    {"populate for writing", "populate_write", K_OTHER, 0, MAP_SHARED, 0, 0,
     run_populate_write},
    {"lock", "lock", K_OTHER, 1, 0, 0, 0, run_lock},
    {"unlock", "unlock", K_OTHER, 0, MAP_PRIVATE, 0, 0, run_unlock},
    {"resident", "resident", K_OTHER, 1, 0, 0, 0, run_resident},
    {"protect", "protect", K_OTHER, 1, 0, 0, 0, run_protect},
};

/* docs/hazards.md H-50: every resize path, on every kind of map. These ops
 * also give the anonymous map's options and a protection to set after
 * setup. */
struct op_ex {
    struct op op;
    unsigned options; /* mmf_open_anon()'s options */
    int protect;      /* if not 0: mmf_protect() with this after setup */
    int unaligned;    /* anonymous maps: 2 pages + 10 bytes, not 3 pages */
};

static const struct op_ex ops_ex[] = {
    {{"resize memfd grow", "resize_memfd_grow", K_OTHER, 0, MAP_SHARED, 0, 0,
      run_resize_4p},
     MMF_OPT_MEMFD,
     0,
     0},
    {{"resize memfd shrink", "resize_memfd_shrink", K_OTHER, 0, MAP_SHARED, 0,
      0, run_resize_p10},
     MMF_OPT_MEMFD,
     0,
     0},
    {{"resize anonymous private grow, read-only", "resize_anon_ro_grow",
      K_OTHER, 0, MAP_PRIVATE, 0, 0, run_resize_4p},
     0,
     PROT_READ,
     0},
    {{"resize anonymous private grow from 2 pages + 10, read-only",
      "resize_anon_ro_grow_unaligned", K_OTHER, 0, MAP_PRIVATE, 0, 0,
      run_resize_4p},
     0,
     PROT_READ,
     1},
    {{"resize anonymous private grow from 2 pages + 10",
      "resize_anon_grow_unaligned", K_OTHER, 0, MAP_PRIVATE, 0, 0,
      run_resize_4p},
     0,
     0,
     1},
    {{"resize anonymous private shrink, read-only", "resize_anon_ro_shrink",
      K_OTHER, 0, MAP_PRIVATE, 0, 0, run_resize_p10},
     0,
     PROT_READ,
     0},
    {{"resize anonymous private grow, huge pages option",
      "resize_anon_hugeopt_grow", K_OTHER, 0, MAP_PRIVATE, 0, 0,
      run_resize_4p},
     MMF_OPT_HUGEPAGES,
     0,
     0},
    {{"resize file grow, read-only", "resize_file_ro_grow", K_OTHER, 1, 0, 0,
      0, run_resize_4p},
     0,
     PROT_READ,
     0},
    {{"resize file window grow, read-only", "resize_window_ro_grow", K_OTHER,
      1, 0, 1, 1, run_resize_4p},
     0,
     PROT_READ,
     0},
    {{"resize file window shrink, read-only", "resize_window_ro_shrink",
      K_OTHER, 1, 0, 1, 2, run_resize_p},
     0,
     PROT_READ,
     0},
};

#endif /* MMF_TEST_SYSFAULT_OPS_H */
