/*
 * replay.c - run the fuzz target over saved inputs without libFuzzer:
 * replay FILE|DIR... feeds every file (a directory's files, in name order)
 * to LLVMFuzzerTestOneInput. A failed check aborts, which fails the run.
 * Portable C with opendir(): it builds with mingw too (tools/win.sh).
 */
#define _POSIX_C_SOURCE 200809L /* strdup() under -std=c99 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_ops_write_statuses(FILE *out);

static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 1;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the folder at path, but . and .., sorted (opendir and
 * readdir: Windows' C runtime has no scandir); *count of them, or NULL. */
static char **
sorted_names(const char *path, int *count)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    int n = 0, cap = 0;

    if (d == NULL)
        return NULL;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            char **more = realloc(names, (size_t)cap * sizeof *names);
            if (more == NULL)
                break;
            names = more;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n > 0)
        qsort(names, (size_t)n, sizeof *names, by_name);
    *count = n;
    return names;
}

static int
replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return replay_file(path);
    int k = 0, count = 0;
    char **names = sorted_names(path, &k);
    for (int i = 0; i < k; i++) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        int r = replay_file(full);
        count = r < 0 || count < 0 ? -1 : count + r;
        free(names[i]);
    }
    free(names);
    return count;
}

int
main(int argc, char **argv)
{
    int total = 0;
    for (int i = 1; i < argc; i++) {
        int r = replay_path(argv[i]);
        if (r < 0)
            return 1;
        total += r;
    }
    printf("replay: %d inputs, all checks held\n", total);
    /* the statuses each function returned, for tests/fuzz/statuses.py */
    const char *path = getenv("MMF_FUZZ_STATUSES");
    if (path != NULL) {
        FILE *out = fopen(path, "w");
        if (out == NULL) {
            perror(path);
            return 1;
        }
        fuzz_ops_write_statuses(out);
        if (fclose(out) != 0) {
            perror(path);
            return 1;
        }
    }
    return total > 0 ? 0 : 1;
}
