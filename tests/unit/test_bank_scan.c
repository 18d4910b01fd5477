/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bank_scan.c: the values-only scan (lib/bank/bank_scan.c), which opens batches of rows on
 * a second thread and hands them over in order on the caller's.
 *
 * It must give exactly what the one-thread scan gives (wy_bank_fp_scan, labels aside), in the
 * same order, across batch boundaries (batches are 2,048 rows; the store here holds 5,000 of one
 * bank and 700 of another); stop exactly where the callback says; stop with WY_ECORRUPT at a
 * forged row with every row before it delivered and none after; leave out suppressed values
 * (checked in C for this scan, by a subquery for the others), and refuse a malformed entry of
 * that list; cope with ids far apart and below zero; read one snapshot while another handle
 * commits (the change then comes through the feed); and fail cleanly on every allocation failure.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#define MAIN_COUNT 5000
#define OTHER_COUNT 700

struct seen {
    int64_t *ids;
    uint8_t (*values)[32];
    size_t count;
    size_t cap;
    size_t stop_after; /* 0: never */
    bool labelled;     /* a label was seen (must never be, for the values-only scan) */
};

static bool collect(void *user, const struct wy_fingerprint *fp)
{
    struct seen *s = user;
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->ids = realloc(s->ids, s->cap * sizeof *s->ids);
        s->values = realloc(s->values, s->cap * sizeof *s->values);
        assert_non_null(s->ids);
        assert_non_null(s->values);
    }
    s->ids[s->count] = fp->id;
    memcpy(s->values[s->count], fp->value, 32);
    s->count++;
    s->labelled |= fp->source[0] != '\0';
    return s->stop_after == 0 || s->count < s->stop_after;
}

static void seen_free(struct seen *s)
{
    free(s->ids);
    free(s->values);
    memset(s, 0, sizeof *s);
}

struct fixture {
    struct tsup_store store;
    int64_t main_bank;
    int64_t other_bank;
};

static void add_many(struct wy_bank *bank, int64_t case_id, uint64_t first, size_t n)
{
    struct wy_fingerprint *fps = calloc(n, sizeof *fps);
    assert_non_null(fps);
    for (size_t i = 0; i < n; i++) {
        fps[i] = tsup_make_fp(WY_FP_PDQ, first + i, case_id);
        snprintf(fps[i].source, sizeof fps[i].source, "IMG_%05u.jpg", (unsigned)(first + i));
    }
    assert_int_equal(wy_bank_fp_add(bank, fps, n, NULL), WY_OK);
    free(fps);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tsup_store_init(&f->store);
    struct wy_ctx *ctx = NULL;
    assert_int_equal(wy_ctx_new(NULL, &ctx), WY_OK);
    struct wy_bank *bank = tsup_store_create(ctx, &f->store);
    assert_int_equal(wy_bank_bank_create(bank, "main", 31, 0, &f->main_bank, NULL), WY_OK);
    assert_int_equal(wy_bank_bank_create(bank, "other", 31, 0, &f->other_bank, NULL), WY_OK);
    struct wy_case_info a;
    struct wy_case_info b;
    assert_int_equal(wy_bank_case_new(bank, f->main_bank, "S-1", &a, NULL), WY_OK);
    assert_int_equal(wy_bank_case_new(bank, f->other_bank, "S-2", &b, NULL), WY_OK);
    /* Interleaved, so each bank's rows are spread over the whole id range. */
    add_many(bank, a.id, 1, 2500);
    add_many(bank, b.id, 100001, OTHER_COUNT);
    add_many(bank, a.id, 2501, MAIN_COUNT - 2500);
    wy_bank_close(bank);
    wy_ctx_free(ctx);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    tsup_store_fini(&f->store);
    free(f);
    return 0;
}

static struct wy_bank *open_store(struct wy_ctx *ctx, const struct fixture *f)
{
    struct wy_bank *bank = NULL;
    assert_int_equal(wy_bank_open(ctx, f->store.path, &f->store.key, NULL, &bank), WY_OK);
    return bank;
}

/* The values-only scan equals the labelled one-thread scan, row for row, for every filter. */
static void test_same_as_scan(void **state)
{
    struct fixture *f = *state;
    struct wy_ctx *c = NULL;
    assert_int_equal(wy_ctx_new(NULL, &c), WY_OK);
    struct wy_bank *bank = open_store(c, f);
    const int64_t filters[] = {0, f->main_bank, f->other_bank};
    const size_t want_counts[] = {MAIN_COUNT + OTHER_COUNT, MAIN_COUNT, OTHER_COUNT};
    for (size_t i = 0; i < 3; i++) {
        struct seen fast = {0};
        struct seen slow = {0};
        assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, filters[i], collect, &fast),
                         WY_OK);
        assert_int_equal(wy_bank_fp_scan(bank, WY_FP_PDQ, filters[i], collect, &slow), WY_OK);
        assert_int_equal(fast.count, want_counts[i]);
        assert_int_equal(slow.count, want_counts[i]);
        assert_false(fast.labelled);
        assert_true(slow.labelled);
        assert_memory_equal(fast.ids, slow.ids, fast.count * sizeof *fast.ids);
        assert_memory_equal(fast.values, slow.values, fast.count * sizeof *fast.values);
        for (size_t k = 1; k < fast.count; k++) {
            assert_true(fast.ids[k] > fast.ids[k - 1]);
        }
        seen_free(&fast);
        seen_free(&slow);
    }
    struct seen none = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_VIDEO_PDQ, 0, collect, &none), WY_OK);
    assert_int_equal(none.count, 0);
    wy_bank_close(bank);
    wy_ctx_free(c);
}

/* Stops exactly where the callback says: inside, at and after batch boundaries. */
static void test_stop(void **state)
{
    struct fixture *f = *state;
    struct wy_ctx *c = NULL;
    assert_int_equal(wy_ctx_new(NULL, &c), WY_OK);
    struct wy_bank *bank = open_store(c, f);
    struct seen all = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &all), WY_OK);
    static const size_t stops[] = {1, 2, 2047, 2048, 2049, 4096, 4097, 5699, 5700};
    for (size_t i = 0; i < sizeof stops / sizeof *stops; i++) {
        struct seen s = {.stop_after = stops[i]};
        assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &s), WY_OK);
        assert_int_equal(s.count, stops[i]);
        assert_memory_equal(s.ids, all.ids, s.count * sizeof *s.ids);
        seen_free(&s);
    }
    seen_free(&all);
    wy_bank_close(bank);
    wy_ctx_free(c);
}

/* A forged row stops the scan with WY_ECORRUPT: every row before it delivered, none after. */
static void test_corrupt_row(void **state)
{
    struct fixture *f = *state;
    struct wy_ctx *c = NULL;
    assert_int_equal(wy_ctx_new(NULL, &c), WY_OK);
    struct wy_bank *bank = open_store(c, f);
    struct seen all = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &all), WY_OK);
    wy_bank_close(bank);
    static const size_t at[] = {10, 3000, 5699};
    for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
        char sql[200];
        /* Keep the true bytes to restore them. */
        snprintf(sql, sizeof sql,
                 "CREATE TABLE keep AS SELECT id, value_cipher FROM fingerprints WHERE id = %lld;"
                 "UPDATE fingerprints SET value_cipher = randomblob(72) WHERE id = %lld",
                 (long long)all.ids[at[i]], (long long)all.ids[at[i]]);
        tsup_store_sql(f->store.path, sql);
        bank = open_store(c, f);
        struct seen s = {0};
        assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &s), WY_ECORRUPT);
        assert_int_equal(s.count, at[i]);
        assert_memory_equal(s.ids, all.ids, s.count * sizeof *s.ids);
        seen_free(&s);
        wy_bank_close(bank);
        tsup_store_sql(f->store.path, "UPDATE fingerprints SET value_cipher = (SELECT value_cipher "
                                      "FROM keep WHERE keep.id = fingerprints.id) WHERE id IN "
                                      "(SELECT id FROM keep); DROP TABLE keep");
    }
    seen_free(&all);
    wy_ctx_free(c);
}

/* Suppressed values never come out, wherever they fall among the batches. */
static void test_suppressed(void **state)
{
    struct fixture *f = *state;
    struct wy_ctx *c = NULL;
    assert_int_equal(wy_ctx_new(NULL, &c), WY_OK);
    struct wy_bank *bank = open_store(c, f);
    struct seen all = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &all), WY_OK);
    static const size_t hide[] = {0, 2047, 2048, 5000};
    for (size_t i = 0; i < sizeof hide / sizeof *hide; i++) {
        assert_int_equal(wy_bank_suppress(bank, WY_FP_PDQ, all.values[hide[i]], "test"), WY_OK);
    }
    struct seen fast = {0};
    struct seen slow = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &fast), WY_OK);
    assert_int_equal(wy_bank_fp_scan(bank, WY_FP_PDQ, 0, collect, &slow), WY_OK);
    assert_int_equal(fast.count, all.count - 4);
    assert_int_equal(slow.count, fast.count);
    assert_memory_equal(fast.ids, slow.ids, fast.count * sizeof *fast.ids);
    for (size_t k = 0; k < fast.count; k++) {
        for (size_t i = 0; i < sizeof hide / sizeof *hide; i++) {
            assert_true(fast.ids[k] != all.ids[hide[i]]);
        }
    }
    seen_free(&fast);
    seen_free(&slow);
    seen_free(&all);
    wy_bank_close(bank);
    tsup_store_sql(f->store.path, "DELETE FROM suppression");
    wy_ctx_free(c);
}

/*
 * Two kinds in one pass: video-frame PDQs and exact MD5s registered between the picture PDQs
 * come interleaved with them, in id order, exactly the union of the one-kind scans; each kind's
 * suppression hides only its own rows; the mask is checked.
 */
static void test_kinds(void **state)
{
    struct fixture *f = *state;
    struct wy_ctx *c = NULL;
    assert_int_equal(wy_ctx_new(NULL, &c), WY_OK);
    struct wy_bank *bank = open_store(c, f);
    struct seen pics = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &pics), WY_OK);
    const int64_t case_id = 1;
    struct wy_fingerprint fps[30];
    for (size_t i = 0; i < 30; i++) {
        fps[i] = tsup_make_fp(i % 3 == 2 ? WY_FP_MD5 : WY_FP_VIDEO_PDQ, 900000 + i, case_id);
        fps[i].frame_ms = fps[i].kind == WY_FP_VIDEO_PDQ ? (int64_t)i * 1000 : -1;
        fps[i].quality = fps[i].kind == WY_FP_MD5 ? -1 : 80;
    }
    assert_int_equal(wy_bank_fp_add(bank, fps, 30, NULL), WY_OK);
    add_many(bank, case_id, 200001, 10); /* pictures after the frames */
    assert_int_equal(wy_bank_suppress(bank, WY_FP_VIDEO_PDQ, fps[0].value, "test"), WY_OK);
    assert_int_equal(wy_bank_suppress(bank, WY_FP_PDQ, pics.values[7], "test"), WY_OK);
    struct seen want_pdq = {0};
    struct seen want_video = {0};
    struct seen both = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &want_pdq), WY_OK);
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_VIDEO_PDQ, 0, collect, &want_video), WY_OK);
    const unsigned mask = (1u << WY_FP_PDQ) | (1u << WY_FP_VIDEO_PDQ);
    assert_int_equal(wy_bank_fp_scan_values_kinds(bank, mask, 0, collect, &both), WY_OK);
    assert_int_equal(want_pdq.count, pics.count + 10 - 1);
    assert_int_equal(want_video.count, 20 - 1);
    assert_int_equal(both.count, want_pdq.count + want_video.count);
    size_t a = 0;
    size_t b = 0;
    for (size_t k = 0; k < both.count; k++) {
        /* A merge of the two one-kind scans by id. */
        const bool take_pdq =
            b == want_video.count || (a < want_pdq.count && want_pdq.ids[a] < want_video.ids[b]);
        const struct seen *from = take_pdq ? &want_pdq : &want_video;
        const size_t at = take_pdq ? a++ : b++;
        assert_int_equal(both.ids[k], from->ids[at]);
        assert_memory_equal(both.values[k], from->values[at], 32);
    }
    assert_false(both.labelled);
    struct seen none = {0};
    assert_int_equal(wy_bank_fp_scan_values_kinds(bank, 0, 0, collect, &none), WY_EINVAL);
    assert_int_equal(wy_bank_fp_scan_values_kinds(bank, 1u, 0, collect, &none), WY_EINVAL);
    assert_int_equal(wy_bank_fp_scan_values_kinds(bank, mask | 1u << 9, 0, collect, &none),
                     WY_EINVAL);
    assert_int_equal(wy_bank_fp_scan_values_kinds(bank, mask, -1, collect, &none), WY_EINVAL);
    assert_int_equal(none.count, 0);
    seen_free(&pics);
    seen_free(&want_pdq);
    seen_free(&want_video);
    seen_free(&both);
    wy_bank_close(bank);
    tsup_store_sql(f->store.path, "DELETE FROM suppression");
    tsup_store_sql(f->store.path, "DELETE FROM fingerprints WHERE id > 5700");
    wy_ctx_free(c);
}

/* A suppression entry whose blind value has the wrong length is a corrupt store, said so. */
static void test_malformed_suppression(void **state)
{
    struct fixture *f = *state;
    struct wy_ctx *c = NULL;
    assert_int_equal(wy_ctx_new(NULL, &c), WY_OK);
    tsup_store_sql(f->store.path, "INSERT INTO suppression (kind, blind, value_cipher, reason) "
                                  "VALUES (1, x'0102', x'00', 'forged')");
    struct wy_bank *bank = open_store(c, f);
    struct seen s = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &s), WY_ECORRUPT);
    assert_int_equal(s.count, 0);
    seen_free(&s);
    wy_bank_close(bank);
    tsup_store_sql(f->store.path, "DELETE FROM suppression");
    wy_ctx_free(c);
}

/* Copies of rows under far-apart ids (one below zero): the scan still equals the one-thread scan,
 * in id order. */
static void test_sparse_ids(void **state)
{
    struct fixture *f = *state;
    tsup_store_sql(f->store.path,
                   "CREATE TABLE far (id INTEGER); INSERT INTO far VALUES (-7), (5000000000), "
                   "(5000000001), (900000000000);"
                   "INSERT INTO fingerprints (id, kind, value_cipher, blind, quality, case_id, "
                   "bank_id, frame_ms, source_cipher, added, active, media, frame_end_ms) "
                   "SELECT far.id, kind, value_cipher, blind, quality, case_id, bank_id, frame_ms, "
                   "source_cipher, added, active, 0, frame_end_ms FROM fingerprints, far "
                   "WHERE fingerprints.id = 42; DROP TABLE far");
    struct wy_ctx *c = NULL;
    assert_int_equal(wy_ctx_new(NULL, &c), WY_OK);
    struct wy_bank *bank = open_store(c, f);
    struct seen fast = {0};
    struct seen slow = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &fast), WY_OK);
    assert_int_equal(wy_bank_fp_scan(bank, WY_FP_PDQ, 0, collect, &slow), WY_OK);
    assert_int_equal(fast.count, MAIN_COUNT + OTHER_COUNT + 4);
    assert_int_equal(slow.count, fast.count);
    assert_memory_equal(fast.ids, slow.ids, fast.count * sizeof *fast.ids);
    assert_memory_equal(fast.values, slow.values, fast.count * sizeof *fast.values);
    assert_int_equal(fast.ids[0], -7);
    assert_int_equal(fast.ids[fast.count - 1], 900000000000);
    seen_free(&fast);
    seen_free(&slow);
    wy_bank_close(bank);
    wy_ctx_free(c);
    tsup_store_sql(f->store.path, "DELETE FROM fingerprints WHERE id < 1 OR id > 1000000");
}

/* A withdrawal committed by another handle while the scan runs: the scan reads the snapshot it
 * began with (every row), and the change feed holds the withdrawal for the next sync. */
struct committer {
    struct seen seen;
    struct wy_bank *other;
    int64_t case_id;
};

static bool withdraw_midway(void *user, const struct wy_fingerprint *fp)
{
    struct committer *w = user;
    if (w->seen.count == 100) {
        assert_int_equal(wy_bank_case_set_status(w->other, w->case_id, WY_CASE_WITHDRAWN), WY_OK);
    }
    return collect(&w->seen, fp);
}

static bool count_inactive(void *user, const struct wy_bank_change *change)
{
    *(size_t *)user += change->active ? 0 : 1;
    return true;
}

static void test_snapshot(void **state)
{
    struct fixture *f = *state;
    struct wy_ctx *c = NULL;
    assert_int_equal(wy_ctx_new(NULL, &c), WY_OK);
    struct wy_bank *bank = open_store(c, f);
    struct committer w = {.other = open_store(c, f)};
    struct wy_case_info info;
    assert_int_equal(wy_bank_case_find(bank, "S-2", &info), WY_OK);
    w.case_id = info.id;
    int64_t seq = 0;
    assert_int_equal(wy_bank_seq(bank, &seq), WY_OK);
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, withdraw_midway, &w), WY_OK);
    assert_int_equal(w.seen.count, MAIN_COUNT + OTHER_COUNT);
    size_t withdrawn = 0;
    assert_int_equal(wy_bank_changes(bank, seq, count_inactive, &withdrawn), WY_OK);
    assert_int_equal(withdrawn, OTHER_COUNT);
    seen_free(&w.seen);
    struct seen after = {0};
    assert_int_equal(wy_bank_fp_scan_values(bank, WY_FP_PDQ, 0, collect, &after), WY_OK);
    assert_int_equal(after.count, MAIN_COUNT);
    seen_free(&after);
    assert_int_equal(wy_bank_case_set_status(w.other, w.case_id, WY_CASE_OPEN), WY_OK);
    wy_bank_close(w.other);
    wy_bank_close(bank);
    wy_ctx_free(c);
}

static enum wy_status oom_once(struct wy_ctx *ctx, void *user)
{
    const struct fixture *f = user;
    struct wy_bank *bank = NULL;
    enum wy_status st = wy_bank_open(ctx, f->store.path, &f->store.key, NULL, &bank);
    if (st != WY_OK) {
        return st;
    }
    struct seen s = {0};
    st = wy_bank_fp_scan_values(bank, WY_FP_PDQ, f->other_bank, collect, &s);
    assert_true(st == WY_OK || st == WY_ENOMEM);
    if (st == WY_OK) {
        assert_int_equal(s.count, OTHER_COUNT);
    }
    seen_free(&s);
    wy_bank_close(bank);
    return st;
}

static void test_oom(void **state)
{
    tsup_oom_sweep(oom_once, *state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_scan),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_corrupt_row),
        cmocka_unit_test(test_suppressed),
        cmocka_unit_test(test_malformed_suppression),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_sparse_ids),
        cmocka_unit_test(test_snapshot),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
