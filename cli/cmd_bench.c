/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_bench.c: `withyou bench hash`, a built-in benchmark in the manner of `zstd -b`. Files are
 * read into memory first, so the figures measure decoding and hashing, not the disk. Prints one
 * JSON object.
 */
#include "wy_setup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_bench_help[] =
    "usage: withyou bench hash [--jobs N] [--full-decode] [--fast-size PX] [--repeat R] PATH...\n"
    "\n"
    "Loads the images into memory, then fingerprints each one R times (default 1) and prints\n"
    "one JSON object: files, bytes, seconds (wall), images_per_s, and the time spent in\n"
    "digest, decode and hash summed over workers (digest_s, decode_s, hash_s), with the\n"
    "kernel set in use. Speed is measured here, never in tests.\n"
    "\n"
    "example:\n"
    "  withyou bench hash --jobs 1 samples/orig\n";

struct bench_run {
    struct wy_ctx *ctx;
    struct wy_hasher_opts opts;
    struct cli_paths paths;
    struct wy_bytes *data;
    uint64_t repeat;
    uint64_t *digest_ns;
    uint64_t *decode_ns;
    uint64_t *hash_ns;
    bool *failed;
    const char *impl;
};

static void *bench_worker_new(void *user)
{
    struct bench_run *run = user;
    struct wy_hasher *h = NULL;
    return wy_hasher_new(run->ctx, &run->opts, &h) == WY_OK ? h : NULL;
}

static void bench_worker_free(void *worker)
{
    wy_hasher_free(worker);
}

static void bench_work(void *worker, size_t i, void *user)
{
    struct bench_run *run = user;
    const size_t file = i % run->paths.count;
    struct wy_hash_record rec;
    struct wy_diag diag;
    if (wy_hasher_hash_memory(worker, run->data[file], &rec, &diag) != WY_OK) {
        run->failed[i] = true;
        return;
    }
    run->digest_ns[i] = rec.read_ns;
    run->decode_ns[i] = rec.decode_ns;
    run->hash_ns[i] = rec.hash_ns;
}

static void bench_emit(size_t i, void *user)
{
    (void)i;
    (void)user;
}

static int bench_hash(int argc, char **argv)
{
    static const struct option opts[] = {
        {"jobs", required_argument, NULL, 'j'},
        {"full-decode", no_argument, NULL, 'f'},
        {"repeat", required_argument, NULL, 'r'},
        {"fast-size", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    struct bench_run run;
    memset(&run, 0, sizeof run);
    wy_hasher_opts_init(&run.opts);
    uint64_t jobs = cli_cpu_count();
    run.repeat = 1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j' && cli_parse_u64("--jobs", optarg, 1, 1024, &jobs)) {
            continue;
        }
        if (c == 'r' && cli_parse_u64("--repeat", optarg, 1, 1000000, &run.repeat)) {
            continue;
        }
        uint64_t px;
        if (c == 's' && cli_parse_u64("--fast-size", optarg, 16, 65535, &px)) {
            run.opts.fast_size_px = (uint32_t)px;
            continue;
        }
        if (c == 'f') {
            run.opts.full_decode = true;
            continue;
        }
        fputs(cmd_bench_help, stderr);
        return CLI_EXIT_USAGE;
    }
    run.ctx = cli_ctx_new();
    cli_paths_collect(&run.paths, argv + optind, argc - optind);
    if (run.paths.count == 0) {
        cli_error("bench hash: no files");
        return CLI_EXIT_USAGE;
    }
    run.data = cli_xmalloc(run.paths.count * sizeof *run.data);
    uint64_t bytes = 0;
    for (size_t i = 0; i < run.paths.count; i++) {
        struct wy_diag diag;
        if (wy_file_read(run.ctx, run.paths.items[i], UINT64_MAX, &run.data[i], &diag) != WY_OK) {
            fprintf(stderr, "%s: %s\n", run.paths.items[i], diag.msg);
            return CLI_EXIT_FAILED;
        }
        bytes += run.data[i].len;
    }
    const size_t total = run.paths.count * run.repeat;
    run.digest_ns = calloc(total, sizeof(uint64_t));
    run.decode_ns = calloc(total, sizeof(uint64_t));
    run.hash_ns = calloc(total, sizeof(uint64_t));
    run.failed = calloc(total, sizeof(bool));
    struct wy_pdq_ws *ws = NULL;
    if (wy_pdq_ws_new(run.ctx, &ws) == WY_OK) {
        run.impl = wy_pdq_ws_impl(ws);
    }
    wy_pdq_ws_free(ws);
    static const struct cli_pool_ops ops = {bench_worker_new, bench_worker_free, bench_work,
                                            bench_emit};
    const uint64_t t0 = cli_now_ns();
    cli_pool_run(total, (unsigned)jobs, &ops, &run);
    const double secs = (double)(cli_now_ns() - t0) / 1e9;
    uint64_t dig = 0, dec = 0, hsh = 0;
    size_t failed = 0;
    for (size_t i = 0; i < total; i++) {
        dig += run.digest_ns[i];
        dec += run.decode_ns[i];
        hsh += run.hash_ns[i];
        failed += run.failed[i];
    }
    printf("{\"bench\":\"hash\",\"files\":%zu,\"repeat\":%llu,\"bytes\":%llu,\"jobs\":%llu,"
           "\"full_decode\":%s,\"kernels\":\"%s\",\"seconds\":%.6f,\"images_per_s\":%.2f,"
           "\"digest_s\":%.6f,\"decode_s\":%.6f,\"hash_s\":%.6f,\"failed\":%zu}\n",
           run.paths.count, (unsigned long long)run.repeat, (unsigned long long)bytes,
           (unsigned long long)jobs, run.opts.full_decode ? "true" : "false",
           run.impl ? run.impl : "?", secs, (double)total / secs, (double)dig / 1e9,
           (double)dec / 1e9, (double)hsh / 1e9, failed);
    for (size_t i = 0; i < run.paths.count; i++) {
        wy_free(run.ctx, (void *)run.data[i].ptr);
    }
    free(run.data);
    free(run.digest_ns);
    free(run.decode_ns);
    free(run.hash_ns);
    free(run.failed);
    cli_paths_free(&run.paths);
    wy_ctx_free(run.ctx);
    return failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "hash") != 0) {
        fputs(cmd_bench_help, stderr);
        return CLI_EXIT_USAGE;
    }
    return bench_hash(argc - 1, argv + 1);
}
