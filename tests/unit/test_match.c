/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_match.c: the matcher over a real store: pictures by their dihedral hashes and MD5, videos
 * aligned in time (excerpt, mirror, speed), pictures inside videos and back, per-bank thresholds,
 * and the change feed: withdrawals, re-openings and new registrations seen by wy_matcher_sync()
 * without a reload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"
#include "withyou/withyou.h"

#define MAX_MATCHES 16

struct found {
    struct wy_match m[MAX_MATCHES];
    size_t count;
};

static bool keep_match(void *user, const struct wy_match *m)
{
    struct found *f = user;
    assert_true(f->count < MAX_MATCHES);
    f->m[f->count++] = *m;
    return true;
}

/* A random hash and its 8 "dihedral" variants: distinct random hashes stand in for them. */
static void picture(uint64_t seed, struct wy_pdq_hash dih[WY_DIH_COUNT])
{
    uint64_t rng = seed * 0x9e3779b97f4a7c15u + 11;
    for (int i = 0; i < WY_DIH_COUNT; i++) {
        tsup_random_hash(&rng, &dih[i]);
    }
}

/* Flips `bits` bits of h (the first ones), as an edit would. */
static struct wy_pdq_hash nudged(const struct wy_pdq_hash *h, int bits)
{
    struct wy_pdq_hash out = *h;
    for (int b = 0; b < bits; b++) {
        out.bytes[b / 8] ^= (uint8_t)(1u << (b % 8));
    }
    return out;
}

/* A registered video: 20 one-second samples, each its own random picture. */
struct video {
    struct wy_pdq_hash frames[20][WY_DIH_COUNT];
};

static void make_video(uint64_t seed, struct video *v)
{
    for (int i = 0; i < 20; i++) {
        picture(seed * 100 + (uint64_t)i, v->frames[i]);
    }
}

static void register_video(struct wy_bank *bank, int64_t case_id, const struct video *v)
{
    struct wy_fingerprint fps[20];
    memset(fps, 0, sizeof fps);
    for (int i = 0; i < 20; i++) {
        fps[i].kind = WY_FP_VIDEO_PDQ;
        memcpy(fps[i].value, v->frames[i][WY_DIH_ORIGINAL].bytes, WY_PDQ_BYTES);
        fps[i].quality = 90;
        fps[i].case_id = case_id;
        fps[i].frame_ms = 1000 * i;
        fps[i].frame_end_ms = -1;
        fps[i].media_id = 1;
    }
    assert_int_equal(wy_bank_fp_add(bank, fps, 20, NULL), WY_OK);
}

static void register_picture(struct wy_bank *bank, int64_t case_id, const struct wy_pdq_hash *h,
                             const uint8_t *md5)
{
    struct wy_fingerprint fps[2];
    memset(fps, 0, sizeof fps);
    fps[0].kind = WY_FP_PDQ;
    memcpy(fps[0].value, h->bytes, WY_PDQ_BYTES);
    fps[0].quality = 90;
    fps[1].kind = WY_FP_MD5;
    memcpy(fps[1].value, md5, 16);
    fps[1].quality = -1;
    for (int i = 0; i < 2; i++) {
        fps[i].case_id = case_id;
        fps[i].frame_ms = -1;
        fps[i].frame_end_ms = -1;
        fps[i].media_id = 9;
    }
    assert_int_equal(wy_bank_fp_add(bank, fps, 2, NULL), WY_OK);
}

/* A query video: `count` samples at 1 s showing registered seconds from + speed * k, through
 * dihedral variant `variant` of the registered frames, each `bits` away. */
static void query_video(const struct video *v, int count, double from, double speed,
                        enum wy_dihedral variant, int bits, struct wy_video_fp *q,
                        struct wy_video_frame *frames, struct wy_pdq_hash *dih)
{
    memset(q, 0, sizeof *q);
    q->frames = frames;
    q->dihedral = dih;
    q->count = (size_t)count;
    for (int k = 0; k < count; k++) {
        const int r = (int)(from + speed * k + 0.5);
        frames[k] = (struct wy_video_frame){
            .quality = 90, .start_ms = 1000 * k, .end_ms = 1000 * k, .frame_no = 25 * k};
        uint64_t rng = 1000 + (uint64_t)k;
        for (int d = 0; d < WY_DIH_COUNT; d++) {
            tsup_random_hash(&rng, &dih[k * WY_DIH_COUNT + d]);
        }
        /* The query's variant `variant` undoes the edit: it is what was registered. */
        dih[k * WY_DIH_COUNT + variant] = nudged(&v->frames[r][WY_DIH_ORIGINAL], bits);
        frames[k].pdq = dih[k * WY_DIH_COUNT];
    }
}

struct fixture {
    struct tsup_store store;
    struct wy_bank *bank;
    int64_t bank_id;
    int64_t c_video;
    int64_t c_pic;
    struct video v;
    struct wy_pdq_hash pic[WY_DIH_COUNT];
    uint8_t md5[16];
};

static void fixture_init(struct wy_ctx *ctx, struct fixture *f)
{
    tsup_store_init(&f->store);
    f->bank = tsup_store_create(ctx, &f->store);
    assert_int_equal(wy_bank_bank_create(f->bank, "main", 31, 50, &f->bank_id, NULL), WY_OK);
    struct wy_case_info c;
    assert_int_equal(wy_bank_case_new(f->bank, f->bank_id, "V-1", &c, NULL), WY_OK);
    f->c_video = c.id;
    assert_int_equal(wy_bank_case_new(f->bank, f->bank_id, "P-1", &c, NULL), WY_OK);
    f->c_pic = c.id;
    make_video(1, &f->v);
    register_video(f->bank, f->c_video, &f->v);
    picture(77, f->pic);
    memset(f->md5, 0x5a, sizeof f->md5);
    register_picture(f->bank, f->c_pic, &f->pic[WY_DIH_ORIGINAL], f->md5);
}

static void fixture_fini(struct fixture *f)
{
    wy_bank_close(f->bank);
    tsup_store_fini(&f->store);
}

static struct wy_matcher *matcher_new(struct wy_ctx *ctx, struct wy_bank *bank, int threshold)
{
    struct wy_matcher_opts opts;
    wy_matcher_opts_init(&opts);
    opts.threshold = threshold;
    struct wy_matcher *m = NULL;
    struct wy_diag diag;
    assert_int_equal(wy_matcher_new(ctx, bank, &opts, &m, &diag), WY_OK);
    return m;
}

static void test_picture_queries(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct fixture f;
    fixture_init(ctx, &f);
    struct wy_matcher *m = matcher_new(ctx, f.bank, -1);
    assert_int_equal(wy_matcher_size(m), 21);
    assert_int_equal(wy_matcher_min_quality(m), 50);

    /* A mirrored copy 10 bits away: found through its flipy variant, plus the exact MD5. */
    struct wy_pdq_hash q[WY_DIH_COUNT];
    picture(500, q);
    q[WY_DIH_FLIPY] = nudged(&f.pic[WY_DIH_ORIGINAL], 10);
    struct found got = {.count = 0};
    assert_int_equal(wy_matcher_image(m, q, f.md5, keep_match, &got), WY_OK);
    assert_int_equal(got.count, 2);
    assert_int_equal(got.m[0].case_id, f.c_pic);
    assert_int_equal(got.m[0].ref_kind, WY_FP_PDQ);
    assert_int_equal(got.m[0].distance, 10);
    assert_int_equal(got.m[0].variant, WY_DIH_FLIPY);
    assert_false(got.m[0].query_time || got.m[0].ref_time);
    assert_int_equal(got.m[1].ref_kind, WY_FP_MD5);
    assert_int_equal(got.m[1].media_id, got.m[0].media_id); /* one registered picture */

    /* Past the bank's threshold: nothing, unless the caller widens it. */
    q[WY_DIH_FLIPY] = nudged(&f.pic[WY_DIH_ORIGINAL], 40);
    got.count = 0;
    assert_int_equal(wy_matcher_image(m, q, NULL, keep_match, &got), WY_OK);
    assert_int_equal(got.count, 0);
    struct wy_matcher *wide = matcher_new(ctx, f.bank, 45);
    assert_int_equal(wy_matcher_image(wide, q, NULL, keep_match, &got), WY_OK);
    assert_int_equal(got.count, 1);
    wy_matcher_free(wide);

    /* A still of the registered video at 7 s: the video, and where. */
    picture(600, q);
    q[WY_DIH_ORIGINAL] = nudged(&f.v.frames[7][WY_DIH_ORIGINAL], 3);
    got.count = 0;
    assert_int_equal(wy_matcher_image(m, q, NULL, keep_match, &got), WY_OK);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.m[0].case_id, f.c_video);
    assert_int_equal(got.m[0].ref_kind, WY_FP_VIDEO_PDQ);
    assert_true(got.m[0].ref_time && !got.m[0].query_time);
    assert_int_equal(got.m[0].r_start_ms, 7000);
    assert_int_equal(got.m[0].r_end_ms, 7000);
    wy_matcher_free(m);
    fixture_fini(&f);
}

/*
 * Under WY_INDEX_AUTO a store large enough for multi-index hashing loads into a flat index, so
 * the matcher answers as soon as the scan ends, and gets its tables with its 129th search: the
 * memory grows by them, and every answer stays the same.
 */
static void test_tables_after_searches(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct fixture f;
    fixture_init(ctx, &f);
    enum { BATCH = 10000 };
    struct wy_fingerprint *fps = calloc(BATCH, sizeof *fps);
    assert_non_null(fps);
    for (uint64_t b = 0; b < WY_INDEX_MIH_MIN / BATCH; b++) {
        for (size_t i = 0; i < BATCH; i++) {
            fps[i] = tsup_make_fp(WY_FP_PDQ, 1000 + b * BATCH + i, f.c_pic);
        }
        assert_int_equal(wy_bank_fp_add(f.bank, fps, BATCH, NULL), WY_OK);
    }
    free(fps);
    struct wy_matcher *m = matcher_new(ctx, f.bank, -1);
    assert_int_equal(wy_matcher_size(m), 21 + WY_INDEX_MIH_MIN);
    const size_t flat = wy_matcher_memory_bytes(m);
    struct wy_pdq_hash q[WY_DIH_COUNT];
    picture(500, q);
    q[WY_DIH_ROT90] = nudged(&f.pic[WY_DIH_ORIGINAL], 12);
    for (int search = 1; search <= 130; search++) {
        struct found got = {.count = 0};
        assert_int_equal(wy_matcher_image(m, q, NULL, keep_match, &got), WY_OK);
        assert_int_equal(got.count, 1);
        assert_int_equal(got.m[0].case_id, f.c_pic);
        assert_int_equal(got.m[0].distance, 12);
        assert_int_equal(got.m[0].variant, WY_DIH_ROT90);
        if (search <= 128) {
            assert_int_equal(wy_matcher_memory_bytes(m), flat);
        } else {
            assert_true(wy_matcher_memory_bytes(m) > flat + 100 * (size_t)WY_INDEX_MIH_MIN);
        }
    }
    /* Later changes reach the tables too. */
    struct wy_fingerprint extra = tsup_make_fp(WY_FP_PDQ, 7, f.c_pic);
    memcpy(extra.value, nudged(&f.pic[WY_DIH_ORIGINAL], 3).bytes, WY_PDQ_BYTES);
    assert_int_equal(wy_bank_fp_add(f.bank, &extra, 1, NULL), WY_OK);
    assert_int_equal(wy_matcher_sync(m), WY_OK);
    struct found got = {.count = 0};
    assert_int_equal(wy_matcher_image(m, q, NULL, keep_match, &got), WY_OK);
    assert_int_equal(got.count, 2);
    wy_matcher_free(m);
    fixture_fini(&f);
}

static void test_video_queries(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct fixture f;
    fixture_init(ctx, &f);
    struct wy_matcher *m = matcher_new(ctx, f.bank, -1);
    struct wy_video_frame frames[20];
    struct wy_pdq_hash dih[20 * WY_DIH_COUNT];
    struct wy_video_fp q;

    /* A mirrored 10 s excerpt from 5 s. */
    query_video(&f.v, 10, 5, 1.0, WY_DIH_FLIPY, 6, &q, frames, dih);
    struct found got = {.count = 0};
    assert_int_equal(wy_matcher_video(m, &q, keep_match, &got), WY_OK);
    assert_int_equal(got.count, 1);
    const struct wy_match *x = &got.m[0];
    assert_int_equal(x->case_id, f.c_video);
    assert_int_equal(x->variant, WY_DIH_FLIPY);
    assert_true(x->query_time && x->ref_time);
    assert_int_equal(x->q_start_ms, 0);
    assert_int_equal(x->q_end_ms, 9000);
    assert_int_equal(x->r_start_ms, 5000);
    assert_int_equal(x->r_end_ms, 14000);
    assert_int_equal(x->frames_matched, 10);
    assert_int_equal(x->frames_total, 10);
    assert_int_equal(x->distance, 6);
    assert_true(x->speed > 0.99 && x->speed < 1.01);

    /* Played 1.5 times as fast: 12 samples cover 0..16.5 s of the original. */
    query_video(&f.v, 12, 0, 1.5, WY_DIH_ORIGINAL, 2, &q, frames, dih);
    got.count = 0;
    assert_int_equal(wy_matcher_video(m, &q, keep_match, &got), WY_OK);
    assert_int_equal(got.count, 1);
    assert_true(got.m[0].speed > 1.45 && got.m[0].speed < 1.55);

    /* Samples below the quality floor are not searched. */
    for (int k = 0; k < 12; k++) {
        frames[k].quality = 10;
    }
    got.count = 0;
    assert_int_equal(wy_matcher_video(m, &q, keep_match, &got), WY_OK);
    assert_int_equal(got.count, 0);

    /* A video showing the registered picture from 3 s to 6 s. */
    query_video(&f.v, 10, 0, 1.0, WY_DIH_ORIGINAL, 200, &q, frames, dih); /* far from all */
    for (int k = 3; k <= 6; k++) {
        dih[k * WY_DIH_COUNT + WY_DIH_ORIGINAL] = nudged(&f.pic[WY_DIH_ORIGINAL], 4);
    }
    got.count = 0;
    assert_int_equal(wy_matcher_video(m, &q, keep_match, &got), WY_OK);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.m[0].case_id, f.c_pic);
    assert_true(got.m[0].query_time && !got.m[0].ref_time);
    assert_int_equal(got.m[0].q_start_ms, 3000);
    assert_int_equal(got.m[0].q_end_ms, 6000);
    assert_int_equal(got.m[0].frames_matched, 4);

    q.dihedral = NULL; /* a query must carry its dihedral hashes */
    assert_int_equal(wy_matcher_video(m, &q, keep_match, &got), WY_EINVAL);
    wy_matcher_free(m);
    fixture_fini(&f);
}

static size_t count_image(struct wy_matcher *m, const struct wy_pdq_hash q[WY_DIH_COUNT])
{
    struct found got = {.count = 0};
    assert_int_equal(wy_matcher_image(m, q, NULL, keep_match, &got), WY_OK);
    return got.count;
}

static void test_sync(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct fixture f;
    fixture_init(ctx, &f);
    struct wy_matcher *m = matcher_new(ctx, f.bank, -1);
    struct wy_pdq_hash q[WY_DIH_COUNT];
    picture(900, q);
    q[WY_DIH_ORIGINAL] = f.pic[WY_DIH_ORIGINAL];
    assert_int_equal(count_image(m, q), 1);
    assert_int_equal(wy_matcher_sync(m), WY_OK); /* nothing changed */

    /* Withdrawn: gone after the next sync, without a reload. */
    assert_int_equal(wy_bank_case_set_status(f.bank, f.c_pic, WY_CASE_WITHDRAWN), WY_OK);
    assert_int_equal(wy_matcher_sync(m), WY_OK);
    assert_int_equal(count_image(m, q), 0);
    assert_int_equal(wy_matcher_size(m), 20);
    /* Re-opened: back. */
    assert_int_equal(wy_bank_case_set_status(f.bank, f.c_pic, WY_CASE_OPEN), WY_OK);
    assert_int_equal(wy_matcher_sync(m), WY_OK);
    assert_int_equal(count_image(m, q), 1);

    /* A new registration in another bank shows; a suppressed value does not. */
    int64_t other = 0;
    assert_int_equal(wy_bank_bank_create(f.bank, "other", 10, 0, &other, NULL), WY_OK);
    struct wy_case_info c;
    assert_int_equal(wy_bank_case_new(f.bank, other, "O-1", &c, NULL), WY_OK);
    struct wy_pdq_hash fresh[WY_DIH_COUNT];
    picture(1234, fresh);
    uint8_t md5[16] = {1};
    register_picture(f.bank, c.id, &fresh[WY_DIH_ORIGINAL], md5);
    struct wy_pdq_hash hidden[WY_DIH_COUNT];
    picture(4321, hidden);
    assert_int_equal(wy_bank_suppress(f.bank, WY_FP_PDQ, hidden[WY_DIH_ORIGINAL].bytes, "a logo"),
                     WY_OK);
    md5[0] = 2;
    register_picture(f.bank, c.id, &hidden[WY_DIH_ORIGINAL], md5);
    assert_int_equal(count_image(m, fresh), 0);
    assert_int_equal(wy_matcher_sync(m), WY_OK);
    assert_int_equal(count_image(m, fresh), 1);
    assert_int_equal(count_image(m, hidden), 0);
    /* The new bank's own threshold (10) applies to its fingerprints. */
    struct wy_pdq_hash near[WY_DIH_COUNT];
    memcpy(near, fresh, sizeof near);
    near[WY_DIH_ORIGINAL] = nudged(&fresh[WY_DIH_ORIGINAL], 15);
    assert_int_equal(count_image(m, near), 0);
    wy_matcher_free(m);

    /* A matcher over one bank sees only it; an unknown bank is refused. */
    struct wy_matcher_opts opts;
    wy_matcher_opts_init(&opts);
    opts.bank_id = other;
    assert_int_equal(wy_matcher_new(ctx, f.bank, &opts, &m, NULL), WY_OK);
    assert_int_equal(wy_matcher_size(m), 1);
    assert_int_equal(count_image(m, q), 0);
    wy_matcher_free(m);
    opts.bank_id = 999;
    assert_int_equal(wy_matcher_new(ctx, f.bank, &opts, &m, NULL), WY_ENOENT);
    wy_matcher_free(NULL);
    fixture_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_picture_queries, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_tables_after_searches, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_video_queries, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_sync, tsup_setup_ctx, tsup_teardown_ctx),
    };
    return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
