/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_compare.c: `withyou compare`: which pictures are copies of which, without a bank. The
 * originals are fingerprinted with their 8 dihedral hashes, then every candidate is reported with
 * its nearest original. For a handful of pictures (a survivor's own check, a demo); a case bank
 * with an index is the tool for millions.
 */
#include "wy_setup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_compare_help[] =
    "usage: withyou compare [options] ORIGINALS CANDIDATE...\n"
    "\n"
    "Fingerprints the images under ORIGINALS (a file or directory) and each CANDIDATE (files\n"
    "or directories), and prints one TSV line per candidate: candidate, distance to the\n"
    "nearest original (0-256, over its 8 rotations and mirrors), variant (which rotation or\n"
    "mirror), original, and match (yes when distance <= threshold). Borders and crops are seen\n"
    "through: a candidate is also compared without its border or text bands, an original\n"
    "also by its centred crops. Low-quality fingerprints (quality < 50) are flagged in a sixth\n"
    "column, since they can match by chance.\n"
    "\n"
    "options:\n"
    "  --threshold N   match distance (default 31, PDQ's usual threshold)\n"
    "  --header        print a header line\n"
    "  --jobs N        worker threads (default: all cores)\n"
    "  --full-decode   decode every pixel (slower, bit-exact with the reference)\n"
    "\n"
    "exit status: 0 done, 1 some file could not be read, 2 usage error\n"
    "\n"
    "example:\n"
    "  withyou compare samples/orig samples/alt samples/distractors\n";

struct compare_set {
    struct cli_paths paths;
    struct wy_hash_record *recs;
    bool *ok;
    char **errors; /* per path: "reason" when it could not be hashed */
};

struct compare_run {
    struct wy_ctx *ctx;
    struct wy_hasher_opts opts;
    struct compare_set *set;
    size_t failed;
    struct cli_progress progress;
};

static void *compare_worker_new(void *user)
{
    struct compare_run *run = user;
    return cli_hasher_new(run->ctx, &run->opts);
}

static void compare_work(void *worker, size_t i, void *user)
{
    struct compare_run *run = user;
    struct wy_diag diag;
    const char *path = run->set->paths.items[i];
    const enum wy_status st = wy_hasher_hash_file(worker, path, &run->set->recs[i], &diag);
    run->set->ok[i] = st == WY_OK;
    if (st != WY_OK) {
        run->set->errors[i] = cli_xstrdup(diag.msg[0] ? diag.msg : wy_strerror(st));
    }
}

static void compare_emit(size_t i, void *user)
{
    struct compare_run *run = user;
    if (!run->set->ok[i]) {
        fprintf(stderr, "%s: %s\n", run->set->paths.items[i], run->set->errors[i]);
        free(run->set->errors[i]);
        run->failed++;
    }
    cli_progress_update(&run->progress, i + 1);
}

static void hash_set(struct compare_run *run, struct compare_set *set, unsigned jobs)
{
    set->recs = cli_xmalloc(sizeof *set->recs * (set->paths.count + 1));
    set->ok = cli_xmalloc(sizeof *set->ok * (set->paths.count + 1));
    set->errors = calloc(set->paths.count + 1, sizeof *set->errors);
    if (set->errors == NULL) {
        cli_error("out of memory");
        exit(CLI_EXIT_FAILED);
    }
    run->set = set;
    cli_progress_init(&run->progress, "fingerprinting", set->paths.count);
    static const struct cli_pool_ops ops = {compare_worker_new, cli_hasher_free, compare_work,
                                            compare_emit};
    cli_pool_run(set->paths.count, jobs, &ops, run);
    cli_progress_done(&run->progress);
    run->failed += set->paths.errors;
}

/* Smallest distance from any of the candidate's hashes (its own and its unframed views) to any
 * rotation or mirror of the original's hashes (its own and its centred crops). */
static int best_distance(const struct wy_hash_record *cand, const struct wy_hash_record *orig,
                         enum wy_dihedral *variant)
{
    const struct wy_pdq_hash *mine[1 + WY_VIEWS_MAX] = {&cand->pdq};
    size_t n_mine = 1;
    for (size_t k = 0; k < cand->view_count; k++) {
        mine[n_mine++] = &cand->views[k].pdq;
    }
    const struct wy_pdq_hash *theirs[1 + WY_VIEWS_MAX] = {orig->dihedral};
    size_t n_theirs = 1;
    for (size_t k = 0; k < orig->view_count; k++) {
        theirs[n_theirs++] = orig->views[k].dihedral;
    }
    int best = 257;
    for (size_t a = 0; a < n_mine; a++) {
        for (size_t b = 0; b < n_theirs; b++) {
            enum wy_dihedral v;
            const int d = wy_pdq_distance_dihedral(mine[a], theirs[b], &v);
            if (d < best) {
                best = d;
                *variant = v;
            }
        }
    }
    return best;
}

static void print_matches(const struct compare_set *orig, const struct compare_set *cand,
                          int threshold)
{
    for (size_t i = 0; i < cand->paths.count; i++) {
        if (!cand->ok[i]) {
            continue;
        }
        int best = 257;
        size_t best_j = 0;
        enum wy_dihedral best_v = WY_DIH_ORIGINAL;
        for (size_t j = 0; j < orig->paths.count; j++) {
            enum wy_dihedral v;
            const int d = orig->ok[j] ? best_distance(&cand->recs[i], &orig->recs[j], &v) : 257;
            if (d < best) {
                best = d;
                best_j = j;
                best_v = v;
            }
        }
        if (best > 256) {
            continue; /* no readable original */
        }
        const bool low = cand->recs[i].quality < 50 || orig->recs[best_j].quality < 50;
        printf("%s\t%d\t%s\t%s\t%s%s\n", cand->paths.items[i], best, wy_dihedral_name(best_v),
               orig->paths.items[best_j], best <= threshold ? "yes" : "no",
               low ? "\tlow-quality" : "");
    }
}

static void set_free(struct compare_set *set)
{
    free(set->recs);
    free(set->ok);
    free(set->errors);
    cli_paths_free(&set->paths);
}

int cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {
        {"threshold", required_argument, NULL, 't'},
        {"header", no_argument, NULL, 'H'},
        {"jobs", required_argument, NULL, 'j'},
        {"full-decode", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct compare_run run;
    memset(&run, 0, sizeof run);
    wy_hasher_opts_init(&run.opts);
    run.opts.dihedral = true;
    uint64_t threshold = WY_PDQ_MATCH_THRESHOLD;
    uint64_t jobs = cli_cpu_count();
    bool header = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 't' && cli_parse_u64("--threshold", optarg, 0, 256, &threshold)) {
            continue;
        }
        if (c == 'j' && cli_parse_u64("--jobs", optarg, 1, 1024, &jobs)) {
            continue;
        }
        if (c == 'H' || c == 'f') {
            header |= c == 'H';
            run.opts.full_decode |= c == 'f';
            continue;
        }
        if (c == 'h') {
            fputs(cmd_compare_help, stdout);
            return CLI_EXIT_OK;
        }
        fputs("try 'withyou help compare'\n", stderr);
        return CLI_EXIT_USAGE;
    }
    if (argc - optind < 2) {
        cli_error("compare: need ORIGINALS and at least one CANDIDATE");
        return CLI_EXIT_USAGE;
    }
    run.ctx = cli_ctx_new();
    struct compare_set orig = {0};
    struct compare_set cand = {0};
    cli_paths_collect(&orig.paths, argv + optind, 1);
    cli_paths_collect(&cand.paths, argv + optind + 1, argc - optind - 1);
    /* Views: the originals' centred crops (cropped copies), the candidates without borders and
     * bands (framed copies, screenshots, captions). */
    run.opts.zoom = true;
    hash_set(&run, &orig, (unsigned)jobs);
    run.opts.zoom = false;
    run.opts.unframe = true;
    hash_set(&run, &cand, (unsigned)jobs);
    if (header) {
        fputs("candidate\tdistance\tvariant\toriginal\tmatch\n", stdout);
    }
    print_matches(&orig, &cand, (int)threshold);
    set_free(&orig);
    set_free(&cand);
    wy_ctx_free(run.ctx);
    return run.failed > 0 ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}
