/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_bench.c: `withyou bench hash` and `withyou bench index`, built-in benchmarks in the manner
 * of `zstd -b`. Each prints one JSON object.
 *
 * bench hash reads the files into memory first, so the figures measure decoding and hashing, not
 * the disk. bench index builds an index of random codes, plants a neighbour at a random distance
 * within the radius for half of the queries, and searches: recall counts the planted neighbours
 * found, and every reported hit is re-checked against the codes, so false_hits must be 0. It also
 * times a plain read of a buffer as large as the index, the memory bandwidth a scan can hope for.
 */
#include "wy_setup.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "withyou/index.h"

const char cmd_bench_help[] =
    "usage: withyou bench hash [--jobs N] [--full-decode] [--fast-size PX] [--repeat R] PATH...\n"
    "       withyou bench index [--n N] [--queries Q] [--radius R] [--threads T] [--dihedral]\n"
    "                           [--batch B] [--index auto|flat|mih] [--seed S]\n"
    "\n"
    "Loads the images into memory, then fingerprints each one R times (default 1) and prints\n"
    "one JSON object: files, bytes, seconds (wall), images_per_s, and the time spent in\n"
    "digest, decode and hash summed over workers (digest_s, decode_s, hash_s), with the\n"
    "kernel set in use. Speed is measured here, never in tests.\n"
    "\n"
    "bench index builds an in-memory index of N random fingerprints (default 1000000), plants a\n"
    "neighbour at a random distance 0..R (default 31) for half of Q queries (default 1000) and\n"
    "searches on T threads (default 1), B queries per pass over memory (1..8, default 8), or the\n"
    "8 dihedral variants of each query with --dihedral; --index picks the structure (default\n"
    "auto: by size and radius). It prints build_s, bytes_per_hash, queries_per_s, scan_gb_per_s\n"
    "(index bytes scanned per second), read_gb_per_s (a plain read of as many bytes on one\n"
    "core), recall (planted neighbours found) and false_hits (reported hits beyond the radius:\n"
    "always 0).\n"
    "\n"
    "examples:\n"
    "  withyou bench hash --jobs 1 samples/orig\n"
    "  withyou bench index --n 10000000 --radius 31 --dihedral\n";

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
    return cli_hasher_new(run->ctx, &run->opts);
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
    static const struct cli_pool_ops ops = {bench_worker_new, cli_hasher_free, bench_work,
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

/* ---- bench index ---- */

struct ibench {
    struct wy_index *index;
    struct wy_pdq_hash *codes;   /* n codes; code i has id i */
    struct wy_pdq_hash *queries; /* per query: 1, or 8 dihedral variants */
    uint64_t *planted;           /* per query: the planted id, or UINT64_MAX */
    bool *found;
    uint64_t n;
    uint64_t queries_count;
    uint64_t radius;
    uint64_t threads;
    uint64_t batch;
    uint64_t seed;
    enum wy_index_kind kind;
    bool dihedral;
};

struct ibench_worker {
    struct ibench *b;
    size_t first; /* queries [first, last) */
    size_t last;
    uint64_t hits;
    uint64_t false_hits;
    size_t base; /* first query of the current call */
    pthread_t thread;
};

static uint64_t ibench_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static void ibench_random_hash(uint64_t *rng, struct wy_pdq_hash *h)
{
    for (size_t i = 0; i < WY_PDQ_BYTES; i += 8) {
        const uint64_t r = ibench_rand(rng);
        memcpy(h->bytes + i, &r, 8);
    }
}

static void ibench_flip(uint64_t *rng, struct wy_pdq_hash *h, unsigned bits)
{
    bool flipped[256] = {false};
    for (unsigned done = 0; done < bits;) {
        const unsigned bit = (unsigned)(ibench_rand(rng) % 256);
        if (!flipped[bit]) {
            flipped[bit] = true;
            h->bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            done++;
        }
    }
}

static size_t ibench_variants(const struct ibench *b)
{
    return b->dihedral ? WY_DIH_COUNT : 1;
}

/* Random queries; the even ones get a code of the index at 0..radius bits as a neighbour. */
static void ibench_make_queries(struct ibench *b, uint64_t *rng)
{
    const size_t v = ibench_variants(b);
    b->queries = cli_xmalloc(b->queries_count * v * sizeof *b->queries);
    b->planted = cli_xmalloc(b->queries_count * sizeof *b->planted);
    b->found = calloc(b->queries_count, sizeof *b->found);
    for (size_t q = 0; q < b->queries_count; q++) {
        struct wy_pdq_hash *variants = &b->queries[q * v];
        for (size_t i = 0; i < v; i++) {
            ibench_random_hash(rng, &variants[i]);
        }
        b->planted[q] = UINT64_MAX;
        if (q % 2 == 0 && b->n > 0) {
            const uint64_t target = ibench_rand(rng) % b->n;
            const unsigned bits = (unsigned)(ibench_rand(rng) % (b->radius + 1));
            struct wy_pdq_hash *planted = &variants[ibench_rand(rng) % v];
            *planted = b->codes[target];
            ibench_flip(rng, planted, bits > 256 ? 256 : bits);
            b->planted[q] = target;
        }
    }
}

/* Re-checks a hit against the codes and records a planted neighbour found. */
static bool ibench_hit(void *user, const struct wy_index_hit *hit)
{
    struct ibench_worker *w = user;
    const struct ibench *b = w->b;
    const size_t q = b->dihedral ? w->base : w->base + hit->query;
    const size_t variant = b->dihedral ? hit->query : 0;
    const struct wy_pdq_hash *query = &b->queries[q * ibench_variants(b) + variant];
    w->hits++;
    if (hit->id >= b->n || wy_pdq_distance(&b->codes[hit->id], query) != (int)hit->distance ||
        hit->distance > b->radius) {
        w->false_hits++;
        return true;
    }
    if (hit->id == b->planted[q]) {
        b->found[q] = true;
    }
    return true;
}

static void *ibench_search(void *user)
{
    struct ibench_worker *w = user;
    const struct ibench *b = w->b;
    const size_t step = b->dihedral ? 1 : b->batch;
    for (w->base = w->first; w->base < w->last; w->base += step) {
        const size_t count = w->last - w->base < step ? w->last - w->base : step;
        enum wy_status st;
        if (b->dihedral) {
            st = wy_index_range_dihedral(b->index, &b->queries[w->base * WY_DIH_COUNT],
                                         (unsigned)b->radius, ibench_hit, w);
        } else {
            st = wy_index_range(b->index, &b->queries[w->base], count, (unsigned)b->radius,
                                ibench_hit, w);
        }
        if (st != WY_OK) {
            cli_error("bench index: %s", wy_strerror(st));
            exit(CLI_EXIT_FAILED);
        }
    }
    return NULL;
}

/* Splits the queries across the threads (in whole batches) and runs them; seconds of wall time. */
static double ibench_run(struct ibench *b, struct ibench_worker *workers)
{
    const size_t step = b->dihedral ? 1 : b->batch;
    const size_t batches = (b->queries_count + step - 1) / step;
    const uint64_t t0 = cli_now_ns();
    for (size_t t = 0; t < b->threads; t++) {
        struct ibench_worker *w = &workers[t];
        w->b = b;
        w->first = batches * t / b->threads * step;
        w->last = batches * (t + 1) / b->threads * step;
        if (w->last > b->queries_count) {
            w->last = b->queries_count;
        }
        if (pthread_create(&w->thread, NULL, ibench_search, w) != 0) {
            cli_error("bench index: cannot start a thread");
            exit(CLI_EXIT_FAILED);
        }
    }
    for (size_t t = 0; t < b->threads; t++) {
        pthread_join(workers[t].thread, NULL);
    }
    return (double)(cli_now_ns() - t0) / 1e9;
}

/* Bytes per second of one core reading `len` bytes (best of three), for comparison with scans. */
static double ibench_read_bandwidth(const void *buf, size_t len)
{
    double best = 0;
    volatile uint64_t sink = 0;
    for (int rep = 0; rep < 3; rep++) {
        const uint64_t *p = buf;
        uint64_t acc[4] = {0, 0, 0, 0};
        const uint64_t t0 = cli_now_ns();
        for (size_t i = 0; i + 4 <= len / 8; i += 4) {
            acc[0] += p[i];
            acc[1] += p[i + 1];
            acc[2] += p[i + 2];
            acc[3] += p[i + 3];
        }
        const double secs = (double)(cli_now_ns() - t0) / 1e9;
        sink += acc[0] + acc[1] + acc[2] + acc[3];
        if (secs > 0 && (double)len / secs > best) {
            best = (double)len / secs;
        }
    }
    (void)sink;
    return best;
}

static bool ibench_parse_kind(const char *arg, enum wy_index_kind *kind)
{
    static const struct {
        const char *name;
        enum wy_index_kind kind;
    } kinds[] = {{"auto", WY_INDEX_AUTO}, {"flat", WY_INDEX_FLAT}, {"mih", WY_INDEX_MIH}};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        if (strcmp(arg, kinds[i].name) == 0) {
            *kind = kinds[i].kind;
            return true;
        }
    }
    cli_error("--index: expected auto, flat or mih, not '%s'", arg);
    return false;
}

static bool ibench_parse(int argc, char **argv, struct ibench *b)
{
    static const struct option opts[] = {
        {"n", required_argument, NULL, 'n'},
        {"queries", required_argument, NULL, 'q'},
        {"radius", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'},
        {"dihedral", no_argument, NULL, 'd'},
        {"batch", required_argument, NULL, 'b'},
        {"seed", required_argument, NULL, 's'},
        {"index", required_argument, NULL, 'i'},
        {NULL, 0, NULL, 0},
    };
    b->n = 1000000;
    b->queries_count = 1000;
    b->radius = 31;
    b->threads = 1;
    b->batch = 8;
    b->seed = 1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const bool ok =
            (c == 'n' && cli_parse_u64("--n", optarg, 1, 1ull << 31, &b->n)) ||
            (c == 'q' && cli_parse_u64("--queries", optarg, 1, 1ull << 30, &b->queries_count)) ||
            (c == 'r' && cli_parse_u64("--radius", optarg, 0, 256, &b->radius)) ||
            (c == 't' && cli_parse_u64("--threads", optarg, 1, 256, &b->threads)) ||
            (c == 'b' && cli_parse_u64("--batch", optarg, 1, 8, &b->batch)) ||
            (c == 's' && cli_parse_u64("--seed", optarg, 1, UINT64_MAX, &b->seed));
        if (c == 'd') {
            b->dihedral = true;
        } else if (c == 'i') {
            if (!ibench_parse_kind(optarg, &b->kind)) {
                return false;
            }
        } else if (!ok) {
            return false;
        }
    }
    return optind == argc;
}

/* Adds the n random codes; seconds taken. */
static double ibench_build(struct ibench *b, struct wy_ctx *ctx, uint64_t *rng)
{
    b->codes = cli_xmalloc(b->n * sizeof *b->codes);
    for (size_t i = 0; i < b->n; i++) {
        ibench_random_hash(rng, &b->codes[i]);
    }
    uint64_t *ids = cli_xmalloc(b->n * sizeof *ids);
    for (size_t i = 0; i < b->n; i++) {
        ids[i] = i;
    }
    const uint64_t t0 = cli_now_ns();
    enum wy_status st = wy_index_new(ctx, b->kind, &b->index);
    if (st == WY_OK) {
        st = wy_index_add_many(b->index, b->codes, ids, b->n);
    }
    free(ids);
    if (st != WY_OK) {
        cli_error("bench index: building the index: %s", wy_strerror(st));
        exit(CLI_EXIT_FAILED);
    }
    return (double)(cli_now_ns() - t0) / 1e9;
}

static void ibench_report(const struct ibench *b, const struct ibench_worker *workers,
                          double build_s, double search_s)
{
    uint64_t hits = 0, false_hits = 0, planted = 0, found = 0;
    for (size_t t = 0; t < b->threads; t++) {
        hits += workers[t].hits;
        false_hits += workers[t].false_hits;
    }
    for (size_t q = 0; q < b->queries_count; q++) {
        planted += b->planted[q] != UINT64_MAX;
        found += b->found[q];
    }
    const size_t per_pass = b->dihedral ? 1 : b->batch;
    const double passes = (double)((b->queries_count + per_pass - 1) / per_pass);
    const double scanned = passes * (double)b->n * WY_PDQ_BYTES;
    printf("{\"bench\":\"index\",\"n\":%llu,\"queries\":%llu,\"radius\":%llu,\"threads\":%llu,"
           "\"dihedral\":%s,\"batch\":%llu,\"index\":\"%s\",\"kernels\":\"%s\",\"build_s\":%.6f,"
           "\"bytes_per_hash\":%.2f,\"search_s\":%.6f,\"queries_per_s\":%.2f,"
           "\"scan_gb_per_s\":%.3f,\"read_gb_per_s\":%.3f,\"hits\":%llu,\"planted\":%llu,"
           "\"found\":%llu,\"recall\":%.6f,\"false_hits\":%llu}\n",
           (unsigned long long)b->n, (unsigned long long)b->queries_count,
           (unsigned long long)b->radius, (unsigned long long)b->threads,
           b->dihedral ? "true" : "false", (unsigned long long)per_pass,
           b->kind == WY_INDEX_MIH    ? "mih"
           : b->kind == WY_INDEX_FLAT ? "flat"
                                      : "auto",
           wy_index_impl(b->index), build_s, (double)wy_index_memory_bytes(b->index) / (double)b->n,
           search_s, (double)b->queries_count / search_s, scanned / search_s / 1e9,
           ibench_read_bandwidth(b->codes, b->n * sizeof *b->codes) / 1e9, (unsigned long long)hits,
           (unsigned long long)planted, (unsigned long long)found,
           planted ? (double)found / (double)planted : 1.0, (unsigned long long)false_hits);
}

static int bench_index(int argc, char **argv)
{
    struct ibench b;
    memset(&b, 0, sizeof b);
    if (!ibench_parse(argc, argv, &b)) {
        fputs(cmd_bench_help, stderr);
        return CLI_EXIT_USAGE;
    }
    struct wy_ctx *ctx = cli_ctx_new();
    uint64_t rng = b.seed;
    const double build_s = ibench_build(&b, ctx, &rng);
    ibench_make_queries(&b, &rng);
    struct ibench_worker *workers = calloc(b.threads, sizeof *workers);
    if (b.found == NULL || workers == NULL) {
        cli_error("bench index: out of memory");
        return CLI_EXIT_FAILED;
    }
    const double search_s = ibench_run(&b, workers);
    ibench_report(&b, workers, build_s, search_s);
    uint64_t false_hits = 0;
    for (size_t t = 0; t < b.threads; t++) {
        false_hits += workers[t].false_hits;
    }
    free(workers);
    wy_index_free(b.index);
    free(b.codes);
    free(b.queries);
    free(b.planted);
    free(b.found);
    wy_ctx_free(ctx);
    return false_hits ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

int cmd_bench(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "hash") == 0) {
        return bench_hash(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "index") == 0) {
        return bench_index(argc - 1, argv + 1);
    }
    fputs(cmd_bench_help, stderr);
    return CLI_EXIT_USAGE;
}
