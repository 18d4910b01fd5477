/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_index.c: the in-memory index against a naive model, for every kernel set the machine
 * supports.
 *
 * The model is a plain list of (hash, id) searched by wy_pdq_distance(), so it shares no code
 * with the index. Results are compared as sorted sets of (id, query, distance). Data are drawn
 * around the queries (a query with a random number of bits flipped) as well as uniformly, so
 * that every radius from 0 to 64 has hits to find and to reject; duplicates (one hash under many
 * ids) and repeated slots after removals are part of the mix. Each kernel level gets its own
 * context forced with wy_ctx_set_cpu(), so scalar, popcnt, AVX2 and AVX-512 all run here when the
 * machine has them.
 */
#include "wy_setup.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "withyou/index.h"

/* ---- the model ---- */

struct model {
    struct tsup_hashset set;
    uint16_t (*dist)[8]; /* optional: distances to the 8 test queries, for large models */
};

/* Caches the distances of every entry to q[0..8) (valid until the model changes). */
static void model_cache(struct model *m, const struct wy_pdq_hash *q)
{
    free(m->dist); /* a cache of the model before it changed */
    m->dist = calloc(m->set.size + 1, sizeof *m->dist);
    assert_non_null(m->dist);
    for (size_t i = 0; i < m->set.size; i++) {
        for (size_t k = 0; k < 8; k++) {
            m->dist[i][k] = (uint16_t)wy_pdq_distance(&m->set.hashes[i], &q[k]);
        }
    }
}

static unsigned model_distance(const struct model *m, size_t i, const struct wy_pdq_hash *q,
                               size_t k)
{
    return m->dist ? m->dist[i][k] : (unsigned)wy_pdq_distance(&m->set.hashes[i], &q[k]);
}

static void model_add(struct model *m, const struct wy_pdq_hash *h, uint64_t id)
{
    tsup_hashset_add(&m->set, h, id);
}

static void model_remove_at(struct model *m, size_t i)
{
    tsup_hashset_remove_at(&m->set, i);
}

static void model_free(struct model *m)
{
    tsup_hashset_free(&m->set);
    free(m->dist);
    m->dist = NULL;
}

/* ---- hit lists ---- */

struct hits {
    struct wy_index_hit *items;
    size_t count;
    size_t cap;
    size_t stop_after; /* 0: never stop */
};

static void hits_push(struct hits *h, uint64_t id, unsigned query, unsigned distance)
{
    if (h->count == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->items = realloc(h->items, h->cap * sizeof *h->items);
        assert_non_null(h->items);
    }
    h->items[h->count++] = (struct wy_index_hit){id, (uint16_t)distance, (uint8_t)query};
}

static bool collect(void *user, const struct wy_index_hit *hit)
{
    struct hits *h = user;
    hits_push(h, hit->id, hit->query, hit->distance);
    return h->stop_after == 0 || h->count < h->stop_after;
}

static int cmp_hit(const void *pa, const void *pb)
{
    const struct wy_index_hit *a = pa;
    const struct wy_index_hit *b = pb;
    if (a->id != b->id) {
        return a->id < b->id ? -1 : 1;
    }
    if (a->query != b->query) {
        return a->query < b->query ? -1 : 1;
    }
    return (int)a->distance - (int)b->distance;
}

static void assert_same_hits(struct hits *got, struct hits *want)
{
    assert_int_equal(got->count, want->count);
    if (got->count == 0) {
        return; /* qsort must not see the NULL of an empty list */
    }
    qsort(got->items, got->count, sizeof *got->items, cmp_hit);
    qsort(want->items, want->count, sizeof *want->items, cmp_hit);
    for (size_t i = 0; i < got->count; i++) {
        assert_int_equal(got->items[i].id, want->items[i].id);
        assert_int_equal(got->items[i].query, want->items[i].query);
        assert_int_equal(got->items[i].distance, want->items[i].distance);
    }
}

static void hits_free(struct hits *h)
{
    free(h->items);
    memset(h, 0, sizeof *h);
}

/* ---- data ---- */

/* Flips exactly `bits` distinct bits of h. */
static void flip_bits(uint64_t *rng, struct wy_pdq_hash *h, unsigned bits)
{
    uint8_t flipped[256] = {0};
    for (unsigned done = 0; done < bits;) {
        const unsigned b = (unsigned)(tsup_rand(rng) % 256);
        if (!flipped[b]) {
            flipped[b] = 1;
            h->bytes[b / 8] ^= (uint8_t)(1u << (b % 8));
            done++;
        }
    }
}

/* An entry near one of the queries (0..80 bits away), a duplicate, or uniform. */
static void entry_hash(uint64_t *rng, const struct wy_pdq_hash *queries, size_t nq,
                       const struct wy_pdq_hash *prev, struct wy_pdq_hash *h)
{
    const uint64_t r = tsup_rand(rng) % 8;
    if (r < 4) {
        *h = queries[tsup_rand(rng) % nq];
        flip_bits(rng, h, (unsigned)(tsup_rand(rng) % 81));
    } else if (r == 4 && prev != NULL) {
        *h = *prev;
    } else {
        tsup_random_hash(rng, h);
    }
}

/* ---- naive searches ---- */

static void naive_range(const struct model *m, const struct wy_pdq_hash *q, size_t nq,
                        unsigned radius, struct hits *out)
{
    for (size_t i = 0; i < m->set.size; i++) {
        for (size_t k = 0; k < nq; k++) {
            const unsigned d = model_distance(m, i, q, k);
            if (d <= radius) {
                hits_push(out, m->set.ids[i], (unsigned)k, d);
            }
        }
    }
}

static void naive_dihedral(const struct model *m, const struct wy_pdq_hash *q, unsigned radius,
                           struct hits *out)
{
    for (size_t i = 0; i < m->set.size; i++) {
        unsigned best = 1000;
        unsigned best_k = 0;
        for (unsigned k = 0; k < WY_DIH_COUNT; k++) {
            const unsigned d = model_distance(m, i, q, k);
            if (d < best) {
                best = d;
                best_k = k;
            }
        }
        if (best <= radius) {
            hits_push(out, m->set.ids[i], best_k, best);
        }
    }
}

/* ---- per-level contexts ---- */

struct level_ctx {
    struct tsup_alloc alloc;
    struct wy_ctx *ctx;
};

/* One context per supported level, scalar first; returns how many. */
static size_t levels_open(struct level_ctx out[4])
{
    size_t n = 0;
    for (int level = WY_CPU_SCALAR; level <= (int)wy_cpu_detect(); level++) {
        out[n].ctx = tsup_ctx_new(&out[n].alloc);
        wy_ctx_set_cpu(out[n].ctx, (enum wy_cpu_level)level);
        n++;
    }
    return n;
}

static void levels_close(struct level_ctx *levels, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        tsup_ctx_free_checked(levels[i].ctx, &levels[i].alloc);
    }
}

static struct wy_index *index_of_kind(struct wy_ctx *ctx, enum wy_index_kind kind,
                                      const struct model *m)
{
    struct wy_index *index = NULL;
    assert_int_equal(wy_index_new(ctx, kind, &index), WY_OK);
    for (size_t i = 0; i < m->set.size; i++) {
        assert_int_equal(wy_index_add(index, &m->set.hashes[i], m->set.ids[i]), WY_OK);
    }
    assert_int_equal(wy_index_size(index), m->set.size);
    return index;
}

static struct wy_index *index_from_model(struct wy_ctx *ctx, const struct model *m)
{
    return index_of_kind(ctx, WY_INDEX_FLAT, m);
}

/* Range search by the index and by the model must agree exactly. */
static void check_range(const struct wy_index *index, const struct model *m,
                        const struct wy_pdq_hash *q, size_t nq, unsigned radius)
{
    struct hits got = {0};
    struct hits want = {0};
    assert_int_equal(wy_index_range(index, q, nq, radius, collect, &got), WY_OK);
    naive_range(m, q, nq, radius, &want);
    assert_same_hits(&got, &want);
    hits_free(&got);
    hits_free(&want);
}

static void check_dihedral(const struct wy_index *index, const struct model *m,
                           const struct wy_pdq_hash *q, unsigned radius)
{
    struct hits got = {0};
    struct hits want = {0};
    assert_int_equal(wy_index_range_dihedral(index, q, radius, collect, &got), WY_OK);
    naive_dihedral(m, q, radius, &want);
    assert_same_hits(&got, &want);
    hits_free(&got);
    hits_free(&want);
}

/* ---- tests ---- */

static void build_model(uint64_t *rng, struct model *m, size_t n, const struct wy_pdq_hash *q,
                        size_t nq)
{
    for (size_t i = 0; i < n; i++) {
        struct wy_pdq_hash h;
        entry_hash(rng, q, nq, i ? &m->set.hashes[i - 1] : NULL, &h);
        /* Ids are sparse and large, as bank row ids may be. */
        model_add(m, &h, (uint64_t)i * 7919u + 0xfffffff0000ull);
    }
}

static void test_range_sizes_radii(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 8, 9, 63, 64, 65, 1000, 100000};
    struct level_ctx levels[4];
    const size_t nlevels = levels_open(levels);
    uint64_t rng = 0x1234567;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct wy_pdq_hash q[8];
        for (size_t k = 0; k < 8; k++) {
            tsup_random_hash(&rng, &q[k]);
        }
        struct model m = {0};
        build_model(&rng, &m, sizes[s], q, 8);
        model_cache(&m, q);
        /* Every kernel level with the scan, then multi-index hashing (which hands radii past
         * its limit to the scan). */
        for (size_t l = 0; l <= nlevels; l++) {
            struct wy_index *index = l < nlevels ? index_from_model(levels[l].ctx, &m)
                                                 : index_of_kind(levels[0].ctx, WY_INDEX_MIH, &m);
            for (unsigned radius = 0; radius <= 65; radius++) {
                const unsigned r = radius == 65 ? 256 : radius;
                const size_t nq = 1 + (radius + s) % 8;
                check_range(index, &m, q, nq, r);
                check_dihedral(index, &m, q, r);
            }
            wy_index_free(index);
        }
        model_free(&m);
    }
    levels_close(levels, nlevels);
}

/* Each level reports its own kernels (when SIMD is compiled in) and the same results. */
static void test_impl_names(void **state)
{
    (void)state;
    struct level_ctx levels[4];
    const size_t nlevels = levels_open(levels);
    for (size_t l = 0; l < nlevels; l++) {
        struct wy_index *index = NULL;
        assert_int_equal(wy_index_new(levels[l].ctx, WY_INDEX_AUTO, &index), WY_OK);
        assert_string_equal(wy_index_impl(index), wy_cpu_level_name((enum wy_cpu_level)l));
        assert_int_equal(wy_index_size(index), 0);
        assert_true(wy_index_memory_bytes(index) > 0);
        wy_index_free(index);
    }
    levels_close(levels, nlevels);
}

/* Random interleaved adds and removals; after each burst the index equals the model. */
static void test_add_remove_interleaved(void **state)
{
    (void)state;
    struct level_ctx levels[4];
    const size_t nlevels = levels_open(levels);
    for (size_t l = 0; l <= nlevels; l++) { /* the last pass: multi-index hashing */
        uint64_t rng = 99 + l;
        struct wy_pdq_hash q[8];
        for (size_t k = 0; k < 8; k++) {
            tsup_random_hash(&rng, &q[k]);
        }
        struct model m = {0};
        struct wy_index *index = l < nlevels ? index_from_model(levels[l].ctx, &m)
                                             : index_of_kind(levels[0].ctx, WY_INDEX_MIH, &m);
        uint64_t next_id = 0;
        for (unsigned round = 0; round < 60; round++) {
            const unsigned ops = (unsigned)(tsup_rand(&rng) % 300);
            /* Early rounds grow, later rounds mostly shrink, down to empty and back. */
            const uint64_t add_pct = round < 30 ? 70 : 35;
            for (unsigned i = 0; i < ops; i++) {
                if (m.set.size == 0 || tsup_rand(&rng) % 100 < add_pct) {
                    struct wy_pdq_hash h;
                    entry_hash(&rng, q, 8, m.set.size ? &m.set.hashes[m.set.size - 1] : NULL, &h);
                    assert_int_equal(wy_index_add(index, &h, next_id), WY_OK);
                    model_add(&m, &h, next_id++);
                } else {
                    const size_t at = (size_t)(tsup_rand(&rng) % m.set.size);
                    assert_int_equal(wy_index_remove(index, m.set.ids[at]), WY_OK);
                    model_remove_at(&m, at);
                }
            }
            assert_int_equal(wy_index_size(index), m.set.size);
            const unsigned radius = (unsigned)(tsup_rand(&rng) % 70);
            check_range(index, &m, q, 1 + round % 8, radius);
            check_dihedral(index, &m, q, radius);
        }
        wy_index_free(index);
        model_free(&m);
    }
    levels_close(levels, nlevels);
}

/* WY_INDEX_AUTO builds multi-index hashing tables past WY_INDEX_MIH_MIN entries and drops them
 * below half of it; results equal the model's throughout. */
static void test_auto_structure(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t rng = 0xa070;
    struct wy_pdq_hash q[8];
    for (size_t k = 0; k < 8; k++) {
        tsup_random_hash(&rng, &q[k]);
    }
    struct model m = {0};
    build_model(&rng, &m, WY_INDEX_MIH_MIN - 1, q, 8);
    struct wy_index *index = index_of_kind(ctx, WY_INDEX_AUTO, &m);
    const size_t flat_bytes = wy_index_memory_bytes(index);
    struct wy_pdq_hash h;
    tsup_random_hash(&rng, &h);
    assert_int_equal(wy_index_add(index, &h, 1), WY_OK);
    model_add(&m, &h, 1);
    const size_t mih_bytes = wy_index_memory_bytes(index);
    assert_true(mih_bytes > flat_bytes + (size_t)WY_INDEX_MIH_MIN * 100); /* tables built */
    model_cache(&m, q);
    check_range(index, &m, q, 8, 12);
    check_dihedral(index, &m, q, 31);
    check_range(index, &m, q, 2, 80); /* past the tables' limit: the scan */
    /* Shrink below half the minimum: tables dropped, answers unchanged. */
    while (m.set.size >= WY_INDEX_MIH_MIN / 2) {
        assert_int_equal(wy_index_remove(index, m.set.ids[m.set.size - 1]), WY_OK);
        model_remove_at(&m, m.set.size - 1);
    }
    assert_true(wy_index_memory_bytes(index) < mih_bytes / 2);
    model_cache(&m, q);
    check_dihedral(index, &m, q, 31);
    wy_index_free(index);
    model_free(&m);
}

/* Dihedral: several variants equally close must report the lowest variant, once per id. */
static void test_dihedral_ties(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t rng = 5;
    struct wy_pdq_hash q[WY_DIH_COUNT];
    for (size_t k = 0; k < WY_DIH_COUNT; k++) {
        tsup_random_hash(&rng, &q[k]);
    }
    q[5] = q[2]; /* variants 2 and 5 identical: ties everywhere near them */
    q[7] = q[6];
    struct model m = {0};
    build_model(&rng, &m, 3000, q, WY_DIH_COUNT);
    struct wy_index *index = index_from_model(ctx, &m);
    for (unsigned radius = 0; radius <= 64; radius += 4) {
        check_dihedral(index, &m, q, radius);
    }
    struct hits got = {0};
    assert_int_equal(wy_index_range_dihedral(index, q, 256, collect, &got), WY_OK);
    assert_int_equal(got.count, m.set.size); /* each id exactly once */
    for (size_t i = 0; i < got.count; i++) {
        assert_true(got.items[i].query != 5 && got.items[i].query != 7);
    }
    hits_free(&got);
    wy_index_free(index);
    model_free(&m);
}

static int cmp_knn(const void *pa, const void *pb)
{
    const struct wy_index_hit *a = pa;
    const struct wy_index_hit *b = pb;
    if (a->distance != b->distance) {
        return (int)a->distance - (int)b->distance;
    }
    return a->id < b->id ? -1 : a->id > b->id;
}

static void check_knn(const struct wy_index *index, const struct model *m,
                      const struct wy_pdq_hash *q, size_t k)
{
    struct wy_index_hit *got = calloc(k, sizeof *got);
    struct wy_index_hit *all = calloc(m->set.size + 1, sizeof *all);
    assert_non_null(got);
    assert_non_null(all);
    for (size_t i = 0; i < m->set.size; i++) {
        all[i] = (struct wy_index_hit){m->set.ids[i],
                                       (uint16_t)wy_pdq_distance(&m->set.hashes[i], q), 0};
    }
    qsort(all, m->set.size, sizeof *all, cmp_knn);
    size_t found = 12345;
    assert_int_equal(wy_index_knn(index, q, k, got, &found), WY_OK);
    assert_int_equal(found, k < m->set.size ? k : m->set.size);
    for (size_t i = 0; i < found; i++) {
        assert_int_equal(got[i].id, all[i].id);
        assert_int_equal(got[i].distance, all[i].distance);
    }
    free(got);
    free(all);
}

static void test_knn(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 9, 65, 5000};
    static const size_t ks[] = {1, 2, 5, 17, 100, 6000};
    struct level_ctx levels[4];
    const size_t nlevels = levels_open(levels);
    uint64_t rng = 77;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        struct wy_pdq_hash q[2];
        tsup_random_hash(&rng, &q[0]);
        tsup_random_hash(&rng, &q[1]);
        struct model m = {0};
        build_model(&rng, &m, sizes[s], q, 2);
        for (size_t l = 0; l < nlevels; l++) {
            struct wy_index *index = index_from_model(levels[l].ctx, &m);
            for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
                check_knn(index, &m, &q[i % 2], ks[i]);
            }
            wy_index_free(index);
        }
        model_free(&m);
    }
    levels_close(levels, nlevels);
}

/* Entries at exactly 0..64 bits from the query are found at that radius, not one below. */
static void test_planted(void **state)
{
    (void)state;
    struct level_ctx levels[4];
    const size_t nlevels = levels_open(levels);
    for (size_t l = 0; l < nlevels; l++) {
        uint64_t rng = 4242;
        struct wy_pdq_hash q;
        tsup_random_hash(&rng, &q);
        struct wy_index *index = NULL;
        assert_int_equal(wy_index_new(levels[l].ctx, WY_INDEX_AUTO, &index), WY_OK);
        for (uint64_t i = 0; i < 5000; i++) {
            struct wy_pdq_hash h;
            tsup_random_hash(&rng, &h);
            assert_int_equal(wy_index_add(index, &h, 1000 + i), WY_OK);
        }
        for (unsigned d = 0; d <= 64; d++) {
            struct wy_pdq_hash h = q;
            flip_bits(&rng, &h, d);
            assert_int_equal(wy_index_add(index, &h, d), WY_OK);
        }
        for (unsigned d = 0; d <= 64; d++) {
            struct hits got = {0};
            assert_int_equal(wy_index_range(index, &q, 1, d, collect, &got), WY_OK);
            bool found = false;
            for (size_t i = 0; i < got.count; i++) {
                assert_true(got.items[i].distance <= d);
                if (got.items[i].id == d) {
                    assert_int_equal(got.items[i].distance, d);
                    found = true;
                }
            }
            assert_true(found);
            hits_free(&got);
        }
        wy_index_free(index);
    }
    levels_close(levels, nlevels);
}

static void test_early_stop(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t rng = 8;
    struct wy_pdq_hash h;
    tsup_random_hash(&rng, &h);
    struct wy_index *index = NULL;
    assert_int_equal(wy_index_new(ctx, WY_INDEX_AUTO, &index), WY_OK);
    for (uint64_t i = 0; i < 2000; i++) {
        assert_int_equal(wy_index_add(index, &h, i), WY_OK); /* one hash, many ids */
    }
    struct wy_pdq_hash q[8];
    for (size_t k = 0; k < 8; k++) {
        q[k] = h;
    }
    for (size_t stop = 1; stop < 1200; stop += 37) {
        struct hits got = {.stop_after = stop};
        assert_int_equal(wy_index_range(index, q, 8, 0, collect, &got), WY_OK);
        assert_int_equal(got.count, stop);
        hits_free(&got);
        got = (struct hits){.stop_after = stop};
        assert_int_equal(wy_index_range_dihedral(index, q, 0, collect, &got), WY_OK);
        assert_int_equal(got.count, stop);
        assert_int_equal(got.items[0].query, 0);
        hits_free(&got);
    }
    wy_index_free(index);
}

/* Searches are documented as safe from many threads at once (the index is only read). Two
 * threads search the same index concurrently and must each see what a lone search sees; under
 * ThreadSanitizer (.ci/run) this also proves there is no hidden write on the search path. */
struct search_job {
    const struct wy_index *index;
    const struct wy_pdq_hash *queries;
    size_t rounds;
    size_t hits; /* total over rounds */
};

static bool count_hit(void *user, const struct wy_index_hit *hit)
{
    (void)hit;
    (*(size_t *)user)++;
    return true;
}

static void *search_thread(void *arg)
{
    struct search_job *job = arg;
    for (size_t r = 0; r < job->rounds; r++) {
        size_t n = 0;
        if (wy_index_range_dihedral(job->index, job->queries, 40, count_hit, &n) != WY_OK) {
            return NULL;
        }
        job->hits += n;
    }
    return job;
}

static void test_concurrent_searches(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t rng = 11;
    struct wy_index *index = NULL;
    assert_int_equal(wy_index_new(ctx, WY_INDEX_AUTO, &index), WY_OK);
    struct wy_pdq_hash queries[WY_DIH_COUNT];
    for (size_t k = 0; k < WY_DIH_COUNT; k++) {
        tsup_random_hash(&rng, &queries[k]);
    }
    for (uint64_t i = 0; i < 20000; i++) {
        struct wy_pdq_hash h;
        tsup_random_hash(&rng, &h);
        if (i % 100 == 0) {
            h = queries[i % WY_DIH_COUNT]; /* some exact hits */
        }
        assert_int_equal(wy_index_add(index, &h, i), WY_OK);
    }
    struct search_job alone = {index, queries, 1, 0};
    assert_non_null(search_thread(&alone));
    assert_true(alone.hits >= 200);
    struct search_job jobs[2] = {{index, queries, 5, 0}, {index, queries, 5, 0}};
    pthread_t tids[2];
    for (int t = 0; t < 2; t++) {
        assert_int_equal(pthread_create(&tids[t], NULL, search_thread, &jobs[t]), 0);
    }
    for (int t = 0; t < 2; t++) {
        void *ret = NULL;
        assert_int_equal(pthread_join(tids[t], &ret), 0);
        assert_non_null(ret);
        assert_int_equal(jobs[t].hits, 5 * alone.hits);
    }
    wy_index_free(index);
}

static void test_errors(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_index *index = NULL;
    assert_int_equal(wy_index_new(ctx, (enum wy_index_kind)7, &index), WY_EINVAL);
    assert_null(index);
    assert_int_equal(wy_index_new(ctx, WY_INDEX_FLAT, &index), WY_OK);
    uint64_t rng = 3;
    struct wy_pdq_hash a;
    struct wy_pdq_hash b;
    tsup_random_hash(&rng, &a);
    tsup_random_hash(&rng, &b);
    assert_int_equal(wy_index_remove(index, 1), WY_ENOENT);
    assert_int_equal(wy_index_add(index, &a, 1), WY_OK);
    assert_int_equal(wy_index_add(index, &b, 1), WY_EINVAL);
    assert_int_equal(wy_index_size(index), 1);
    struct hits got = {0};
    assert_int_equal(wy_index_range(index, &b, 1, 0, collect, &got), WY_OK);
    assert_int_equal(got.count, 0); /* the refused hash is not there */
    assert_int_equal(wy_index_range(index, &a, 1, 0, collect, &got), WY_OK);
    assert_int_equal(got.count, 1);
    assert_int_equal(wy_index_range(index, &a, 0, 0, collect, &got), WY_EINVAL);
    assert_int_equal(wy_index_range(index, &a, 9, 0, collect, &got), WY_EINVAL);
    hits_free(&got);
    struct wy_index_hit hit;
    size_t found = 0;
    assert_int_equal(wy_index_knn(index, &a, 0, &hit, &found), WY_EINVAL);
    assert_int_equal(wy_index_remove(index, 2), WY_ENOENT);
    assert_int_equal(wy_index_remove(index, 1), WY_OK);
    assert_int_equal(wy_index_remove(index, 1), WY_ENOENT);
    assert_int_equal(wy_index_size(index), 0);
    assert_int_equal(wy_index_knn(index, &a, 1, &hit, &found), WY_OK);
    assert_int_equal(found, 0);
    wy_index_free(index);
    wy_index_free(NULL);
}

/* ---- allocation failures ---- */

/* Checks the index holds exactly the model (every entry, at full radius). */
static void assert_index_equals(const struct wy_index *index, const struct model *m)
{
    struct wy_pdq_hash q;
    memset(&q, 0, sizeof q);
    assert_int_equal(wy_index_size(index), m->set.size);
    check_range(index, m, &q, 1, 256);
}

static enum wy_status oom_run(struct wy_ctx *ctx, void *user)
{
    (void)user;
    struct wy_index *index = NULL;
    enum wy_status st = wy_index_new(ctx, WY_INDEX_AUTO, &index);
    if (st != WY_OK) {
        return st;
    }
    struct model m = {0};
    uint64_t rng = 11;
    for (uint64_t i = 0; i < 400 && st == WY_OK; i++) {
        struct wy_pdq_hash h;
        tsup_random_hash(&rng, &h);
        if (i % 3 == 2) {
            assert_int_equal(wy_index_remove(index, m.set.ids[0]), WY_OK);
            model_remove_at(&m, 0);
        }
        st = wy_index_add(index, &h, i);
        if (st == WY_OK) {
            model_add(&m, &h, i);
        }
    }
    /* After a failure the index must be exactly as before it, and still usable. */
    assert_index_equals(index, &m);
    wy_index_free(index);
    model_free(&m);
    return st;
}

/*
 * wy_index_add_many: the same index as one add at a time, in batches that rebuild the tables
 * (as large as the index) and batches that extend them; removals in between.
 */
static void test_add_many(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const enum wy_index_kind kinds[] = {WY_INDEX_FLAT, WY_INDEX_MIH, WY_INDEX_AUTO};
    static const size_t batches[] = {0, 1, 700, 3, 1500, 40, 9000};
    uint64_t rng = 77;
    struct wy_pdq_hash q[8];
    for (size_t k = 0; k < 8; k++) {
        tsup_random_hash(&rng, &q[k]);
    }
    for (size_t ki = 0; ki < sizeof kinds / sizeof *kinds; ki++) {
        struct wy_index *index = NULL;
        assert_int_equal(wy_index_new(ctx, kinds[ki], &index), WY_OK);
        struct model m = {0};
        uint64_t next_id = 5;
        for (size_t bi = 0; bi < sizeof batches / sizeof *batches; bi++) {
            const size_t n = batches[bi];
            struct wy_pdq_hash *hashes = calloc(n + 1, sizeof *hashes);
            uint64_t *ids = calloc(n + 1, sizeof *ids);
            assert_non_null(hashes);
            assert_non_null(ids);
            for (size_t i = 0; i < n; i++) {
                entry_hash(&rng, q, 8, i ? &hashes[i - 1] : NULL, &hashes[i]);
                ids[i] = next_id++ * 13;
            }
            assert_int_equal(wy_index_add_many(index, hashes, ids, n), WY_OK);
            for (size_t i = 0; i < n; i++) {
                model_add(&m, &hashes[i], ids[i]);
            }
            for (size_t i = 0; i < m.set.size / 10; i++) {
                const size_t at = tsup_rand(&rng) % m.set.size;
                assert_int_equal(wy_index_remove(index, m.set.ids[at]), WY_OK);
                model_remove_at(&m, at);
            }
            assert_int_equal(wy_index_size(index), m.set.size);
            for (unsigned radius = 0; radius <= 64; radius += 9) {
                check_range(index, &m, q, 8, radius);
                check_dihedral(index, &m, q, radius);
            }
            free(hashes);
            free(ids);
        }
        wy_index_free(index);
        model_free(&m);
    }
}

/* A batch with an id already held, or one id twice, changes nothing. */
static void test_add_many_duplicates(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t rng = 78;
    struct wy_pdq_hash h[4];
    for (size_t i = 0; i < 4; i++) {
        tsup_random_hash(&rng, &h[i]);
    }
    for (int kind = WY_INDEX_AUTO; kind <= WY_INDEX_MIH; kind++) {
        struct wy_index *index = NULL;
        assert_int_equal(wy_index_new(ctx, (enum wy_index_kind)kind, &index), WY_OK);
        assert_int_equal(wy_index_add(index, &h[0], 1), WY_OK);
        struct model m = {0};
        model_add(&m, &h[0], 1);
        const uint64_t held[3] = {2, 1, 3};
        assert_int_equal(wy_index_add_many(index, &h[1], held, 3), WY_EINVAL);
        const uint64_t twice[3] = {2, 3, 2};
        assert_int_equal(wy_index_add_many(index, &h[1], twice, 3), WY_EINVAL);
        assert_index_equals(index, &m);
        const uint64_t fine[3] = {2, 3, 4};
        assert_int_equal(wy_index_add_many(index, &h[1], fine, 3), WY_OK);
        for (size_t i = 0; i < 3; i++) {
            model_add(&m, &h[1 + i], fine[i]);
        }
        assert_index_equals(index, &m);
        check_range(index, &m, &h[2], 1, 10);
        wy_index_free(index);
        model_free(&m);
    }
}

/* Out of memory in a batch: all of it or none, for both ways of filling the tables. */
static enum wy_status oom_many_run(struct wy_ctx *ctx, void *user)
{
    const enum wy_index_kind kind = *(const enum wy_index_kind *)user;
    struct wy_index *index = NULL;
    enum wy_status st = wy_index_new(ctx, kind, &index);
    if (st != WY_OK) {
        return st;
    }
    struct model m = {0};
    uint64_t rng = 12;
    struct wy_pdq_hash hashes[300];
    uint64_t ids[300];
    for (size_t i = 0; i < 300; i++) {
        tsup_random_hash(&rng, &hashes[i]);
        ids[i] = i + 1;
    }
    /* 100 into an empty index (a build), then 50 and 150 onto it (extend, then rebuild). */
    static const size_t cuts[] = {0, 100, 150, 300};
    for (size_t c = 0; c + 1 < 4 && st == WY_OK; c++) {
        const size_t n = cuts[c + 1] - cuts[c];
        st = wy_index_add_many(index, &hashes[cuts[c]], &ids[cuts[c]], n);
        if (st == WY_OK) {
            for (size_t i = cuts[c]; i < cuts[c + 1]; i++) {
                model_add(&m, &hashes[i], ids[i]);
            }
        }
    }
    assert_index_equals(index, &m);
    check_range(index, &m, &hashes[120], 1, 40);
    wy_index_free(index);
    model_free(&m);
    return st;
}

/* wy_index_set_kind on a filled index: tables built and freed on request, answers unchanged. */
static void test_set_kind(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t rng = 0x5e7c;
    struct wy_pdq_hash q[8];
    for (size_t k = 0; k < 8; k++) {
        tsup_random_hash(&rng, &q[k]);
    }
    struct model m = {0};
    build_model(&rng, &m, 3000, q, 8);
    struct wy_index *index = NULL;
    assert_int_equal(wy_index_new(ctx, WY_INDEX_FLAT, &index), WY_OK);
    /* Increasing ids into an empty index: the unchecked bulk path. */
    assert_int_equal(wy_index_add_many(index, m.set.hashes, m.set.ids, m.set.size), WY_OK);
    assert_index_equals(index, &m);
    model_cache(&m, q);
    const size_t flat = wy_index_memory_bytes(index);
    assert_int_equal(wy_index_set_kind(index, WY_INDEX_MIH), WY_OK);
    const size_t tables = wy_index_memory_bytes(index);
    assert_true(tables > flat + 3000 * 64);
    check_range(index, &m, q, 8, 12);
    check_dihedral(index, &m, q, 31);
    assert_int_equal(wy_index_set_kind(index, WY_INDEX_MIH), WY_OK); /* already: no change */
    assert_int_equal(wy_index_memory_bytes(index), tables);
    /* AUTO keeps no tables at this size. */
    assert_int_equal(wy_index_set_kind(index, WY_INDEX_AUTO), WY_OK);
    assert_int_equal(wy_index_memory_bytes(index), flat);
    check_dihedral(index, &m, q, 31);
    assert_int_equal(wy_index_set_kind(index, WY_INDEX_MIH), WY_OK);
    assert_int_equal(wy_index_set_kind(index, WY_INDEX_FLAT), WY_OK);
    assert_int_equal(wy_index_memory_bytes(index), flat);
    check_range(index, &m, q, 8, 12);
    assert_int_equal(wy_index_set_kind(index, (enum wy_index_kind)7), WY_EINVAL);
    assert_int_equal(wy_index_memory_bytes(index), flat);
    wy_index_free(index);
    model_free(&m);
}

/* Without memory for the tables, WY_INDEX_MIH fails and leaves the index as it was. */
static enum wy_status oom_set_kind_run(struct wy_ctx *ctx, void *user)
{
    (void)user;
    struct wy_index *index = NULL;
    enum wy_status st = wy_index_new(ctx, WY_INDEX_FLAT, &index);
    if (st != WY_OK) {
        return st;
    }
    struct model m = {0};
    uint64_t rng = 34;
    for (uint64_t i = 0; i < 500; i++) {
        struct wy_pdq_hash h;
        tsup_random_hash(&rng, &h);
        model_add(&m, &h, i + 1);
    }
    st = wy_index_add_many(index, m.set.hashes, m.set.ids, m.set.size);
    if (st == WY_OK) {
        const size_t before = wy_index_memory_bytes(index);
        st = wy_index_set_kind(index, WY_INDEX_MIH);
        if (st != WY_OK) {
            assert_int_equal(wy_index_memory_bytes(index), before);
        }
        assert_index_equals(index, &m);
        check_range(index, &m, &m.set.hashes[42], 1, 40);
    }
    wy_index_free(index);
    model_free(&m);
    return st;
}

static void test_set_kind_oom(void **state)
{
    (void)state;
    tsup_oom_sweep(oom_set_kind_run, NULL);
}

static void test_add_many_oom(void **state)
{
    (void)state;
    enum wy_index_kind kind = WY_INDEX_MIH;
    tsup_oom_sweep(oom_many_run, &kind);
    kind = WY_INDEX_FLAT;
    tsup_oom_sweep(oom_many_run, &kind);
}

static void test_oom_sweep(void **state)
{
    (void)state;
    tsup_oom_sweep(oom_run, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_impl_names),
        cmocka_unit_test(test_range_sizes_radii),
        cmocka_unit_test(test_add_remove_interleaved),
        cmocka_unit_test_setup_teardown(test_auto_structure, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_dihedral_ties, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_knn),
        cmocka_unit_test(test_planted),
        cmocka_unit_test_setup_teardown(test_early_stop, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_errors, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_concurrent_searches, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test(test_oom_sweep),
        cmocka_unit_test_setup_teardown(test_add_many, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_add_many_duplicates, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test(test_add_many_oom),
        cmocka_unit_test_setup_teardown(test_set_kind, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_set_kind_oom),
    };
    return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
