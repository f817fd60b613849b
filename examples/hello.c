/*
 * hello.c - the first example of Python's mmap documentation, in C:
 * write "Hello Python!" to a file, map it, readline, read a slice, write a
 * slice, seek, readline again.
 */
#include <stdio.h>
#include <stdlib.h>

#include <mmf.h>

#include "pyrepr.h"

static void
check(mmf_status s, const mmf_map *m, const char *what)
{
    if (s == MMF_OK)
        return;
    fprintf(stderr, "%s: %s (%s)\n", what, mmf_strerror(s),
            s == MMF_ESYS ? mmf_sysfunc(m) : "-");
    exit(1);
}

int
main(void)
{
    static const char text[] = "Hello Python!\n";
    unsigned char buf[64];
    size_t n;
    mmf_map mm;

    /* Standard C for the file (binary: no newline translation on
     * Windows); mmf_open() takes its descriptor, fileno(). */
    FILE *f = fopen("hello.txt", "w+b");
    if (f == NULL || fwrite(text, 1, sizeof text - 1, f) != sizeof text - 1
        || fflush(f) != 0) {
        perror("hello.txt");
        return 1;
    }
    mmf_init(&mm);
    /* Length 0 maps the whole file. */
    check(mmf_open(&mm, fileno(f), 0, MMF_MAP_SHARED,
                   MMF_PROT_READ | MMF_PROT_WRITE, MMF_ACCESS_DEFAULT, 0, 1),
          &mm, "open");
    check(mmf_readline(&mm, buf, sizeof buf, &n), &mm, "readline");
    print_bytes(buf, n); /* b'Hello Python!\n' */
    check(mmf_get_slice(&mm, 0, 1, 5, buf), &mm, "slice");
    print_bytes(buf, 5); /* b'Hello' */
    /* mm[6:] = b" world!\n": the new content has the same size. */
    check(mmf_set_slice(&mm, 6, 1, 8, " world!\n"), &mm, "slice write");
    check(mmf_seek(&mm, 0, 0, NULL), &mm, "seek");
    check(mmf_readline(&mm, buf, sizeof buf, &n), &mm, "readline");
    print_bytes(buf, n); /* b'Hello  world!\n' */
    check(mmf_close(&mm), &mm, "close");
    fclose(f);
    return 0;
}
