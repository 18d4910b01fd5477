/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_index_mih.c: multi-index hashing (lib/index/index_mih.c) against a naive scan.
 *
 * MIH is exact only if its pigeonhole bound, its filter bound and its first-table deduplication
 * are all right, and all fail quietly: a missed neighbour or a hit reported twice. So every
 * search here is compared, as a sorted list of (query, slot, distance), with a plain scan by
 * wy_pdq_distance(), which shares no code with the structure. The structure names entries by
 * slot in a store of blocks (index_int.h's layout), so the tests keep such a store beside the
 * model, moving the last entry into a removed one's slot as the index does. The data mix random
 * codes with neighbours planted at every distance 0..64, their flipped bits either bunched or
 * spread evenly over the substrings (the spread case puts no substring within the per-table
 * radius but one, the bound's edge), and adversarial sets whose codes all fall into the same
 * buckets. Both substring counts are run, tables filled one add at a time and in bulk.
 */
#include "wy_setup.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "index/index_int.h"
#include "index/index_mih.h"

/* ---- the store, the model and hit lists ---- */

/* Codes by slot twice: as hashes for the model, and as blocks for the structure. */
struct store {
    struct tsup_hashset m; /* hashes[slot]; its ids are unused */
    uint64_t *blocks;
    size_t block_slots;
};

static void store_put(struct store *s, size_t slot, const uint64_t *words)
{
    if (slot >= s->block_slots) {
        const size_t slots = (slot / WY__INDEX_LANES + 1) * WY__INDEX_LANES * 2;
        s->blocks = realloc(s->blocks, slots * WY__INDEX_WORDS * sizeof *s->blocks);
        assert_non_null(s->blocks);
        s->block_slots = slots;
    }
    for (unsigned w = 0; w < WY__INDEX_WORDS; w++) {
        s->blocks[(slot / WY__INDEX_LANES) * WY__INDEX_BLOCK_WORDS + w * WY__INDEX_LANES +
                  slot % WY__INDEX_LANES] = words[w];
    }
}

/* Appends a code to the store only (for bulk builds). */
static void store_push(struct store *s, const struct wy_pdq_hash *h)
{
    uint64_t words[WY__INDEX_WORDS];
    wy__index_hash_words(h, words);
    store_put(s, s->m.size, words);
    tsup_hashset_add(&s->m, h, s->m.size);
}

static void store_free(struct store *s)
{
    tsup_hashset_free(&s->m);
    free(s->blocks);
    memset(s, 0, sizeof *s);
}

/* Adds to store and structure; on failure the store is left without it. */
static enum wy_status try_add(struct wy__mih *mih, struct store *s, const struct wy_pdq_hash *h)
{
    uint64_t words[WY__INDEX_WORDS];
    wy__index_hash_words(h, words);
    const size_t slot = s->m.size;
    const enum wy_status st = wy__mih_add(mih, words, (uint32_t)slot);
    if (st == WY_OK) {
        store_put(s, slot, words);
        tsup_hashset_add(&s->m, h, slot);
    }
    return st;
}

static void add_both(struct wy__mih *mih, struct store *s, const struct wy_pdq_hash *h)
{
    assert_int_equal(try_add(mih, s, h), WY_OK);
}

/* Removes slot i as the index does: the last entry moves into it. */
static void remove_at(struct wy__mih *mih, struct store *s, size_t i)
{
    uint64_t words[WY__INDEX_WORDS];
    wy__index_hash_words(&s->m.hashes[i], words);
    assert_int_equal(wy__mih_remove(mih, words, (uint32_t)i), WY_OK);
    assert_int_equal(wy__mih_remove(mih, words, (uint32_t)i), WY_ENOENT);
    const size_t last = s->m.size - 1;
    if (i != last) {
        wy__index_hash_words(&s->m.hashes[last], words);
        store_put(s, i, words);
        wy__mih_move(mih, words, (uint32_t)last, (uint32_t)i);
    }
    tsup_hashset_remove_at(&s->m, i);
}

struct hits {
    struct wy__hamming_hit *v;
    size_t n;
    size_t cap;
    size_t stop_after; /* 0: never stop */
};

static void hits_push(struct hits *h, const struct wy__hamming_hit *hit)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
        assert_non_null(h->v);
    }
    h->v[h->n++] = *hit;
}

static bool collect(void *user, const struct wy__hamming_hit *hit)
{
    struct hits *h = user;
    hits_push(h, hit);
    return h->stop_after == 0 || h->n < h->stop_after;
}

static int hit_cmp(const void *a, const void *b)
{
    const struct wy__hamming_hit *x = a;
    const struct wy__hamming_hit *y = b;
    if (x->query != y->query) {
        return x->query < y->query ? -1 : 1;
    }
    if (x->slot != y->slot) {
        return x->slot < y->slot ? -1 : 1;
    }
    return (int)x->distance - (int)y->distance;
}

/* The naive answer: every (query, entry) within radius, or for min_only each entry's best. */
static void model_range(const struct tsup_hashset *m, const struct wy_pdq_hash *q, size_t count,
                        unsigned radius, bool min_only, struct hits *out)
{
    for (size_t i = 0; i < m->size; i++) {
        unsigned best = UINT_MAX;
        size_t best_k = 0;
        for (size_t k = 0; k < count; k++) {
            const unsigned d = (unsigned)wy_pdq_distance(&m->hashes[i], &q[k]);
            if (d <= radius && !min_only) {
                const struct wy__hamming_hit hit = {(uint32_t)i, (uint16_t)d, (uint8_t)k};
                hits_push(out, &hit);
            }
            if (d < best) {
                best = d;
                best_k = k;
            }
        }
        if (min_only && best <= radius) {
            const struct wy__hamming_hit hit = {(uint32_t)i, (uint16_t)best, (uint8_t)best_k};
            hits_push(out, &hit);
        }
    }
}

static struct wy__hamming_query make_query(const struct wy_pdq_hash *q, size_t count,
                                           unsigned radius)
{
    struct wy__hamming_query hq = {.count = (unsigned)count, .radius = radius > 256 ? 256 : radius};
    for (size_t k = 0; k < count; k++) {
        wy__index_hash_words(&q[k], hq.words[k]);
    }
    return hq;
}

/* Runs one search and asserts it equals the model's, with no (query, slot) twice. */
static void check_range(const struct wy__mih *mih, const struct store *s,
                        const struct wy_pdq_hash *q, size_t count, unsigned radius, bool min_only)
{
    struct hits got = {0};
    struct hits want = {0};
    const struct wy__hamming_query hq = make_query(q, count, radius);
    static const uint64_t no_blocks[WY__INDEX_BLOCK_WORDS];
    wy__mih_range(mih, s->blocks ? s->blocks : no_blocks, &hq, min_only, collect, &got);
    model_range(&s->m, q, count, radius, min_only, &want);
    if (got.n > 1) {
        qsort(got.v, got.n, sizeof *got.v, hit_cmp);
    }
    if (want.n > 1) {
        qsort(want.v, want.n, sizeof *want.v, hit_cmp);
    }
    for (size_t i = 1; i < got.n; i++) {
        const bool same =
            got.v[i].query == got.v[i - 1].query && got.v[i].slot == got.v[i - 1].slot;
        assert_false(same);
    }
    assert_int_equal(got.n, want.n);
    for (size_t i = 0; i < got.n; i++) {
        assert_int_equal(got.v[i].slot, want.v[i].slot);
        assert_int_equal(got.v[i].query, want.v[i].query);
        assert_int_equal(got.v[i].distance, want.v[i].distance);
    }
    free(got.v);
    free(want.v);
}

/* ---- data ---- */

static void flip(struct wy_pdq_hash *h, unsigned bit)
{
    h->bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* `base` with `d` distinct random bits flipped. */
static struct wy_pdq_hash flip_random(uint64_t *seed, const struct wy_pdq_hash *base, unsigned d)
{
    unsigned bits[256];
    for (unsigned i = 0; i < 256; i++) {
        bits[i] = i;
    }
    struct wy_pdq_hash h = *base;
    for (unsigned i = 0; i < d; i++) {
        const unsigned j = i + (unsigned)(tsup_rand(seed) % (256 - i));
        const unsigned t = bits[i];
        bits[i] = bits[j];
        bits[j] = t;
        flip(&h, bits[i]);
    }
    return h;
}

/*
 * `base` with `d` bits flipped round-robin over the 32 bytes: every substring (2 bytes for
 * m = 16, 1 for m = 32) gets floor or ceil of d/m flips, the pigeonhole bound's tightest case.
 */
static struct wy_pdq_hash flip_spread(const struct wy_pdq_hash *base, unsigned d)
{
    struct wy_pdq_hash h = *base;
    for (unsigned i = 0; i < d; i++) {
        flip(&h, (i % 32) * 8 + i / 32);
    }
    return h;
}

static struct wy__mih *mih_new(struct wy_ctx *ctx, unsigned m)
{
    struct wy__mih *mih = NULL;
    assert_int_equal(wy__mih_new(ctx, m, &mih), WY_OK);
    assert_non_null(mih);
    return mih;
}

static const unsigned substring_counts[] = {16, 32};

/* ---- tests ---- */

static void test_new_args(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const unsigned bad[] = {0, 1, 8, 15, 64, 256};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct wy__mih *mih = NULL;
        assert_int_equal(wy__mih_new(ctx, bad[i], &mih), WY_EINVAL);
        assert_null(mih);
    }
    wy__mih_free(NULL);
    struct wy__mih *mih = mih_new(ctx, 16);
    struct store s = {0};
    struct wy_pdq_hash q[8] = {0};
    check_range(mih, &s, q, 8, 256, false);
    assert_int_equal(wy__mih_size(mih), 0);
    assert_true(wy__mih_memory_bytes(mih) >= 16u * 65536u * 16u);
    assert_int_equal(wy__mih_max_radius(mih), 50);
    wy__mih_free(mih);
    mih = mih_new(ctx, 32);
    assert_int_equal(wy__mih_max_radius(mih), 15);
    wy__mih_free(mih);
}

/* Random sets of many sizes against the model, 1..8 queries drawn near the data. */
static void check_random_queries(const struct wy__mih *mih, const struct store *s, uint64_t *seed,
                                 bool big)
{
    static const unsigned radii[] = {0, 1, 5, 15, 16, 17, 31, 32, 33, 47, 64, 90, 256, UINT_MAX};
    for (size_t ri = 0; ri < sizeof radii / sizeof *radii; ri++) {
        /* The big set gets fewer radii: the naive side is what costs. */
        if (big && ri % 3 != 1) {
            continue;
        }
        struct wy_pdq_hash q[8] = {0};
        const size_t count = 1 + tsup_rand(seed) % 8;
        for (size_t k = 0; k < count; k++) {
            const size_t near = s->m.size ? tsup_rand(seed) % s->m.size : 0;
            const struct wy_pdq_hash base = s->m.size ? s->m.hashes[near] : q[k];
            q[k] = flip_random(seed, &base, (unsigned)(tsup_rand(seed) % 40));
        }
        check_range(mih, s, q, count, radii[ri], false);
        check_range(mih, s, q, count, radii[ri], true);
    }
}

static void test_random_sizes(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const size_t sizes[] = {0, 1, 7, 100, 1000, 10000, 100000};
    uint64_t seed = 0x1234567;
    for (size_t mi = 0; mi < 2; mi++) {
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            struct wy__mih *mih = mih_new(ctx, substring_counts[mi]);
            struct store s = {0};
            for (size_t i = 0; i < sizes[si]; i++) {
                struct wy_pdq_hash h;
                tsup_random_hash(&seed, &h);
                add_both(mih, &s, &h);
            }
            assert_int_equal(wy__mih_size(mih), sizes[si]);
            check_random_queries(mih, &s, &seed, sizes[si] >= 100000);
            wy__mih_free(mih);
            store_free(&s);
        }
    }
}

/* Bulk builds give the same answers, take later adds and removals, and refuse a second fill. */
static void test_build(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const size_t sizes[] = {0, 1, 9, 1000, 30000};
    uint64_t seed = 0xb01d;
    for (size_t mi = 0; mi < 2; mi++) {
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            struct store s = {0};
            struct wy_pdq_hash centre;
            tsup_random_hash(&seed, &centre);
            for (size_t i = 0; i < sizes[si]; i++) {
                /* Half near one code, so some buckets hold many entries. */
                struct wy_pdq_hash h;
                tsup_random_hash(&seed, &h);
                if (i % 2 == 0) {
                    h = flip_random(&seed, &centre, (unsigned)(tsup_rand(&seed) % 40));
                }
                store_push(&s, &h);
            }
            struct wy__mih *mih = mih_new(ctx, substring_counts[mi]);
            static const uint64_t none[WY__INDEX_BLOCK_WORDS];
            assert_int_equal(wy__mih_build(mih, s.blocks ? s.blocks : none, s.m.size), WY_OK);
            assert_int_equal(wy__mih_size(mih), sizes[si]);
            check_random_queries(mih, &s, &seed, false);
            check_range(mih, &s, &centre, 1, 31, false);
            if (sizes[si] > 0) {
                assert_int_equal(wy__mih_build(mih, s.blocks, s.m.size), WY_EINVAL);
            }
            for (size_t i = 0; i < 50; i++) {
                const struct wy_pdq_hash h = flip_random(&seed, &centre, (unsigned)i);
                add_both(mih, &s, &h);
                if (i % 3 == 0) {
                    remove_at(mih, &s, tsup_rand(&seed) % s.m.size);
                }
            }
            assert_int_equal(wy__mih_size(mih), s.m.size);
            for (unsigned r = 0; r <= 64; r += 7) {
                check_range(mih, &s, &centre, 1, r, false);
            }
            wy__mih_free(mih);
            store_free(&s);
        }
    }
}

/* Neighbours at every distance 0..64, bunched and spread, found at every radius 0..70. */
static void test_planted(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t seed = 99;
    for (size_t mi = 0; mi < 2; mi++) {
        struct wy__mih *mih = mih_new(ctx, substring_counts[mi]);
        struct store s = {0};
        struct wy_pdq_hash q[3];
        for (size_t k = 0; k < 3; k++) {
            tsup_random_hash(&seed, &q[k]);
        }
        for (unsigned d = 0; d <= 64; d++) {
            for (size_t k = 0; k < 3; k++) {
                struct wy_pdq_hash h = flip_spread(&q[k], d);
                add_both(mih, &s, &h);
                h = flip_random(&seed, &q[k], d);
                add_both(mih, &s, &h);
            }
        }
        for (size_t i = 0; i < 2000; i++) {
            struct wy_pdq_hash h;
            tsup_random_hash(&seed, &h);
            add_both(mih, &s, &h);
        }
        for (unsigned r = 0; r <= 70; r++) {
            check_range(mih, &s, q, 1 + r % 3, r, false);
            check_range(mih, &s, q, 3, r, true);
        }
        wy__mih_free(mih);
        store_free(&s);
    }
}

/* Adds and removes interleaved, checked against the model as they go. */
static void test_add_remove(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t seed = 7;
    for (size_t mi = 0; mi < 2; mi++) {
        struct wy__mih *mih = mih_new(ctx, substring_counts[mi]);
        struct store s = {0};
        struct wy_pdq_hash centre;
        tsup_random_hash(&seed, &centre);
        for (size_t step = 0; step < 6000; step++) {
            const uint64_t r = tsup_rand(&seed) % 10;
            if (r < 6 || s.m.size == 0) {
                const struct wy_pdq_hash h =
                    flip_random(&seed, &centre, (unsigned)(tsup_rand(&seed) % 80));
                add_both(mih, &s, &h);
            } else {
                remove_at(mih, &s, tsup_rand(&seed) % s.m.size);
            }
            assert_int_equal(wy__mih_size(mih), s.m.size);
            if (step % 500 == 0) {
                for (unsigned radius = 0; radius <= 64; radius += 8) {
                    check_range(mih, &s, &centre, 1, radius, false);
                }
            }
        }
        /* Empty it completely: every bucket array goes back (the checking allocator agrees). */
        while (s.m.size > 0) {
            remove_at(mih, &s, 0);
        }
        check_range(mih, &s, &centre, 1, 64, false);
        wy__mih_free(mih);
        store_free(&s);
    }
}

static void test_remove_missing(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy__mih *mih = mih_new(ctx, 16);
    uint64_t seed = 5;
    struct wy_pdq_hash h;
    tsup_random_hash(&seed, &h);
    uint64_t words[WY__INDEX_WORDS];
    wy__index_hash_words(&h, words);
    assert_int_equal(wy__mih_remove(mih, words, 0), WY_ENOENT);
    assert_int_equal(wy__mih_add(mih, words, 0), WY_OK);
    assert_int_equal(wy__mih_remove(mih, words, 1), WY_ENOENT);
    /* Another code in another first-table bucket: not found there. */
    struct wy_pdq_hash other = h;
    flip(&other, 3);
    uint64_t other_words[WY__INDEX_WORDS];
    wy__index_hash_words(&other, other_words);
    assert_int_equal(wy__mih_remove(mih, other_words, 0), WY_ENOENT);
    assert_int_equal(wy__mih_size(mih), 1);
    assert_int_equal(wy__mih_remove(mih, words, 0), WY_OK);
    assert_int_equal(wy__mih_remove(mih, words, 0), WY_ENOENT);
    wy__mih_free(mih);
}

/* Sets that pile every code into the same buckets. */
static void test_adversarial(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t seed = 11;
    for (size_t mi = 0; mi < 2; mi++) {
        for (int shape = 0; shape < 3; shape++) {
            struct wy__mih *mih = mih_new(ctx, substring_counts[mi]);
            struct store s = {0};
            struct wy_pdq_hash base;
            tsup_random_hash(&seed, &base);
            for (uint64_t i = 0; i < 3000; i++) {
                struct wy_pdq_hash h = base;
                if (shape == 1) {
                    /* Only byte 9 varies: one substring differs, all others share a bucket. */
                    h.bytes[9] = (uint8_t)tsup_rand(&seed);
                } else if (shape == 2) {
                    /* One random bit per code: every code is in the base's bucket of most tables.
                     */
                    flip(&h, (unsigned)(tsup_rand(&seed) % 256));
                }
                add_both(mih, &s, &h);
            }
            struct wy_pdq_hash q[2] = {base, flip_spread(&base, 40)};
            for (unsigned radius = 0; radius <= 64; radius += 3) {
                check_range(mih, &s, q, 2, radius, false);
                check_range(mih, &s, q, 2, radius, true);
            }
            wy__mih_free(mih);
            store_free(&s);
        }
    }
}

/* The callback's false stops the search at once. */
static void test_early_stop(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy__mih *mih = mih_new(ctx, 16);
    struct store s = {0};
    const struct wy_pdq_hash h = {0};
    for (uint64_t i = 0; i < 100; i++) {
        add_both(mih, &s, &h);
    }
    const struct wy_pdq_hash q[8] = {0};
    const struct wy__hamming_query hq = make_query(q, 8, 64);
    for (size_t stop = 1; stop <= 3; stop++) {
        struct hits got = {.stop_after = stop};
        wy__mih_range(mih, s.blocks, &hq, false, collect, &got);
        assert_int_equal(got.n, stop);
        free(got.v);
    }
    wy__mih_free(mih);
    store_free(&s);
}

/* One pass of the OOM sweep: builds, removes and searches, checking the model on failure. */
static enum wy_status oom_once(struct wy_ctx *ctx, void *user)
{
    (void)user;
    struct wy__mih *mih = NULL;
    enum wy_status st = wy__mih_new(ctx, 16, &mih);
    if (st != WY_OK) {
        return st;
    }
    struct store s = {0};
    uint64_t seed = 3;
    struct wy_pdq_hash centre;
    tsup_random_hash(&seed, &centre);
    for (uint64_t i = 0; i < 60 && st == WY_OK; i++) {
        /* Few distinct keys, so buckets grow several times. */
        const struct wy_pdq_hash h = flip_random(&seed, &centre, (unsigned)(i % 5));
        st = try_add(mih, &s, &h);
        if (st == WY_OK && i % 4 == 3) {
            remove_at(mih, &s, 0);
        }
    }
    /* Success or not, the structure holds exactly the model's codes. */
    assert_int_equal(wy__mih_size(mih), s.m.size);
    check_range(mih, &s, &centre, 1, 20, false);
    wy__mih_free(mih);
    store_free(&s);
    return st;
}

/* The same for a bulk build: all or nothing. `user` is the entry count: small builds run on one
 * thread, large ones (16,384 and more) split the tables with a second thread, whose scratch may
 * fail alone. */
static enum wy_status oom_build_once(struct wy_ctx *ctx, void *user)
{
    const size_t count = *(const size_t *)user;
    struct wy__mih *mih = NULL;
    enum wy_status st = wy__mih_new(ctx, count < 1000 ? 32 : 16, &mih);
    if (st != WY_OK) {
        return st;
    }
    struct store s = {0};
    uint64_t seed = 4;
    for (size_t i = 0; i < count; i++) {
        struct wy_pdq_hash h;
        tsup_random_hash(&seed, &h);
        store_push(&s, &h);
    }
    st = wy__mih_build(mih, s.blocks, s.m.size);
    if (st == WY_OK) {
        assert_int_equal(wy__mih_size(mih), s.m.size);
        check_range(mih, &s, &s.m.hashes[7], 1, 20, false);
    } else {
        assert_int_equal(wy__mih_size(mih), 0);
        const struct store empty = {0};
        check_range(mih, &empty, &s.m.hashes[7], 1, 256, false);
    }
    wy__mih_free(mih);
    store_free(&s);
    return st;
}

static void test_oom(void **state)
{
    (void)state;
    tsup_oom_sweep(oom_once, NULL);
    size_t small = 40;
    size_t large = 16384;
    tsup_oom_sweep(oom_build_once, &small);
    tsup_oom_sweep(oom_build_once, &large);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_args, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_random_sizes, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_build, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_planted, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_add_remove, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_remove_missing, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_adversarial, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_early_stop, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
