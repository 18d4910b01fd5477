/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli.h: shared pieces of the `withyou` program: the command table, input walking, the ordered
 * worker pool and progress display. The program uses only libwithyou's public API.
 */
#ifndef WY_CLI_CLI_H
#define WY_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/withyou.h"

/* Exit statuses shared by every command. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1 /* some input could not be processed */
#define CLI_EXIT_USAGE 2

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    const char *help; /* full text for `withyou help NAME`, with an example */
};

int cmd_hash(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_bank(int argc, char **argv);
int cmd_case(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_rekey(int argc, char **argv);
extern const char cmd_hash_help[];
extern const char cmd_bench_help[];
extern const char cmd_compare_help[];
extern const char cmd_init_help[];
extern const char cmd_bank_help[];
extern const char cmd_case_help[];
extern const char cmd_match_help[];
extern const char cmd_rekey_help[];

/* Aborting allocation for the program (the library never aborts). */
void *cli_xmalloc(size_t n);
void *cli_xrealloc(void *p, size_t n);
char *cli_xstrdup(const char *s);

/* Prints "withyou: msg" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Creates the program's context, honouring WY_CPU=scalar|popcnt|avx2|avx512. Exits on failure. */
struct wy_ctx *cli_ctx_new(void);

/* Parses a positive integer option value; false (and a message) when malformed. */
bool cli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Parses seconds with up to three decimals ("1", "0.5") into 1..3600000 ms, or says why not. */
bool cli_parse_seconds_ms(const char *opt, const char *text, uint32_t *out_ms);

/* A list of paths to process, in a stable order. */
struct cli_paths {
    char **items;
    size_t count;
    size_t cap;
    size_t errors; /* arguments that could not be listed (already reported on stderr) */
};

/*
 * Expands arguments: files as given, directories walked recursively in byte order of names
 * (symbolic links to directories are not followed), "-" reads one path per line from stdin.
 */
void cli_paths_collect(struct cli_paths *paths, char **args, int count);
void cli_paths_free(struct cli_paths *paths);

/* The store's path: --db, else $WITHYOU_DB, else ./withyou.db. */
const char *cli_store_path(const char *opt_db);

/* The key file for a store (caller frees), or NULL when the key is in $WITHYOU_KEY. */
char *cli_key_path(const char *db, const char *opt_key_file);

/* Where `withyou rekey` stages a new key: the key file's real path (links resolved) plus ".new";
 * caller frees. NULL (errno set) when the key file cannot be resolved. */
char *cli_key_new_path(const char *key_path);

/* Opens the store with its key; prints the reason and returns NULL on failure. */
struct wy_bank *cli_store_open(struct wy_ctx *ctx, const char *opt_db, const char *opt_key_file);

/* Number of online CPUs (at least 1). */
unsigned cli_cpu_count(void);

/*
 * Runs work(i) for i in [0, count) on `threads` threads and calls emit(i) on the calling thread
 * in increasing order of i as results become available. Each worker gets its own state from
 * worker_new (NULL on failure aborts the program).
 */
struct cli_pool_ops {
    void *(*worker_new)(void *user);
    void (*worker_free)(void *worker);
    void (*work)(void *worker, size_t index, void *user);
    void (*emit)(size_t index, void *user);
};
void cli_pool_run(size_t count, unsigned threads, const struct cli_pool_ops *ops, void *user);

/* True when argv[1] is one of the `count` verbs of a command such as `withyou bank VERB`. */
bool cli_is_verb(int argc, char **argv, const char *const *verbs, size_t count);

/* Worker state for the pool when each worker fingerprints files: a hasher (NULL when out of
 * memory, which the pool reports), and its release. */
void *cli_hasher_new(struct wy_ctx *ctx, const struct wy_hasher_opts *opts);
void cli_hasher_free(void *hasher);

/* Progress on stderr, only when it is a terminal; at most ten updates a second. */
struct cli_progress {
    bool enabled;
    const char *label;
    size_t total;
    uint64_t start_ns;
    uint64_t last_ns;
};
void cli_progress_init(struct cli_progress *p, const char *label, size_t total);
void cli_progress_update(struct cli_progress *p, size_t done);
void cli_progress_done(struct cli_progress *p);
uint64_t cli_now_ns(void);

#endif /* WY_CLI_CLI_H */
