/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decode_gif.c: the GIF backend (lib/decode/decode_gif.c). Fixtures are written in memory
 * with giflib's own encoder (EGifOpen with an output function), frame by frame, so that every
 * disposal method, transparency, local palettes, interlacing and frames reaching past the screen
 * can be asserted pixel by pixel. Malformed files are made by editing the encoder's bytes.
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include <gif_lib.h>

#include "test_support.h"

/* Palette entry i of the test palettes: 1 red, 2 green, 3 blue, the others distinct. */
static GifColorType colour(int i)
{
    switch (i) {
    case 1:
        return (GifColorType){255, 0, 0};
    case 2:
        return (GifColorType){0, 255, 0};
    case 3:
        return (GifColorType){0, 0, 255};
    default:
        return (GifColorType){(GifByteType)(i * 16), (GifByteType)(255 - i * 16),
                              (GifByteType)(i * 8)};
    }
}

static ColorMapObject *palette16(bool inverted)
{
    GifColorType c[16];
    for (int i = 0; i < 16; i++) {
        c[i] = colour(inverted ? 15 - i : i);
    }
    ColorMapObject *map = GifMakeMapObject(16, c);
    assert_non_null(map);
    return map;
}

struct gif_frame {
    int left, top, width, height;
    bool interlace;
    const ColorMapObject *local; /* NULL: the global palette */
    int disposal;                /* -1: no Graphics Control Extension */
    int delay_cs;
    int transparent;       /* -1: none */
    int fill;              /* >= 0: every pixel is this index */
    const uint8_t *pixels; /* else width * height indices, top row first */
};

struct out_buf {
    uint8_t *p;
    size_t len;
};

static int write_out(GifFileType *gif, const GifByteType *data, int n)
{
    struct out_buf *b = gif->UserData;
    b->p = realloc(b->p, b->len + (size_t)n);
    assert_non_null(b->p);
    memcpy(b->p + b->len, data, (size_t)n);
    b->len += (size_t)n;
    return n;
}

/* Stored line i of an interlaced frame of height h holds this row (passes 0/8, 4/8, 2/4, 1/2). */
static int interlaced_row(int i, int h)
{
    const int start[4] = {0, 4, 2, 1};
    const int step[4] = {8, 8, 4, 2};
    for (int pass = 0; pass < 4; pass++) {
        const int rows = h > start[pass] ? (h - start[pass] + step[pass] - 1) / step[pass] : 0;
        if (i < rows) {
            return start[pass] + i * step[pass];
        }
        i -= rows;
    }
    fail();
    return 0;
}

static void put_frame(GifFileType *gif, const struct gif_frame *f)
{
    if (f->disposal >= 0) {
        const GraphicsControlBlock gcb = {f->disposal, false, f->delay_cs, f->transparent};
        GifByteType ext[4];
        EGifGCBToExtension(&gcb, ext);
        assert_int_equal(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, ext), GIF_OK);
    }
    assert_int_equal(
        EGifPutImageDesc(gif, f->left, f->top, f->width, f->height, f->interlace, f->local),
        GIF_OK);
    GifPixelType *line = malloc((size_t)f->width);
    for (int i = 0; i < f->height; i++) {
        const int y = f->interlace ? interlaced_row(i, f->height) : i;
        for (int x = 0; x < f->width; x++) {
            line[x] = (GifPixelType)(f->fill >= 0 ? f->fill : f->pixels[y * f->width + x]);
        }
        assert_int_equal(EGifPutLine(gif, line, f->width), GIF_OK);
    }
    free(line);
}

static uint8_t *gif_encode(int sw, int sh, const struct gif_frame *frames, int n, size_t *len)
{
    struct out_buf b = {NULL, 0};
    int err = 0;
    GifFileType *gif = EGifOpen(&b, write_out, &err);
    assert_non_null(gif);
    EGifSetGifVersion(gif, true);
    ColorMapObject *global = palette16(false);
    assert_int_equal(EGifPutScreenDesc(gif, sw, sh, 8, 0, global), GIF_OK);
    GifFreeMapObject(global);
    for (int i = 0; i < n; i++) {
        put_frame(gif, &frames[i]);
    }
    assert_int_equal(EGifCloseFile(gif, &err), GIF_OK);
    *len = b.len;
    return b.p;
}

/* A frame covering w x h at (x, y) in one palette index, with a GCB. */
static struct gif_frame solid(int x, int y, int w, int h, int idx, int disposal, int delay_cs)
{
    return (struct gif_frame){.left = x,
                              .top = y,
                              .width = w,
                              .height = h,
                              .disposal = disposal,
                              .delay_cs = delay_cs,
                              .transparent = -1,
                              .fill = idx};
}

/* Asserts that the samples at px are palette entry idx's colour. */
#define assert_colour(px, idx)                                                                     \
    tsup_assert_px((px), colour(idx).Red, colour(idx).Green, colour(idx).Blue)

static void test_still(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint8_t idx[12];
    for (int i = 0; i < 12; i++) {
        idx[i] = (uint8_t)(i + 2);
    }
    const struct gif_frame f = {
        .width = 4, .height = 3, .disposal = -1, .transparent = -1, .fill = -1, .pixels = idx};
    size_t len;
    uint8_t *gif = gif_encode(4, 3, &f, 1, &len);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    assert_int_equal(tsup_decode(ctx, gif, len, NULL, &img, &info, NULL), WY_OK);
    assert_int_equal(info.format, WY_FORMAT_GIF);
    assert_int_equal(info.width_px, 4);
    assert_int_equal(info.height_px, 3);
    assert_int_equal(info.frame_count, 1);
    assert_false(info.has_alpha);
    for (uint32_t y = 0; y < 3; y++) {
        for (uint32_t x = 0; x < 4; x++) {
            assert_colour(tsup_rgb_px(img, x, y), idx[y * 4 + x]);
        }
    }
    wy_image_free(ctx, img);
    free(gif);
}

static void test_transparency(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t idx[3] = {1, 5, 2};
    const struct gif_frame f = {
        .width = 3, .height = 1, .disposal = 0, .transparent = 5, .fill = -1, .pixels = idx};
    size_t len;
    uint8_t *gif = gif_encode(3, 1, &f, 1, &len);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    assert_int_equal(tsup_decode(ctx, gif, len, NULL, &img, &info, NULL), WY_OK);
    assert_true(info.has_alpha);
    assert_colour(tsup_rgb_px(img, 0, 0), 1);
    tsup_assert_rgb(img, 1, 0, 255, 255, 255);
    assert_colour(tsup_rgb_px(img, 2, 0), 2);
    wy_image_free(ctx, img);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.background_rgb = 0x204060;
    assert_int_equal(tsup_decode(ctx, gif, len, &opts, &img, NULL, NULL), WY_OK);
    tsup_assert_rgb(img, 1, 0, 0x20, 0x40, 0x60);
    wy_image_free(ctx, img);
    free(gif);
}

/*
 * 4x4 screen, four frames, one per disposal method:
 *   0: all red, "do not dispose", 10 cs;
 *   1: green 2x2 at (1,1), "restore to background" (transparent), 20 cs;
 *   2: blue 2x2 at (2,2), "restore to previous", 30 cs;
 *   3: palette colour 6 at (0,0), unspecified, 0 cs.
 */
static uint8_t *disposal_animation(size_t *len)
{
    const struct gif_frame frames[4] = {
        solid(0, 0, 4, 4, 1, DISPOSE_DO_NOT, 10),
        solid(1, 1, 2, 2, 2, DISPOSE_BACKGROUND, 20),
        solid(2, 2, 2, 2, 3, DISPOSE_PREVIOUS, 30),
        solid(0, 0, 1, 1, 6, DISPOSAL_UNSPECIFIED, 0),
    };
    return gif_encode(4, 4, frames, 4, len);
}

static void test_disposal(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *gif = disposal_animation(&len);
    struct tsup_frames f = {0};
    struct wy_decode_info info;
    struct wy_diag diag;
    const enum wy_status st =
        wy_decode_frames(ctx, (struct wy_bytes){gif, len}, NULL, tsup_keep_frame, &f, &info, &diag);
    if (st != WY_OK) {
        fail_msg("%s: %s", wy_status_name(st), diag.msg);
    }
    assert_int_equal(f.count, 4);
    assert_int_equal(info.frame_count, 4);
    assert_true(info.has_alpha);
    const uint64_t pts[4] = {0, 100, 300, 600};
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(f.pts_ms[i], pts[i]);
    }
    for (uint32_t y = 0; y < 4; y++) {
        for (uint32_t x = 0; x < 4; x++) {
            const bool green_sq = x >= 1 && x <= 2 && y >= 1 && y <= 2;
            const bool blue_sq = x >= 2 && y >= 2;
            assert_colour(tsup_frame_px(&f, 0, x, y), 1);
            assert_colour(tsup_frame_px(&f, 1, x, y), green_sq ? 2 : 1);
            /* The green square was cleared to transparent: white on the default background. */
            if (blue_sq) {
                assert_colour(tsup_frame_px(&f, 2, x, y), 3);
            } else if (green_sq) {
                tsup_assert_px(tsup_frame_px(&f, 2, x, y), 255, 255, 255);
            } else {
                assert_colour(tsup_frame_px(&f, 2, x, y), 1);
            }
            /* The blue frame was undone: back to frame 2's starting canvas, plus one pixel. */
            if (x == 0 && y == 0) {
                assert_colour(tsup_frame_px(&f, 3, x, y), 6);
            } else if (green_sq) {
                tsup_assert_px(tsup_frame_px(&f, 3, x, y), 255, 255, 255);
            } else {
                assert_colour(tsup_frame_px(&f, 3, x, y), 1);
            }
        }
    }
    tsup_frames_free(&f);
    free(gif);
}

static void test_local_colormap(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    ColorMapObject *local = palette16(true);
    struct gif_frame frames[2] = {solid(0, 0, 2, 1, 3, DISPOSE_DO_NOT, 5),
                                  solid(1, 0, 1, 1, 3, DISPOSE_DO_NOT, 5)};
    frames[1].local = local; /* index 3 is colour 12 there */
    size_t len;
    uint8_t *gif = gif_encode(2, 1, frames, 2, &len);
    GifFreeMapObject(local);
    struct tsup_frames f = {0};
    assert_int_equal(
        wy_decode_frames(ctx, (struct wy_bytes){gif, len}, NULL, tsup_keep_frame, &f, NULL, NULL),
        WY_OK);
    assert_int_equal(f.count, 2);
    assert_colour(tsup_frame_px(&f, 1, 0, 0), 3);
    assert_colour(tsup_frame_px(&f, 1, 1, 0), 12);
    tsup_frames_free(&f);
    free(gif);
}

/* Row y of a 3x11 interlaced frame is in colour y: every pass, including partial ones. */
static void test_interlaced(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint8_t idx[3 * 11];
    for (int i = 0; i < 33; i++) {
        idx[i] = (uint8_t)(i / 3);
    }
    const struct gif_frame f = {.width = 3,
                                .height = 11,
                                .interlace = true,
                                .disposal = -1,
                                .transparent = -1,
                                .fill = -1,
                                .pixels = idx};
    size_t len;
    uint8_t *gif = gif_encode(3, 11, &f, 1, &len);
    struct wy_image *img = NULL;
    assert_int_equal(tsup_decode(ctx, gif, len, NULL, &img, NULL, NULL), WY_OK);
    for (uint32_t y = 0; y < 11; y++) {
        for (uint32_t x = 0; x < 3; x++) {
            assert_colour(tsup_rgb_px(img, x, y), (int)y);
        }
    }
    wy_image_free(ctx, img);
    free(gif);
}

/* A frame reaching past the screen is clipped; one entirely outside draws nothing. */
static void test_clip(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const struct gif_frame frames[2] = {solid(2, 2, 3, 3, 3, DISPOSE_DO_NOT, 0),
                                        solid(9, 9, 2, 2, 2, DISPOSE_DO_NOT, 0)};
    size_t len;
    uint8_t *gif = gif_encode(4, 4, frames, 2, &len);
    struct tsup_frames f = {0};
    assert_int_equal(
        wy_decode_frames(ctx, (struct wy_bytes){gif, len}, NULL, tsup_keep_frame, &f, NULL, NULL),
        WY_OK);
    assert_int_equal(f.count, 2);
    for (uint32_t i = 0; i < 2; i++) {
        for (uint32_t y = 0; y < 4; y++) {
            for (uint32_t x = 0; x < 4; x++) {
                if (x >= 2 && y >= 2) {
                    assert_colour(tsup_frame_px(&f, i, x, y), 3);
                } else {
                    tsup_assert_px(tsup_frame_px(&f, i, x, y), 255, 255, 255);
                }
            }
        }
    }
    tsup_frames_free(&f);
    free(gif);
}

#define expect_status(ctx, data, len, frames, want)                                                \
    tsup_expect_status((ctx), ((struct wy_bytes){(data), (len)}), NULL, (frames), (want), "GIF: ")

static void test_frame_larger_than_screen(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const struct gif_frame f = solid(0, 0, 3, 2, 1, -1, 0);
    size_t len;
    uint8_t *gif = gif_encode(2, 2, &f, 1, &len);
    expect_status(ctx, gif, len, false, WY_ECORRUPT);
    free(gif);
}

/* The global palette is removed from the file (flag cleared, 16 entries cut out); the frame has
 * no local one. */
static void test_no_colormap(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const struct gif_frame f = solid(0, 0, 2, 2, 1, -1, 0);
    size_t len;
    uint8_t *gif = gif_encode(2, 2, &f, 1, &len);
    assert_true(gif[10] & 0x80);
    gif[10] &= 0x7f;
    memmove(gif + 13, gif + 13 + 48, len - 13 - 48);
    expect_status(ctx, gif, len - 48, false, WY_ECORRUPT);
    free(gif);
}

static void test_bad_record(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *gif = disposal_animation(&len);
    assert_int_equal(gif[len - 1], ';');
    gif[len - 1] = 'X';
    expect_status(ctx, gif, len, true, WY_ECORRUPT);
    free(gif);
}

static void test_truncated(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *gif = disposal_animation(&len);
    /* Screen descriptor, global palette, first frame's data; then later frames and the trailer,
     * which only wy_decode_frames reaches. */
    const size_t first[] = {8, 12, 30, 70, 80};
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++) {
        expect_status(ctx, gif, first[i], false, WY_ECORRUPT);
    }
    const size_t later[] = {len / 2 + 3, len - 8, len - 1};
    for (size_t i = 0; i < sizeof later / sizeof later[0]; i++) {
        expect_status(ctx, gif, later[i], true, WY_ECORRUPT);
    }
    free(gif);
}

static void test_frame_limits(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *gif = disposal_animation(&len);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.max_frames = 2;
    struct tsup_frames f = {0};
    struct wy_diag diag;
    assert_int_equal(
        wy_decode_frames(ctx, (struct wy_bytes){gif, len}, &opts, tsup_keep_frame, &f, NULL, &diag),
        WY_ETOOBIG);
    assert_int_equal(f.count, 2); /* the third descriptor was refused before decoding it */
    tsup_frames_free(&f);
    struct tsup_frames g = {.stop_after = 1};
    assert_int_equal(
        wy_decode_frames(ctx, (struct wy_bytes){gif, len}, NULL, tsup_keep_frame, &g, NULL, NULL),
        WY_OK);
    assert_int_equal(g.count, 1);
    tsup_frames_free(&g);
    free(gif);
}

static void test_too_big(void **state)
{
    (void)state;
    const struct gif_frame f = solid(0, 0, 2, 2, 1, -1, 0);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    size_t len;
    uint8_t *gif = gif_encode(65535, 65535, &f, 1, &len); /* 4.3 Gpx screen */
    opts.max_pixels = 100u * 1000u * 1000u;
    tsup_expect_too_big(((struct wy_bytes){gif, len}), &opts, NULL, 0);
    free(gif);
    gif = gif_encode(100, 100, &f, 1, &len);
    opts.max_pixels = 5000;
    tsup_expect_too_big(((struct wy_bytes){gif, len}), &opts, NULL, 0);
    free(gif);
}

static void test_oom(void **state)
{
    (void)state;
    struct tsup_decode_case c = {NULL, 0, NULL, true};
    uint8_t *gif = disposal_animation(&c.len);
    c.data = gif;
    tsup_oom_sweep(tsup_decode_once, &c);
    c.frames = false;
    tsup_oom_sweep(tsup_decode_once, &c);
    free(gif);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_still, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_transparency, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_disposal, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_local_colormap, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_interlaced, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_clip, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_frame_larger_than_screen, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_no_colormap, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_bad_record, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_truncated, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_frame_limits, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_oom),
    };
    return cmocka_run_group_tests_name("decode_gif", tests, NULL, NULL);
}
