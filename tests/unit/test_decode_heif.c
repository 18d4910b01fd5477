/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_decode_heif.c: the libheif backend. Fixtures are encoded in memory with libheif's own
 * encoders (x265 for HEIC, libaom for AVIF; Debian 12's libheif1 has both built in), so the
 * pixels are lossy: tests compare colours of flat regions within a tolerance. Covered: HEIC and
 * AVIF, alpha, 10-bit HEIC reduced to 8 bits, irot orientation applied by libheif (and ignored
 * with raw_orientation), limits checked before decoding, a lying ispe box, truncation, garbage,
 * and every allocation failure. A build without libheif checks the stub's status instead.
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#ifdef WY_HAVE_HEIF

#include <libheif/heif.h>

/*
 * Each x265 encode (fixtures only: the decoder never loads an encoder) leaks about 1 KiB inside
 * libx265 3.5 as driven by libheif 1.15. LeakSanitizer reads this hook, when it runs, to ignore
 * that one known leak; without a sanitizer it is never called.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:x265_malloc\n";
}

/* ---- fixtures ---- */

struct memout {
    uint8_t *buf;
    size_t len;
};

static struct heif_error collect(struct heif_context *ctx, const void *data, size_t size,
                                 void *user)
{
    (void)ctx;
    struct memout *m = user;
    m->buf = realloc(m->buf, m->len + size);
    assert_non_null(m->buf);
    memcpy(m->buf + m->len, data, size);
    m->len += size;
    return (struct heif_error){heif_error_Ok, heif_suberror_Unspecified, "ok"};
}

/* The picture every fixture shows: left half red, right half blue (alpha 0 on the right). */
static void fill_8bit(struct heif_image *img, int w, int h, bool alpha)
{
    int stride = 0;
    uint8_t *p = heif_image_get_plane(img, heif_channel_interleaved, &stride);
    const int ch = alpha ? 4 : 3;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint8_t *px = p + (size_t)y * (size_t)stride + (size_t)(x * ch);
            const bool left = x < w / 2;
            px[0] = left ? 220 : 20;
            px[1] = 30;
            px[2] = left ? 20 : 220;
            if (alpha) {
                px[3] = left ? 255 : 0;
            }
        }
    }
}

/* The same picture as 10-bit planar RGB (values 0..1023). */
static void fill_10bit(struct heif_image *img, int w, int h)
{
    const enum heif_channel chans[3] = {heif_channel_R, heif_channel_G, heif_channel_B};
    for (int c = 0; c < 3; c++) {
        assert_int_equal(heif_image_add_plane(img, chans[c], w, h, 10).code, heif_error_Ok);
        int stride = 0;
        uint8_t *p = heif_image_get_plane(img, chans[c], &stride);
        for (int y = 0; y < h; y++) {
            uint16_t *row = (uint16_t *)(void *)(p + (size_t)y * (size_t)stride);
            for (int x = 0; x < w; x++) {
                const bool left = x < w / 2;
                const uint16_t v8 = c == 1 ? 30 : (uint16_t)((left == (c == 0)) ? 220 : 20);
                row[x] = (uint16_t)(v8 * 1023 / 255);
            }
        }
    }
}

struct fixture {
    enum heif_compression_format codec;
    int width;
    int height;
    bool alpha;
    bool ten_bit;
    int orientation; /* 1..8 */
};

static struct heif_image *make_image(const struct fixture *f)
{
    struct heif_image *img = NULL;
    if (f->ten_bit) {
        assert_int_equal(
            heif_image_create(f->width, f->height, heif_colorspace_RGB, heif_chroma_444, &img).code,
            heif_error_Ok);
        fill_10bit(img, f->width, f->height);
        return img;
    }
    const enum heif_chroma chroma =
        f->alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB;
    assert_int_equal(heif_image_create(f->width, f->height, heif_colorspace_RGB, chroma, &img).code,
                     heif_error_Ok);
    assert_int_equal(
        heif_image_add_plane(img, heif_channel_interleaved, f->width, f->height, 8).code,
        heif_error_Ok);
    fill_8bit(img, f->width, f->height, f->alpha);
    return img;
}

/* Encodes a fixture; returns false when this libheif has no encoder for the codec. */
static bool encode(const struct fixture *f, struct memout *out)
{
    memset(out, 0, sizeof *out);
    if (!heif_have_encoder_for_format(f->codec)) {
        return false;
    }
    struct heif_context *ctx = heif_context_alloc();
    struct heif_encoder *enc = NULL;
    assert_int_equal(heif_context_get_encoder_for_format(ctx, f->codec, &enc).code, heif_error_Ok);
    heif_encoder_set_lossy_quality(enc, 90);
    struct heif_image *img = make_image(f);
    struct heif_encoding_options *opts = heif_encoding_options_alloc();
    opts->image_orientation = (enum heif_orientation)f->orientation;
    const struct heif_error err = heif_context_encode_image(ctx, img, enc, opts, NULL);
    heif_encoding_options_free(opts);
    heif_image_release(img);
    heif_encoder_release(enc);
    if (err.code != heif_error_Ok) {
        heif_context_free(ctx);
        fail_msg("encoding failed: %s", err.message);
    }
    struct heif_writer writer = {1, collect};
    assert_int_equal(heif_context_write(ctx, &writer, out).code, heif_error_Ok);
    heif_context_free(ctx);
    return true;
}

static void encode_or_fail(const struct fixture *f, struct memout *out)
{
    if (!encode(f, out)) {
        fail_msg("no encoder for codec %d: install Debian's libheif1 (x265 and aom built in)",
                 (int)f->codec);
    }
}

/* ---- checks ---- */

static struct wy_bytes out_bytes(const struct memout *m)
{
    return (struct wy_bytes){m->buf, m->len};
}

/* Mean of one channel over a small square centred on (cx, cy). */
static int mean_at(const struct wy_image *img, uint32_t cx, uint32_t cy, unsigned c)
{
    unsigned sum = 0;
    for (uint32_t y = cy - 2; y <= cy + 2; y++) {
        for (uint32_t x = cx - 2; x <= cx + 2; x++) {
            sum += wy_image_row(img, y)[x * (uint32_t)img->format + c];
        }
    }
    return (int)(sum / 25u);
}

static void assert_colour(const struct wy_image *img, uint32_t x, uint32_t y, int r, int g, int b)
{
    const int want[3] = {r, g, b};
    for (unsigned c = 0; c < 3; c++) {
        const int got = mean_at(img, x, y, c);
        if (abs(got - want[c]) > 12) {
            fail_msg("pixel (%u, %u) channel %u: got %d, expected about %d", x, y, c, got, want[c]);
        }
    }
}

static struct wy_image *decode_ok(struct wy_ctx *ctx, const struct memout *m,
                                  const struct wy_decode_opts *opts, struct wy_decode_info *info)
{
    struct wy_image *img = NULL;
    struct wy_diag diag;
    const enum wy_status st = wy_decode_memory(ctx, out_bytes(m), opts, &img, info, &diag);
    if (st != WY_OK) {
        fail_msg("decode failed: %s (%s)", wy_status_name(st), diag.msg);
    }
    assert_int_equal(info->format, WY_FORMAT_HEIF);
    assert_int_equal(info->orientation, 1); /* libheif applies transforms itself */
    assert_int_equal(img->format, WY_PIX_RGB8);
    return img;
}

/* The luma bit depth the fixture was really encoded with. */
static int stored_bits(const struct memout *m)
{
    struct heif_context *c = heif_context_alloc();
    struct heif_image_handle *h = NULL;
    assert_int_equal(heif_context_read_from_memory_without_copy(c, m->buf, m->len, NULL).code,
                     heif_error_Ok);
    assert_int_equal(heif_context_get_primary_image_handle(c, &h).code, heif_error_Ok);
    const int bits = heif_image_handle_get_luma_bits_per_pixel(h);
    heif_image_handle_release(h);
    heif_context_free(c);
    return bits;
}

/* Left red, right blue, at the given size. */
static void check_plain(void **state, enum heif_compression_format codec, bool ten_bit)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const struct fixture f = {codec, 64, 32, false, ten_bit, 1};
    struct memout m;
    encode_or_fail(&f, &m);
    assert_int_equal(wy_decode_sniff(out_bytes(&m)), WY_FORMAT_HEIF);
    assert_int_equal(stored_bits(&m), ten_bit ? 10 : 8);
    struct wy_decode_info info;
    struct wy_image *img = decode_ok(ctx, &m, NULL, &info);
    assert_int_equal(img->width_px, 64);
    assert_int_equal(img->height_px, 32);
    assert_int_equal(info.width_px, 64);
    assert_false(info.has_alpha);
    assert_colour(img, 12, 16, 220, 30, 20);
    assert_colour(img, 52, 16, 20, 30, 220);
    wy_image_free(ctx, img);
    free(m.buf);
}

static void test_heic(void **state)
{
    check_plain(state, heif_compression_HEVC, false);
}

static void test_avif(void **state)
{
    check_plain(state, heif_compression_AV1, false);
}

/* 10-bit input goes through x265 (Main 10): libaom 3.6 as driven by libheif 1.15 aborts on
 * high-bit-depth RGB input (an assertion in write_color_config). */
static void test_heic_10bit_comes_out_8bit(void **state)
{
    check_plain(state, heif_compression_HEVC, true);
}

static void test_alpha_composited(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const struct fixture f = {heif_compression_HEVC, 64, 32, true, false, 1};
    struct memout m;
    encode_or_fail(&f, &m);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.background_rgb = 0x00ff00;
    struct wy_decode_info info;
    struct wy_image *img = decode_ok(ctx, &m, &opts, &info);
    assert_true(info.has_alpha);
    assert_colour(img, 12, 16, 220, 30, 20);
    assert_colour(img, 52, 16, 0, 255, 0); /* transparent: the background shows */
    wy_image_free(ctx, img);
    free(m.buf);
}

static void test_orientation(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* Stored 64x32 red|blue; orientation 6 displays it rotated 90 degrees clockwise, so the
     * red (left) half ends up on top. */
    const struct fixture f = {heif_compression_HEVC, 64, 32, false, false, 6};
    struct memout m;
    encode_or_fail(&f, &m);
    struct wy_decode_info info;
    struct wy_image *img = decode_ok(ctx, &m, NULL, &info);
    assert_int_equal(img->width_px, 32);
    assert_int_equal(img->height_px, 64);
    assert_int_equal(info.width_px, 32);
    assert_int_equal(info.height_px, 64);
    assert_colour(img, 16, 12, 220, 30, 20);
    assert_colour(img, 16, 52, 20, 30, 220);
    wy_image_free(ctx, img);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.raw_orientation = true;
    img = decode_ok(ctx, &m, &opts, &info);
    assert_int_equal(img->width_px, 64);
    assert_int_equal(img->height_px, 32);
    assert_int_equal(info.width_px, 64);
    assert_colour(img, 12, 16, 220, 30, 20);
    wy_image_free(ctx, img);
    free(m.buf);
}

#define expect_status(ctx, data, opts, want)                                                       \
    tsup_expect_status((ctx), (data), (opts), false, (want), "HEIF: ")

static uint8_t *find(uint8_t *hay, size_t len, const char *four)
{
    for (size_t i = 0; i + 4 <= len; i++) {
        if (memcmp(hay + i, four, 4) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

static void test_limits_before_decoding(void **state)
{
    (void)state;
    struct tsup_alloc a;
    struct wy_ctx *ctx = tsup_ctx_new(&a);
    const struct fixture f = {heif_compression_HEVC, 64, 32, false, false, 1};
    struct memout m;
    encode_or_fail(&f, &m);
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.max_pixels = 64 * 32 - 1;
    expect_status(ctx, out_bytes(&m), &opts, WY_ETOOBIG);
    tsup_ctx_free_checked(ctx, &a);
    /* A lying ispe box: 100000x100000. */
    uint8_t *ispe = find(m.buf, m.len, "ispe");
    assert_non_null(ispe);
    const uint8_t huge[8] = {0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0};
    memcpy(ispe + 8, huge, sizeof huge);
    tsup_expect_too_big(out_bytes(&m), NULL, "HEIF: ", 0);
    free(m.buf);
}

static void test_corrupt_and_truncated(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* An ftyp box naming HEIC, then nothing useful. */
    static const uint8_t junk[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h',  'e', 'i', 'c',
                                   0, 0, 0, 0,  'm', 'i', 'f', '1', 'h',  'e', 'i', 'c',
                                   0, 0, 0, 8,  'm', 'e', 't', 'a', 0xde, 0xad};
    expect_status(ctx, ((struct wy_bytes){junk, sizeof junk}), NULL, WY_ECORRUPT);
    const struct fixture f = {heif_compression_HEVC, 64, 32, false, false, 1};
    struct memout m;
    encode_or_fail(&f, &m);
    /* Cuts through the container and through the coded data. */
    const size_t cuts[] = {16, 40, m.len / 4, m.len / 2, m.len - 40, m.len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        expect_status(ctx, ((struct wy_bytes){m.buf, cuts[i]}), NULL, TSUP_ANY_ERROR);
    }
    free(m.buf);
}

static void test_oom_sweep(void **state)
{
    (void)state;
    const struct fixture f = {heif_compression_HEVC, 32, 16, true, false, 1};
    struct memout m;
    encode_or_fail(&f, &m);
    struct tsup_decode_case c = {m.buf, m.len, NULL, false};
    tsup_oom_sweep(tsup_decode_once, &c);
    free(m.buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_heic),
        cmocka_unit_test(test_avif),
        cmocka_unit_test(test_heic_10bit_comes_out_8bit),
        cmocka_unit_test(test_alpha_composited),
        cmocka_unit_test(test_orientation),
        cmocka_unit_test(test_limits_before_decoding),
        cmocka_unit_test(test_corrupt_and_truncated),
        cmocka_unit_test(test_oom_sweep),
    };
    return cmocka_run_group_tests(tests, tsup_setup_ctx, tsup_teardown_ctx);
}

#else /* !WY_HAVE_HEIF */

static void test_stub(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const uint8_t heic[] = {0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c',
                                   0, 0, 0, 0,  'm', 'i', 'f', '1', 'h', 'e', 'i', 'c'};
    struct wy_image *img = NULL;
    struct wy_diag diag;
    assert_false(wy_decode_supported(WY_FORMAT_HEIF));
    assert_int_equal(
        wy_decode_memory(ctx, (struct wy_bytes){heic, sizeof heic}, NULL, &img, NULL, &diag),
        WY_ENOTSUP);
    assert_string_equal(diag.msg, "HEIF: not supported by this build");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stub),
    };
    return cmocka_run_group_tests(tests, tsup_setup_ctx, tsup_teardown_ctx);
}

#endif /* WY_HAVE_HEIF */
