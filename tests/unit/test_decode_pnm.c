/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decode_pnm.c: the built-in Netpbm decoder (P1..P6): exact pixel values for every variant,
 * maxval scaling, comments, and hostile headers (lying sizes, overflowing numbers, bad maxval,
 * truncation at every length).
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include "test_support.h"

static struct wy_bytes bytes_of(const void *p, size_t n)
{
    return (struct wy_bytes){(const uint8_t *)p, n};
}

static struct wy_bytes str_bytes(const char *s)
{
    return bytes_of(s, strlen(s));
}

/* Decodes and asserts success, format and size. */
static struct wy_image *decode_ok(struct wy_ctx *ctx, struct wy_bytes data, uint32_t w, uint32_t h,
                                  enum wy_pixel_format fmt)
{
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    struct wy_diag diag;
    const enum wy_status st = wy_decode_memory(ctx, data, NULL, &img, &info, &diag);
    if (st != WY_OK) {
        fail_msg("decode failed: %s (%s)", wy_status_name(st), diag.msg);
    }
    assert_int_equal(info.format, WY_FORMAT_PNM);
    assert_int_equal(img->width_px, w);
    assert_int_equal(img->height_px, h);
    assert_int_equal(img->format, fmt);
    assert_int_equal(info.width_px, w);
    assert_int_equal(info.height_px, h);
    assert_false(info.has_alpha);
    return img;
}

#define expect_status(ctx, data, want)                                                             \
    tsup_expect_status((ctx), (data), NULL, false, (want), "PNM: ")

static void assert_pixels(const struct wy_image *img, const uint8_t *want)
{
    const size_t row = (size_t)img->width_px * (size_t)img->format;
    for (uint32_t y = 0; y < img->height_px; y++) {
        assert_memory_equal(wy_image_row(img, y), want + y * row, row);
    }
}

static void test_p1_ascii_bitmap(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* Digits need no separators in P1; 1 is black. */
    struct wy_image *img =
        decode_ok(ctx, str_bytes("P1\n# a comment\n3 2\n0 1 0\n101"), 3, 2, WY_PIX_GRAY8);
    const uint8_t want[] = {255, 0, 255, 0, 255, 0};
    assert_pixels(img, want);
    wy_image_free(ctx, img);
}

static void test_p2_ascii_gray_scaled(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* maxval 10: round(v * 255 / 10); 3 -> 76.5 rounds up to 77. */
    struct wy_image *img =
        decode_ok(ctx, str_bytes("P2 #c\n4 1 # width height\n10\n0 3 5 10\n"), 4, 1, WY_PIX_GRAY8);
    const uint8_t want[] = {0, 77, 128, 255};
    assert_pixels(img, want);
    wy_image_free(ctx, img);
}

static void test_p3_ascii_rgb(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_image *img = decode_ok(
        ctx, str_bytes("P3\n2 2\n255\n255 0 0  0 255 0\n0 0 255  1 2 3"), 2, 2, WY_PIX_RGB8);
    const uint8_t want[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 2, 3};
    assert_pixels(img, want);
    wy_image_free(ctx, img);
}

static void test_p4_raw_bitmap_padding(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* 10 pixels a row: two bytes, the last 6 bits padding (set, to show they are ignored). */
    const uint8_t data[] = {'P', '4', '\n', '1', '0', ' ', '2', '\n', 0xa5, 0xff, 0x00, 0x40};
    struct wy_image *img = decode_ok(ctx, bytes_of(data, sizeof data), 10, 2, WY_PIX_GRAY8);
    const uint8_t want[] = {0,   255, 0,   255, 255, 0,   255, 0,   0,   0,
                            255, 255, 255, 255, 255, 255, 255, 255, 255, 0};
    assert_pixels(img, want);
    wy_image_free(ctx, img);
}

static void test_p5_raw_gray_8bit(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* The byte after maxval is '#' (35): pixel data, not a comment. */
    const uint8_t data[] = {'P', '5', ' ', '3', ' ', '1', ' ', '2', '5', '5', '\n', 35, 0, 255};
    struct wy_image *img = decode_ok(ctx, bytes_of(data, sizeof data), 3, 1, WY_PIX_GRAY8);
    const uint8_t want[] = {35, 0, 255};
    assert_pixels(img, want);
    wy_image_free(ctx, img);
}

static void test_p5_raw_gray_16bit(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t data[] = {'P', '5', '\n', '3',  ' ',  '1',  '\n', '6',  '5', '5',
                            '3', '5', '\n', 0x80, 0x00, 0xff, 0xff, 0x01, 0x01};
    struct wy_image *img = decode_ok(ctx, bytes_of(data, sizeof data), 3, 1, WY_PIX_GRAY8);
    /* 32768 * 255 / 65535 = 127.5019 -> 128; 257 * 255 / 65535 = 1. */
    const uint8_t want[] = {128, 255, 1};
    assert_pixels(img, want);
    wy_image_free(ctx, img);
}

static void test_p6_raw_rgb(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t data[] = {'P', '6',  '\n', '2', ' ', '1', '\n', '2', '5',
                            '5', '\n', 10,   20,  30,  40,  50,   60};
    struct wy_image *img = decode_ok(ctx, bytes_of(data, sizeof data), 2, 1, WY_PIX_RGB8);
    const uint8_t want[] = {10, 20, 30, 40, 50, 60};
    assert_pixels(img, want);
    wy_image_free(ctx, img);
}

static void test_p6_raw_rgb_16bit_maxval_1000(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t data[] = {'P', '6', '\n', '1',  ' ',  '1',  '\n', '1',  '0',
                            '0', '0', '\n', 0x01, 0xf4, 0x03, 0xe8, 0x00, 0x02};
    struct wy_image *img = decode_ok(ctx, bytes_of(data, sizeof data), 1, 1, WY_PIX_RGB8);
    /* 500 -> 127.5 -> 128; 1000 -> 255; 2 -> 0.51 -> 1. */
    const uint8_t want[] = {128, 255, 1};
    assert_pixels(img, want);
    wy_image_free(ctx, img);
}

static void test_bad_headers(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    expect_status(ctx, str_bytes("P2\n1 1\n0\n0\n"), WY_ECORRUPT);     /* maxval 0 */
    expect_status(ctx, str_bytes("P2\n1 1\n65536\n0\n"), WY_ECORRUPT); /* maxval too big */
    expect_status(ctx, str_bytes("P2\n99999999999999999999 1\n255\n0"), WY_ECORRUPT);
    expect_status(ctx, str_bytes("P2\n4294967296 1\n255\n0"), WY_ECORRUPT);
    expect_status(ctx, str_bytes("P2\n0 1\n255\n"), WY_ECORRUPT);         /* zero side */
    expect_status(ctx, str_bytes("P2\n12x 1\n255\n0"), WY_ECORRUPT);      /* junk in number */
    expect_status(ctx, str_bytes("P2\n-1 1\n255\n0"), WY_ECORRUPT);       /* sign */
    expect_status(ctx, str_bytes("P3\n1 1\n"), WY_ECORRUPT);              /* no maxval */
    expect_status(ctx, str_bytes("P6\n1 1\n255"), WY_ECORRUPT);           /* no separator */
    expect_status(ctx, str_bytes("P1\n1 1\n2"), WY_ECORRUPT);             /* bad bit digit */
    expect_status(ctx, str_bytes("P2\n2 1\n100\n50 101\n"), WY_ECORRUPT); /* sample > maxval */
    /* A raw 16-bit sample above maxval. */
    const uint8_t raw16[] = {'P', '5', ' ', '1', ' ', '1', ' ', '3', '0', '0', ' ', 0x01, 0x2d};
    expect_status(ctx, bytes_of(raw16, sizeof raw16), WY_ECORRUPT);
}

static void test_huge_sizes_fail_fast(void **state)
{
    (void)state;
    tsup_expect_too_big(str_bytes("P6\n100000 100000\n255\n\x01\x02\x03"), NULL, "PNM: ", 0);
    tsup_expect_too_big(str_bytes("P5\n60000 60000\n255\n\x01"), NULL,
                        "PNM: ", 0); /* > max_pixels */
}

/* Every prefix of a valid file fails cleanly (and never as success with invented pixels). */
static void test_truncation(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const char *const files[] = {
        "P1\n3 2\n0 1 0\n1 0 1\n",
        "P3\n2 1\n255\n1 2 3 4 5 6\n",
        "P6\n2 2\n255\nabcdefghijkl",
        "P5\n2 2\n65535\nabcdefgh",
        "P4\n9 2\nabcd",
    };
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        const size_t len = strlen(files[f]);
        /* ASCII files may end right after the last sample; drop the trailing newline too. */
        const size_t whole = files[f][len - 1] == '\n' ? len - 1 : len;
        tsup_expect_prefixes(ctx, (const uint8_t *)files[f], 1, whole, TSUP_ANY_ERROR, NULL);
        struct wy_image *img = NULL;
        assert_int_equal(wy_decode_memory(ctx, bytes_of(files[f], whole), NULL, &img, NULL, NULL),
                         WY_OK);
        wy_image_free(ctx, img);
    }
}

static void test_only_first_image_of_several(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t data[] = {'P', '5', ' ', '1', ' ', '1', ' ', '2', '5', '5', ' ', 7,
                            'P', '5', ' ', '2', ' ', '2', ' ', '2', '5', '5', ' ', 1};
    struct wy_image *img = decode_ok(ctx, bytes_of(data, sizeof data), 1, 1, WY_PIX_GRAY8);
    assert_int_equal(img->pixels[0], 7);
    wy_image_free(ctx, img);
}

static void test_oom_sweep(void **state)
{
    (void)state;
    static const uint8_t data[] = {'P', '6',  '\n', '2', ' ', '1', '\n', '2', '5',
                                   '5', '\n', 10,   20,  30,  40,  50,   60};
    struct tsup_decode_case c = {data, sizeof data, NULL, false};
    tsup_oom_sweep(tsup_decode_once, &c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_p1_ascii_bitmap),
        cmocka_unit_test(test_p2_ascii_gray_scaled),
        cmocka_unit_test(test_p3_ascii_rgb),
        cmocka_unit_test(test_p4_raw_bitmap_padding),
        cmocka_unit_test(test_p5_raw_gray_8bit),
        cmocka_unit_test(test_p5_raw_gray_16bit),
        cmocka_unit_test(test_p6_raw_rgb),
        cmocka_unit_test(test_p6_raw_rgb_16bit_maxval_1000),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_huge_sizes_fail_fast),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_only_first_image_of_several),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, tsup_setup_ctx, tsup_teardown_ctx);
}
