/*
 * test_syscall_faults_open.c - system call failure injection
 * (sysfault_run.h, docs/hazards.md H-39) in the opens: files with and
 * without trackfd, a length, a window; anonymous maps, shared, private,
 * memfd, huge pages; mmf_open_path().
 */
#include "sysfault_run.h"

static int
is_open(const struct op *op)
{
    return op->kind == K_OPEN;
}

int
main(int argc, char **argv)
{
    (void)argc;
    return fault_main(argv, "syscall_faults_open", is_open, NULL, 0);
}
