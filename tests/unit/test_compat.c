/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_compat.c: agreement with Meta's reference on real photos (../shared/corpus, whose
 * reference-pdq.tsv holds the reference's hash of every image).
 *
 * With full decoding and pixels as stored, every hash must equal the reference's bit for bit.
 * With the default fast decoding (DCT-domain scaling, luminance only) hashes move a little; the
 * distribution is printed and bounded so that a regression in accuracy fails the build. The
 * bounds sit just above what was measured (see docs/internals/decode.md).
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

static struct wy_hasher *make_hasher(struct wy_ctx *ctx, bool full)
{
    struct wy_hasher_opts opts;
    wy_hasher_opts_init(&opts);
    opts.full_decode = full;
    opts.decode.raw_orientation = true; /* as the reference */
    struct wy_hasher *h = NULL;
    assert_int_equal(wy_hasher_new(ctx, &opts, &h), WY_OK);
    return h;
}

static void test_full_decode_is_bit_exact(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t n;
    struct tsup_corpus_row *rows = tsup_corpus_load(&n);
    struct wy_hasher *h = make_hasher(ctx, true);
    int compared = 0;
    int differ = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].has_ref) {
            continue;
        }
        struct wy_hash_record rec;
        tsup_corpus_hash(h, rows[i].path, &rec);
        const int d = wy_pdq_distance(&rec.pdq, &rows[i].ref);
        if (d != 0 || rec.quality != rows[i].ref_quality) {
            print_error("%s: distance %d, quality %d vs %d\n", rows[i].path, d, rec.quality,
                        rows[i].ref_quality);
            differ++;
        }
        compared++;
    }
    print_message("full decode: %d corpus images compared, %d differ from the reference\n",
                  compared, differ);
    assert_true(compared >= 640);
    assert_int_equal(differ, 0);
    wy_hasher_free(h);
    free(rows);
}

static int compare_ints(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void test_fast_decode_distance(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t n;
    struct tsup_corpus_row *rows = tsup_corpus_load(&n);
    struct wy_hasher *h = make_hasher(ctx, false);
    int *dist = calloc(n, sizeof *dist);
    size_t m = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].has_ref) {
            continue;
        }
        struct wy_hash_record rec;
        tsup_corpus_hash(h, rows[i].path, &rec);
        dist[m] = wy_pdq_distance(&rec.pdq, &rows[i].ref);
        sum += dist[m];
        m++;
    }
    qsort(dist, m, sizeof *dist, compare_ints);
    size_t within2 = 0;
    size_t within10 = 0;
    for (size_t i = 0; i < m; i++) {
        within2 += dist[i] <= 2;
        within10 += dist[i] <= 10;
    }
    const double mean = sum / (double)m;
    print_message("fast decode vs reference over %zu images: mean %.2f, p50 %d, p90 %d, p99 %d, "
                  "max %d; within 2 bits %.1f%%, within 10 bits %.1f%%\n",
                  m, mean, dist[m / 2], dist[m * 9 / 10], dist[m * 99 / 100], dist[m - 1],
                  100.0 * (double)within2 / (double)m, 100.0 * (double)within10 / (double)m);
    assert_true(m >= 640);
    assert_true(mean <= 1.6);
    assert_true((double)within2 >= 0.80 * (double)m);
    assert_true((double)within10 >= 0.98 * (double)m);
    assert_true(dist[m - 1] <= 16);
    free(dist);
    wy_hasher_free(h);
    free(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_decode_is_bit_exact, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_fast_decode_distance, tsup_setup_ctx,
                                        tsup_teardown_ctx),
    };
    return cmocka_run_group_tests_name("compat", tests, NULL, NULL);
}
