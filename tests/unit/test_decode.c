/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decode.c: the format-independent decoding layer and the JPEG backend: sniffing by magic
 * bytes, limits before allocation, truncated and corrupt files, EXIF orientation, colour models
 * (gray, CMYK), DCT-domain scaling, and every allocation failure. Fixture JPEGs are encoded in
 * memory with libjpeg itself; real files come from ../shared/pdq-reference.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include "test_support.h"

/* Encodes a w x h JPEG (3 or 1 components) of a smooth pattern; free() the result. */
static uint8_t *encode_jpeg(uint32_t w, uint32_t h, int components, bool progressive, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char *buf = NULL;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &buf, &size);
    c.image_width = w;
    c.image_height = h;
    c.input_components = components;
    c.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 90, TRUE);
    if (progressive) {
        jpeg_simple_progression(&c);
    }
    jpeg_start_compress(&c, TRUE);
    uint8_t *row = malloc((size_t)w * (size_t)components);
    while (c.next_scanline < h) {
        for (uint32_t x = 0; x < w; x++) {
            for (int k = 0; k < components; k++) {
                row[x * (uint32_t)components + (uint32_t)k] =
                    (uint8_t)((x * 255 / w + c.next_scanline * 3 + (uint32_t)k * 40) & 255);
            }
        }
        JSAMPROW rp = row;
        jpeg_write_scanlines(&c, &rp, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    free(row);
    *len = size;
    return buf;
}

static void test_sniff(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
        enum wy_format fmt;
    } cases[] = {
        {"\xff\xd8\xff\xe0", 4, WY_FORMAT_JPEG},
        {"\x89PNG\r\n\x1a\n", 8, WY_FORMAT_PNG},
        {"RIFF\0\0\0\0WEBPVP8 ", 16, WY_FORMAT_WEBP},
        {"RIFF\0\0\0\0WAVEfmt ", 16, WY_FORMAT_UNKNOWN},
        {"GIF89a", 6, WY_FORMAT_GIF},
        {"GIF87a", 6, WY_FORMAT_GIF},
        {"II*\0", 4, WY_FORMAT_TIFF},
        {"MM\0*", 4, WY_FORMAT_TIFF},
        {"\0\0\0\x18"
         "ftypheic\0\0\0\0mif1heic",
         24, WY_FORMAT_HEIF},
        {"\0\0\0\x1c"
         "ftypavif\0\0\0\0avifmif1miaf",
         28, WY_FORMAT_HEIF},
        {"\0\0\0\x18"
         "ftypisom\0\0\0\0isomiso2",
         24, WY_FORMAT_UNKNOWN}, /* an MP4 video */
        {"BM\x36\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\1\0\0\0\1\0\0\0", 26, WY_FORMAT_BMP},
        {"P6\n1 1\n255\n", 11, WY_FORMAT_PNM},
        {"P7\n", 3, WY_FORMAT_UNKNOWN},
        {"hello world", 11, WY_FORMAT_UNKNOWN},
        {"", 0, WY_FORMAT_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct wy_bytes b = {(const uint8_t *)cases[i].bytes, cases[i].len};
        assert_int_equal(wy_decode_sniff(b), cases[i].fmt);
    }
    assert_string_equal(wy_format_name(WY_FORMAT_WEBP), "webp");
    assert_string_equal(wy_format_name((enum wy_format)77), "unknown");
    assert_true(wy_decode_supported(WY_FORMAT_JPEG));
    assert_false(wy_decode_supported(WY_FORMAT_UNKNOWN));
}

static void test_not_an_image(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_image *img = NULL;
    struct wy_diag d;
    const char text[] = "just some text, not a picture";
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){(const uint8_t *)text, sizeof text},
                                      NULL, &img, NULL, &d),
                     WY_EFORMAT);
    assert_string_equal(d.msg, "not a recognised image format");
    assert_int_equal(
        wy_decode_memory(ctx, (struct wy_bytes){(const uint8_t *)text, 0}, NULL, &img, NULL, &d),
        WY_EEMPTY);
    assert_null(img);
}

static void test_jpeg_decodes(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *jpg = encode_jpeg(120, 80, 3, false, &len);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){jpg, len}, NULL, &img, &info, NULL),
                     WY_OK);
    assert_int_equal(img->width_px, 120);
    assert_int_equal(img->height_px, 80);
    assert_int_equal(img->format, WY_PIX_RGB8);
    assert_int_equal(info.format, WY_FORMAT_JPEG);
    assert_int_equal(info.frame_count, 1);
    assert_false(info.scaled);
    /* The pattern's first column is near (0, 40, 80) on row 0 (lossy, so roughly). */
    const uint8_t *p = wy_image_row(img, 0);
    assert_in_range(p[0], 0, 12);
    assert_in_range(p[1], 28, 52);
    assert_in_range(p[2], 68, 92);
    wy_image_free(ctx, img);
    free(jpg);
}

static void test_jpeg_gray_and_luma_only(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *jpg = encode_jpeg(64, 48, 1, false, &len);
    struct wy_image *img = NULL;
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){jpg, len}, NULL, &img, NULL, NULL),
                     WY_OK);
    assert_int_equal(img->format, WY_PIX_GRAY8);
    wy_image_free(ctx, img);
    free(jpg);
    jpg = encode_jpeg(64, 48, 3, false, &len);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.luma_only = true;
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){jpg, len}, &opts, &img, NULL, NULL),
                     WY_OK);
    assert_int_equal(img->format, WY_PIX_GRAY8);
    wy_image_free(ctx, img);
    free(jpg);
}

static void test_jpeg_scaled(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *jpg = encode_jpeg(1600, 1000, 3, true, &len);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    static const struct {
        uint32_t target;
        uint32_t w;
        uint32_t h;
    } cases[] = {
        {100, 200, 125}, {200, 400, 250}, {384, 800, 500}, {600, 1600, 1000}, {0, 1600, 1000}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        opts.target_px = cases[i].target;
        struct wy_image *img = NULL;
        struct wy_decode_info info;
        assert_int_equal(
            wy_decode_memory(ctx, (struct wy_bytes){jpg, len}, &opts, &img, &info, NULL), WY_OK);
        assert_int_equal(img->width_px, cases[i].w);
        assert_int_equal(img->height_px, cases[i].h);
        assert_int_equal(info.width_px, 1600); /* the stored size, whatever the scale */
        assert_int_equal(info.scaled, cases[i].w < 1600);
        wy_image_free(ctx, img);
    }
    free(jpg);
}

static void test_jpeg_truncated(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *jpg = encode_jpeg(200, 150, 3, false, &len);
    const size_t cuts[] = {3, 20, 200, len / 2, len - 10};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        struct wy_image *img = NULL;
        struct wy_diag d;
        const enum wy_status st =
            wy_decode_memory(ctx, (struct wy_bytes){jpg, cuts[i]}, NULL, &img, NULL, &d);
        assert_int_equal(st, WY_ECORRUPT);
        assert_null(img);
        assert_memory_equal(d.msg, "JPEG: ", 6);
    }
    struct wy_image *img = NULL;
    struct wy_diag d;
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){jpg, len / 2}, NULL, &img, NULL, &d),
                     WY_ECORRUPT);
    assert_non_null(strstr(d.msg, "truncated"));
    free(jpg);
}

/* Rewrites the SOF dimensions of an encoded JPEG. */
static void patch_sof(uint8_t *jpg, size_t len, uint16_t w, uint16_t h)
{
    for (size_t i = 2; i + 9 < len; i++) {
        if (jpg[i] == 0xff && (jpg[i + 1] == 0xc0 || jpg[i + 1] == 0xc2)) {
            jpg[i + 5] = (uint8_t)(h >> 8);
            jpg[i + 6] = (uint8_t)h;
            jpg[i + 7] = (uint8_t)(w >> 8);
            jpg[i + 8] = (uint8_t)w;
            return;
        }
    }
    fail_msg("no SOF marker");
}

static void test_jpeg_limits(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *jpg = encode_jpeg(64, 64, 3, false, &len);
    patch_sof(jpg, len, 60000, 60000);
    struct wy_image *img = NULL;
    struct wy_diag d;
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){jpg, len}, NULL, &img, NULL, &d),
                     WY_ETOOBIG);
    assert_non_null(strstr(d.msg, "60000x60000"));
    patch_sof(jpg, len, 64, 64);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.max_pixels = 64 * 64 - 1;
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){jpg, len}, &opts, &img, NULL, &d),
                     WY_ETOOBIG);
    opts.max_pixels = 64 * 64;
    opts.max_file_bytes = len - 1;
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){jpg, len}, &opts, &img, NULL, &d),
                     WY_ETOOBIG);
    opts.max_file_bytes = len;
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){jpg, len}, &opts, &img, NULL, &d),
                     WY_OK);
    wy_image_free(ctx, img);
    free(jpg);
}

/* Where the displayed pixel (x, y) of a w x h displayed image sits in the stored image. */
static void stored_xy(int orientation, uint32_t x, uint32_t y, uint32_t w, uint32_t h, uint32_t *sx,
                      uint32_t *sy)
{
    switch (orientation) {
    case 3: /* rotated 180 */
        *sx = w - 1 - x;
        *sy = h - 1 - y;
        break;
    case 6: /* stored rotated 90 counter-clockwise: display turns it clockwise */
        *sx = y;
        *sy = w - 1 - x;
        break;
    case 8:
        *sx = h - 1 - y;
        *sy = x;
        break;
    default:
        *sx = x;
        *sy = y;
        break;
    }
}

/* exif-rotn-N.jpg are phone photos with EXIF orientation N. Displayed, each is the stored pixels
 * turned as the tag says; with raw_orientation they are the stored pixels. */
static void test_exif_orientation(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const int rotn[] = {1, 3, 6, 8};
    for (int i = 0; i < 4; i++) {
        char rel[128];
        snprintf(rel, sizeof rel,
                 "pdq-reference/pdq/data/reg-test-input/exif-rotn/exif-rotn-%d.jpg", rotn[i]);
        size_t len;
        uint8_t *data = tsup_read_file(tsup_shared(rel), &len);
        struct wy_decode_opts opts;
        wy_decode_opts_init(&opts);
        opts.target_px = 200; /* small and fast; orientation works the same at any scale */
        struct wy_image *shown = NULL;
        struct wy_image *raw = NULL;
        struct wy_decode_info info;
        assert_int_equal(
            wy_decode_memory(ctx, (struct wy_bytes){data, len}, &opts, &shown, &info, NULL), WY_OK);
        assert_int_equal(info.orientation, rotn[i]);
        assert_int_equal(info.width_px, rotn[i] >= 5 ? 3024 : 4032);
        opts.raw_orientation = true;
        assert_int_equal(
            wy_decode_memory(ctx, (struct wy_bytes){data, len}, &opts, &raw, &info, NULL), WY_OK);
        assert_int_equal(info.width_px, 4032);
        assert_int_equal(raw->width_px, rotn[i] >= 5 ? shown->height_px : shown->width_px);
        for (uint32_t y = 0; y < shown->height_px; y += 7) {
            for (uint32_t x = 0; x < shown->width_px; x += 5) {
                uint32_t sx;
                uint32_t sy;
                stored_xy(rotn[i], x, y, shown->width_px, shown->height_px, &sx, &sy);
                assert_memory_equal(wy_image_row(shown, y) + 3 * x, wy_image_row(raw, sy) + 3 * sx,
                                    3);
            }
        }
        wy_image_free(ctx, shown);
        wy_image_free(ctx, raw);
        free(data);
    }
}

static bool count_frame(void *user, const struct wy_image *img, uint32_t index, uint64_t pts_ms)
{
    uint32_t *seen = user;
    assert_int_equal(index, *seen);
    assert_int_equal(pts_ms, 0);
    assert_int_equal(img->width_px, 32);
    assert_int_equal(img->height_px, 16);
    (*seen)++;
    return true;
}

static void test_frames_callback(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *jpg = encode_jpeg(32, 16, 3, false, &len);
    struct wy_decode_info info;
    uint32_t seen = 0;
    assert_int_equal(
        wy_decode_frames(ctx, (struct wy_bytes){jpg, len}, NULL, count_frame, &seen, &info, NULL),
        WY_OK);
    assert_int_equal(seen, 1);
    assert_int_equal(info.frame_count, 1);
    free(jpg);
}

static void test_out_of_memory(void **state)
{
    (void)state;
    size_t len;
    uint8_t *data = tsup_read_file(
        tsup_shared("pdq-reference/pdq/data/reg-test-input/exif-rotn/exif-rotn-6.jpg"), &len);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.raw_orientation = false; /* the EXIF orientation is applied (the default) */
    struct tsup_decode_case c = {data, len, &opts, false};
    tsup_oom_sweep(tsup_decode_once, &c);
    free(data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),
        cmocka_unit_test_setup_teardown(test_not_an_image, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_jpeg_decodes, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_jpeg_gray_and_luma_only, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_jpeg_scaled, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_jpeg_truncated, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_jpeg_limits, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_exif_orientation, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_frames_callback, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
