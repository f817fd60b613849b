/*
 * test_syscall_faults_map.c - system call failure injection
 * (sysfault_run.h, docs/hazards.md H-39) in the operations on an open map
 * other than resize: close, flush, madvise, size, set_name, populate, lock,
 * unlock, resident, protect.
 */
#include "sysfault_run.h"

static int
is_map_call(const struct op *op)
{
    return op->kind != K_OPEN && !is_resize(op);
}

int
main(int argc, char **argv)
{
    (void)argc;
    return fault_main(argv, "syscall_faults_map", is_map_call, NULL, 0);
}
