/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_match.c: `withyou match`: is this picture registered? The active PDQ fingerprints of the
 * store (or of one bank) are loaded into an in-memory index; each query picture is hashed with its
 * 8 rotations and mirrors and searched in one pass, and its MD5 is looked up exactly. One line per
 * match: query, distance, variant, case, bank. A picture with no match prints nothing.
 */
#include "wy_setup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_match_help[] =
    "usage: withyou match [--db PATH] [--bank NAME] [--threshold N] [--format tsv|json]\n"
    "                     [--jobs N] PATH...\n"
    "\n"
    "Matches pictures (files or directories) against the registered fingerprints: PDQ within\n"
    "the bank's threshold (or --threshold) over the picture's 8 rotations and mirrors, and\n"
    "exact MD5. One line per match: TSV columns query, distance, variant (which rotation or\n"
    "mirror; md5 for an exact match), case, bank; JSON lines with the same fields. Pictures\n"
    "whose PDQ quality is below the bank's floor are reported on stderr as low quality (their\n"
    "matches are still printed). Exit status: 0 done, 1 some file failed, 2 usage error.\n"
    "\n"
    "example:\n"
    "  withyou match --bank main ~/Downloads/found\n";

/* What the index's ids (fingerprint ids) point to, sorted by id for binary search. */
struct fp_meta {
    int64_t fp_id;
    int64_t case_id;
    int64_t bank_id;
};

struct match_query {
    struct wy_hash_record rec;
    char *error; /* "reason" when the picture could not be fingerprinted */
};

struct match_run {
    struct wy_ctx *ctx;
    struct wy_bank *bank;
    struct wy_index *index;
    struct fp_meta *meta; /* sorted by fp_id (the store scans in id order) */
    size_t meta_count;
    size_t meta_cap;
    int64_t only_bank;    /* 0: every bank */
    int radius;           /* largest threshold searched */
    bool fixed_threshold; /* --threshold given: it overrides each bank's own */
    int min_quality;      /* lowest floor among the searched banks */
    enum wy_codec_format format;
    struct cli_paths paths;
    struct match_query *queries;
    struct wy_hasher_opts opts;
    size_t failed;
};

static bool load_fp(void *user, const struct wy_fingerprint *fp)
{
    struct match_run *run = user;
    struct wy_pdq_hash h;
    memcpy(h.bytes, fp->value, WY_PDQ_BYTES);
    if (wy_index_add(run->index, &h, (uint64_t)fp->id) != WY_OK) {
        cli_error("cannot load fingerprint %lld into the index", (long long)fp->id);
        exit(CLI_EXIT_FAILED);
    }
    if (run->meta_count == run->meta_cap) {
        run->meta_cap = run->meta_cap ? run->meta_cap * 2 : 1024;
        run->meta = cli_xrealloc(run->meta, run->meta_cap * sizeof *run->meta);
    }
    run->meta[run->meta_count++] = (struct fp_meta){fp->id, fp->case_id, fp->bank_id};
    return true;
}

static const struct fp_meta *find_meta(const struct match_run *run, int64_t fp_id)
{
    size_t lo = 0;
    size_t hi = run->meta_count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (run->meta[mid].fp_id < fp_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < run->meta_count && run->meta[lo].fp_id == fp_id ? &run->meta[lo] : NULL;
}

/* The search radius and quality floor over the banks searched. */
static bool scan_bank_limits(void *user, const struct wy_bank_info *info)
{
    struct match_run *run = user;
    if (run->only_bank == 0 || run->only_bank == info->id) {
        if (!run->fixed_threshold && info->threshold > run->radius) {
            run->radius = info->threshold;
        }
        if (info->min_quality < run->min_quality) {
            run->min_quality = info->min_quality;
        }
    }
    return true;
}

static void print_match(struct match_run *run, const char *query, int distance, const char *variant,
                        int64_t case_id, int64_t bank_id)
{
    struct wy_case_info c;
    struct wy_bank_info b;
    if (wy_bank_case_get(run->bank, case_id, &c) != WY_OK ||
        wy_bank_bank_get(run->bank, bank_id, &b) != WY_OK) {
        return; /* withdrawn and deleted between load and now: nothing to report */
    }
    if (!run->fixed_threshold && distance > b.threshold) {
        return;
    }
    const struct wy_match_row row = {query, distance, variant, c.ref, b.name};
    char *line = NULL;
    if (wy_codec_match_line(run->ctx, &row, run->format, &line, NULL) == WY_OK) {
        fputs(line, stdout);
        wy_free(run->ctx, line);
    }
}

struct hit_list {
    struct wy_index_hit items[256];
    size_t count;
};

static bool keep_hit(void *user, const struct wy_index_hit *hit)
{
    struct hit_list *list = user;
    list->items[list->count++] = *hit;
    return list->count < sizeof list->items / sizeof list->items[0];
}

struct exact_ctx {
    struct match_run *run;
    const char *query;
};

static bool print_exact(void *user, const struct wy_fingerprint *fp)
{
    struct exact_ctx *e = user;
    if (e->run->only_bank == 0 || e->run->only_bank == fp->bank_id) {
        print_match(e->run, e->query, 0, "md5", fp->case_id, fp->bank_id);
    }
    return true;
}

static void match_one(struct match_run *run, const char *path, const struct wy_hash_record *rec)
{
    if (rec->quality < run->min_quality) {
        fprintf(stderr,
                "%s: low-quality picture (PDQ quality %d, floor %d): matches are "
                "unreliable\n",
                path, rec->quality, run->min_quality);
    }
    struct hit_list hits = {.count = 0};
    if (wy_index_range_dihedral(run->index, rec->dihedral, (unsigned)run->radius, keep_hit,
                                &hits) != WY_OK) {
        return;
    }
    for (size_t i = 0; i < hits.count; i++) {
        const struct fp_meta *m = find_meta(run, (int64_t)hits.items[i].id);
        if (m != NULL) {
            print_match(run, path, hits.items[i].distance,
                        wy_dihedral_name((enum wy_dihedral)hits.items[i].query), m->case_id,
                        m->bank_id);
        }
    }
    struct exact_ctx e = {run, path};
    if (wy_bank_fp_lookup(run->bank, WY_FP_MD5, rec->digest.md5, print_exact, &e) != WY_OK) {
        fprintf(stderr, "%s: exact lookup failed\n", path);
        run->failed++;
    }
}

static void *match_worker_new(void *user)
{
    struct match_run *run = user;
    return cli_hasher_new(run->ctx, &run->opts);
}

static void match_work(void *worker, size_t i, void *user)
{
    struct match_run *run = user;
    struct wy_diag diag;
    const enum wy_status st =
        wy_hasher_hash_file(worker, run->paths.items[i], &run->queries[i].rec, &diag);
    if (st != WY_OK) {
        run->queries[i].error = cli_xstrdup(diag.msg[0] ? diag.msg : wy_strerror(st));
    }
}

/* On the main thread, in input order: the store's connection belongs to this thread. */
static void match_emit(size_t i, void *user)
{
    struct match_run *run = user;
    if (run->queries[i].error != NULL) {
        fprintf(stderr, "%s: %s\n", run->paths.items[i], run->queries[i].error);
        free(run->queries[i].error);
        run->failed++;
        return;
    }
    match_one(run, run->paths.items[i], &run->queries[i].rec);
}

/* Parses options; returns -1 to go on, else the exit status. */
static int parse_match_args(int argc, char **argv, struct match_run *run, const char **db,
                            const char **key_file, const char **bank_name, uint64_t *jobs)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},     {"key-file", required_argument, NULL, 'k'},
        {"bank", required_argument, NULL, 'b'},   {"threshold", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'}, {"jobs", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    int c;
    uint64_t threshold;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'd' || c == 'k' || c == 'b') {
            *(c == 'd' ? db : c == 'k' ? key_file : bank_name) = optarg;
        } else if (c == 't' && cli_parse_u64("--threshold", optarg, 0, 256, &threshold)) {
            run->radius = (int)threshold;
            run->fixed_threshold = true;
        } else if (c == 'j' && cli_parse_u64("--jobs", optarg, 1, 1024, jobs)) {
            continue;
        } else if (c == 'f' && (strcmp(optarg, "tsv") == 0 || strcmp(optarg, "json") == 0)) {
            run->format = optarg[0] == 't' ? WY_CODEC_TSV : WY_CODEC_JSON;
        } else if (c == 'h') {
            fputs(cmd_match_help, stdout);
            return CLI_EXIT_OK;
        } else {
            fputs("try 'withyou help match'\n", stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("match: no PATH given");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* Loads the active PDQ fingerprints of the searched banks into the index. */
static bool load_index(struct match_run *run, const char *bank_name)
{
    if (bank_name != NULL) {
        struct wy_bank_info b;
        if (wy_bank_bank_find(run->bank, bank_name, &b) != WY_OK) {
            cli_error("no bank named '%s'", bank_name);
            return false;
        }
        run->only_bank = b.id;
    }
    run->min_quality = 101;
    if (wy_bank_bank_list(run->bank, scan_bank_limits, run) != WY_OK ||
        wy_index_new(run->ctx, WY_INDEX_AUTO, &run->index) != WY_OK ||
        wy_bank_fp_scan(run->bank, WY_FP_PDQ, run->only_bank, load_fp, run) != WY_OK) {
        cli_error("cannot load the fingerprints");
        return false;
    }
    run->min_quality = run->min_quality > 100 ? 0 : run->min_quality;
    return true;
}

int cmd_match(int argc, char **argv)
{
    struct match_run run;
    memset(&run, 0, sizeof run);
    wy_hasher_opts_init(&run.opts);
    run.opts.dihedral = true;
    const char *db = NULL;
    const char *key_file = NULL;
    const char *bank_name = NULL;
    uint64_t jobs = cli_cpu_count();
    const int early = parse_match_args(argc, argv, &run, &db, &key_file, &bank_name, &jobs);
    if (early >= 0) {
        return early;
    }
    run.ctx = cli_ctx_new();
    run.bank = cli_store_open(run.ctx, db, key_file);
    int rc = CLI_EXIT_FAILED;
    if (run.bank != NULL && load_index(&run, bank_name)) {
        cli_paths_collect(&run.paths, argv + optind, argc - optind);
        run.queries = calloc(run.paths.count + 1, sizeof *run.queries);
        if (run.queries == NULL) {
            cli_error("out of memory");
            exit(CLI_EXIT_FAILED);
        }
        static const struct cli_pool_ops ops = {match_worker_new, cli_hasher_free, match_work,
                                                match_emit};
        cli_pool_run(run.paths.count, (unsigned)jobs, &ops, &run);
        rc = run.failed + run.paths.errors > 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
    }
    free(run.queries);
    free(run.meta);
    cli_paths_free(&run.paths);
    wy_index_free(run.index);
    wy_bank_close(run.bank);
    wy_ctx_free(run.ctx);
    return rc;
}
