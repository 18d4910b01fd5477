/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_bank_rekey.c: key rotation (wy_bank_rekey) through the public API, against real SQLite
 * files in a temporary folder.
 *
 * A populated store (fingerprints of every kind, with and without labels, active and withdrawn;
 * notes; suppression entries; more rows than one rotation page of each table) is rotated, then
 * read back value by value under the new key, on the same handle and after a reopen. The file
 * is also read with plain sqlite3, to check what the API cannot show: that every ciphertext and
 * blind value was replaced and no old blind value survives, that ids and the change feed did
 * not move. Then the cases around it: the old key refused, lookups and suppression through the
 * new blind values, a matcher following the feed across a rotation, handles left behind by a
 * rotation refused instead of writing under a dead key, a corrupt row that leaves everything
 * as it was, every allocation failing in turn, and a rotation of 200,000 fingerprints killed
 * with SIGKILL half way, which must leave the store whole under exactly one of the two keys.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test_support.h"

#include "withyou/bank.h"
#include "withyou/match.h"

/* ---- helpers ---- */

static enum wy_status try_open(struct wy_ctx *ctx, const char *path, const struct wy_bank_key *key,
                               struct wy_diag *diag, struct wy_bank **out)
{
    *out = NULL;
    return wy_bank_open(ctx, path, key, diag, out);
}

static struct wy_bank *open_with(struct wy_ctx *ctx, const char *path,
                                 const struct wy_bank_key *key)
{
    struct wy_bank *bank = NULL;
    struct wy_diag diag;
    const enum wy_status st = try_open(ctx, path, key, &diag, &bank);
    if (st != WY_OK) {
        fail_msg("open: %s: %s", wy_status_name(st), diag.msg);
    }
    return bank;
}

static void assert_key_refused(struct wy_ctx *ctx, const char *path, const struct wy_bank_key *key)
{
    struct wy_bank *bank = NULL;
    struct wy_diag diag;
    assert_int_equal(try_open(ctx, path, key, &diag, &bank), WY_EINVAL);
    assert_string_equal(diag.msg, "the key does not open this store");
    assert_null(bank);
}

static struct wy_bank_key new_key(void)
{
    struct wy_bank_key key;
    assert_int_equal(wy_bank_key_generate(&key), WY_OK);
    return key;
}

/* ---- a populated store ---- */

/* More rows than one rotation page of each table (256 fingerprints, 16 notes or entries). */
#define FP_COUNT 600
#define CASE_COUNT 20
#define SUP_COUNT 20
#define WITHDRAWN_CASE 1 /* its fingerprints are inactive */
#define NOTELESS_CASE 3

struct population {
    int64_t bank;
    int64_t cases[CASE_COUNT];
    char notes[CASE_COUNT][64];
    struct wy_fingerprint fps[FP_COUNT];
    enum wy_fp_kind sup_kind[SUP_COUNT];
    uint8_t sup_value[SUP_COUNT][32];
    size_t labels;
};

static enum wy_fp_kind kind_of(size_t i)
{
    static const enum wy_fp_kind kinds[] = {WY_FP_PDQ, WY_FP_VIDEO_PDQ, WY_FP_MD5, WY_FP_SHA256};
    return kinds[i % 4];
}

/* Fingerprints in every case, every kind; labels on two of three; entries 0..4 of the
 * suppression list are registered values of each kind, the rest are not. Fingerprint 10
 * repeats the MD5 of fingerprint 2 in another case, so an exact lookup has two answers. */
static struct population *populate(struct wy_bank *bank)
{
    struct population *p = calloc(1, sizeof *p);
    assert_non_null(p);
    assert_int_equal(wy_bank_bank_create(bank, "main", 31, 0, &p->bank, NULL), WY_OK);
    for (size_t c = 0; c < CASE_COUNT; c++) {
        char ref[16];
        snprintf(ref, sizeof ref, "C-%zu", c);
        struct wy_case_info info;
        assert_int_equal(wy_bank_case_new(bank, p->bank, ref, &info, NULL), WY_OK);
        p->cases[c] = info.id;
        if (c != NOTELESS_CASE) {
            snprintf(p->notes[c], sizeof p->notes[c], "call back after 6pm, case %zu", c);
            assert_int_equal(wy_bank_case_set_notes(bank, info.id, p->notes[c]), WY_OK);
        }
    }
    for (size_t i = 0; i < FP_COUNT; i++) {
        p->fps[i] = tsup_make_fp(kind_of(i), i == 10 ? 2 : i, p->cases[i % CASE_COUNT]);
        if (i % 3 != 2) {
            snprintf(p->fps[i].source, sizeof p->fps[i].source, "IMG_%04zu_private.jpg", i);
            p->labels++;
        }
    }
    assert_int_equal(wy_bank_fp_add(bank, p->fps, FP_COUNT, NULL), WY_OK);
    assert_int_equal(wy_bank_case_set_status(bank, p->cases[WITHDRAWN_CASE], WY_CASE_WITHDRAWN),
                     WY_OK);
    for (size_t s = 0; s < SUP_COUNT; s++) {
        const struct wy_fingerprint fp =
            s < 5 ? p->fps[s * 13 + 4] : tsup_make_fp(kind_of(s), 100000 + s, 0);
        p->sup_kind[s] = fp.kind;
        memcpy(p->sup_value[s], fp.value, sizeof p->sup_value[s]);
        assert_int_equal(wy_bank_suppress(bank, fp.kind, fp.value, "logo"), WY_OK);
    }
    return p;
}

static bool is_suppressed(const struct population *p, const struct wy_fingerprint *fp)
{
    for (size_t s = 0; s < SUP_COUNT; s++) {
        if (p->sup_kind[s] == fp->kind && memcmp(p->sup_value[s], fp->value, 32) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_active(const struct population *p, size_t i)
{
    return p->fps[i].case_id != p->cases[WITHDRAWN_CASE];
}

struct ids {
    int64_t ids[8];
    size_t count;
};

static bool collect_id(void *user, const struct wy_fingerprint *fp)
{
    struct ids *h = user;
    assert_true(h->count < 8);
    h->ids[h->count++] = fp->id;
    return true;
}

static bool count_fp(void *user, const struct wy_fingerprint *fp)
{
    (void)fp;
    (*(size_t *)user)++;
    return true;
}

/* Exact lookups go through the blind index: each active, unsuppressed MD5 and SHA-256 must be
 * found by its value, under its own id, and nothing else. */
static void check_lookups(struct wy_bank *bank, const struct population *p)
{
    for (size_t i = 0; i < FP_COUNT; i++) {
        const struct wy_fingerprint *fp = &p->fps[i];
        if (fp->kind != WY_FP_MD5 && fp->kind != WY_FP_SHA256) {
            continue;
        }
        struct ids h = {.count = 0};
        assert_int_equal(wy_bank_fp_lookup(bank, fp->kind, fp->value, collect_id, &h), WY_OK);
        bool found = false;
        for (size_t k = 0; k < h.count; k++) {
            found = found || h.ids[k] == fp->id;
        }
        assert_int_equal(found, is_active(p, i) && !is_suppressed(p, fp));
    }
    struct ids twice = {.count = 0};
    assert_int_equal(wy_bank_fp_lookup(bank, WY_FP_MD5, p->fps[2].value, collect_id, &twice),
                     WY_OK);
    assert_int_equal(twice.count, 2); /* fingerprints 2 and 10 */
}

/* Everything the population holds reads back equal through `bank`. */
static void check_population(struct wy_bank *bank, const struct population *p)
{
    size_t pdq_expected = 0;
    for (size_t i = 0; i < FP_COUNT; i++) {
        const struct wy_fingerprint *want = &p->fps[i];
        struct wy_fingerprint got;
        assert_int_equal(wy_bank_fp_get(bank, want->id, &got), WY_OK);
        assert_int_equal(got.kind, want->kind);
        assert_memory_equal(got.value, want->value, sizeof got.value);
        assert_string_equal(got.source, want->source);
        assert_int_equal(got.case_id, want->case_id);
        assert_int_equal(got.media_id, want->media_id);
        assert_int_equal(got.quality, want->quality);
        assert_int_equal(got.frame_ms, want->frame_ms);
        assert_int_equal(got.active, is_active(p, i));
        pdq_expected += want->kind == WY_FP_PDQ && is_active(p, i) && !is_suppressed(p, want);
    }
    for (size_t c = 0; c < CASE_COUNT; c++) {
        char notes[WY_CASE_NOTES_BYTES];
        assert_int_equal(wy_bank_case_notes(bank, p->cases[c], notes), WY_OK);
        assert_string_equal(notes, p->notes[c]);
    }
    for (size_t s = 0; s < SUP_COUNT; s++) {
        bool suppressed = false;
        assert_int_equal(wy_bank_is_suppressed(bank, p->sup_kind[s], p->sup_value[s], &suppressed),
                         WY_OK);
        assert_true(suppressed);
    }
    bool suppressed = true;
    assert_int_equal(wy_bank_is_suppressed(bank, WY_FP_PDQ, p->fps[0].value, &suppressed), WY_OK);
    assert_false(suppressed);
    size_t pdq = 0;
    assert_int_equal(wy_bank_fp_scan(bank, WY_FP_PDQ, p->bank, count_fp, &pdq), WY_OK);
    assert_int_equal(pdq, pdq_expected);
    check_lookups(bank, p);
}

/* ---- what the file holds, read with plain SQLite ---- */

#define SNAP_MAX (FP_COUNT + SUP_COUNT + CASE_COUNT + 1)

/* A sealed column and blind value of the file. */
struct snap_row {
    char table; /* 'f' fingerprints, 'c' cases (notes), 's' suppression, 'm' key check */
    int64_t id;
    uint8_t blind[32];
    uint8_t sealed[72];  /* the first bytes of the value ciphertext (nonce first) */
    int source_len;      /* fingerprints: label ciphertext length, -1 for NULL */
    uint8_t source[24];  /* its nonce */
    int64_t kind_or_act; /* fingerprints: kind * 10 + active; suppression: kind */
};

struct snapshot {
    size_t count;
    struct snap_row rows[SNAP_MAX];
};

static void snap_blob(sqlite3_stmt *s, int col, uint8_t *out, size_t cap)
{
    const int n = sqlite3_column_bytes(s, col);
    const void *b = sqlite3_column_blob(s, col);
    memset(out, 0, cap);
    if (b != NULL) {
        memcpy(out, b, (size_t)n < cap ? (size_t)n : cap);
    }
}

static void take_snapshot(const char *path, struct snapshot *snap)
{
    static const struct {
        char table;
        const char *sql;
    } queries[] = {
        {'f', "SELECT id, blind, value_cipher, source_cipher, kind * 10 + active FROM fingerprints "
              "ORDER BY id"},
        {'c', "SELECT id, NULL, notes_cipher, NULL, 0 FROM cases WHERE notes_cipher IS NOT NULL "
              "ORDER BY id"},
        {'s', "SELECT rowid, blind, value_cipher, NULL, kind FROM suppression ORDER BY rowid"},
        {'m', "SELECT 0, NULL, value, NULL, 0 FROM meta WHERE name = 'key_check'"},
    };
    memset(snap, 0, sizeof *snap);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        sqlite3_stmt *s = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, queries[q].sql, -1, &s, NULL), SQLITE_OK);
        while (sqlite3_step(s) == SQLITE_ROW) {
            assert_true(snap->count < SNAP_MAX);
            struct snap_row *r = &snap->rows[snap->count++];
            r->table = queries[q].table;
            r->id = sqlite3_column_int64(s, 0);
            snap_blob(s, 1, r->blind, sizeof r->blind);
            snap_blob(s, 2, r->sealed, sizeof r->sealed);
            r->source_len =
                sqlite3_column_type(s, 3) == SQLITE_NULL ? -1 : sqlite3_column_bytes(s, 3);
            snap_blob(s, 3, r->source, sizeof r->source);
            r->kind_or_act = sqlite3_column_int64(s, 4);
        }
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
}

/* The same rows in the same places, each with a new ciphertext, new blind values, labels of the
 * same (padded) length, and not one old blind value left anywhere. */
static void assert_all_replaced(const struct snapshot *before, const struct snapshot *after)
{
    assert_int_equal(before->count, after->count);
    for (size_t i = 0; i < before->count; i++) {
        const struct snap_row *b = &before->rows[i];
        const struct snap_row *a = &after->rows[i];
        assert_int_equal(a->table, b->table);
        assert_int_equal(a->id, b->id);
        assert_int_equal(a->kind_or_act, b->kind_or_act);
        assert_int_equal(a->source_len, b->source_len);
        assert_memory_not_equal(a->sealed, b->sealed, sizeof a->sealed);
        if (b->source_len > 0) {
            assert_memory_not_equal(a->source, b->source, sizeof a->source);
        }
        if (b->table == 'f' || b->table == 's') {
            for (size_t j = 0; j < after->count; j++) {
                assert_memory_not_equal(after->rows[j].blind, b->blind, sizeof b->blind);
            }
        }
    }
}

struct feed {
    struct wy_bank_change items[FP_COUNT * 2];
    size_t count;
};

static bool keep_change(void *user, const struct wy_bank_change *change)
{
    struct feed *f = user;
    assert_true(f->count < FP_COUNT * 2);
    f->items[f->count++] = *change;
    return true;
}

static void read_feed(struct wy_bank *bank, struct feed *f)
{
    f->count = 0;
    assert_int_equal(wy_bank_changes(bank, 0, keep_change, f), WY_OK);
}

/* ---- tests ---- */

static void test_rekey_round_trip(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    struct population *p = populate(bank);
    static struct snapshot before, after;
    static struct feed feed_before, feed_after;
    take_snapshot(fx.path, &before);
    read_feed(bank, &feed_before);
    int64_t seq_before = 0;
    assert_int_equal(wy_bank_seq(bank, &seq_before), WY_OK);

    const struct wy_bank_key key2 = new_key();
    struct wy_bank_rekey_stats stats;
    struct wy_diag diag;
    assert_int_equal(wy_bank_rekey(bank, &key2, &stats, &diag), WY_OK);
    assert_int_equal(stats.fingerprints, FP_COUNT);
    assert_int_equal(stats.labels, p->labels);
    assert_int_equal(stats.notes, CASE_COUNT - 1);
    assert_int_equal(stats.suppressions, SUP_COUNT);

    /* The same handle goes on under the new key. */
    check_population(bank, p);
    take_snapshot(fx.path, &after);
    assert_all_replaced(&before, &after);
    /* Ids and active flags did not move, so the change feed needs (and got) no entry. */
    read_feed(bank, &feed_after);
    assert_int_equal(feed_after.count, feed_before.count);
    for (size_t i = 0; i < feed_before.count; i++) {
        assert_int_equal(feed_after.items[i].seq, feed_before.items[i].seq);
        assert_int_equal(feed_after.items[i].fp_id, feed_before.items[i].fp_id);
        assert_int_equal(feed_after.items[i].active, feed_before.items[i].active);
    }
    int64_t seq_after = 0;
    assert_int_equal(wy_bank_seq(bank, &seq_after), WY_OK);
    assert_int_equal(seq_after, seq_before);
    wy_bank_close(bank);

    assert_key_refused(ctx, fx.path, &fx.key);
    bank = open_with(ctx, fx.path, &key2);
    check_population(bank, p);
    wy_bank_close(bank);
    free(p);
    tsup_store_fini(&fx);
}

/* Rotating again, rotating to the same key, rotating an empty store. */
static void test_rekey_repeated_and_empty(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    struct wy_bank_rekey_stats stats = {.fingerprints = 99};
    const struct wy_bank_key key2 = new_key();
    assert_int_equal(wy_bank_rekey(bank, &key2, &stats, NULL), WY_OK);
    assert_int_equal(stats.fingerprints + stats.labels + stats.notes + stats.suppressions, 0);
    struct population *p = populate(bank);
    const struct wy_bank_key key3 = new_key();
    assert_int_equal(wy_bank_rekey(bank, &key3, NULL, NULL), WY_OK);
    assert_int_equal(wy_bank_rekey(bank, &key3, &stats, NULL), WY_OK); /* fresh nonces only */
    assert_int_equal(stats.fingerprints, FP_COUNT);
    check_population(bank, p);
    wy_bank_close(bank);
    assert_key_refused(ctx, fx.path, &fx.key);
    assert_key_refused(ctx, fx.path, &key2);
    bank = open_with(ctx, fx.path, &key3);
    check_population(bank, p);
    wy_bank_close(bank);
    free(p);
    tsup_store_fini(&fx);
}

struct found {
    size_t count;
    int64_t case_id;
};

static bool keep_match(void *user, const struct wy_match *m)
{
    struct found *f = user;
    f->count++;
    f->case_id = m->case_id;
    return true;
}

/* Matches of a picture whose original hash is `value` (the other variants random). */
static size_t matches(struct wy_matcher *m, const uint8_t *value)
{
    struct wy_pdq_hash q[WY_DIH_COUNT];
    uint64_t rng = 4242;
    for (int i = 0; i < WY_DIH_COUNT; i++) {
        tsup_random_hash(&rng, &q[i]);
    }
    memcpy(q[WY_DIH_ORIGINAL].bytes, value, WY_PDQ_BYTES);
    struct found f = {0, 0};
    assert_int_equal(wy_matcher_image(m, q, NULL, keep_match, &f), WY_OK);
    return f.count;
}

static struct wy_matcher *matcher_new(struct wy_ctx *ctx, struct wy_bank *bank)
{
    struct wy_matcher_opts opts;
    wy_matcher_opts_init(&opts);
    opts.index_kind = WY_INDEX_FLAT;
    struct wy_matcher *m = NULL;
    struct wy_diag diag;
    assert_int_equal(wy_matcher_new(ctx, bank, &opts, &m, &diag), WY_OK);
    return m;
}

/*
 * A matcher on the rotating handle follows the feed across the rotation. A handle opened before
 * it (another process, in effect) is left with the old key: its writes of sealed values are
 * refused rather than sealed under a key nobody holds, its reads of rotated rows fail, and so
 * does its own attempt to rotate; reopened with the new key it sees everything.
 */
static void test_rekey_feed_and_stale_handles(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    struct population *p = populate(bank);
    struct wy_bank *stale = open_with(ctx, fx.path, &fx.key);
    struct wy_matcher *m = matcher_new(ctx, bank);
    struct wy_matcher *m_stale = matcher_new(ctx, stale);
    const size_t loaded = wy_matcher_size(m);
    assert_int_equal(matches(m, p->fps[0].value), 1);

    const struct wy_bank_key key2 = new_key();
    assert_int_equal(wy_bank_rekey(bank, &key2, NULL, NULL), WY_OK);
    /* Registered after the rotation, in a bank of its own (the population's counts stay). */
    int64_t other = 0;
    assert_int_equal(wy_bank_bank_create(bank, "other", 31, 0, &other, NULL), WY_OK);
    struct wy_case_info c;
    assert_int_equal(wy_bank_case_new(bank, other, "O-1", &c, NULL), WY_OK);
    struct wy_fingerprint fresh = tsup_make_fp(WY_FP_PDQ, 777777, c.id);
    assert_int_equal(wy_bank_fp_add(bank, &fresh, 1, NULL), WY_OK);
    assert_int_equal(wy_matcher_sync(m), WY_OK);
    assert_int_equal(wy_matcher_size(m), loaded + 1);
    assert_int_equal(matches(m, p->fps[0].value), 1);
    assert_int_equal(matches(m, fresh.value), 1);

    struct wy_diag diag;
    struct wy_fingerprint late = tsup_make_fp(WY_FP_PDQ, 888888, p->cases[0]);
    assert_int_equal(wy_bank_fp_add(stale, &late, 1, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "reopen it with the new key"));
    assert_int_equal(late.id, 0);
    assert_int_equal(wy_bank_case_set_notes(stale, p->cases[0], "written late"), WY_EINVAL);
    assert_int_equal(wy_bank_suppress(stale, WY_FP_PDQ, late.value, "late"), WY_EINVAL);
    struct wy_fingerprint got;
    assert_int_equal(wy_bank_fp_get(stale, p->fps[0].id, &got), WY_ECORRUPT);
    assert_int_equal(wy_matcher_sync(m_stale), WY_ECORRUPT);
    const struct wy_bank_key key3 = new_key();
    assert_int_equal(wy_bank_rekey(stale, &key3, NULL, &diag), WY_EINVAL);
    assert_non_null(strstr(diag.msg, "reopen it with the new key"));
    wy_matcher_free(m_stale);
    wy_bank_close(stale);

    /* Nothing the stale handle tried got in; the store is whole under the new key. */
    check_population(bank, p);
    stale = open_with(ctx, fx.path, &key2);
    m_stale = matcher_new(ctx, stale);
    assert_int_equal(wy_matcher_size(m_stale), loaded + 1);
    assert_int_equal(matches(m_stale, fresh.value), 1);
    assert_int_equal(matches(m_stale, late.value), 0);
    wy_matcher_free(m_stale);
    wy_bank_close(stale);
    wy_matcher_free(m);
    wy_bank_close(bank);
    free(p);
    tsup_store_fini(&fx);
}

/* One value that does not open stops the rotation before anything is committed: the store and
 * the handle stay under the old key, and the file is as it was. */
static void expect_refused(struct wy_ctx *ctx, const struct tsup_store *fx,
                           const struct population *p, const char *msg)
{
    static struct snapshot before, after;
    take_snapshot(fx->path, &before);
    struct wy_bank *bank = open_with(ctx, fx->path, &fx->key);
    const struct wy_bank_key key2 = new_key();
    struct wy_bank_rekey_stats stats = {.fingerprints = 7};
    struct wy_diag diag;
    assert_int_equal(wy_bank_rekey(bank, &key2, &stats, &diag), WY_ECORRUPT);
    assert_string_equal(diag.msg, msg);
    assert_int_equal(stats.fingerprints, 7); /* written only on success */
    struct wy_fingerprint got;
    assert_int_equal(wy_bank_fp_get(bank, p->fps[0].id, &got), WY_OK);
    assert_memory_equal(got.value, p->fps[0].value, sizeof got.value);
    wy_bank_close(bank);
    take_snapshot(fx->path, &after);
    assert_memory_equal(&before, &after, sizeof before);
    assert_key_refused(ctx, fx->path, &key2);
}

static void test_rekey_corrupt_row_changes_nothing(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    struct population *p = populate(bank);
    wy_bank_close(bank);
    /* A suppression entry of an unknown kind: found after every fingerprint was resealed. */
    tsup_store_sql(fx.path, "UPDATE suppression SET kind = 9 WHERE rowid = 3;");
    expect_refused(ctx, &fx, p, "a suppression entry does not decrypt; nothing was changed");
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE suppression SET kind = %d WHERE rowid = 3;",
             (int)p->sup_kind[2]);
    tsup_store_sql(fx.path, sql);
    /* A ciphertext moved to another row (its associated data no longer matches). */
    tsup_store_sql(fx.path, "UPDATE fingerprints SET value_cipher = "
                            "(SELECT value_cipher FROM fingerprints WHERE id = 1) WHERE id = 500;");
    expect_refused(ctx, &fx, p, "fingerprint 500 does not decrypt; nothing was changed");
    free(p);
    tsup_store_fini(&fx);
}

/* ---- out of memory ---- */

struct oom_run {
    struct tsup_store fx;
    struct wy_bank_key keys[2];
    int current; /* index of the key the store is under */
    const struct population *p;
};

static enum wy_status rekey_once(struct wy_ctx *ctx, void *user)
{
    struct oom_run *o = user;
    struct wy_bank *bank = NULL;
    enum wy_status st = wy_bank_open(ctx, o->fx.path, &o->keys[o->current], NULL, &bank);
    if (st == WY_OK) {
        struct wy_bank_rekey_stats stats;
        st = wy_bank_rekey(bank, &o->keys[1 - o->current], &stats, NULL);
        if (st == WY_OK) {
            o->current = 1 - o->current;
            assert_int_equal(stats.fingerprints, FP_COUNT);
        }
        /* Either way the handle reads with the key the store is now under. */
        struct wy_fingerprint got;
        assert_int_equal(wy_bank_fp_get(bank, o->p->fps[FP_COUNT - 1].id, &got), WY_OK);
        assert_memory_equal(got.value, o->p->fps[FP_COUNT - 1].value, sizeof got.value);
    }
    wy_bank_close(bank);
    return st;
}

static void test_rekey_out_of_memory(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct oom_run o = {.current = 0};
    tsup_store_init(&o.fx);
    o.keys[0] = o.fx.key;
    o.keys[1] = new_key();
    struct wy_bank *bank = tsup_store_create(ctx, &o.fx);
    struct population *p = populate(bank);
    wy_bank_close(bank);
    o.p = p;
    tsup_oom_sweep(rekey_once, &o);
    assert_int_equal(o.current, 1);
    assert_key_refused(ctx, o.fx.path, &o.keys[0]);
    bank = open_with(ctx, o.fx.path, &o.keys[1]);
    check_population(bank, p);
    wy_bank_close(bank);
    free(p);
    tsup_store_fini(&o.fx);
}

/* ---- crash safety ---- */

#define CRASH_COUNT 200000
#define CRASH_WAL_BYTES (4 << 20)

/* The child: rotates the store and is killed before it ends. */
WY_NORETURN static void crash_child(const struct tsup_store *fx, const struct wy_bank_key *to,
                                    int ready_fd)
{
    struct wy_ctx *ctx = NULL;
    struct wy_bank *bank = NULL;
    if (wy_ctx_new(NULL, &ctx) != WY_OK || wy_bank_open(ctx, fx->path, &fx->key, NULL, &bank)) {
        _exit(2);
    }
    if (write(ready_fd, "r", 1) != 1) {
        _exit(4);
    }
    const enum wy_status st = wy_bank_rekey(bank, to, NULL, NULL);
    _exit(st == WY_OK ? 0 : 5);
}

/* Every fingerprint is frame-N.jpg holding tsup_make_fp(PDQ, N): checks value and label together.
 */
static bool check_crash_fp(void *user, const struct wy_fingerprint *fp)
{
    size_t n = 0;
    assert_int_equal(sscanf(fp->source, "frame-%zu.jpg", &n), 1);
    const struct wy_fingerprint want = tsup_make_fp(WY_FP_PDQ, n, fp->case_id);
    assert_memory_equal(fp->value, want.value, sizeof fp->value);
    (*(size_t *)user)++;
    return true;
}

static void test_rekey_crash(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct tsup_store fx;
    tsup_store_init(&fx);
    struct wy_bank *bank = tsup_store_create(ctx, &fx);
    int64_t bank_id = 0;
    assert_int_equal(wy_bank_bank_create(bank, "main", 31, 0, &bank_id, NULL), WY_OK);
    struct wy_case_info c;
    assert_int_equal(wy_bank_case_new(bank, bank_id, "C", &c, NULL), WY_OK);
    struct wy_fingerprint *fps = calloc(CRASH_COUNT, sizeof *fps);
    assert_non_null(fps);
    for (size_t i = 0; i < CRASH_COUNT; i++) {
        fps[i] = tsup_make_fp(WY_FP_PDQ, i, c.id);
        snprintf(fps[i].source, sizeof fps[i].source, "frame-%zu.jpg", i);
    }
    assert_int_equal(wy_bank_fp_add(bank, fps, CRASH_COUNT, NULL), WY_OK);
    free(fps);
    assert_int_equal(wy_bank_case_set_notes(bank, c.id, "notes survive"), WY_OK);
    wy_bank_close(bank); /* no connection may cross the fork; the WAL is checkpointed away */

    const struct wy_bank_key key2 = new_key();
    int pipe_fd[2];
    assert_int_equal(pipe(pipe_fd), 0);
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pipe_fd[0]);
        crash_child(&fx, &key2, pipe_fd[1]);
    }
    close(pipe_fd[1]);
    char ready = 0;
    assert_int_equal(read(pipe_fd[0], &ready, 1), 1);
    close(pipe_fd[0]);
    char wal[256];
    snprintf(wal, sizeof wal, "%s-wal", fx.path);
    tsup_kill_when_grown(pid, wal, CRASH_WAL_BYTES);

    /* Exactly one of the keys opens the store, and everything reads back under it. */
    struct wy_bank *old_bank = NULL;
    struct wy_bank *new_bank = NULL;
    const enum wy_status st_old = try_open(ctx, fx.path, &fx.key, NULL, &old_bank);
    const enum wy_status st_new = try_open(ctx, fx.path, &key2, NULL, &new_bank);
    assert_true((st_old == WY_OK && st_new == WY_EINVAL) ||
                (st_old == WY_EINVAL && st_new == WY_OK));
    bank = st_old == WY_OK ? old_bank : new_bank;
    size_t n = 0;
    assert_int_equal(wy_bank_fp_scan(bank, WY_FP_PDQ, 0, check_crash_fp, &n), WY_OK);
    assert_int_equal(n, CRASH_COUNT);
    char notes[WY_CASE_NOTES_BYTES];
    assert_int_equal(wy_bank_case_notes(bank, c.id, notes), WY_OK);
    assert_string_equal(notes, "notes survive");
    wy_bank_close(bank);
    tsup_store_integrity_ok(fx.path);
    tsup_store_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rekey_round_trip, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_rekey_repeated_and_empty, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_rekey_feed_and_stale_handles, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_rekey_corrupt_row_changes_nothing, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_rekey_out_of_memory, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_rekey_crash, tsup_setup_ctx, tsup_teardown_ctx),
    };
    return cmocka_run_group_tests_name("bank_rekey", tests, NULL, NULL);
}
