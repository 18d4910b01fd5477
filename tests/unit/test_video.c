/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_video.c: video sampling and fingerprints on ../shared/corpus/video: the timestamp grid,
 * fast decoding giving the very frames of a full decode, edits moving hashes only a little,
 * damaged input, limits and allocation failures.
 */
#include "wy_setup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode_avlib.h"
#include "test_support.h"
#include "withyou/withyou.h"

static uint8_t *read_video(const char *rel, size_t *len)
{
    uint8_t *data = tsup_read_file(tsup_shared(rel), len);
    assert_non_null(data);
    return data;
}

static void hash_rel(struct wy_ctx *ctx, const char *rel, const struct wy_video_opts *opts,
                     struct wy_video_fp *fp)
{
    struct wy_diag diag;
    const enum wy_status st = wy_video_hash_file(ctx, tsup_shared(rel), opts, fp, &diag);
    if (st != WY_OK) {
        fail_msg("%s: %s (%s)", rel, wy_strerror(st), diag.msg);
    }
}

static void test_sniff(void **state)
{
    (void)state;
    size_t len;
    uint8_t *mp4 = read_video("corpus/video/orig/v01.mp4", &len);
    assert_true(wy_video_sniff(mp4, len));
    free(mp4);
    uint8_t *webm = read_video("corpus/video/alt/vp9/v01.webm", &len);
    assert_true(wy_video_sniff(webm, len));
    free(webm);
    uint8_t *jpg = read_video("corpus/orig/0001.jpg", &len);
    assert_false(wy_video_sniff(jpg, len));
    free(jpg);
    /* An AVIF still shares the ISO container but belongs to the image decoders. */
    static const uint8_t avif[32] = {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'a', 'v', 'i', 'f'};
    assert_false(wy_video_sniff(avif, sizeof avif));
    static const uint8_t mov[16] = {0, 0, 0, 0x14, 'f', 't', 'y', 'p', 'q', 't', ' ', ' '};
    assert_true(wy_video_sniff(mov, sizeof mov));
    assert_false(wy_video_sniff((const uint8_t *)"hello, world", 12));
    assert_false(wy_video_sniff(NULL, 0));
}

static void test_grid_and_info(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_opts opts;
    wy_video_opts_init(&opts);
    struct wy_video_fp fp;
    hash_rel(ctx, "corpus/video/orig/v01.mp4", &opts, &fp);
    assert_int_equal(fp.count, 20);
    assert_int_equal(fp.width_px, 1280);
    assert_int_equal(fp.height_px, 720);
    assert_string_equal(fp.codec, "h264");
    assert_false(fp.truncated);
    assert_true(fp.duration_ms >= 19900 && fp.duration_ms <= 20100);
    assert_true(fp.frame_rate > 24.9 && fp.frame_rate < 25.1);
    for (size_t i = 0; i < fp.count; i++) {
        /* 25 fps: the first frame at or after each whole second is the second itself. */
        assert_int_equal(fp.frames[i].start_ms, (int64_t)i * 1000);
        assert_int_equal(fp.frames[i].end_ms, fp.frames[i].start_ms);
        assert_int_equal(fp.frames[i].frame_no, (int64_t)i * 25);
        assert_true(fp.frames[i].quality >= 50);
    }
    /* Four photographs, five seconds each: samples of one photograph are close, of two apart. */
    assert_true(wy_pdq_distance(&fp.frames[0].pdq, &fp.frames[1].pdq) < 40);
    assert_true(wy_pdq_distance(&fp.frames[2].pdq, &fp.frames[7].pdq) > 80);
    wy_video_fp_clear(ctx, &fp);
    assert_null(fp.frames);

    opts.interval_ms = 2500;
    hash_rel(ctx, "corpus/video/orig/v01.mp4", &opts, &fp);
    assert_int_equal(fp.count, 8);
    assert_int_equal(fp.frames[3].start_ms, 7520); /* 7500 falls between frames at 25 fps */
    wy_video_fp_clear(ctx, &fp);
}

/* Dropping non-reference frames must not change a single sampled frame. */
static void check_fast_equals_full(struct wy_ctx *ctx, const char *rel)
{
    struct wy_video_opts opts;
    wy_video_opts_init(&opts);
    struct wy_video_fp fast;
    struct wy_video_fp full;
    hash_rel(ctx, rel, &opts, &fast);
    opts.decode = WY_VIDEO_DECODE_ALL;
    hash_rel(ctx, rel, &opts, &full);
    assert_int_equal(fast.count, full.count);
    for (size_t i = 0; i < fast.count; i++) {
        assert_int_equal(fast.frames[i].start_ms, full.frames[i].start_ms);
        assert_memory_equal(fast.frames[i].pdq.bytes, full.frames[i].pdq.bytes, WY_PDQ_BYTES);
        assert_int_equal(fast.frames[i].quality, full.frames[i].quality);
    }
    assert_memory_equal(fast.digest.sha256, full.digest.sha256, WY_SHA256_BYTES);
    wy_video_fp_clear(ctx, &fast);
    wy_video_fp_clear(ctx, &full);
}

static void test_fast_equals_full(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    check_fast_equals_full(ctx, "corpus/video/orig/v02.mp4");
    check_fast_equals_full(ctx, "corpus/video/alt/fps15/v03.mp4");
    check_fast_equals_full(ctx, "corpus/video/alt/vp9/v04.webm");
}

/* Median over samples of the distance from each query sample to the closest original sample,
 * through the given dihedral variant of the query. */
static int median_distance(const struct wy_video_fp *orig, const struct wy_video_fp *q,
                           enum wy_dihedral variant)
{
    int d[256];
    size_t n = 0;
    for (size_t i = 0; i < q->count && n < 256; i++) {
        int best = 256;
        for (size_t j = 0; j < orig->count; j++) {
            const int x = wy_pdq_distance(&orig->frames[j].pdq,
                                          &q->dihedral[i * WY_DIH_COUNT + (size_t)variant]);
            best = x < best ? x : best;
        }
        d[n++] = best;
    }
    for (size_t i = 1; i < n; i++) { /* insertion sort: a few dozen values */
        for (size_t j = i; j > 0 && d[j - 1] > d[j]; j--) {
            const int t = d[j];
            d[j] = d[j - 1];
            d[j - 1] = t;
        }
    }
    return d[n / 2];
}

static void test_edits_stay_close(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_opts opts;
    wy_video_opts_init(&opts);
    opts.dihedral = true;
    struct wy_video_fp orig;
    hash_rel(ctx, "corpus/video/orig/v03.mp4", &opts, &orig);
    static const struct {
        const char *rel;
        enum wy_dihedral variant;
        int max_median;
    } cases[] = {
        {"corpus/video/alt/reencode_crf35/v03.mp4", WY_DIH_ORIGINAL, 12},
        {"corpus/video/alt/scale480p/v03.mp4", WY_DIH_ORIGINAL, 12},
        {"corpus/video/alt/hflip/v03.mp4", WY_DIH_FLIPY, 20},
        {"corpus/video/alt/trim/v03.mp4", WY_DIH_ORIGINAL, 12},
        {"corpus/video/alt/vp9/v03.webm", WY_DIH_ORIGINAL, 16},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct wy_video_fp q;
        hash_rel(ctx, cases[c].rel, &opts, &q);
        const int med = median_distance(&orig, &q, cases[c].variant);
        if (med > cases[c].max_median) {
            fail_msg("%s: median distance %d > %d", cases[c].rel, med, cases[c].max_median);
        }
        wy_video_fp_clear(ctx, &q);
    }
    /* An unrelated video is far away. */
    struct wy_video_fp other;
    hash_rel(ctx, "corpus/video/orig/v04.mp4", &opts, &other);
    assert_true(median_distance(&orig, &other, WY_DIH_ORIGINAL) > 70);
    wy_video_fp_clear(ctx, &other);
    wy_video_fp_clear(ctx, &orig);
}

static void test_truncated_and_corrupt(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_opts opts;
    wy_video_opts_init(&opts);
    size_t len;
    uint8_t *webm = read_video("corpus/video/alt/vp9/v01.webm", &len);
    /* The first half of a WebM: the first seconds, flagged, with a warning. */
    struct wy_video_fp fp;
    struct wy_diag diag;
    assert_int_equal(wy_video_hash_memory(ctx, webm, len / 2, &opts, &fp, &diag), WY_OK);
    assert_true(fp.truncated);
    assert_true(fp.count >= 5 && fp.count < 20);
    assert_non_null(strstr(diag.msg, "video:"));
    wy_video_fp_clear(ctx, &fp);
    /* Garbage in the middle: decoding goes on past it. */
    uint64_t rng = 7;
    for (size_t i = len / 3; i < len / 3 + 4000; i++) {
        webm[i] = (uint8_t)tsup_rand(&rng);
    }
    assert_int_equal(wy_video_hash_memory(ctx, webm, len, &opts, &fp, &diag), WY_OK);
    assert_true(fp.count >= 15);
    wy_video_fp_clear(ctx, &fp);
    /* A few header bytes only: nothing decodable is an error, never a crash. */
    const enum wy_status st = wy_video_hash_memory(ctx, webm, 200, &opts, &fp, &diag);
    assert_true(st == WY_ECORRUPT || st == WY_EFORMAT);
    assert_null(fp.frames);
    free(webm);

    assert_int_equal(wy_video_hash_memory(ctx, (const uint8_t *)"", 0, &opts, &fp, &diag),
                     WY_EEMPTY);
    uint8_t noise[4096];
    for (size_t i = 0; i < sizeof noise; i++) {
        noise[i] = (uint8_t)tsup_rand(&rng);
    }
    assert_int_equal(wy_video_hash_memory(ctx, noise, sizeof noise, &opts, &fp, &diag), WY_EFORMAT);
    assert_non_null(strstr(diag.msg, "video: cannot open"));
}

static void test_limits(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *mp4 = read_video("corpus/video/alt/trim/v02.mp4", &len);
    struct wy_video_opts opts;
    struct wy_video_fp fp;
    struct wy_diag diag;
    wy_video_opts_init(&opts);
    opts.max_side_px = 1000;
    assert_int_equal(wy_video_hash_memory(ctx, mp4, len, &opts, &fp, &diag), WY_ETOOBIG);
    assert_non_null(strstr(diag.msg, "1280x720"));
    wy_video_opts_init(&opts);
    opts.max_duration_ms = 5000;
    assert_int_equal(wy_video_hash_memory(ctx, mp4, len, &opts, &fp, &diag), WY_ETOOBIG);
    wy_video_opts_init(&opts);
    opts.max_streams = 0;
    assert_int_equal(wy_video_hash_memory(ctx, mp4, len, &opts, &fp, &diag), WY_ETOOBIG);
    wy_video_opts_init(&opts);
    opts.max_frames = 3;
    assert_int_equal(wy_video_hash_memory(ctx, mp4, len, &opts, &fp, &diag), WY_ETOOBIG);
    wy_video_opts_init(&opts);
    opts.interval_ms = 0;
    assert_int_equal(wy_video_hash_memory(ctx, mp4, len, &opts, &fp, &diag), WY_EINVAL);
    wy_video_opts_init(&opts);
    opts.max_file_bytes = 1000;
    assert_int_equal(
        wy_video_hash_file(ctx, tsup_shared("corpus/video/alt/trim/v02.mp4"), &opts, &fp, &diag),
        WY_ETOOBIG);
    free(mp4);
}

static void test_collapse(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_opts opts;
    wy_video_opts_init(&opts);
    opts.dihedral = true;
    struct wy_video_fp fp;
    hash_rel(ctx, "corpus/video/alt/trim/v04.mp4", &opts, &fp);
    const size_t n = fp.count;
    struct wy_pdq_hash last_flip = fp.dihedral[(n - 1) * WY_DIH_COUNT + WY_DIH_FLIPX];
    wy_video_collapse(&fp, 256); /* everything is within 256 */
    assert_int_equal(fp.count, 1);
    assert_int_equal(fp.frames[0].start_ms, 0);
    assert_int_equal(fp.frames[0].end_ms, (int64_t)(n - 1) * 1000);
    wy_video_fp_clear(ctx, &fp);

    hash_rel(ctx, "corpus/video/alt/trim/v04.mp4", &opts, &fp);
    wy_video_collapse(&fp, 0); /* only identical neighbours merge: the frames move */
    assert_true(fp.count <= n);
    assert_memory_equal(fp.dihedral[(fp.count - 1) * WY_DIH_COUNT + WY_DIH_FLIPX].bytes,
                        last_flip.bytes, WY_PDQ_BYTES);
    for (size_t i = 1; i < fp.count; i++) {
        assert_true(fp.frames[i].start_ms > fp.frames[i - 1].end_ms);
    }
    wy_video_fp_clear(ctx, &fp);
    wy_video_fp_clear(ctx, NULL);
}

struct oom_job {
    const uint8_t *data;
    size_t len;
};

static enum wy_status hash_under_oom(struct wy_ctx *ctx, void *user)
{
    const struct oom_job *job = user;
    struct wy_video_opts opts;
    wy_video_opts_init(&opts);
    opts.interval_ms = 3000;
    opts.dihedral = true;
    struct wy_video_fp fp;
    const enum wy_status st = wy_video_hash_memory(ctx, job->data, job->len, &opts, &fp, NULL);
    if (st == WY_OK) {
        wy_video_fp_clear(ctx, &fp);
    }
    return st;
}

/* FFmpeg is opened on first use: the real sonames resolve every function; a missing library
 * fails cleanly, naming it, with nothing left open or half filled. */
static void test_av_loader(void **state)
{
    (void)state;
    struct wy__av_api api;
    void *handles[WY_AVLIB_COUNT];
    char why[160] = "";
    assert_int_equal(wy__av_open(wy__av_sonames, &api, handles, why, sizeof why), WY_OK);
    assert_non_null(api.av_strerror);
    assert_non_null(api.avformat_open_input);
    assert_non_null(api.av_stream_get_side_data);
    for (int i = 0; i < WY_AVLIB_COUNT; i++) {
        assert_non_null(handles[i]);
    }
    const char *missing[WY_AVLIB_COUNT];
    memcpy(missing, wy__av_sonames, sizeof missing);
    missing[WY_AVLIB_FORMAT] = "libavformat.so.0-withyou-test";
    memset(&api, 0xab, sizeof api);
    assert_int_equal(wy__av_open(missing, &api, handles, why, sizeof why), WY_ENOTSUP);
    assert_non_null(strstr(why, "libavformat.so.0-withyou-test not found"));
    const struct wy__av_api zero = {0};
    assert_memory_equal(&api, &zero, sizeof api);
    for (int i = 0; i < WY_AVLIB_COUNT; i++) {
        assert_null(handles[i]);
    }
    /* A symbol the library lacks: libavutil's soname standing in for libavformat. */
    missing[WY_AVLIB_FORMAT] = wy__av_sonames[WY_AVLIB_UTIL];
    assert_int_equal(wy__av_open(missing, &api, handles, why, sizeof why), WY_ENOTSUP);
    assert_non_null(strstr(why, "lacks avio_alloc_context"));
    assert_memory_equal(&api, &zero, sizeof api);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    struct oom_job job;
    uint8_t *data = read_video("corpus/video/alt/trim/v01.mp4", &job.len);
    job.data = data;
    tsup_oom_sweep(hash_under_oom, &job);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_av_loader),
        cmocka_unit_test_setup_teardown(test_grid_and_info, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_fast_equals_full, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_edits_stay_close, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_truncated_and_corrupt, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_limits, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_collapse, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("video", tests, NULL, NULL);
}
