/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decode_png.c: the PNG backend (lib/decode/decode_png.c). Fixtures are encoded in memory
 * with libspng itself, so every colour type, bit depth and chunk can be produced exactly; hostile
 * inputs (truncation, bad CRCs, a lying IHDR) are made by editing those bytes. The real files of
 * Meta's PDQ reference data are decoded too.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spng.h>

#include "test_support.h"

/* Optional chunks for png_encode(). */
struct png_extra {
    const struct spng_plte *plte;
    const struct spng_trns *trns;
    bool exif6;
    bool gama;
};

/* Encodes `pixels` (rows packed, PNG sample layout, 16-bit big-endian) into a malloc'ed PNG. */
static uint8_t *png_encode(uint32_t w, uint32_t h, uint8_t depth, uint8_t color_type,
                           bool interlaced, const void *pixels, size_t len,
                           const struct png_extra *extra, size_t *out_len)
{
    spng_ctx *enc = spng_ctx_new(SPNG_CTX_ENCODER);
    assert_non_null(enc);
    assert_int_equal(spng_set_option(enc, SPNG_ENCODE_TO_BUFFER, 1), 0);
    struct spng_ihdr ihdr = {.width = w,
                             .height = h,
                             .bit_depth = depth,
                             .color_type = color_type,
                             .interlace_method = interlaced ? SPNG_INTERLACE_ADAM7 : 0};
    assert_int_equal(spng_set_ihdr(enc, &ihdr), 0);
    if (extra != NULL && extra->plte != NULL) {
        assert_int_equal(spng_set_plte(enc, (struct spng_plte *)extra->plte), 0);
    }
    if (extra != NULL && extra->trns != NULL) {
        assert_int_equal(spng_set_trns(enc, (struct spng_trns *)extra->trns), 0);
    }
    if (extra != NULL && extra->exif6) {
        struct spng_exif exif = {sizeof tsup_exif_orient6, (char *)tsup_exif_orient6};
        assert_int_equal(spng_set_exif(enc, &exif), 0);
    }
    if (extra != NULL && extra->gama) {
        assert_int_equal(spng_set_gama(enc, 1.0 / 1.8), 0);
    }
    assert_int_equal(spng_encode_image(enc, pixels, len, SPNG_FMT_RAW, SPNG_ENCODE_FINALIZE), 0);
    int err = 0;
    uint8_t *png = spng_get_png_buffer(enc, out_len, &err);
    assert_int_equal(err, 0);
    assert_non_null(png);
    spng_ctx_free(enc);
    return png;
}

/* Asserts that img is WY_PIX_GRAY8 and that its pixel (x, y) is v. */
#define assert_gray(img, x, y, v)                                                                  \
    do {                                                                                           \
        assert_int_equal((img)->format, WY_PIX_GRAY8);                                             \
        assert_int_equal(wy_image_row((img), (y))[(x)], (v));                                      \
    } while (0)

/* A 4x3 RGB image whose every sample is distinct. */
static void rgb_fixture(uint8_t px[4 * 3 * 3])
{
    for (unsigned i = 0; i < 4 * 3 * 3; i++) {
        px[i] = (uint8_t)(i * 7 + 3);
    }
}

static void test_rgb8(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint8_t px[36];
    rgb_fixture(px);
    size_t len;
    uint8_t *png = png_encode(4, 3, 8, SPNG_COLOR_TYPE_TRUECOLOR, false, px, sizeof px, NULL, &len);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, &info, NULL), WY_OK);
    assert_int_equal(info.format, WY_FORMAT_PNG);
    assert_int_equal(info.width_px, 4);
    assert_int_equal(info.height_px, 3);
    assert_int_equal(info.frame_count, 1);
    assert_int_equal(info.orientation, 1);
    assert_false(info.has_alpha);
    assert_int_equal(img->width_px, 4);
    assert_int_equal(img->height_px, 3);
    for (uint32_t y = 0; y < 3; y++) {
        for (uint32_t x = 0; x < 4; x++) {
            const uint8_t *p = px + (y * 4 + x) * 3;
            tsup_assert_rgb(img, x, y, p[0], p[1], p[2]);
        }
    }
    wy_image_free(ctx, img);
    free(png);
}

static void test_gray_depths(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* 8-bit gray stays gray. */
    const uint8_t g8[6] = {0, 17, 128, 200, 254, 255};
    size_t len;
    uint8_t *png = png_encode(3, 2, 8, SPNG_COLOR_TYPE_GRAYSCALE, false, g8, sizeof g8, NULL, &len);
    struct wy_image *img = NULL;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, NULL, NULL), WY_OK);
    for (uint32_t i = 0; i < 6; i++) {
        assert_gray(img, i % 3, i / 3, g8[i]);
    }
    wy_image_free(ctx, img);
    free(png);
    /* 1-bit gray (10 wide: two bytes a row) scales to 0 and 255, as ImageMagick does. */
    const uint8_t g1[4] = {0xA5, 0x40, 0x0F, 0xC0}; /* 1010010101, 0000111111 */
    png = png_encode(10, 2, 1, SPNG_COLOR_TYPE_GRAYSCALE, false, g1, sizeof g1, NULL, &len);
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, NULL, NULL), WY_OK);
    const char *rows[2] = {"1010010101", "0000111111"};
    for (uint32_t y = 0; y < 2; y++) {
        for (uint32_t x = 0; x < 10; x++) {
            assert_gray(img, x, y, rows[y][x] == '1' ? 255 : 0);
        }
    }
    wy_image_free(ctx, img);
    free(png);
    /* 4-bit gray: v * 17. */
    const uint8_t g4[2] = {0x0F, 0x7A};
    png = png_encode(4, 1, 4, SPNG_COLOR_TYPE_GRAYSCALE, false, g4, sizeof g4, NULL, &len);
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, NULL, NULL), WY_OK);
    assert_gray(img, 0, 0, 0);
    assert_gray(img, 1, 0, 255);
    assert_gray(img, 2, 0, 7 * 17);
    assert_gray(img, 3, 0, 10 * 17);
    wy_image_free(ctx, img);
    free(png);
}

/* 16-bit samples round to nearest (v / 257), not truncate: 0x12FF is 18.92, so 19 (spng's own
 * conversion would give 0x12 = 18). */
static void test_16bit(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint16_t samples[6] = {0x0000, 0xFFFF, 0x12FF, 0x8080, 0x807F, 0x0080};
    const unsigned want[6] = {0, 255, 19, 128, 128, 0};
    uint8_t be[12];
    for (int i = 0; i < 6; i++) {
        be[2 * i] = (uint8_t)(samples[i] >> 8);
        be[2 * i + 1] = (uint8_t)samples[i];
    }
    size_t len;
    uint8_t *png =
        png_encode(2, 1, 16, SPNG_COLOR_TYPE_TRUECOLOR, false, be, sizeof be, NULL, &len);
    struct wy_image *img = NULL;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, NULL, NULL), WY_OK);
    tsup_assert_rgb(img, 0, 0, want[0], want[1], want[2]);
    tsup_assert_rgb(img, 1, 0, want[3], want[4], want[5]);
    wy_image_free(ctx, img);
    free(png);
    /* 16-bit gray stays gray. */
    png = png_encode(6, 1, 16, SPNG_COLOR_TYPE_GRAYSCALE, false, be, sizeof be, NULL, &len);
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, NULL, NULL), WY_OK);
    for (uint32_t x = 0; x < 6; x++) {
        assert_gray(img, x, 0, want[x]);
    }
    wy_image_free(ctx, img);
    free(png);
}

static void test_alpha_background(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t rgba[3 * 4] = {200, 100, 50, 255, 200, 100, 50, 0, 200, 100, 50, 128};
    size_t len;
    uint8_t *png =
        png_encode(3, 1, 8, SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, false, rgba, sizeof rgba, NULL, &len);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, &info, NULL), WY_OK);
    assert_true(info.has_alpha);
    tsup_assert_rgb(img, 0, 0, 200, 100, 50);
    tsup_assert_rgb(img, 1, 0, 255, 255, 255); /* default background: white */
    tsup_assert_rgb(img, 2, 0, tsup_over(200, 128, 255), tsup_over(100, 128, 255),
                    tsup_over(50, 128, 255));
    wy_image_free(ctx, img);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.background_rgb = 0x102030;
    assert_int_equal(tsup_decode(ctx, png, len, &opts, &img, NULL, NULL), WY_OK);
    tsup_assert_rgb(img, 0, 0, 200, 100, 50);
    tsup_assert_rgb(img, 1, 0, 0x10, 0x20, 0x30);
    tsup_assert_rgb(img, 2, 0, tsup_over(200, 128, 0x10), tsup_over(100, 128, 0x20),
                    tsup_over(50, 128, 0x30));
    wy_image_free(ctx, img);
    free(png);
    /* Gray + alpha stays gray, blended with the background's luminance. */
    const uint8_t ga[4] = {40, 255, 40, 0};
    png = png_encode(2, 1, 8, SPNG_COLOR_TYPE_GRAYSCALE_ALPHA, false, ga, sizeof ga, NULL, &len);
    opts.background_rgb = 0x000000;
    assert_int_equal(tsup_decode(ctx, png, len, &opts, &img, NULL, NULL), WY_OK);
    assert_gray(img, 0, 0, 40);
    assert_gray(img, 1, 0, 0);
    wy_image_free(ctx, img);
    free(png);
}

static void test_palette_trns(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct spng_plte plte = {.n_entries = 3};
    plte.entries[0] = (struct spng_plte_entry){10, 20, 30, 0};
    plte.entries[1] = (struct spng_plte_entry){40, 50, 60, 0};
    plte.entries[2] = (struct spng_plte_entry){70, 80, 90, 0};
    const uint8_t idx[3] = {0, 1, 2};
    const struct png_extra plain = {.plte = &plte};
    size_t len;
    uint8_t *png = png_encode(3, 1, 8, SPNG_COLOR_TYPE_INDEXED, false, idx, 3, &plain, &len);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, &info, NULL), WY_OK);
    assert_false(info.has_alpha);
    tsup_assert_rgb(img, 0, 0, 10, 20, 30);
    tsup_assert_rgb(img, 1, 0, 40, 50, 60);
    tsup_assert_rgb(img, 2, 0, 70, 80, 90);
    wy_image_free(ctx, img);
    free(png);
    /* tRNS: entry 1 fully transparent, entry 2 half; entry 0 has no alpha given (opaque). */
    struct spng_trns trns = {.n_type3_entries = 3, .type3_alpha = {255, 0, 128}};
    const struct png_extra keyed = {.plte = &plte, .trns = &trns};
    png = png_encode(3, 1, 8, SPNG_COLOR_TYPE_INDEXED, false, idx, 3, &keyed, &len);
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, &info, NULL), WY_OK);
    assert_true(info.has_alpha);
    tsup_assert_rgb(img, 0, 0, 10, 20, 30);
    tsup_assert_rgb(img, 1, 0, 255, 255, 255);
    tsup_assert_rgb(img, 2, 0, tsup_over(70, 128, 255), tsup_over(80, 128, 255),
                    tsup_over(90, 128, 255));
    wy_image_free(ctx, img);
    free(png);
}

/* A colour key on gray: samples equal to it become transparent. */
static void test_gray_trns(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t g[3] = {7, 99, 7};
    struct spng_trns trns = {.gray = 7};
    const struct png_extra keyed = {.trns = &trns};
    size_t len;
    uint8_t *png = png_encode(3, 1, 8, SPNG_COLOR_TYPE_GRAYSCALE, false, g, 3, &keyed, &len);
    struct wy_image *img = NULL;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, NULL, NULL), WY_OK);
    assert_gray(img, 0, 0, 255);
    assert_gray(img, 1, 0, 99);
    assert_gray(img, 2, 0, 255);
    wy_image_free(ctx, img);
    free(png);
}

/* Adam7 puts every pixel in one of seven passes; a 13x11 image has all of them, partly. */
static void test_interlaced(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    enum { W = 13, H = 11 };
    uint8_t px[W * H * 3];
    uint8_t wide[W * H * 3 * 2];
    for (size_t i = 0; i < sizeof px; i++) {
        px[i] = (uint8_t)(i * 31 + 5);
        wide[2 * i] = px[i]; /* v * 257 narrows back to v */
        wide[2 * i + 1] = px[i];
    }
    for (int depth = 8; depth <= 16; depth += 8) {
        size_t len;
        uint8_t *png = png_encode(W, H, (uint8_t)depth, SPNG_COLOR_TYPE_TRUECOLOR, true,
                                  depth == 8 ? (const void *)px : (const void *)wide,
                                  depth == 8 ? sizeof px : sizeof wide, NULL, &len);
        struct wy_image *img = NULL;
        assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, NULL, NULL), WY_OK);
        for (uint32_t y = 0; y < H; y++) {
            for (uint32_t x = 0; x < W; x++) {
                const uint8_t *p = px + ((size_t)y * W + x) * 3;
                tsup_assert_rgb(img, x, y, p[0], p[1], p[2]);
            }
        }
        wy_image_free(ctx, img);
        free(png);
    }
}

/* Orientation 6: the stored 3x2 image is shown rotated 90 degrees clockwise, 2x3. */
static void test_exif_orientation(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t g[6] = {1, 2, 3, 4, 5, 6}; /* rows "1 2 3" and "4 5 6" */
    const struct png_extra extra = {.exif6 = true};
    size_t len;
    uint8_t *png = png_encode(3, 2, 8, SPNG_COLOR_TYPE_GRAYSCALE, false, g, 6, &extra, &len);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, &info, NULL), WY_OK);
    assert_int_equal(info.orientation, 6);
    assert_int_equal(info.width_px, 2);
    assert_int_equal(info.height_px, 3);
    assert_int_equal(img->width_px, 2);
    assert_int_equal(img->height_px, 3);
    const unsigned upright[3][2] = {{4, 1}, {5, 2}, {6, 3}};
    for (uint32_t y = 0; y < 3; y++) {
        for (uint32_t x = 0; x < 2; x++) {
            assert_gray(img, x, y, upright[y][x]);
        }
    }
    wy_image_free(ctx, img);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.raw_orientation = true;
    assert_int_equal(tsup_decode(ctx, png, len, &opts, &img, &info, NULL), WY_OK);
    assert_int_equal(info.orientation, 6); /* reported, not applied */
    assert_int_equal(info.width_px, 3);
    assert_int_equal(img->width_px, 3);
    assert_int_equal(img->height_px, 2);
    for (uint32_t i = 0; i < 6; i++) {
        assert_gray(img, i % 3, i / 3, g[i]);
    }
    wy_image_free(ctx, img);
    free(png);
}

/* gAMA is read and ignored: stored samples come out unchanged. */
static void test_gamma_ignored(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    uint8_t px[36];
    rgb_fixture(px);
    const struct png_extra extra = {.gama = true};
    size_t len;
    uint8_t *png = png_encode(4, 3, 8, SPNG_COLOR_TYPE_TRUECOLOR, false, px, 36, &extra, &len);
    struct wy_image *img = NULL;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &img, NULL, NULL), WY_OK);
    tsup_assert_rgb(img, 1, 1, px[15], px[16], px[17]);
    wy_image_free(ctx, img);
    free(png);
}

/* A noisy 32x32 RGB image, so the compressed data spans many bytes. */
static uint8_t *noisy_png(size_t *len)
{
    uint8_t px[32 * 32 * 3];
    uint64_t seed = 42;
    for (size_t i = 0; i < sizeof px; i++) {
        px[i] = (uint8_t)tsup_rand(&seed);
    }
    return png_encode(32, 32, 8, SPNG_COLOR_TYPE_TRUECOLOR, false, px, sizeof px, NULL, len);
}

#define expect_corrupt(ctx, data, len)                                                             \
    tsup_expect_status((ctx), ((struct wy_bytes){(data), (len)}), NULL, false, WY_ECORRUPT, "PNG: ")

static void test_truncated(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *png = noisy_png(&len);
    /* Inside the IHDR, just after it, inside IDAT, and inside IEND's header. (spng stops at
     * IEND's type and never reads its constant CRC, so a cut there still decodes.) */
    const size_t cuts[] = {12, 20, 33, 40, len / 2, len - 20, len - 12, len - 5};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        expect_corrupt(ctx, png, cuts[i]);
    }
    free(png);
}

static void test_bad_crc(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *png = noisy_png(&len);
    png[29] ^= 0x01; /* last byte of the IHDR's CRC */
    expect_corrupt(ctx, png, len);
    png[29] ^= 0x01;
    png[len / 2] ^= 0x40; /* inside the IDAT: its CRC no longer matches */
    expect_corrupt(ctx, png, len);
    free(png);
}

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        }
    }
    return c ^ 0xFFFFFFFFu;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* A valid small PNG whose IHDR is rewritten (CRC fixed up) to claim w x h. */
static uint8_t *lying_png(uint32_t w, uint32_t h, size_t *len)
{
    uint8_t *png = noisy_png(len);
    put32(png + 16, w);
    put32(png + 20, h);
    put32(png + 29, crc32_of(png + 12, 17));
    return png;
}

/*
 * A wrong Adler-32 at the end of the zlib stream, its chunk's CRC fixed up, decodes to the very
 * pixels of the intact file: the CRC already covers every compressed byte, and browsers skip the
 * Adler-32 too, so such a file is shown, and must be found, like any other.
 */
static void test_adler32_ignored(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    size_t len;
    uint8_t *png = noisy_png(&len);
    struct wy_image *want = NULL;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &want, NULL, NULL), WY_OK);
    uint8_t *type = NULL;
    for (size_t i = 12; i + 4 <= len; i++) {
        if (memcmp(png + i, "IDAT", 4) == 0) {
            type = png + i;
            break;
        }
    }
    assert_non_null(type);
    const uint32_t data_len = (uint32_t)type[-4] << 24 | (uint32_t)type[-3] << 16 |
                              (uint32_t)type[-2] << 8 | (uint32_t)type[-1];
    type[4 + data_len - 1] ^= 0x5a; /* the stream's last byte: Adler-32's low byte */
    expect_corrupt(ctx, png, len);  /* the chunk's CRC still catches the change */
    put32(type + 4 + data_len, crc32_of(type, 4 + (size_t)data_len));
    struct wy_image *got = NULL;
    assert_int_equal(tsup_decode(ctx, png, len, NULL, &got, NULL, NULL), WY_OK);
    assert_int_equal(got->format, want->format);
    assert_memory_equal(got->pixels, want->pixels, want->stride_bytes * want->height_px);
    wy_image_free(ctx, got);
    wy_image_free(ctx, want);
    free(png);
}

static void test_too_big(void **state)
{
    (void)state;
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    const struct {
        uint32_t w;
        uint32_t h;
        uint64_t max_pixels; /* 0: the default */
    } cases[] = {
        {100000, 100000, 0}, /* over the side limit */
        {20000, 20000, 0},   /* 400 Mpx: over the default pixel limit */
        {32, 32, 1000},      /* the real size, over a small pixel limit */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        uint8_t *png = lying_png(cases[i].w, cases[i].h, &len);
        struct wy_decode_opts limited = opts;
        if (cases[i].max_pixels > 0) {
            limited.max_pixels = cases[i].max_pixels;
        }
        tsup_expect_too_big(((struct wy_bytes){png, len}), &limited, "PNG: ", 0);
        free(png);
    }
}

/* Every allocation of a decode fails once in turn: 16-bit interlaced (the widest scratch) with
 * an orientation to apply, then plain 8-bit with alpha. */
static void test_oom(void **state)
{
    (void)state;
    uint8_t wide[5 * 4 * 4 * 2];
    for (size_t i = 0; i < sizeof wide; i++) {
        wide[i] = (uint8_t)(i * 13);
    }
    const struct png_extra extra = {.exif6 = true};
    struct tsup_decode_case c = {0};
    uint8_t *png = png_encode(5, 4, 16, SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, true, wide, sizeof wide,
                              &extra, &c.len);
    c.data = png;
    tsup_oom_sweep(tsup_decode_once, &c);
    free(png);
    png = png_encode(5, 4, 8, SPNG_COLOR_TYPE_TRUECOLOR_ALPHA, false, wide, sizeof wide / 2, NULL,
                     &c.len);
    c.data = png;
    tsup_oom_sweep(tsup_decode_once, &c);
    free(png);
}

static void expect_file(struct wy_ctx *ctx, const char *rel, uint32_t w, uint32_t h,
                        enum wy_pixel_format fmt)
{
    size_t len;
    uint8_t *data = tsup_read_file(tsup_shared(rel), &len);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    struct wy_diag diag;
    const enum wy_status st = tsup_decode(ctx, data, len, NULL, &img, &info, &diag);
    if (st != WY_OK) {
        fail_msg("%s: %s (%s)", rel, wy_status_name(st), diag.msg);
    }
    assert_int_equal(info.format, WY_FORMAT_PNG);
    assert_int_equal(img->width_px, w);
    assert_int_equal(img->height_px, h);
    assert_int_equal(img->format, fmt);
    wy_image_free(ctx, img);
    free(data);
}

/* Pillow's colour modes of the bridge photo, and the PNG photo of the regression tests. */
static void test_reference_files(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const char *dir = "pdq-reference/pdq/data/misc-images/modes/";
    const struct {
        const char *name;
        enum wy_pixel_format fmt;
    } modes[] = {{"1.png", WY_PIX_GRAY8},
                 {"L.png", WY_PIX_GRAY8},
                 {"LA.png", WY_PIX_GRAY8},
                 {"P.png", WY_PIX_RGB8},
                 {"RGBA.png", WY_PIX_RGB8}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "%s%s", dir, modes[i].name);
        expect_file(ctx, rel, 1600, 1004, modes[i].fmt);
    }
    expect_file(ctx, "pdq-reference/pdq/data/reg-test-input/pen-and-coaster.png", 924, 735,
                WY_PIX_RGB8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rgb8, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_gray_depths, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_16bit, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_alpha_background, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_palette_trns, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_gray_trns, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_interlaced, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_exif_orientation, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_gamma_ignored, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_truncated, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_bad_crc, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_adler32_ignored, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_oom),
        cmocka_unit_test_setup_teardown(test_reference_files, tsup_setup_ctx, tsup_teardown_ctx),
    };
    return cmocka_run_group_tests_name("decode_png", tests, NULL, NULL);
}
