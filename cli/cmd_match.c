/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_match.c: `withyou match`: is this picture or video registered? The library's matcher loads
 * the store's active fingerprints; pictures are searched with their 8 rotations and mirrors plus
 * their MD5, videos frame by frame and aligned in time. One line per match; a file with no match
 * prints nothing.
 */
#include "wy_setup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_match_help[] =
    "usage: withyou match [--db PATH] [--bank NAME] [--threshold N] [--format tsv|json|text]\n"
    "                     [--jobs N] PATH...\n"
    "\n"
    "Matches pictures and videos (files or directories) against the registered fingerprints:\n"
    "PDQ within the bank's threshold (or --threshold) over the 8 rotations and mirrors, and\n"
    "exact MD5. Videos are sampled once a second and their frames aligned in time with the\n"
    "registered videos (offset and speed), so excerpts, re-encodes, mirrors and speed changes\n"
    "are found together with where they are.\n"
    "\n"
    "One line per match. TSV columns query, distance, variant (which rotation or mirror; md5\n"
    "for an exact match), case, bank; a match involving a video adds query_start, query_end,\n"
    "ref_start, ref_end (seconds; empty for a picture's side), frames_matched and speed. JSON\n"
    "lines carry the same fields; --format text writes one sentence per match. Pictures whose\n"
    "PDQ quality is below the bank's floor are reported on stderr as low quality (their matches\n"
    "are still printed). Exit status: 0 done, 1 some file failed, 2 usage error.\n"
    "\n"
    "examples:\n"
    "  withyou match --bank main ~/Downloads/found\n"
    "  withyou match --format text reposted-clip.mp4\n";

struct match_query {
    struct wy_media_record rec;
    char *error; /* "reason" when the file could not be fingerprinted */
};

struct match_run {
    struct wy_ctx *ctx;
    struct wy_bank *bank;
    struct wy_matcher *matcher;
    struct wy_matcher_opts mopts;
    enum wy_codec_format format;
    struct cli_paths paths;
    struct match_query *queries;
    struct wy_hasher_opts opts;
    size_t failed;
    const char *query; /* the path being reported */
};

static bool print_match(void *user, const struct wy_match *m)
{
    struct match_run *run = user;
    struct wy_case_info c;
    struct wy_bank_info b;
    if (wy_bank_case_get(run->bank, m->case_id, &c) != WY_OK ||
        wy_bank_bank_get(run->bank, m->bank_id, &b) != WY_OK) {
        return true; /* withdrawn and deleted between load and now: nothing to report */
    }
    const bool exact = m->ref_kind == WY_FP_MD5;
    struct wy_match_row row = {
        .query = run->query,
        .distance = m->distance,
        .variant = exact ? "md5" : wy_dihedral_name(m->variant),
        .case_ref = c.ref,
        .bank = b.name,
        .video = m->query_time || m->ref_time,
        .query_time = m->query_time,
        .ref_time = m->ref_time,
        .q_start_ms = m->q_start_ms,
        .q_end_ms = m->q_end_ms,
        .r_start_ms = m->r_start_ms,
        .r_end_ms = m->r_end_ms,
        .frames_matched = m->frames_matched,
        .frames_total = m->frames_total,
        .speed = m->speed,
        .score = m->score,
    };
    char *line = NULL;
    if (wy_codec_match_line(run->ctx, &row, run->format, &line, NULL) == WY_OK) {
        fputs(line, stdout);
        wy_free(run->ctx, line);
    }
    return true;
}

static enum wy_status match_image(struct match_run *run, const char *path,
                                  const struct wy_hash_record *rec)
{
    const int floor = wy_matcher_min_quality(run->matcher);
    if (rec->quality < floor) {
        fprintf(stderr,
                "%s: low-quality picture (PDQ quality %d, floor %d): matches are "
                "unreliable\n",
                path, rec->quality, floor);
    }
    return wy_matcher_picture(run->matcher, rec, print_match, run);
}

static enum wy_status match_video(struct match_run *run, const char *path,
                                  const struct wy_video_fp *fp)
{
    const int floor = wy_matcher_min_quality(run->matcher);
    size_t usable = 0;
    for (size_t i = 0; i < fp->count; i++) {
        usable += fp->frames[i].quality >= floor;
    }
    if (usable * 2 < fp->count) {
        fprintf(stderr,
                "%s: %zu of %zu sampled frames are below the quality floor %d: matches are "
                "unreliable\n",
                path, fp->count - usable, fp->count, floor);
    }
    return wy_matcher_video(run->matcher, fp, print_match, run);
}

static void match_one(struct match_run *run, const char *path, const struct wy_media_record *rec)
{
    run->query = path;
    const enum wy_status st =
        rec->is_video ? match_video(run, path, &rec->video) : match_image(run, path, &rec->image);
    if (st != WY_OK) {
        fprintf(stderr, "%s: matching failed: %s\n", path, wy_strerror(st));
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
        wy_hasher_hash_media(worker, run->paths.items[i], &run->queries[i].rec, &diag);
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
    struct wy_media_record *rec = &run->queries[i].rec;
    if (rec->is_video && rec->video.truncated) {
        fprintf(stderr, "%s: warning: video is damaged; matched what could be decoded\n",
                run->paths.items[i]);
    }
    match_one(run, run->paths.items[i], rec);
    wy_video_fp_clear(run->ctx, &rec->video);
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
            run->mopts.threshold = (int)threshold;
        } else if (c == 'j' && cli_parse_u64("--jobs", optarg, 1, 1024, jobs)) {
            continue;
        } else if (c == 'f' && (strcmp(optarg, "tsv") == 0 || strcmp(optarg, "json") == 0 ||
                                strcmp(optarg, "text") == 0)) {
            run->format = strcmp(optarg, "tsv") == 0    ? WY_CODEC_TSV
                          : strcmp(optarg, "json") == 0 ? WY_CODEC_JSON
                                                        : WY_CODEC_TEXT;
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

/* Loads the matcher over one bank (by name) or all. */
static bool load_matcher(struct match_run *run, const char *bank_name)
{
    if (bank_name != NULL) {
        struct wy_bank_info b;
        if (wy_bank_bank_find(run->bank, bank_name, &b) != WY_OK) {
            cli_error("no bank named '%s'", bank_name);
            return false;
        }
        run->mopts.bank_id = b.id;
    }
    struct wy_diag diag;
    if (wy_matcher_new(run->ctx, run->bank, &run->mopts, &run->matcher, &diag) != WY_OK) {
        cli_error("%s", diag.msg);
        return false;
    }
    return true;
}

int cmd_match(int argc, char **argv)
{
    struct match_run run;
    memset(&run, 0, sizeof run);
    wy_hasher_opts_init(&run.opts);
    wy_matcher_opts_init(&run.mopts);
    run.opts.dihedral = true;
    run.opts.videos = true;
    run.opts.unframe = true; /* a copy framed in a border is searched without it too */
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
    cli_paths_collect(&run.paths, argv + optind, argc - optind);
    if (run.bank != NULL && load_matcher(&run, bank_name)) {
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
    cli_paths_free(&run.paths);
    wy_matcher_free(run.matcher);
    wy_bank_close(run.bank);
    wy_ctx_free(run.ctx);
    return rc;
}
