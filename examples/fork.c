/*
 * fork.c - the third example of Python's mmap documentation, in C: an
 * anonymous shared map written by the parent and read by a forked child.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mmf.h>

#include "pyrepr.h"

int
main(void)
{
    mmf_map mm;
    unsigned char buf[64];
    size_t n;

    mmf_init(&mm);
    if (mmf_open(&mm, MMF_ANONYMOUS, 13, MAP_SHARED, PROT_READ | PROT_WRITE,
                 MMF_ACCESS_DEFAULT, 0, 1)
            != MMF_OK
        || mmf_write(&mm, "Hello world!", 12) != MMF_OK) {
        fprintf(stderr, "fork: cannot set up the map\n");
        return 1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) { /* in the child */
        mmf_seek(&mm, 0, 0, NULL);
        if (mmf_readline(&mm, buf, sizeof buf, &n) == MMF_OK)
            print_bytes(buf, n);
        mmf_close(&mm);
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    mmf_close(&mm);
    return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
