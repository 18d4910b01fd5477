/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_index_mih.c: multi-index hashing (lib/index/index_mih.c) against a naive scan.
 *
 * MIH is exact only if its pigeonhole bound and its first-table deduplication are both right,
 * and both fail quietly: a missed neighbour or a hit reported twice. So every search here is
 * compared, as a sorted list of (query, id, distance), with a plain scan by wy_pdq_distance(),
 * which shares no code with the structure. The data mix random codes with neighbours planted at
 * every distance 0..64, their flipped bits either bunched or spread evenly over the substrings
 * (the spread case puts no substring within the per-table radius but one, the bound's edge), and
 * adversarial sets whose codes all fall into the same buckets. Both substring counts are run.
 */
#include "wy_setup.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#include "index/index_mih.h"

/* ---- the model and hit lists ---- */

struct hits {
    struct wy_index_hit *v;
    size_t n;
    size_t cap;
    size_t stop_after; /* 0: never stop */
};

static void hits_push(struct hits *h, const struct wy_index_hit *hit)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
        assert_non_null(h->v);
    }
    h->v[h->n++] = *hit;
}

static bool collect(void *user, const struct wy_index_hit *hit)
{
    struct hits *h = user;
    hits_push(h, hit);
    return h->stop_after == 0 || h->n < h->stop_after;
}

static int hit_cmp(const void *a, const void *b)
{
    const struct wy_index_hit *x = a;
    const struct wy_index_hit *y = b;
    if (x->query != y->query) {
        return x->query < y->query ? -1 : 1;
    }
    if (x->id != y->id) {
        return x->id < y->id ? -1 : 1;
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
                const struct wy_index_hit hit = {m->ids[i], (uint16_t)d, (uint8_t)k};
                hits_push(out, &hit);
            }
            if (d < best) {
                best = d;
                best_k = k;
            }
        }
        if (min_only && best <= radius) {
            const struct wy_index_hit hit = {m->ids[i], (uint16_t)best, (uint8_t)best_k};
            hits_push(out, &hit);
        }
    }
}

/* Runs one search and asserts it equals the model's, with no (query, id) twice. */
static void check_range(const struct wy__mih *mih, const struct tsup_hashset *m,
                        const struct wy_pdq_hash *q, size_t count, unsigned radius, bool min_only)
{
    struct hits got = {0};
    struct hits want = {0};
    const enum wy_status st = min_only ? wy__mih_range_min(mih, q, count, radius, collect, &got)
                                       : wy__mih_range(mih, q, count, radius, collect, &got);
    assert_int_equal(st, WY_OK);
    model_range(m, q, count, radius, min_only, &want);
    if (got.n > 1) {
        qsort(got.v, got.n, sizeof *got.v, hit_cmp);
    }
    if (want.n > 1) {
        qsort(want.v, want.n, sizeof *want.v, hit_cmp);
    }
    for (size_t i = 1; i < got.n; i++) {
        const bool same = got.v[i].query == got.v[i - 1].query && got.v[i].id == got.v[i - 1].id;
        assert_false(same);
    }
    assert_int_equal(got.n, want.n);
    for (size_t i = 0; i < got.n; i++) {
        assert_int_equal(got.v[i].id, want.v[i].id);
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

static void add_both(struct wy__mih *mih, struct tsup_hashset *m, const struct wy_pdq_hash *h,
                     uint64_t id)
{
    assert_int_equal(wy__mih_add(mih, h, id), WY_OK);
    tsup_hashset_add(m, h, id);
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
    struct wy_pdq_hash q[9] = {0};
    struct hits got = {0};
    assert_int_equal(wy__mih_range(mih, q, 0, 10, collect, &got), WY_EINVAL);
    assert_int_equal(wy__mih_range(mih, q, 9, 10, collect, &got), WY_EINVAL);
    assert_int_equal(wy__mih_range_min(mih, q, 0, 10, collect, &got), WY_EINVAL);
    assert_int_equal(wy__mih_range(mih, q, 8, 256, collect, &got), WY_OK);
    assert_int_equal(got.n, 0);
    assert_int_equal(wy__mih_size(mih), 0);
    assert_true(wy__mih_memory_bytes(mih) >= 16u * 65536u * 16u);
    assert_int_equal(wy__mih_max_radius(mih), 50);
    wy__mih_free(mih);
    mih = mih_new(ctx, 32);
    assert_int_equal(wy__mih_max_radius(mih), 15);
    wy__mih_free(mih);
}

/* Random sets of many sizes against the model, 1..8 queries drawn near the data. */
static void test_random_sizes(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const size_t sizes[] = {0, 1, 7, 100, 1000, 10000, 100000};
    static const unsigned radii[] = {0, 1, 5, 15, 16, 17, 31, 32, 33, 47, 64, 90, 256, UINT_MAX};
    uint64_t seed = 0x1234567;
    for (size_t mi = 0; mi < 2; mi++) {
        for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
            struct wy__mih *mih = mih_new(ctx, substring_counts[mi]);
            struct tsup_hashset m = {0};
            for (size_t i = 0; i < sizes[si]; i++) {
                struct wy_pdq_hash h;
                tsup_random_hash(&seed, &h);
                add_both(mih, &m, &h, i * 7 + 3);
            }
            assert_int_equal(wy__mih_size(mih), sizes[si]);
            for (size_t ri = 0; ri < sizeof radii / sizeof *radii; ri++) {
                /* The big set gets fewer radii: the naive side is what costs. */
                if (sizes[si] >= 100000 && ri % 3 != 1) {
                    continue;
                }
                struct wy_pdq_hash q[8] = {0};
                const size_t count = 1 + tsup_rand(&seed) % 8;
                for (size_t k = 0; k < count; k++) {
                    const size_t near = m.size ? tsup_rand(&seed) % m.size : 0;
                    const struct wy_pdq_hash base = m.size ? m.hashes[near] : q[k];
                    q[k] = flip_random(&seed, &base, (unsigned)(tsup_rand(&seed) % 40));
                }
                check_range(mih, &m, q, count, radii[ri], false);
                check_range(mih, &m, q, count, radii[ri], true);
            }
            wy__mih_free(mih);
            tsup_hashset_free(&m);
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
        struct tsup_hashset m = {0};
        struct wy_pdq_hash q[3];
        for (size_t k = 0; k < 3; k++) {
            tsup_random_hash(&seed, &q[k]);
        }
        uint64_t id = 1;
        for (unsigned d = 0; d <= 64; d++) {
            for (size_t k = 0; k < 3; k++) {
                struct wy_pdq_hash h = flip_spread(&q[k], d);
                add_both(mih, &m, &h, id++);
                h = flip_random(&seed, &q[k], d);
                add_both(mih, &m, &h, id++);
            }
        }
        for (size_t i = 0; i < 2000; i++) {
            struct wy_pdq_hash h;
            tsup_random_hash(&seed, &h);
            add_both(mih, &m, &h, id++);
        }
        for (unsigned r = 0; r <= 70; r++) {
            check_range(mih, &m, q, 1 + r % 3, r, false);
            check_range(mih, &m, q, 3, r, true);
        }
        wy__mih_free(mih);
        tsup_hashset_free(&m);
    }
}

/* Adds and removes interleaved, checked against the model as they go. */
static void test_add_remove(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint64_t seed = 7;
    for (size_t mi = 0; mi < 2; mi++) {
        struct wy__mih *mih = mih_new(ctx, substring_counts[mi]);
        struct tsup_hashset m = {0};
        uint64_t next_id = 1;
        struct wy_pdq_hash centre;
        tsup_random_hash(&seed, &centre);
        for (size_t step = 0; step < 6000; step++) {
            const uint64_t r = tsup_rand(&seed) % 10;
            if (r < 6 || m.size == 0) {
                const struct wy_pdq_hash h =
                    flip_random(&seed, &centre, (unsigned)(tsup_rand(&seed) % 80));
                add_both(mih, &m, &h, next_id++);
            } else {
                const size_t i = tsup_rand(&seed) % m.size;
                assert_int_equal(wy__mih_remove(mih, &m.hashes[i], m.ids[i]), WY_OK);
                assert_int_equal(wy__mih_remove(mih, &m.hashes[i], m.ids[i]), WY_ENOENT);
                tsup_hashset_remove_at(&m, i);
            }
            assert_int_equal(wy__mih_size(mih), m.size);
            if (step % 500 == 0) {
                for (unsigned radius = 0; radius <= 64; radius += 8) {
                    check_range(mih, &m, &centre, 1, radius, false);
                }
            }
        }
        /* Empty it completely: every bucket array goes back (the checking allocator agrees). */
        while (m.size > 0) {
            assert_int_equal(wy__mih_remove(mih, &m.hashes[0], m.ids[0]), WY_OK);
            tsup_hashset_remove_at(&m, 0);
        }
        check_range(mih, &m, &centre, 1, 64, false);
        wy__mih_free(mih);
        tsup_hashset_free(&m);
    }
}

static void test_remove_missing(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy__mih *mih = mih_new(ctx, 16);
    uint64_t seed = 5;
    struct wy_pdq_hash h;
    tsup_random_hash(&seed, &h);
    assert_int_equal(wy__mih_remove(mih, &h, 1), WY_ENOENT);
    assert_int_equal(wy__mih_add(mih, &h, 1), WY_OK);
    assert_int_equal(wy__mih_remove(mih, &h, 2), WY_ENOENT);
    struct wy_pdq_hash other = h;
    flip(&other, 200); /* same first substring, different code */
    assert_int_equal(wy__mih_remove(mih, &other, 1), WY_ENOENT);
    assert_int_equal(wy__mih_size(mih), 1);
    assert_int_equal(wy__mih_remove(mih, &h, 1), WY_OK);
    assert_int_equal(wy__mih_remove(mih, &h, 1), WY_ENOENT);
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
            struct tsup_hashset m = {0};
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
                add_both(mih, &m, &h, i);
            }
            struct wy_pdq_hash q[2] = {base, flip_spread(&base, 40)};
            for (unsigned radius = 0; radius <= 64; radius += 3) {
                check_range(mih, &m, q, 2, radius, false);
                check_range(mih, &m, q, 2, radius, true);
            }
            wy__mih_free(mih);
            tsup_hashset_free(&m);
        }
    }
}

/* The callback's false stops the search at once, and the search still says WY_OK. */
static void test_early_stop(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy__mih *mih = mih_new(ctx, 16);
    struct wy_pdq_hash h = {0};
    for (uint64_t i = 0; i < 100; i++) {
        assert_int_equal(wy__mih_add(mih, &h, i), WY_OK);
    }
    struct wy_pdq_hash q[8] = {0};
    for (size_t stop = 1; stop <= 3; stop++) {
        struct hits got = {.stop_after = stop};
        assert_int_equal(wy__mih_range(mih, q, 8, 64, collect, &got), WY_OK);
        assert_int_equal(got.n, stop);
        free(got.v);
    }
    wy__mih_free(mih);
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
    struct tsup_hashset m = {0};
    uint64_t seed = 3;
    struct wy_pdq_hash centre;
    tsup_random_hash(&seed, &centre);
    for (uint64_t i = 0; i < 60 && st == WY_OK; i++) {
        /* Few distinct keys, so buckets grow several times. */
        const struct wy_pdq_hash h = flip_random(&seed, &centre, (unsigned)(i % 5));
        st = wy__mih_add(mih, &h, i);
        if (st == WY_OK) {
            tsup_hashset_add(&m, &h, i);
        }
        if (st == WY_OK && i % 4 == 3) {
            assert_int_equal(wy__mih_remove(mih, &m.hashes[0], m.ids[0]), WY_OK);
            tsup_hashset_remove_at(&m, 0);
        }
    }
    /* Success or not, the structure holds exactly the model's codes. */
    assert_int_equal(wy__mih_size(mih), m.size);
    check_range(mih, &m, &centre, 1, 20, false);
    wy__mih_free(mih);
    tsup_hashset_free(&m);
    return st;
}

static void test_oom(void **state)
{
    (void)state;
    tsup_oom_sweep(oom_once, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_args, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_random_sizes, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_planted, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_add_remove, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_remove_missing, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_adversarial, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_early_stop, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
