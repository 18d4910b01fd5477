/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decode_tiff.c: the libtiff backend. Fixtures are written in memory by libtiff itself
 * (through client callbacks over a growing buffer), covering RGB, grey, 16-bit, palette, alpha
 * (associated and not), LZW and deflate, tiles, several pages and every orientation; hostile
 * files are built by hand (a lying 100000x100000 header) or cut short.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tiffio.h>

#include "test_support.h"

/* ---- an in-memory file for libtiff to write into ---- */

struct memfile {
    uint8_t *buf;
    size_t len;
    size_t cap;
    size_t pos;
};

static tmsize_t mem_read(thandle_t h, void *dst, tmsize_t n)
{
    struct memfile *m = h;
    size_t k = m->pos < m->len ? m->len - m->pos : 0;
    k = (size_t)n < k ? (size_t)n : k;
    if (k > 0) {
        memcpy(dst, m->buf + m->pos, k);
    }
    m->pos += k;
    return (tmsize_t)k;
}

static tmsize_t mem_write(thandle_t h, void *src, tmsize_t n)
{
    struct memfile *m = h;
    const size_t end = m->pos + (size_t)n;
    if (end > m->cap) {
        m->cap = end * 2;
        m->buf = realloc(m->buf, m->cap);
        assert_non_null(m->buf);
    }
    if (m->pos > m->len) {
        memset(m->buf + m->len, 0, m->pos - m->len);
    }
    memcpy(m->buf + m->pos, src, (size_t)n);
    m->pos = end;
    m->len = end > m->len ? end : m->len;
    return n;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
    struct memfile *m = h;
    const size_t base = whence == SEEK_CUR ? m->pos : whence == SEEK_END ? m->len : 0;
    m->pos = base + (size_t)off;
    return m->pos;
}

static int mem_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t mem_size(thandle_t h)
{
    return ((struct memfile *)h)->len;
}

static int mem_map(thandle_t h, void **base, toff_t *size)
{
    (void)h;
    (void)base;
    (void)size;
    return 0;
}

static void mem_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h;
    (void)base;
    (void)size;
}

/* ---- fixture description ---- */

struct page {
    uint32_t width;
    uint32_t height;
    uint16_t spp;
    uint16_t bps;
    uint16_t photometric;
    uint16_t compression;
    uint16_t orientation; /* 0: no tag */
    uint16_t extra;       /* 0, EXTRASAMPLE_ASSOCALPHA or EXTRASAMPLE_UNASSALPHA */
    uint16_t sample_format;
    uint32_t tile;            /* 0: strips of two rows; else square tiles of this side */
    const uint16_t *colormap; /* 3 * (1 << bps) entries, for PHOTOMETRIC_PALETTE */
    const void *samples;      /* contiguous, row-major, native endian for 16 bits */
};

static size_t row_bytes(const struct page *p)
{
    return ((size_t)p->width * p->spp * p->bps + 7) / 8;
}

static void set_tags(TIFF *t, const struct page *p)
{
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, p->width);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, p->height);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, p->spp);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, p->bps);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, p->photometric);
    TIFFSetField(t, TIFFTAG_COMPRESSION, p->compression ? p->compression : COMPRESSION_NONE);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    if (p->compression == COMPRESSION_LZW || p->compression == COMPRESSION_ADOBE_DEFLATE) {
        TIFFSetField(t, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
    }
    if (p->orientation != 0) {
        TIFFSetField(t, TIFFTAG_ORIENTATION, p->orientation);
    }
    if (p->extra != 0) {
        const uint16_t extra[1] = {p->extra};
        TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, extra);
    }
    if (p->sample_format != 0) {
        TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, p->sample_format);
    }
    if (p->colormap != NULL) {
        const size_t n = (size_t)1 << p->bps;
        TIFFSetField(t, TIFFTAG_COLORMAP, p->colormap, p->colormap + n, p->colormap + 2 * n);
    }
}

static void write_tiles(TIFF *t, const struct page *p)
{
    TIFFSetField(t, TIFFTAG_TILEWIDTH, p->tile);
    TIFFSetField(t, TIFFTAG_TILELENGTH, p->tile);
    const size_t px_bytes = (size_t)p->spp * p->bps / 8;
    uint8_t *tile = calloc(1, TIFFTileSize(t));
    for (uint32_t ty = 0; ty < p->height; ty += p->tile) {
        for (uint32_t tx = 0; tx < p->width; tx += p->tile) {
            memset(tile, 0, TIFFTileSize(t));
            for (uint32_t y = ty; y < ty + p->tile && y < p->height; y++) {
                for (uint32_t x = tx; x < tx + p->tile && x < p->width; x++) {
                    memcpy(tile + ((y - ty) * p->tile + (x - tx)) * px_bytes,
                           (const uint8_t *)p->samples + y * row_bytes(p) + x * px_bytes, px_bytes);
                }
            }
            assert_true(TIFFWriteTile(t, tile, tx, ty, 0, 0) >= 0);
        }
    }
    free(tile);
}

static void write_page(TIFF *t, const struct page *p)
{
    set_tags(t, p);
    if (p->tile != 0) {
        write_tiles(t, p);
    } else {
        TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 2);
        uint8_t *row = malloc(row_bytes(p));
        for (uint32_t y = 0; y < p->height; y++) {
            memcpy(row, (const uint8_t *)p->samples + y * row_bytes(p), row_bytes(p));
            assert_int_equal(TIFFWriteScanline(t, row, y, 0), 1);
        }
        free(row);
    }
    assert_int_equal(TIFFWriteDirectory(t), 1);
}

/* Writes the pages into a malloc'd buffer (free with free()). */
static struct memfile write_tiff(const struct page *pages, size_t count)
{
    struct memfile m = {0};
    TIFF *t = TIFFClientOpen("fixture", "w", &m, mem_read, mem_write, mem_seek, mem_close, mem_size,
                             mem_map, mem_unmap);
    assert_non_null(t);
    for (size_t i = 0; i < count; i++) {
        write_page(t, &pages[i]);
    }
    TIFFClose(t);
    return m;
}

/* ---- decoding helpers ---- */

static struct wy_bytes mem_bytes(const struct memfile *m)
{
    return (struct wy_bytes){m->buf, m->len};
}

static struct wy_image *decode_page(struct wy_ctx *ctx, const struct page *p,
                                    const struct wy_decode_opts *opts, struct wy_decode_info *info)
{
    struct memfile m = write_tiff(p, 1);
    struct wy_image *img = NULL;
    struct wy_diag diag;
    const enum wy_status st = wy_decode_memory(ctx, mem_bytes(&m), opts, &img, info, &diag);
    free(m.buf);
    if (st != WY_OK) {
        fail_msg("decode failed: %s (%s)", wy_status_name(st), diag.msg);
    }
    assert_int_equal(info->format, WY_FORMAT_TIFF);
    return img;
}

static void expect_pixels(struct wy_ctx *ctx, const struct page *p, enum wy_pixel_format fmt,
                          const uint8_t *want)
{
    struct wy_decode_info info;
    struct wy_image *img = decode_page(ctx, p, NULL, &info);
    assert_int_equal(img->format, fmt);
    assert_int_equal(img->width_px, p->width);
    assert_int_equal(img->height_px, p->height);
    const size_t row = (size_t)p->width * (size_t)fmt;
    for (uint32_t y = 0; y < p->height; y++) {
        assert_memory_equal(wy_image_row(img, y), want + y * row, row);
    }
    wy_image_free(ctx, img);
}

static const uint8_t rgb_3x2[] = {255, 0,  0,  0,  255, 0,  0,  0,  255,
                                  10,  20, 30, 40, 50,  60, 70, 80, 90};

static void test_rgb_uncompressed(void **state)
{
    const struct page p = {.width = 3,
                           .height = 2,
                           .spp = 3,
                           .bps = 8,
                           .photometric = PHOTOMETRIC_RGB,
                           .samples = rgb_3x2};
    expect_pixels(tsup_state_ctx(state), &p, WY_PIX_RGB8, rgb_3x2);
}

static void test_rgb_lzw_and_deflate(void **state)
{
    struct page p = {.width = 3,
                     .height = 2,
                     .spp = 3,
                     .bps = 8,
                     .photometric = PHOTOMETRIC_RGB,
                     .compression = COMPRESSION_LZW,
                     .samples = rgb_3x2};
    expect_pixels(tsup_state_ctx(state), &p, WY_PIX_RGB8, rgb_3x2);
    p.compression = COMPRESSION_ADOBE_DEFLATE;
    expect_pixels(tsup_state_ctx(state), &p, WY_PIX_RGB8, rgb_3x2);
    p.compression = COMPRESSION_PACKBITS;
    expect_pixels(tsup_state_ctx(state), &p, WY_PIX_RGB8, rgb_3x2);
}

static void test_gray_min_is_black_and_white(void **state)
{
    const uint8_t g[] = {0, 100, 255, 7};
    struct page p = {.width = 2,
                     .height = 2,
                     .spp = 1,
                     .bps = 8,
                     .photometric = PHOTOMETRIC_MINISBLACK,
                     .samples = g};
    expect_pixels(tsup_state_ctx(state), &p, WY_PIX_GRAY8, g);
    p.photometric = PHOTOMETRIC_MINISWHITE;
    const uint8_t inverted[] = {255, 155, 0, 248};
    expect_pixels(tsup_state_ctx(state), &p, WY_PIX_GRAY8, inverted);
}

static void test_16bit_rgb_and_gray(void **state)
{
    /* Multiples of 257 map exactly to 8 bits whatever the rounding. */
    const uint16_t rgb[] = {0xffff, 0x0000, 0x1212, 0x8080, 0x0101, 0xfefe};
    const struct page p = {.width = 2,
                           .height = 1,
                           .spp = 3,
                           .bps = 16,
                           .photometric = PHOTOMETRIC_RGB,
                           .samples = rgb};
    const uint8_t want[] = {0xff, 0x00, 0x12, 0x80, 0x01, 0xfe};
    expect_pixels(tsup_state_ctx(state), &p, WY_PIX_RGB8, want);
    const uint16_t gray[] = {0xabab, 0x0000, 0xffff};
    const struct page g = {.width = 3,
                           .height = 1,
                           .spp = 1,
                           .bps = 16,
                           .photometric = PHOTOMETRIC_MINISBLACK,
                           .compression = COMPRESSION_ADOBE_DEFLATE,
                           .samples = gray};
    const uint8_t gwant[] = {0xab, 0x00, 0xff};
    expect_pixels(tsup_state_ctx(state), &g, WY_PIX_GRAY8, gwant);
}

static void test_palette(void **state)
{
    static uint16_t map[3 * 256];
    map[1] = 0xffff;       /* entry 1: red */
    map[256 + 2] = 0xffff; /* entry 2: green */
    map[512 + 3] = 0x8080; /* entry 3: half blue */
    const uint8_t idx[] = {1, 2, 3, 0};
    const struct page p = {.width = 4,
                           .height = 1,
                           .spp = 1,
                           .bps = 8,
                           .photometric = PHOTOMETRIC_PALETTE,
                           .colormap = map,
                           .samples = idx};
    const uint8_t want[] = {255, 0, 0, 0, 255, 0, 0, 0, 0x80, 0, 0, 0};
    expect_pixels(tsup_state_ctx(state), &p, WY_PIX_RGB8, want);
}

static void test_tiled(void **state)
{
    uint8_t px[20 * 18 * 3];
    for (size_t i = 0; i < sizeof px; i++) {
        px[i] = (uint8_t)(i * 7);
    }
    const struct page p = {.width = 20,
                           .height = 18,
                           .spp = 3,
                           .bps = 8,
                           .photometric = PHOTOMETRIC_RGB,
                           .compression = COMPRESSION_LZW,
                           .tile = 16,
                           .samples = px};
    expect_pixels(tsup_state_ctx(state), &p, WY_PIX_RGB8, px);
}

/* Decodes one pixel with alpha over a black background. */
static void expect_alpha(void **state, const struct page *p, const uint8_t *want, size_t n)
{
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.background_rgb = 0;
    struct wy_decode_info info;
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_image *img = decode_page(ctx, p, &opts, &info);
    assert_true(info.has_alpha);
    assert_int_equal(img->format, n == 1 ? WY_PIX_GRAY8 : WY_PIX_RGB8);
    for (size_t i = 0; i < n; i++) {
        /* Premultiplying and dividing back can cost one step of rounding. */
        if (abs((int)img->pixels[i] - (int)want[i]) > 1) {
            fail_msg("channel %zu: got %u, expected %u", i, img->pixels[i], want[i]);
        }
    }
    wy_image_free(ctx, img);
}

static void test_alpha(void **state)
{
    /* (200, 100, 50) at alpha 100 over black: round(c * 100 / 255). */
    const uint8_t want[] = {78, 39, 20};
    const uint8_t straight[] = {200, 100, 50, 100};
    struct page p = {.width = 1,
                     .height = 1,
                     .spp = 4,
                     .bps = 8,
                     .photometric = PHOTOMETRIC_RGB,
                     .extra = EXTRASAMPLE_UNASSALPHA,
                     .samples = straight};
    expect_alpha(state, &p, want, 3);
    const uint8_t premultiplied[] = {78, 39, 20, 100};
    p.extra = EXTRASAMPLE_ASSOCALPHA;
    p.samples = premultiplied;
    expect_alpha(state, &p, want, 3);
    const uint8_t gray[] = {200, 100};
    const struct page g = {.width = 1,
                           .height = 1,
                           .spp = 2,
                           .bps = 8,
                           .photometric = PHOTOMETRIC_MINISBLACK,
                           .extra = EXTRASAMPLE_UNASSALPHA,
                           .samples = gray};
    expect_alpha(state, &g, want, 1);
}

/* A 3x2 image whose every pixel is distinct, to follow it through each orientation. */
static const uint8_t orient_px[] = {1, 2, 3, 4, 5, 6};

static void test_orientation(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    for (uint16_t o = 1; o <= 8; o++) {
        const struct page p = {.width = 3,
                               .height = 2,
                               .spp = 1,
                               .bps = 8,
                               .photometric = PHOTOMETRIC_MINISBLACK,
                               .orientation = o,
                               .samples = orient_px};
        /* Raw: the stored rows exactly, whatever the tag says. */
        struct wy_decode_opts opts;
        wy_decode_opts_init(&opts);
        opts.raw_orientation = true;
        struct wy_decode_info info;
        struct wy_image *img = decode_page(ctx, &p, &opts, &info);
        assert_int_equal(info.orientation, o);
        assert_int_equal(img->width_px, 3);
        assert_int_equal(img->height_px, 2);
        assert_memory_equal(img->pixels, orient_px, 6);
        wy_image_free(ctx, img);
    }
    /* Orientation 6: rotate 90 degrees clockwise for display. */
    const struct page p6 = {.width = 3,
                            .height = 2,
                            .spp = 1,
                            .bps = 8,
                            .photometric = PHOTOMETRIC_MINISBLACK,
                            .orientation = 6,
                            .samples = orient_px};
    struct wy_decode_info info;
    struct wy_image *img = decode_page(ctx, &p6, NULL, &info);
    assert_int_equal(info.width_px, 2);
    assert_int_equal(info.height_px, 3);
    assert_int_equal(img->width_px, 2);
    assert_int_equal(img->height_px, 3);
    const uint8_t rotated[] = {4, 1, 5, 2, 6, 3};
    assert_memory_equal(img->pixels, rotated, 6);
    wy_image_free(ctx, img);
    /* Orientation 3: 180 degrees. */
    struct page p3 = p6;
    p3.orientation = 3;
    img = decode_page(ctx, &p3, NULL, &info);
    const uint8_t turned[] = {6, 5, 4, 3, 2, 1};
    assert_memory_equal(img->pixels, turned, 6);
    wy_image_free(ctx, img);
}

static void test_first_page_only(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const uint8_t one[] = {9};
    const struct page pages[] = {
        {.width = 1,
         .height = 1,
         .spp = 1,
         .bps = 8,
         .photometric = PHOTOMETRIC_MINISBLACK,
         .samples = one},
        {.width = 3,
         .height = 2,
         .spp = 3,
         .bps = 8,
         .photometric = PHOTOMETRIC_RGB,
         .samples = rgb_3x2},
    };
    struct memfile m = write_tiff(pages, 2);
    struct wy_image *img = NULL;
    assert_int_equal(wy_decode_memory(ctx, mem_bytes(&m), NULL, &img, NULL, NULL), WY_OK);
    assert_int_equal(img->width_px, 1);
    assert_int_equal(img->pixels[0], 9);
    wy_image_free(ctx, img);
    free(m.buf);
}

#define expect_status(ctx, data, want)                                                             \
    tsup_expect_status((ctx), (data), NULL, false, (want), "TIFF: ")

static void test_float_samples_unsupported(void **state)
{
    const float f[] = {0.5f, 1.0f};
    const struct page p = {.width = 2,
                           .height = 1,
                           .spp = 1,
                           .bps = 32,
                           .photometric = PHOTOMETRIC_MINISBLACK,
                           .sample_format = SAMPLEFORMAT_IEEEFP,
                           .samples = f};
    struct memfile m = write_tiff(&p, 1);
    expect_status(tsup_state_ctx(state), mem_bytes(&m), WY_ENOTSUP);
    free(m.buf);
}

/* A little-endian TIFF with one IFD of SHORT/LONG entries, written by hand so it can lie. */
static size_t tiny_tiff(uint8_t *out, uint32_t width, uint32_t height)
{
    static const uint16_t tags[] = {256, 257, 258, 259, 262, 273, 277, 278, 279};
    const uint32_t values[] = {width, height, 8, 1, 1, 8 + 2 + 9 * 12 + 4, 1, height, 4};
    memcpy(out, "II*\0\x08\0\0\0", 8);
    uint8_t *ifd = out + 8;
    ifd[0] = 9;
    ifd[1] = 0;
    for (size_t i = 0; i < 9; i++) {
        uint8_t *e = ifd + 2 + 12 * i;
        memset(e, 0, 12);
        e[0] = (uint8_t)tags[i];
        e[1] = (uint8_t)(tags[i] >> 8);
        e[2] = 4; /* LONG */
        e[4] = 1; /* count */
        for (int b = 0; b < 4; b++) {
            e[8 + b] = (uint8_t)(values[i] >> (8 * b));
        }
    }
    memset(ifd + 2 + 9 * 12, 0, 4); /* no next IFD */
    memset(ifd + 2 + 9 * 12 + 4, 0x80, 4);
    return 8 + 2 + 9 * 12 + 4 + 4;
}

static void test_hand_built_and_lying_header(void **state)
{
    (void)state;
    struct tsup_alloc a;
    struct wy_ctx *ctx = tsup_ctx_new(&a);
    uint8_t buf[256];
    size_t n = tiny_tiff(buf, 2, 2);
    struct wy_image *img = NULL;
    assert_int_equal(wy_decode_memory(ctx, (struct wy_bytes){buf, n}, NULL, &img, NULL, NULL),
                     WY_OK);
    assert_int_equal(img->pixels[0], 0x80);
    wy_image_free(ctx, img);
    tsup_ctx_free_checked(ctx, &a);
    n = tiny_tiff(buf, 100000, 100000);
    /* Only the backend's small state block: nothing proportional to the claimed size. */
    tsup_expect_too_big(((struct wy_bytes){buf, n}), NULL, "TIFF: ", 1);
}

static void test_corrupt(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* An IFD offset pointing past the end. */
    expect_status(ctx, ((struct wy_bytes){(const uint8_t *)"II*\0\xff\xff\0\0", 8}), WY_ECORRUPT);
    expect_status(ctx, ((struct wy_bytes){(const uint8_t *)"MM\0*\0\0\0\x08\0", 9}), WY_ECORRUPT);
    /* Strip data cut short: claimed 4 bytes, only 2 left in the file. */
    uint8_t buf[256];
    const size_t n = tiny_tiff(buf, 2, 2);
    expect_status(ctx, ((struct wy_bytes){buf, n - 2}), WY_ECORRUPT);
}

/* Every prefix of real files fails cleanly: no crash, no leak, no invented success. */
static void test_truncation(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const struct page pages[] = {
        {.width = 3,
         .height = 2,
         .spp = 3,
         .bps = 8,
         .photometric = PHOTOMETRIC_RGB,
         .compression = COMPRESSION_LZW,
         .samples = rgb_3x2},
        {.width = 3,
         .height = 2,
         .spp = 3,
         .bps = 8,
         .photometric = PHOTOMETRIC_RGB,
         .compression = COMPRESSION_ADOBE_DEFLATE,
         .samples = rgb_3x2},
    };
    for (size_t i = 0; i < 2; i++) {
        struct memfile m = write_tiff(&pages[i], 1);
        for (size_t len = 1; len < m.len; len++) {
            struct wy_image *img = NULL;
            const enum wy_status st =
                wy_decode_memory(ctx, (struct wy_bytes){m.buf, len}, NULL, &img, NULL, NULL);
            if (st == WY_OK) {
                /* libtiff writes the IFD after the strips: only a cut inside padding or
                 * unused tag bytes may survive, and then the pixels must be exact. */
                assert_memory_equal(img->pixels, rgb_3x2, sizeof rgb_3x2);
                wy_image_free(ctx, img);
            }
        }
        free(m.buf);
    }
}

static void test_oom_sweep(void **state)
{
    (void)state;
    const struct page p = {.width = 3,
                           .height = 2,
                           .spp = 3,
                           .bps = 8,
                           .photometric = PHOTOMETRIC_RGB,
                           .orientation = 6,
                           .compression = COMPRESSION_LZW,
                           .samples = rgb_3x2};
    struct memfile m = write_tiff(&p, 1);
    struct tsup_decode_case c = {m.buf, m.len, NULL, false};
    tsup_oom_sweep(tsup_decode_once, &c);
    free(m.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rgb_uncompressed),
        cmocka_unit_test(test_rgb_lzw_and_deflate),
        cmocka_unit_test(test_gray_min_is_black_and_white),
        cmocka_unit_test(test_16bit_rgb_and_gray),
        cmocka_unit_test(test_palette),
        cmocka_unit_test(test_tiled),
        cmocka_unit_test(test_alpha),
        cmocka_unit_test(test_orientation),
        cmocka_unit_test(test_first_page_only),
        cmocka_unit_test(test_float_samples_unsupported),
        cmocka_unit_test(test_hand_built_and_lying_header),
        cmocka_unit_test(test_corrupt),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, tsup_setup_ctx, tsup_teardown_ctx);
}
