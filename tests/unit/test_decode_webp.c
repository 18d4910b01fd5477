/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decode_webp.c: the WebP backend (lib/decode/decode_webp.c). Stills are encoded in memory
 * with libwebp (lossless where exact pixels are asserted, lossy for the common case). Extended
 * files (an EXIF chunk, animations) are assembled here chunk by chunk around lossless bitstreams,
 * which pins down offsets, durations, blending and disposal exactly and needs no libwebpmux.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <webp/encode.h>

#include "test_support.h"

/* A growing byte buffer for assembling RIFF containers. */
struct buf {
    uint8_t *p;
    size_t len;
};

static void put(struct buf *b, const void *data, size_t n)
{
    b->p = realloc(b->p, b->len + n);
    assert_non_null(b->p);
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_le(struct buf *b, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        const uint8_t byte = (uint8_t)(v >> (8 * i));
        put(b, &byte, 1);
    }
}

static void set_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_chunk(struct buf *b, const char *fourcc, const void *data, size_t n)
{
    put(b, fourcc, 4);
    put_le(b, (uint32_t)n, 4);
    put(b, data, n);
    if (n % 2 != 0) {
        put_le(b, 0, 1);
    }
}

static void riff_begin(struct buf *b)
{
    put(b, "RIFF\0\0\0\0WEBP", 12);
}

static void riff_end(struct buf *b)
{
    set_le32(b->p + 4, (uint32_t)(b->len - 8));
}

static void put_vp8x(struct buf *b, uint8_t flags, uint32_t w, uint32_t h)
{
    put(b, "VP8X", 4);
    put_le(b, 10, 4);
    put_le(b, flags, 1);
    put_le(b, 0, 3);
    put_le(b, w - 1, 3);
    put_le(b, h - 1, 3);
}

/* Lossless RGBA bitstream, already framed as a "VP8L" chunk (the simple file minus RIFF). */
static void put_vp8l(struct buf *b, const uint8_t *rgba, uint32_t w, uint32_t h)
{
    uint8_t *file = NULL;
    const size_t n = WebPEncodeLosslessRGBA(rgba, (int)w, (int)h, (int)w * 4, &file);
    assert_true(n > 20);
    assert_memory_equal(file + 12, "VP8L", 4);
    put(b, file + 12, n - 12);
    WebPFree(file);
}

/* A frame of an animation: a w x h rectangle of one colour at (x, y), even offsets only. */
static void put_anmf(struct buf *b, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
                     const uint8_t rgba[4], uint32_t duration_ms, bool blend, bool dispose)
{
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        memcpy(px + i * 4, rgba, 4);
    }
    struct buf frame = {NULL, 0};
    put_le(&frame, x / 2, 3);
    put_le(&frame, y / 2, 3);
    put_le(&frame, w - 1, 3);
    put_le(&frame, h - 1, 3);
    put_le(&frame, duration_ms, 3);
    put_le(&frame, (blend ? 0u : 2u) | (dispose ? 1u : 0u), 1);
    put_vp8l(&frame, px, w, h);
    put_chunk(b, "ANMF", frame.p, frame.len);
    free(frame.p);
    free(px);
}

static const uint8_t red[4] = {255, 0, 0, 255};
static const uint8_t green[4] = {0, 255, 0, 255};
static const uint8_t blue[4] = {0, 0, 255, 255};

/*
 * 4x4 canvas, three frames:
 *   0 (100 ms): all red;
 *   1 (50 ms):  green 2x2 at (2,2), not blended, then disposed to background (transparent);
 *   2 (70 ms):  blue 2x2 at (0,0), blended.
 * Shown: red; red + green square; red + blue square with the green square's place transparent.
 */
static struct buf animation(void)
{
    struct buf b = {NULL, 0};
    riff_begin(&b);
    put_vp8x(&b, 0x02 | 0x10, 4, 4); /* animation, alpha */
    const uint8_t anim[6] = {0, 0, 0, 0, 0, 0};
    put_chunk(&b, "ANIM", anim, sizeof anim);
    put_anmf(&b, 0, 0, 4, 4, red, 100, true, false);
    put_anmf(&b, 2, 2, 2, 2, green, 50, false, true);
    put_anmf(&b, 0, 0, 2, 2, blue, 70, true, false);
    riff_end(&b);
    return b;
}

static void test_lossless_rgb(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint8_t rgb[5 * 4 * 3];
    for (size_t i = 0; i < sizeof rgb; i++) {
        rgb[i] = (uint8_t)(i * 11 + 1);
    }
    uint8_t *webp = NULL;
    const size_t len = WebPEncodeLosslessRGB(rgb, 5, 4, 15, &webp);
    assert_true(len > 0);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    assert_int_equal(tsup_decode(ctx, webp, len, NULL, &img, &info, NULL), WY_OK);
    assert_int_equal(info.format, WY_FORMAT_WEBP);
    assert_int_equal(info.width_px, 5);
    assert_int_equal(info.height_px, 4);
    assert_int_equal(info.frame_count, 1);
    assert_false(info.has_alpha);
    for (uint32_t y = 0; y < 4; y++) {
        for (uint32_t x = 0; x < 5; x++) {
            const uint8_t *p = rgb + (y * 5 + x) * 3;
            tsup_assert_rgb(img, x, y, p[0], p[1], p[2]);
        }
    }
    wy_image_free(ctx, img);
    WebPFree(webp);
}

static void test_lossless_alpha(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t rgba[3 * 4] = {200, 100, 50, 255, 200, 100, 50, 0, 200, 100, 50, 128};
    uint8_t *webp = NULL;
    const size_t len = WebPEncodeLosslessRGBA(rgba, 3, 1, 12, &webp);
    assert_true(len > 0);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    assert_int_equal(tsup_decode(ctx, webp, len, NULL, &img, &info, NULL), WY_OK);
    assert_true(info.has_alpha);
    tsup_assert_rgb(img, 0, 0, 200, 100, 50);
    tsup_assert_rgb(img, 1, 0, 255, 255, 255);
    tsup_assert_rgb(img, 2, 0, tsup_over(200, 128, 255), tsup_over(100, 128, 255),
                    tsup_over(50, 128, 255));
    wy_image_free(ctx, img);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.background_rgb = 0x102030;
    assert_int_equal(tsup_decode(ctx, webp, len, &opts, &img, NULL, NULL), WY_OK);
    tsup_assert_rgb(img, 1, 0, 0x10, 0x20, 0x30);
    tsup_assert_rgb(img, 2, 0, tsup_over(200, 128, 0x10), tsup_over(100, 128, 0x20),
                    tsup_over(50, 128, 0x30));
    wy_image_free(ctx, img);
    WebPFree(webp);
}

/* A smooth 32x24 gradient survives lossy coding within a few levels. */
static uint8_t *lossy_gradient(size_t *len, uint8_t rgb[32 * 24 * 3])
{
    for (uint32_t y = 0; y < 24; y++) {
        for (uint32_t x = 0; x < 32; x++) {
            uint8_t *p = rgb + (y * 32 + x) * 3;
            p[0] = (uint8_t)(x * 8);
            p[1] = (uint8_t)(y * 10);
            p[2] = 128;
        }
    }
    uint8_t *webp = NULL;
    *len = WebPEncodeRGB(rgb, 32, 24, 96, 95.0f, &webp);
    assert_true(*len > 0);
    return webp;
}

static void test_lossy(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint8_t rgb[32 * 24 * 3];
    size_t len;
    uint8_t *webp = lossy_gradient(&len, rgb);
    struct wy_image *img = NULL;
    assert_int_equal(tsup_decode(ctx, webp, len, NULL, &img, NULL, NULL), WY_OK);
    assert_int_equal(img->format, WY_PIX_RGB8);
    assert_int_equal(img->width_px, 32);
    assert_int_equal(img->height_px, 24);
    int worst = 0;
    for (uint32_t y = 0; y < 24; y++) {
        for (uint32_t x = 0; x < 32 * 3; x++) {
            const int d = abs((int)wy_image_row(img, y)[x] - (int)rgb[y * 96 + x]);
            worst = d > worst ? d : worst;
        }
    }
    assert_in_range(worst, 0, 16);
    wy_image_free(ctx, img);
    WebPFree(webp);
}

/* A 3x2 still in an extended container with an EXIF chunk saying orientation 6. */
static void test_exif_orientation(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint8_t rgba[3 * 2 * 4];
    for (uint8_t i = 0; i < 6; i++) {
        const uint8_t px[4] = {(uint8_t)(10 * (i + 1)), (uint8_t)(i + 1), 0, 255};
        memcpy(rgba + 4 * i, px, 4);
    }
    struct buf b = {NULL, 0};
    riff_begin(&b);
    put_vp8x(&b, 0x08, 3, 2); /* EXIF */
    put_vp8l(&b, rgba, 3, 2);
    put_chunk(&b, "EXIF", tsup_exif_orient6, sizeof tsup_exif_orient6);
    riff_end(&b);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    struct wy_diag diag;
    assert_int_equal(tsup_decode(ctx, b.p, b.len, NULL, &img, &info, &diag), WY_OK);
    assert_int_equal(info.orientation, 6);
    assert_int_equal(info.width_px, 2);
    assert_int_equal(info.height_px, 3);
    /* Stored rows "1 2 3" / "4 5 6" read, rotated clockwise, "4 1" / "5 2" / "6 3". */
    const unsigned upright[3][2] = {{4, 1}, {5, 2}, {6, 3}};
    for (uint32_t y = 0; y < 3; y++) {
        for (uint32_t x = 0; x < 2; x++) {
            tsup_assert_rgb(img, x, y, 10 * upright[y][x], upright[y][x], 0);
        }
    }
    wy_image_free(ctx, img);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.raw_orientation = true;
    assert_int_equal(tsup_decode(ctx, b.p, b.len, &opts, &img, &info, NULL), WY_OK);
    assert_int_equal(img->width_px, 3);
    assert_int_equal(img->height_px, 2);
    tsup_assert_rgb(img, 2, 1, 60, 6, 0);
    wy_image_free(ctx, img);
    free(b.p);
}

static void test_animation(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct buf b = animation();
    struct tsup_frames f = {0};
    struct wy_decode_info info;
    struct wy_diag diag;
    const enum wy_status st = wy_decode_frames(ctx, (struct wy_bytes){b.p, b.len}, NULL,
                                               tsup_keep_frame, &f, &info, &diag);
    if (st != WY_OK) {
        fail_msg("%s: %s", wy_status_name(st), diag.msg);
    }
    assert_int_equal(f.count, 3);
    assert_int_equal(info.frame_count, 3);
    assert_int_equal(info.width_px, 4);
    assert_int_equal(info.height_px, 4);
    /* Start times: each frame starts when the one before it ends. */
    assert_int_equal(f.pts_ms[0], 0);
    assert_int_equal(f.pts_ms[1], 100);
    assert_int_equal(f.pts_ms[2], 150);
    for (uint32_t y = 0; y < 4; y++) {
        for (uint32_t x = 0; x < 4; x++) {
            const bool tl = x < 2 && y < 2;
            const bool br = x >= 2 && y >= 2;
            tsup_assert_px(tsup_frame_px(&f, 0, x, y), 255, 0, 0);
            tsup_assert_px(tsup_frame_px(&f, 1, x, y), br ? 0 : 255, br ? 255 : 0, 0);
            /* Frame 1 was disposed to transparent: white on the default background. */
            tsup_assert_px(tsup_frame_px(&f, 2, x, y), tl ? 0 : 255, br ? 255 : 0,
                           tl || br ? 255 : 0);
        }
    }
    tsup_frames_free(&f);
    /* wy_decode_memory gives the first frame. */
    struct wy_image *img = NULL;
    assert_int_equal(tsup_decode(ctx, b.p, b.len, NULL, &img, &info, NULL), WY_OK);
    tsup_assert_rgb(img, 3, 3, 255, 0, 0);
    assert_int_equal(info.frame_count, 1);
    wy_image_free(ctx, img);
    free(b.p);
}

static void test_animation_limits(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct buf b = animation();
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.max_frames = 2;
    struct tsup_frames f = {0};
    struct wy_diag diag;
    assert_int_equal(wy_decode_frames(ctx, (struct wy_bytes){b.p, b.len}, &opts, tsup_keep_frame,
                                      &f, NULL, &diag),
                     WY_ETOOBIG);
    assert_int_equal(f.count, 0); /* refused before the first frame */
    assert_int_equal(strncasecmp(diag.msg, "WebP: ", 6), 0);
    /* The callback stops after one frame: not an error. */
    struct tsup_frames g = {.stop_after = 1};
    assert_int_equal(
        wy_decode_frames(ctx, (struct wy_bytes){b.p, b.len}, NULL, tsup_keep_frame, &g, NULL, NULL),
        WY_OK);
    assert_int_equal(g.count, 1);
    tsup_frames_free(&g);
    free(b.p);
}

#define expect_corrupt(ctx, data, len, frames)                                                     \
    tsup_expect_status((ctx), ((struct wy_bytes){(data), (len)}), NULL, (frames), WY_ECORRUPT,     \
                       "WebP: ")

static void test_truncated(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint8_t rgb[32 * 24 * 3];
    size_t len;
    uint8_t *webp = lossy_gradient(&len, rgb);
    const size_t cuts[] = {12, 16, 20, 30, len / 2, len - 10, len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        expect_corrupt(ctx, webp, cuts[i], false);
    }
    WebPFree(webp);
    struct buf b = animation();
    const size_t anim_cuts[] = {20, 40, b.len / 2, b.len - 10, b.len - 1};
    for (size_t i = 0; i < sizeof anim_cuts / sizeof anim_cuts[0]; i++) {
        expect_corrupt(ctx, b.p, anim_cuts[i], true);
    }
    free(b.p);
}

#define expect_too_big(data, len)                                                                  \
    tsup_expect_too_big(((struct wy_bytes){(data), (len)}), NULL, NULL, 0)

static void test_too_big(void **state)
{
    (void)state;
    /* An animation whose canvas claims 100000 x 100000. */
    struct buf b = {NULL, 0};
    riff_begin(&b);
    put_vp8x(&b, 0x02 | 0x10, 100000, 100000);
    const uint8_t anim[6] = {0};
    put_chunk(&b, "ANIM", anim, sizeof anim);
    put_anmf(&b, 0, 0, 2, 2, red, 100, true, false);
    riff_end(&b);
    expect_too_big(b.p, b.len);
    /* 60000 x 60000: within what the format allows (2^32 pixels), over our pixel limit. */
    memcpy(b.p + 24, (const uint8_t[]){0x5f, 0xea, 0x00, 0x5f, 0xea, 0x00}, 6);
    expect_too_big(b.p, b.len);
    free(b.p);
    /* A lossless still whose header claims the format's largest size, 16384 x 16384 (268 Mpx):
     * after the 0x2f signature come 14 bits of width - 1 and 14 of height - 1. */
    uint8_t rgb[12] = {0};
    uint8_t *webp = NULL;
    const size_t len = WebPEncodeLosslessRGB(rgb, 2, 2, 6, &webp);
    assert_int_equal(webp[20], 0x2f);
    webp[21] = 0xff;
    webp[22] = 0xff;
    webp[23] = 0xff;
    webp[24] |= 0x0f;
    expect_too_big(webp, len);
    WebPFree(webp);
}

static void test_oom(void **state)
{
    (void)state;
    const uint8_t rgba[3 * 4] = {200, 100, 50, 255, 200, 100, 50, 0, 200, 100, 50, 128};
    uint8_t *webp = NULL;
    struct tsup_decode_case still = {NULL, WebPEncodeLosslessRGBA(rgba, 3, 1, 12, &webp), NULL,
                                     false};
    still.data = webp;
    tsup_oom_sweep(tsup_decode_once, &still);
    WebPFree(webp);
    struct buf b = animation();
    struct tsup_decode_case anim = {b.p, b.len, NULL, true};
    tsup_oom_sweep(tsup_decode_once, &anim);
    free(b.p);
}

/* Pillow's colour modes of the bridge photo, each saved as WebP (RGB or RGBA inside). */
static void test_reference_files(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const char *names[] = {"F", "HSV", "I", "LAB", "PA"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "pdq-reference/pdq/data/misc-images/modes/%s.webp", names[i]);
        size_t len;
        uint8_t *data = tsup_read_file(tsup_shared(rel), &len);
        struct wy_image *img = NULL;
        struct wy_decode_info info;
        struct wy_diag diag;
        const enum wy_status st = tsup_decode(ctx, data, len, NULL, &img, &info, &diag);
        if (st != WY_OK) {
            fail_msg("%s: %s (%s)", rel, wy_status_name(st), diag.msg);
        }
        assert_int_equal(info.format, WY_FORMAT_WEBP);
        assert_int_equal(img->width_px, 1600);
        assert_int_equal(img->height_px, 1004);
        assert_int_equal(img->format, WY_PIX_RGB8);
        wy_image_free(ctx, img);
        free(data);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lossless_rgb, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_lossless_alpha, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_lossy, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_exif_orientation, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_animation, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_animation_limits, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_truncated, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_oom),
        cmocka_unit_test_setup_teardown(test_reference_files, tsup_setup_ctx, tsup_teardown_ctx),
    };
    return cmocka_run_group_tests_name("decode_webp", tests, NULL, NULL);
}
