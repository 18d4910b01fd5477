/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decode_bmp.c: the built-in BMP decoder. Files are serialised in the test by a small
 * writer (bmp_build), so every header kind, depth, compression and row order is covered with
 * exact pixel values, and so are hostile files: lying sizes, offsets past the end, RLE runs that
 * leave their row or the image, and truncation at every length.
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include "test_support.h"

/* What a test BMP contains; bmp_build lays it out as a real writer would. */
struct bmp_spec {
    uint32_t header_bytes; /* 12, 40, 52, 56, 108, 124 */
    int32_t width;
    int32_t height; /* negative: top-down */
    uint16_t bpp;
    uint32_t compression;
    const uint32_t *masks; /* in the header (>= 52) or after a 40-byte one */
    size_t mask_count;
    const uint8_t *palette; /* raw entries: BGR (core header) or BGRX */
    size_t palette_bytes;
    uint32_t colors_used;
    const uint8_t *pixels;
    size_t pixel_bytes;
};

struct bmp_file {
    uint8_t bytes[4096];
    size_t len;
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static void write_info_header(uint8_t *h, const struct bmp_spec *s)
{
    put32(h, s->header_bytes);
    if (s->header_bytes == 12) {
        put16(h + 4, (uint32_t)s->width);
        put16(h + 6, (uint32_t)s->height);
        put16(h + 8, 1);
        put16(h + 10, s->bpp);
        return;
    }
    put32(h + 4, (uint32_t)s->width);
    put32(h + 8, (uint32_t)s->height);
    put16(h + 12, 1);
    put16(h + 14, s->bpp);
    put32(h + 16, s->compression);
    put32(h + 20, (uint32_t)s->pixel_bytes);
    put32(h + 24, 2835);
    put32(h + 28, 2835);
    put32(h + 32, s->colors_used);
    for (size_t i = 0; s->header_bytes >= 52 && i < s->mask_count; i++) {
        put32(h + 40 + 4 * i, s->masks[i]);
    }
}

static void bmp_build(struct bmp_file *f, const struct bmp_spec *s)
{
    memset(f, 0, sizeof *f);
    uint8_t *b = f->bytes;
    size_t at = 14;
    write_info_header(b + at, s);
    at += s->header_bytes;
    for (size_t i = 0; s->header_bytes == 40 && i < s->mask_count; i++) {
        put32(b + at, s->masks[i]);
        at += 4;
    }
    if (s->palette_bytes > 0) {
        memcpy(b + at, s->palette, s->palette_bytes);
        at += s->palette_bytes;
    }
    if (s->pixel_bytes > 0) {
        memcpy(b + at, s->pixels, s->pixel_bytes);
    }
    b[0] = 'B';
    b[1] = 'M';
    put32(b + 2, (uint32_t)(at + s->pixel_bytes));
    put32(b + 10, (uint32_t)at);
    f->len = at + s->pixel_bytes;
}

static struct wy_bytes file_bytes(const struct bmp_file *f)
{
    return (struct wy_bytes){f->bytes, f->len};
}

static struct wy_image *decode_with(struct wy_ctx *ctx, const struct bmp_file *f,
                                    const struct wy_decode_opts *opts, struct wy_decode_info *info)
{
    struct wy_image *img = NULL;
    struct wy_diag diag;
    const enum wy_status st = wy_decode_memory(ctx, file_bytes(f), opts, &img, info, &diag);
    if (st != WY_OK) {
        fail_msg("decode failed: %s (%s)", wy_status_name(st), diag.msg);
    }
    assert_int_equal(info->format, WY_FORMAT_BMP);
    return img;
}

/* Decodes with defaults and compares every RGB pixel. */
static void expect_rgb(struct wy_ctx *ctx, const struct bmp_spec *s, uint32_t w, uint32_t h,
                       const uint8_t *want)
{
    struct bmp_file f;
    bmp_build(&f, s);
    struct wy_decode_info info;
    struct wy_image *img = decode_with(ctx, &f, NULL, &info);
    assert_int_equal(img->format, WY_PIX_RGB8);
    assert_int_equal(img->width_px, w);
    assert_int_equal(img->height_px, h);
    for (uint32_t y = 0; y < h; y++) {
        assert_memory_equal(wy_image_row(img, y), want + (size_t)y * w * 3, (size_t)w * 3);
    }
    wy_image_free(ctx, img);
}

#define expect_status_bytes(ctx, data, want)                                                       \
    tsup_expect_status((ctx), (data), NULL, false, (want), "BMP: ")

static void expect_status(struct wy_ctx *ctx, const struct bmp_spec *s, enum wy_status want)
{
    struct bmp_file f;
    bmp_build(&f, s);
    expect_status_bytes(ctx, file_bytes(&f), want);
}

/* Two colours: black and red, as BGRX entries. */
static const uint8_t pal2[] = {0, 0, 0, 0, 0, 0, 255, 0};
/* Four colours for the 4- and 8-bit tests: black, red, green, blue. */
static const uint8_t pal4[] = {0, 0, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 0};

#define BLK 0, 0, 0
#define RED 255, 0, 0
#define GRN 0, 255, 0
#define BLU 0, 0, 255

static void test_1bpp_bottom_up(void **state)
{
    /* Rows are padded to 4 bytes; the first stored row is the bottom one. */
    const uint8_t px[] = {0xa0, 0, 0, 0, 0x40, 0, 0, 0};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 3,
                               .height = 2,
                               .bpp = 1,
                               .palette = pal2,
                               .palette_bytes = sizeof pal2,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {BLK, RED, BLK, RED, BLK, RED};
    expect_rgb(tsup_state_ctx(state), &s, 3, 2, want);
}

static void test_4bpp_palette_colors_used(void **state)
{
    const uint8_t px[] = {0x12, 0x30, 0, 0};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 3,
                               .height = 1,
                               .bpp = 4,
                               .palette = pal4,
                               .palette_bytes = sizeof pal4,
                               .colors_used = 4,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {RED, GRN, BLU};
    expect_rgb(tsup_state_ctx(state), &s, 3, 1, want);
}

static void test_8bpp_top_down_and_index_past_palette(void **state)
{
    /* Index 200 is past the 4-entry palette: black, as viewers show it. */
    const uint8_t px[] = {1, 2, 0, 0, 3, 200, 0, 0};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 2,
                               .height = -2,
                               .bpp = 8,
                               .palette = pal4,
                               .palette_bytes = sizeof pal4,
                               .colors_used = 4,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {RED, GRN, BLU, BLK};
    expect_rgb(tsup_state_ctx(state), &s, 2, 2, want);
}

static void test_os2_core_header(void **state)
{
    /* Core palettes have 3-byte entries. */
    const uint8_t pal[] = {0, 0, 0, 0, 0, 255, 0, 255, 0};
    const uint8_t px[] = {2, 1, 0, 0};
    const struct bmp_spec s = {.header_bytes = 12,
                               .width = 2,
                               .height = 1,
                               .bpp = 8,
                               .palette = pal,
                               .palette_bytes = sizeof pal,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    /* 8 bits promise 256 entries but the file has 3: the palette runs past the end. */
    expect_status(tsup_state_ctx(state), &s, WY_ECORRUPT);
    uint8_t full[256 * 3];
    memset(full, 0, sizeof full);
    memcpy(full, pal, sizeof pal);
    struct bmp_spec whole = s;
    whole.palette = full;
    whole.palette_bytes = sizeof full;
    const uint8_t want[] = {GRN, RED};
    expect_rgb(tsup_state_ctx(state), &whole, 2, 1, want);
}

static void test_os2_core_24bpp(void **state)
{
    const uint8_t px[] = {255, 0, 0, 0, 0, 0, 255, 0};
    const struct bmp_spec s = {.header_bytes = 12,
                               .width = 1,
                               .height = 2,
                               .bpp = 24,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {RED, BLU};
    expect_rgb(tsup_state_ctx(state), &s, 1, 2, want);
}

static void test_16bpp_555(void **state)
{
    const uint8_t px[] = {0x00, 0x7c, 0xe0, 0x03, 0x1f, 0x00, 0x10, 0x42};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 4,
                               .height = 1,
                               .bpp = 16,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    /* 16 of 31 scales to round(131.6) = 132. */
    const uint8_t want[] = {RED, GRN, BLU, 132, 132, 132};
    expect_rgb(tsup_state_ctx(state), &s, 4, 1, want);
}

static void test_16bpp_565_bitfields(void **state)
{
    static const uint32_t masks[] = {0xf800, 0x07e0, 0x001f};
    const uint8_t px[] = {0x00, 0xf8, 0xe0, 0x07, 0x1f, 0x00, 0x00, 0x04};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 4,
                               .height = 1,
                               .bpp = 16,
                               .compression = 3,
                               .masks = masks,
                               .mask_count = 3,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    /* Green 32 of 63 scales to round(129.5) = 130. */
    const uint8_t want[] = {RED, GRN, BLU, 0, 130, 0};
    expect_rgb(tsup_state_ctx(state), &s, 4, 1, want);
}

static void test_24bpp_padding(void **state)
{
    /* 1 pixel = 3 bytes, padded to 4; bottom row stored first. */
    const uint8_t px[] = {1, 2, 3, 0, 4, 5, 6, 0};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 1,
                               .height = 2,
                               .bpp = 24,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {6, 5, 4, 3, 2, 1};
    expect_rgb(tsup_state_ctx(state), &s, 1, 2, want);
}

static void test_32bpp_rgb_ignores_fourth_byte(void **state)
{
    const uint8_t px[] = {3, 2, 1, 0, 30, 20, 10, 77};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 2,
                               .height = 1,
                               .bpp = 32,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {1, 2, 3, 10, 20, 30};
    expect_rgb(tsup_state_ctx(state), &s, 2, 1, want);
}

/* RGBA through the public API: composited over a black background. */
static void expect_alpha(void **state, const struct bmp_spec *s, const uint8_t *want, bool alpha)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct bmp_file f;
    bmp_build(&f, s);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.background_rgb = 0x000000;
    struct wy_decode_info info;
    struct wy_image *img = decode_with(ctx, &f, &opts, &info);
    assert_int_equal(info.has_alpha, alpha);
    assert_int_equal(img->format, WY_PIX_RGB8);
    assert_memory_equal(img->pixels, want, (size_t)img->width_px * 3);
    wy_image_free(ctx, img);
}

static void test_32bpp_v4_alpha(void **state)
{
    static const uint32_t masks[] = {0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000};
    /* Red at alpha 128 and opaque green. */
    const uint8_t px[] = {0, 0, 255, 128, 0, 255, 0, 255};
    const struct bmp_spec s = {.header_bytes = 108,
                               .width = 2,
                               .height = 1,
                               .bpp = 32,
                               .compression = 3,
                               .masks = masks,
                               .mask_count = 4,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {128, 0, 0, GRN};
    expect_alpha(state, &s, want, true);
}

static void test_32bpp_v5_blank_alpha_is_opaque(void **state)
{
    static const uint32_t masks[] = {0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000};
    const uint8_t px[] = {0, 0, 255, 0, 0, 255, 0, 0};
    const struct bmp_spec s = {.header_bytes = 124,
                               .width = 2,
                               .height = 1,
                               .bpp = 32,
                               .compression = 3,
                               .masks = masks,
                               .mask_count = 4,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {RED, GRN};
    expect_alpha(state, &s, want, true);
}

static void test_32bpp_alphabitfields_after_info_header(void **state)
{
    /* BI_ALPHABITFIELDS: four masks after a 40-byte header, in an unusual order (ABGR). */
    static const uint32_t masks[] = {0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000};
    const uint8_t px[] = {255, 0, 0, 255, 0, 0, 255, 0};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 2,
                               .height = 1,
                               .bpp = 32,
                               .compression = 6,
                               .masks = masks,
                               .mask_count = 4,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {RED, BLK};
    expect_alpha(state, &s, want, true);
}

static void test_32bpp_v3_masks_in_header(void **state)
{
    /* A V3 (56-byte) header holds the masks itself; no alpha mask set here. */
    static const uint32_t masks[] = {0x0000ff00, 0x00ff0000, 0xff000000, 0};
    const uint8_t px[] = {0, 1, 2, 3};
    const struct bmp_spec s = {.header_bytes = 56,
                               .width = 1,
                               .height = 1,
                               .bpp = 32,
                               .compression = 3,
                               .masks = masks,
                               .mask_count = 4,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {1, 2, 3};
    expect_rgb(tsup_state_ctx(state), &s, 1, 1, want);
}

static void test_rle8(void **state)
{
    /* Bottom row: a run of four 1s. Top row: literal 2,0,3 (padded) then one 1. */
    const uint8_t px[] = {4, 1, 0, 0, 0, 3, 2, 0, 3, 0, 1, 1, 0, 0, 0, 1};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 4,
                               .height = 2,
                               .bpp = 8,
                               .compression = 1,
                               .palette = pal4,
                               .palette_bytes = sizeof pal4,
                               .colors_used = 4,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {GRN, BLK, BLU, RED, RED, RED, RED, RED};
    expect_rgb(tsup_state_ctx(state), &s, 4, 2, want);
}

static void test_rle8_delta_leaves_entry_zero(void **state)
{
    /* One red pixel, then a delta of (2, 1) and one green pixel; the rest keeps entry 0. */
    const uint8_t px[] = {1, 1, 0, 2, 2, 1, 1, 2, 0, 1};
    struct bmp_spec s = {.header_bytes = 40,
                         .width = 4,
                         .height = 2,
                         .bpp = 8,
                         .compression = 1,
                         .palette = pal4,
                         .palette_bytes = sizeof pal4,
                         .colors_used = 4,
                         .pixels = px,
                         .pixel_bytes = sizeof px};
    const uint8_t want[] = {BLK, BLK, BLK, GRN, RED, BLK, BLK, BLK};
    expect_rgb(tsup_state_ctx(state), &s, 4, 2, want);
}

static void test_rle4(void **state)
{
    /* A run of 5 alternating 1,2 nibbles; then literal 3,1,2 (2 bytes, already even). */
    const uint8_t px[] = {5, 0x12, 0, 0, 0, 3, 0x31, 0x20, 0, 0, 0, 1};
    const struct bmp_spec s = {.header_bytes = 40,
                               .width = 5,
                               .height = 2,
                               .bpp = 4,
                               .compression = 2,
                               .palette = pal4,
                               .palette_bytes = sizeof pal4,
                               .colors_used = 4,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    const uint8_t want[] = {BLU, RED, GRN, BLK, BLK, RED, GRN, RED, GRN, RED};
    expect_rgb(tsup_state_ctx(state), &s, 5, 2, want);
}

static void test_rle_hostile(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct bmp_spec s = {.header_bytes = 40,
                         .width = 4,
                         .height = 2,
                         .bpp = 8,
                         .compression = 1,
                         .palette = pal4,
                         .palette_bytes = sizeof pal4,
                         .colors_used = 4};
    static const uint8_t run_past_row[] = {5, 1, 0, 1};
    static const uint8_t literal_past_row[] = {0, 6, 1, 1, 1, 1, 1, 1, 0, 1};
    static const uint8_t past_image[] = {0, 0, 0, 0, 0, 0, 1, 1, 0, 1};
    static const uint8_t delta_out[] = {0, 2, 5, 0, 0, 1};
    static const uint8_t delta_below[] = {0, 2, 0, 3, 0, 1};
    static const uint8_t truncated_literal[] = {0, 4, 1, 1};
    static const uint8_t no_end[] = {4, 1, 0, 0, 2, 1};
    static const uint8_t rle4_past_row[] = {9, 0x11, 0, 1};
    const struct {
        const uint8_t *px;
        size_t n;
    } cases[] = {{run_past_row, sizeof run_past_row},
                 {literal_past_row, sizeof literal_past_row},
                 {past_image, sizeof past_image},
                 {delta_out, sizeof delta_out},
                 {delta_below, sizeof delta_below},
                 {truncated_literal, sizeof truncated_literal},
                 {no_end, sizeof no_end}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s.pixels = cases[i].px;
        s.pixel_bytes = cases[i].n;
        expect_status(ctx, &s, WY_ECORRUPT);
    }
    s.bpp = 4;
    s.compression = 2;
    s.pixels = rle4_past_row;
    s.pixel_bytes = sizeof rle4_past_row;
    expect_status(ctx, &s, WY_ECORRUPT);
    /* A stream that ends after its last row without the end marker is complete. */
    static const uint8_t no_eob[] = {4, 1, 0, 0, 4, 2, 0, 0};
    s.bpp = 8;
    s.compression = 1;
    s.pixels = no_eob;
    s.pixel_bytes = sizeof no_eob;
    const uint8_t want[] = {GRN, GRN, GRN, GRN, RED, RED, RED, RED};
    expect_rgb(ctx, &s, 4, 2, want);
    /* RLE is bottom-up only. */
    s.height = -2;
    expect_status(ctx, &s, WY_ECORRUPT);
}

static void test_unsupported(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t px[] = {0xff, 0xd8, 0xff, 0xe0};
    struct bmp_spec s = {.header_bytes = 40,
                         .width = 1,
                         .height = 1,
                         .bpp = 24,
                         .compression = 4,
                         .pixels = px,
                         .pixel_bytes = sizeof px};
    expect_status(ctx, &s, WY_ENOTSUP); /* JPEG inside */
    s.compression = 5;
    expect_status(ctx, &s, WY_ENOTSUP); /* PNG inside */
    s.compression = 99;
    expect_status(ctx, &s, WY_ENOTSUP);
    s.compression = 0;
    s.header_bytes = 64; /* OS/2 2.x */
    expect_status(ctx, &s, WY_ENOTSUP);
}

static void test_bad_headers(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t px[] = {1, 2, 3, 0};
    struct bmp_spec s = {.header_bytes = 40,
                         .width = 1,
                         .height = 1,
                         .bpp = 24,
                         .pixels = px,
                         .pixel_bytes = sizeof px};
    s.width = -1;
    expect_status(ctx, &s, WY_ECORRUPT);
    s.width = 1;
    s.height = 0;
    expect_status(ctx, &s, WY_ECORRUPT);
    s.height = 1;
    s.bpp = 7;
    expect_status(ctx, &s, WY_ECORRUPT);
    s.bpp = 24;
    s.compression = 3; /* bit fields need 16 or 32 bits */
    expect_status(ctx, &s, WY_ECORRUPT);
    s.compression = 1; /* RLE8 needs 8 bits */
    expect_status(ctx, &s, WY_ECORRUPT);
    s.compression = 0;
    struct bmp_file f;
    bmp_build(&f, &s);
    put32(f.bytes + 10, (uint32_t)f.len); /* pixel offset at the very end */
    expect_status_bytes(ctx, file_bytes(&f), WY_ECORRUPT);
    put32(f.bytes + 10, 0xfffffff0u); /* and far beyond it */
    expect_status_bytes(ctx, file_bytes(&f), WY_ECORRUPT);
    bmp_build(&f, &s);
    put32(f.bytes + 14, 124); /* header claims more bytes than the file has */
    expect_status_bytes(ctx, file_bytes(&f), WY_ECORRUPT);
}

static void test_huge_sizes_fail_fast(void **state)
{
    (void)state;
    const uint8_t px[] = {1, 2, 3, 0};
    const struct bmp_spec s = {
        .header_bytes = 40, .bpp = 24, .pixels = px, .pixel_bytes = sizeof px};
    const struct {
        int32_t width;
        int32_t height;
    } sizes[] = {
        {100000, 100000},
        {20000, INT32_MIN}, /* top-down, 2^31 rows */
        {60000, -60000},    /* within the side limit, over max_pixels */
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        struct bmp_spec huge = s;
        huge.width = sizes[i].width;
        huge.height = sizes[i].height;
        struct bmp_file f;
        bmp_build(&f, &huge);
        tsup_expect_too_big(file_bytes(&f), NULL, "BMP: ", 0);
    }
}

/* No prefix of a valid file decodes; those long enough to sniff fail as corrupt. */
static void test_truncation(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t px[] = {1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0};
    const struct bmp_spec specs[] = {
        {.header_bytes = 40,
         .width = 2,
         .height = 2,
         .bpp = 24,
         .pixels = px,
         .pixel_bytes = sizeof px},
        {.header_bytes = 40,
         .width = 4,
         .height = 2,
         .bpp = 8,
         .compression = 1,
         .palette = pal4,
         .palette_bytes = sizeof pal4,
         .colors_used = 4,
         .pixels = (const uint8_t[]){4, 1, 0, 0, 0, 3, 2, 0, 3, 0, 1, 1, 0, 0, 0, 1},
         .pixel_bytes = 16},
    };
    const size_t sniff_bytes = 26; /* shorter, the bytes are not recognised as a BMP at all */
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        struct bmp_file f;
        bmp_build(&f, &specs[i]);
        assert_true(f.len - 2 > sniff_bytes);
        tsup_expect_prefixes(ctx, f.bytes, 1, sniff_bytes, WY_EFORMAT, NULL);
        tsup_expect_prefixes(ctx, f.bytes, sniff_bytes, f.len - 2, WY_ECORRUPT, NULL);
    }
}

static void test_oom_sweep(void **state)
{
    (void)state;
    static const uint32_t masks[] = {0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000};
    const uint8_t px[] = {0, 0, 255, 128, 0, 255, 0, 255};
    const struct bmp_spec s = {.header_bytes = 124,
                               .width = 2,
                               .height = 1,
                               .bpp = 32,
                               .compression = 3,
                               .masks = masks,
                               .mask_count = 4,
                               .pixels = px,
                               .pixel_bytes = sizeof px};
    struct bmp_file f;
    bmp_build(&f, &s);
    struct tsup_decode_case c = {f.bytes, f.len, NULL, false};
    tsup_oom_sweep(tsup_decode_once, &c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1bpp_bottom_up),
        cmocka_unit_test(test_4bpp_palette_colors_used),
        cmocka_unit_test(test_8bpp_top_down_and_index_past_palette),
        cmocka_unit_test(test_os2_core_header),
        cmocka_unit_test(test_os2_core_24bpp),
        cmocka_unit_test(test_16bpp_555),
        cmocka_unit_test(test_16bpp_565_bitfields),
        cmocka_unit_test(test_24bpp_padding),
        cmocka_unit_test(test_32bpp_rgb_ignores_fourth_byte),
        cmocka_unit_test(test_32bpp_v4_alpha),
        cmocka_unit_test(test_32bpp_v5_blank_alpha_is_opaque),
        cmocka_unit_test(test_32bpp_alphabitfields_after_info_header),
        cmocka_unit_test(test_32bpp_v3_masks_in_header),
        cmocka_unit_test(test_rle8),
        cmocka_unit_test(test_rle8_delta_leaves_entry_zero),
        cmocka_unit_test(test_rle4),
        cmocka_unit_test(test_rle_hostile),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_huge_sizes_fail_fast),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, tsup_setup_ctx, tsup_teardown_ctx);
}
