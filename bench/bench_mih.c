/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_mih.c: speed of multi-index hashing (lib/index/index_mih.c) on the workload, so
 * that the index's choice between MIH and the flat scan rests on measured figures.
 *
 * N random 256-bit codes; Q queries, half of them a stored code with a random 0..31 bits flipped
 * (a planted neighbour), half random; one thread. Prints one JSON line per run: build seconds,
 * bytes per code, queries/s, recall over the planted neighbours (must be 1), and the number of
 * sampled queries whose full result differed from a naive scan (must be 0). With --flat it also
 * times the library's flat scan (wy_index, WY_INDEX_FLAT) on the same queries, one per call and
 * eight per call, to locate the radius where the flat scan takes over.
 *
 * Usage: bench_mih [--n N] [--queries Q] [--radius R] [--m 16|32] [--seed S] [--flat]
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "index/index_mih.h"
#include "withyou/withyou.h"

#define PLANT_MAX_FLIPS 32 /* planted neighbours are 0..31 bits away */
#define EXACT_SAMPLES 8    /* queries checked against a naive scan */

struct bench_opts {
    size_t n;
    size_t queries;
    unsigned radius;
    unsigned m;
    uint64_t seed;
    bool flat;
};

struct bench_data {
    struct wy_pdq_hash *codes;
    struct wy_pdq_hash *queries;
    size_t *planted; /* the planted code's index, or SIZE_MAX */
};

/* What the hit callback tracks for one query. */
struct tally {
    uint64_t want_id;
    bool found;
    size_t hits;
};

static uint64_t bench_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static void bench_random_code(uint64_t *seed, struct wy_pdq_hash *h)
{
    for (size_t i = 0; i < WY_PDQ_BYTES; i += 8) {
        const uint64_t r = bench_rand(seed);
        memcpy(&h->bytes[i], &r, 8);
    }
}

static void bench_flip(uint64_t *seed, struct wy_pdq_hash *h, unsigned flips)
{
    bool done[256] = {false};
    for (unsigned i = 0; i < flips;) {
        const unsigned bit = (unsigned)(bench_rand(seed) % 256);
        if (!done[bit]) {
            done[bit] = true;
            h->bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            i++;
        }
    }
}

static void bench_make_data(const struct bench_opts *o, struct bench_data *d)
{
    uint64_t seed = o->seed;
    d->codes = malloc(o->n * sizeof *d->codes);
    d->queries = malloc(o->queries * sizeof *d->queries);
    d->planted = malloc(o->queries * sizeof *d->planted);
    if (d->codes == NULL || d->queries == NULL || d->planted == NULL) {
        fprintf(stderr, "bench_mih: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < o->n; i++) {
        bench_random_code(&seed, &d->codes[i]);
    }
    for (size_t q = 0; q < o->queries; q++) {
        d->planted[q] = SIZE_MAX;
        if (q % 2 == 0 && o->n > 0) {
            d->planted[q] = (size_t)(bench_rand(&seed) % o->n);
            d->queries[q] = d->codes[d->planted[q]];
            bench_flip(&seed, &d->queries[q], (unsigned)(bench_rand(&seed) % PLANT_MAX_FLIPS));
        } else {
            bench_random_code(&seed, &d->queries[q]);
        }
    }
}

static bool bench_count(void *user, const struct wy_index_hit *hit)
{
    struct tally *t = user;
    t->hits++;
    t->found |= hit->id == t->want_id;
    return true;
}

static double bench_seconds_since(uint64_t start_ns)
{
    return (double)(wy__now_ns() - start_ns) / 1e9;
}

/* Queries with a naive scan's hit count differing from MIH's, over the first few queries. */
static size_t bench_exact_mismatches(const struct bench_opts *o, const struct bench_data *d,
                                     const struct wy__mih *mih)
{
    size_t bad = 0;
    for (size_t q = 0; q < EXACT_SAMPLES && q < o->queries; q++) {
        size_t naive = 0;
        for (size_t i = 0; i < o->n; i++) {
            naive += (unsigned)wy_pdq_distance(&d->codes[i], &d->queries[q]) <= o->radius;
        }
        struct tally t = {.want_id = UINT64_MAX};
        if (wy__mih_range(mih, &d->queries[q], 1, o->radius, bench_count, &t) != WY_OK) {
            return SIZE_MAX;
        }
        bad += t.hits != naive;
    }
    return bad;
}

static int bench_mih_run(const struct bench_opts *o, const struct bench_data *d, struct wy_ctx *ctx)
{
    struct wy__mih *mih = NULL;
    if (wy__mih_new(ctx, o->m, &mih) != WY_OK) {
        return 1;
    }
    const uint64_t build_start = wy__now_ns();
    for (size_t i = 0; i < o->n; i++) {
        if (wy__mih_add(mih, &d->codes[i], i) != WY_OK) {
            wy__mih_free(mih);
            return 1;
        }
    }
    const double build_s = bench_seconds_since(build_start);
    size_t planted = 0;
    size_t found = 0;
    size_t hits = 0;
    const uint64_t query_start = wy__now_ns();
    for (size_t q = 0; q < o->queries; q++) {
        struct tally t = {.want_id = d->planted[q]};
        if (wy__mih_range(mih, &d->queries[q], 1, o->radius, bench_count, &t) != WY_OK) {
            wy__mih_free(mih);
            return 1;
        }
        planted += d->planted[q] != SIZE_MAX;
        found += d->planted[q] != SIZE_MAX && t.found;
        hits += t.hits;
    }
    const double query_s = bench_seconds_since(query_start);
    printf("{\"structure\":\"mih\",\"m\":%u,\"n\":%zu,\"queries\":%zu,\"radius\":%u,"
           "\"build_s\":%.3f,\"bytes_per_code\":%.1f,\"qps\":%.0f,\"recall\":%.4f,"
           "\"hits\":%zu,\"exact_mismatches\":%zu}\n",
           o->m, o->n, o->queries, o->radius, build_s,
           o->n ? (double)wy__mih_memory_bytes(mih) / (double)o->n : 0.0,
           (double)o->queries / query_s, planted ? (double)found / (double)planted : 1.0, hits,
           bench_exact_mismatches(o, d, mih));
    fflush(stdout);
    wy__mih_free(mih);
    return 0;
}

/* The flat scan on the same queries: `batch` queries per call (1, or 8 as for dihedral). */
static int bench_flat_run(const struct bench_opts *o, const struct bench_data *d,
                          struct wy_ctx *ctx, size_t batch)
{
    struct wy_index *index = NULL;
    if (wy_index_new(ctx, WY_INDEX_FLAT, &index) != WY_OK) {
        return 1;
    }
    for (size_t i = 0; i < o->n; i++) {
        if (wy_index_add(index, &d->codes[i], i) != WY_OK) {
            wy_index_free(index);
            return 1;
        }
    }
    /* About 2 * 10^9 code comparisons, so that 10^7 codes stay within a minute. */
    size_t queries = o->n ? 2000000000u / o->n * batch : o->queries;
    queries = queries > o->queries ? o->queries : queries;
    queries -= queries % batch;
    struct tally t = {.want_id = UINT64_MAX};
    const uint64_t start = wy__now_ns();
    for (size_t q = 0; q + batch <= queries; q += batch) {
        if (wy_index_range(index, &d->queries[q], batch, o->radius, bench_count, &t) != WY_OK) {
            wy_index_free(index);
            return 1;
        }
    }
    const double seconds = bench_seconds_since(start);
    printf("{\"structure\":\"flat\",\"impl\":\"%s\",\"batch\":%zu,\"n\":%zu,\"queries\":%zu,"
           "\"radius\":%u,\"qps\":%.0f}\n",
           wy_index_impl(index), batch, o->n, queries, o->radius, (double)queries / seconds);
    fflush(stdout);
    wy_index_free(index);
    return 0;
}

static bool bench_parse(int argc, char **argv, struct bench_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const bool has_value = i + 1 < argc;
        if (strcmp(argv[i], "--flat") == 0) {
            o->flat = true;
        } else if (has_value && strcmp(argv[i], "--n") == 0) {
            o->n = strtoull(argv[++i], NULL, 10);
        } else if (has_value && strcmp(argv[i], "--queries") == 0) {
            o->queries = strtoull(argv[++i], NULL, 10);
        } else if (has_value && strcmp(argv[i], "--radius") == 0) {
            o->radius = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (has_value && strcmp(argv[i], "--m") == 0) {
            o->m = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (has_value && strcmp(argv[i], "--seed") == 0) {
            o->seed = strtoull(argv[++i], NULL, 10) | 1;
        } else {
            return false;
        }
    }
    return o->queries > 0;
}

int main(int argc, char **argv)
{
    struct bench_opts o = {.n = 1000000, .queries = 10000, .radius = 31, .m = 16, .seed = 42};
    if (!bench_parse(argc, argv, &o)) {
        fprintf(stderr, "usage: bench_mih [--n N] [--queries Q] [--radius R] [--m 16|32] "
                        "[--seed S] [--flat]\n");
        return 2;
    }
    struct wy_ctx *ctx = NULL;
    if (wy_ctx_new(NULL, &ctx) != WY_OK) {
        return 1;
    }
    struct bench_data d;
    bench_make_data(&o, &d);
    int rc = bench_mih_run(&o, &d, ctx);
    if (rc == 0 && o.flat) {
        rc = bench_flat_run(&o, &d, ctx, 1);
    }
    if (rc == 0 && o.flat) {
        rc = bench_flat_run(&o, &d, ctx, 8);
    }
    free(d.codes);
    free(d.queries);
    free(d.planted);
    wy_ctx_free(ctx);
    if (rc != 0) {
        fprintf(stderr, "bench_mih: a library call failed\n");
    }
    return rc;
}
