/* SPDX-License-Identifier: Apache-2.0 */
/*
 * regression_driver.c: a main() for building the fuzz targets without libFuzzer (gcc, or any
 * build without WY_BUILD_FUZZERS). Every argument is a file or a directory; each file, and each
 * regular file directly inside a directory (in name order, so runs are repeatable), is read whole
 * and passed once to LLVMFuzzerTestOneInput(). A harness reports a broken invariant by aborting,
 * so a replay that returns is a pass. Modelled on zstd tests/fuzz/regression_driver.c.
 */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* Larger than any committed corpus file; the fuzzers run with -max_len=65536. */
#define REPLAY_MAX_FILE_BYTES (16u << 20)

static int replay_file(const char *path)
{
    /* Named first: if the harness aborts, the last name printed is the culprit. */
    fprintf(stderr, "replay %s\n", path);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = malloc(REPLAY_MAX_FILE_BYTES);
    if (buf == NULL) {
        fclose(f);
        fprintf(stderr, "%s: out of memory\n", path);
        return -1;
    }
    const size_t len = fread(buf, 1, REPLAY_MAX_FILE_BYTES, f);
    const int failed = ferror(f) || !feof(f);
    fclose(f);
    if (failed) {
        free(buf);
        fprintf(stderr, "%s: read error or over %u bytes\n", path, REPLAY_MAX_FILE_BYTES);
        return -1;
    }
    /* Hand over an exact-size copy so a read past the end is caught by the sanitizers. */
    uint8_t *exact = malloc(len > 0 ? len : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    (void)LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays the regular files of `dir`; returns how many, or -1 on error. */
static long replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "%s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t count = 0;
    size_t cap = 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (grown == NULL) {
                break;
            }
            names = grown;
        }
        const size_t n = strlen(dir) + strlen(e->d_name) + 2;
        names[count] = malloc(n);
        if (names[count] == NULL) {
            break;
        }
        snprintf(names[count], n, "%s/%s", dir, e->d_name);
        count++;
    }
    closedir(d);
    if (count > 0) {
        qsort(names, count, sizeof *names, by_name);
    }
    long replayed = 0;
    for (size_t i = 0; i < count; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            if (replay_file(names[i]) != 0) {
                replayed = -1;
            } else if (replayed >= 0) {
                replayed++;
            }
        }
        free(names[i]);
    }
    free(names);
    return replayed;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    long total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        const long n = S_ISDIR(st.st_mode)         ? replay_dir(argv[i])
                       : replay_file(argv[i]) == 0 ? 1
                                                   : -1;
        if (n < 0) {
            return 1;
        }
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "no inputs found: an empty corpus tests nothing\n");
        return 1;
    }
    fprintf(stderr, "replayed %ld inputs\n", total);
    return 0;
}
