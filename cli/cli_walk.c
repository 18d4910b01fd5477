/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_walk.c: turns command-line arguments into the list of files to process. Directory entries
 * are sorted by name (byte order, locale-independent) so output order is the same on every
 * machine; symbolic links to directories are not followed, which rules out cycles.
 */
#include "wy_setup.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static void paths_add(struct cli_paths *paths, char *owned)
{
    if (paths->count == paths->cap) {
        paths->cap = paths->cap ? paths->cap * 2 : 64;
        paths->items = cli_xrealloc(paths->items, paths->cap * sizeof *paths->items);
    }
    paths->items[paths->count++] = owned;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    const size_t n = strlen(dir);
    const bool slash = n > 0 && dir[n - 1] == '/';
    const size_t len = n + (slash ? 0 : 1) + strlen(name) + 1;
    char *p = cli_xmalloc(len);
    snprintf(p, len, "%s%s%s", dir, slash ? "" : "/", name);
    return p;
}

static void walk_dir(struct cli_paths *paths, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "%s: %s\n", dir, strerror(errno));
        paths->errors++;
        return;
    }
    char **names = NULL;
    size_t count = 0;
    size_t cap = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 32;
            names = cli_xrealloc(names, cap * sizeof *names);
        }
        names[count++] = cli_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        char *path = join(dir, names[i]);
        free(names[i]);
        struct stat sb;
        if (lstat(path, &sb) != 0) {
            fprintf(stderr, "%s: %s\n", path, strerror(errno));
            paths->errors++;
            free(path);
        } else if (S_ISDIR(sb.st_mode)) {
            walk_dir(paths, path);
            free(path);
        } else if (S_ISLNK(sb.st_mode) && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            free(path); /* a link to a directory: not followed */
        } else {
            paths_add(paths, path);
        }
    }
    free(names);
}

static void read_stdin_list(struct cli_paths *paths)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
            line[--n] = '\0';
        }
        if (n > 0) {
            paths_add(paths, cli_xstrdup(line));
        }
    }
    free(line);
}

void cli_paths_collect(struct cli_paths *paths, char **args, int count)
{
    for (int i = 0; i < count; i++) {
        struct stat sb;
        if (strcmp(args[i], "-") == 0) {
            read_stdin_list(paths);
        } else if (stat(args[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            walk_dir(paths, args[i]);
        } else {
            /* Files, and names that do not exist: the hasher reports those with the reason. */
            paths_add(paths, cli_xstrdup(args[i]));
        }
    }
}

void cli_paths_free(struct cli_paths *paths)
{
    for (size_t i = 0; i < paths->count; i++) {
        free(paths->items[i]);
    }
    free(paths->items);
    memset(paths, 0, sizeof *paths);
}
