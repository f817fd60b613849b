/*
 * anonymous.c - the second example of Python's mmap documentation, in C:
 * an anonymous map used like a context (opened, written, always closed).
 */
#include <stdio.h>

#include <mmf.h>

#include "pyrepr.h"

int
main(void)
{
    mmf_map mm;
    unsigned char buf[13];
    size_t n;

    mmf_init(&mm);
    mmf_status s =
        mmf_open(&mm, MMF_ANONYMOUS, 13, MMF_MAP_SHARED,
                 MMF_PROT_READ | MMF_PROT_WRITE, MMF_ACCESS_DEFAULT, 0, 1);
    if (s == MMF_OK)
        s = mmf_write(&mm, "Hello world!", 12);
    /* What the Python example leaves unsaid: the bytes are there. */
    if (s == MMF_OK && (s = mmf_seek(&mm, 0, 0, NULL)) == MMF_OK
        && (s = mmf_read(&mm, buf, sizeof buf, &n)) == MMF_OK)
        print_bytes(buf, n);
    mmf_close(&mm); /* the "with" block's exit, on every path */
    if (s != MMF_OK) {
        fprintf(stderr, "anonymous: %s\n", mmf_strerror(s));
        return 1;
    }
    return 0;
}
