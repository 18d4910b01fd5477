/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_png.c: PNG through libspng, decoding from memory.
 *
 * libspng was chosen over libpng for its plain error codes (no longjmp) and its built-in limits
 * on image size, chunk size and chunk cache, which bound what a hostile file can make it keep.
 * The IHDR is read and checked with wy__decode_check_size() before anything proportional to the
 * image is allocated. 8-bit output is decoded progressively, row by row, straight into the
 * wy_image (interlaced images too: spng places each pass's pixels in the row it names). 16-bit
 * samples are narrowed here, rounding v / 257 to nearest as ImageMagick does, rather than by
 * spng's truncating shift, so that hashes agree with Meta's reference pipeline.
 *
 * Colour management is deliberately absent: gAMA, cHRM, sRGB and iCCP are read by spng and
 * ignored, and the stored sample values are hashed. The PDQ reference hashes what ImageMagick's
 * `convert` hands it, which is also the stored values, so applying gamma would break
 * bit-exactness while buying nothing for matching.
 */
#include "wy_setup.h"

#include <string.h>

#include <spng.h>

#include "decode/decode_int.h"

/* No legitimate ancillary chunk (iCCP, eXIf, text) comes near these; they cap what spng keeps
 * in memory for chunks we never look at. */
#define PNG_MAX_CHUNK_BYTES ((size_t)16 << 20)
#define PNG_MAX_CHUNK_CACHE_BYTES ((size_t)64 << 20)

/* How spng is asked to decode, and what withyou emits. */
struct png_plan {
    int spng_fmt;
    int spng_flags;
    enum wy_pixel_format format;
    bool wide; /* spng delivers 16-bit host-endian samples, narrowed here */
};

/* The largest side the PNG format allows (2^31 - 1). */
#define PNG_MAX_SIDE_PX 0x7fffffffu

struct png_state {
    spng_ctx *sp;
    struct spng_ihdr ihdr;
    struct png_plan plan;
    struct wy_image *img;
    uint16_t *wide_rows; /* 16-bit scratch: one row, or the whole image when interlaced */
    size_t wide_row_samples;
};

static enum wy_status png_fail(struct wy__decode_job *job, int err, const char *when)
{
    enum wy_status st = WY_ECORRUPT;
    if (err == SPNG_EMEM) {
        st = WY_ENOMEM;
    } else if (err == SPNG_EUSER_WIDTH || err == SPNG_EUSER_HEIGHT || err == SPNG_ECHUNK_LIMITS) {
        st = WY_ETOOBIG;
    }
    wy__diag_set(job->diag, -1, err, "PNG: %s (%s)", spng_strerror(err), when);
    return st;
}

static enum wy_pixel_format format_of_color_type(uint8_t color_type)
{
    switch (color_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE:
        return WY_PIX_GRAY8;
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA:
        return WY_PIX_GRAYA8;
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA:
        return WY_PIX_RGBA8;
    default:
        return WY_PIX_RGB8;
    }
}

/*
 * Gray stays gray and nothing gains channels it does not need. tRNS (a colour key, or palette
 * alpha) is the one case where spng must expand: it applies the key only when converting to a
 * format with alpha. spng's G8/GA8 outputs exist only for gray up to 8 bits.
 */
static struct png_plan choose_plan(const struct spng_ihdr *ihdr, bool has_trns)
{
    const uint8_t ct = ihdr->color_type;
    if (ct == SPNG_COLOR_TYPE_INDEXED) {
        return has_trns ? (struct png_plan){SPNG_FMT_RGBA8, SPNG_DECODE_TRNS, WY_PIX_RGBA8, false}
                        : (struct png_plan){SPNG_FMT_RGB8, 0, WY_PIX_RGB8, false};
    }
    const bool keyed =
        has_trns && (ct == SPNG_COLOR_TYPE_GRAYSCALE || ct == SPNG_COLOR_TYPE_TRUECOLOR);
    if (ihdr->bit_depth == 16) {
        return keyed ? (struct png_plan){SPNG_FMT_RGBA16, SPNG_DECODE_TRNS, WY_PIX_RGBA8, true}
                     : (struct png_plan){SPNG_FMT_PNG, 0, format_of_color_type(ct), true};
    }
    switch (ct) {
    case SPNG_COLOR_TYPE_GRAYSCALE:
        return keyed ? (struct png_plan){SPNG_FMT_GA8, SPNG_DECODE_TRNS, WY_PIX_GRAYA8, false}
                     : (struct png_plan){SPNG_FMT_G8, 0, WY_PIX_GRAY8, false};
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA:
        return (struct png_plan){SPNG_FMT_PNG, 0, WY_PIX_GRAYA8, false};
    case SPNG_COLOR_TYPE_TRUECOLOR:
        return keyed ? (struct png_plan){SPNG_FMT_RGBA8, SPNG_DECODE_TRNS, WY_PIX_RGBA8, false}
                     : (struct png_plan){SPNG_FMT_RGB8, 0, WY_PIX_RGB8, false};
    default:
        return (struct png_plan){SPNG_FMT_RGBA8, 0, WY_PIX_RGBA8, false};
    }
}

/* Reads the header, checks the size against our limits and settles the output format. */
static enum wy_status read_header(struct wy__decode_job *job, struct png_state *s)
{
    int err = spng_set_png_buffer(s->sp, job->data.ptr, job->data.len);
    if (err == 0) {
        /* spng's own limits stay at PNG's maximum: wy__decode_check_size() runs right after
         * the IHDR is read and names the size in its message, which spng's error would not. */
        err = spng_set_image_limits(s->sp, PNG_MAX_SIDE_PX, PNG_MAX_SIDE_PX);
    }
    if (err == 0) {
        err = spng_set_chunk_limits(s->sp, PNG_MAX_CHUNK_BYTES, PNG_MAX_CHUNK_CACHE_BYTES);
    }
    if (err == 0) {
        err = spng_get_ihdr(s->sp, &s->ihdr);
    }
    if (err != 0) {
        return png_fail(job, err, "reading the header");
    }
    const enum wy_status st = wy__decode_check_size(job, s->ihdr.width, s->ihdr.height);
    if (st != WY_OK) {
        return st;
    }
    /* Reads the chunks up to the first IDAT, so a broken one is reported here. */
    struct spng_trns trns;
    err = spng_get_trns(s->sp, &trns);
    if (err != 0 && err != SPNG_ECHUNKAVAIL) {
        return png_fail(job, err, "reading the chunks before the image data");
    }
    s->plan = choose_plan(&s->ihdr, err == 0);
    job->info->has_alpha = s->plan.format == WY_PIX_RGBA8 || s->plan.format == WY_PIX_GRAYA8;
    return WY_OK;
}

/* 16-bit scratch for wide images: a single row, except for interlaced images whose rows are
 * visited once per pass and so must all stay wide until the last pass. */
static enum wy_status alloc_wide(struct wy__decode_job *job, struct png_state *s)
{
    const size_t rows = s->ihdr.interlace_method != SPNG_INTERLACE_NONE ? s->ihdr.height : 1;
    size_t samples;
    size_t bytes;
    /* spng's wide layouts have as many channels as what we emit (RGBA16 for RGBA8). */
    s->wide_row_samples = (size_t)s->ihdr.width * (size_t)s->plan.format;
    if (wy__mul_overflow(s->wide_row_samples, rows, &samples) ||
        wy__mul_overflow(samples, sizeof(uint16_t), &bytes)) {
        return wy__fail(job->diag, WY_ETOOBIG, "PNG: image too large to decode");
    }
    s->wide_rows = wy__alloc(job->ctx, bytes);
    return s->wide_rows == NULL ? WY_ENOMEM : WY_OK;
}

/* 16 to 8 bits, rounding to nearest: round(v * 255 / 65535) == (v + 128 - (v + 128) / 256) / 256,
 * ImageMagick's ScaleQuantumToChar for Q16. */
static void narrow_row(uint8_t *out, const uint16_t *in, size_t samples)
{
    for (size_t i = 0; i < samples; i++) {
        const uint32_t v = (uint32_t)in[i] + 128u;
        out[i] = (uint8_t)((v - (v >> 8)) >> 8);
    }
}

static uint16_t *wide_row(const struct png_state *s, uint32_t y)
{
    const bool interlaced = s->ihdr.interlace_method != SPNG_INTERLACE_NONE;
    return s->wide_rows + (interlaced ? (size_t)y * s->wide_row_samples : 0);
}

/* Decodes one row (or one pass's share of it); returns spng's code, SPNG_EOI after the last. */
static int decode_one_row(struct png_state *s)
{
    struct spng_row_info ri;
    int err = spng_get_row_info(s->sp, &ri);
    if (err != 0) {
        return err;
    }
    if (!s->plan.wide) {
        return spng_decode_row(s->sp, wy_image_row(s->img, ri.row_num),
                               (size_t)s->img->width_px * (size_t)s->img->format);
    }
    uint16_t *wide = wide_row(s, ri.row_num);
    err = spng_decode_row(s->sp, wide, s->wide_row_samples * sizeof(uint16_t));
    if ((err == 0 || err == SPNG_EOI) && s->ihdr.interlace_method == SPNG_INTERLACE_NONE) {
        narrow_row(wy_image_row(s->img, ri.row_num), wide, s->wide_row_samples);
    }
    return err;
}

static enum wy_status decode_pixels(struct wy__decode_job *job, struct png_state *s)
{
    enum wy_status st =
        wy_image_new(job->ctx, s->ihdr.width, s->ihdr.height, s->plan.format, &s->img);
    if (st == WY_OK && s->plan.wide) {
        st = alloc_wide(job, s);
    }
    if (st != WY_OK) {
        return st;
    }
    int err;
    if (!s->plan.wide) {
        /* 8-bit output has exactly the image's packed layout: one call decodes the whole image
         * (interlaced or not) into it, without the per-row calls of progressive decoding. */
        const size_t bytes = s->img->stride_bytes * s->img->height_px;
        err = spng_decode_image(s->sp, s->img->pixels, bytes, s->plan.spng_fmt, s->plan.spng_flags);
        err = err == 0 ? SPNG_EOI : err;
    } else {
        err = spng_decode_image(s->sp, NULL, 0, s->plan.spng_fmt,
                                s->plan.spng_flags | SPNG_DECODE_PROGRESSIVE);
        while (err == 0) {
            err = decode_one_row(s);
        }
    }
    if (err != SPNG_EOI) {
        return png_fail(job, err, "decoding the image data");
    }
    if (s->plan.wide && s->ihdr.interlace_method != SPNG_INTERLACE_NONE) {
        for (uint32_t y = 0; y < s->ihdr.height; y++) {
            narrow_row(wy_image_row(s->img, y), wide_row(s, y), s->wide_row_samples);
        }
    }
    return WY_OK;
}

/* Reads the chunks after the image data, up to IEND: a file cut short there is reported as
 * corrupt like any other truncation, and an eXIf chunk may live there. */
static enum wy_status read_trailer(struct wy__decode_job *job, struct png_state *s)
{
    const int err = spng_decode_chunks(s->sp);
    if (err != 0) {
        return png_fail(job, err, "reading the chunks after the image data");
    }
    struct spng_exif exif;
    if (spng_get_exif(s->sp, &exif) == 0) {
        job->info->orientation =
            wy__exif_orientation((struct wy_bytes){(const uint8_t *)exif.data, exif.length});
    }
    return WY_OK;
}

static enum wy_status png_decode(struct wy__decode_job *job)
{
    struct png_state s;
    memset(&s, 0, sizeof s);
    /* spng allocates with libc malloc: dependencies keep their own allocators. The zlib
     * stream's Adler-32 is not checked: every chunk's CRC-32 already covers every compressed
     * byte, browsers skip it as well (a file they show must hash), and it cost about 4 % of
     * the decode. */
    s.sp = spng_ctx_new(SPNG_CTX_IGNORE_ADLER32);
    if (s.sp == NULL) {
        return WY_ENOMEM;
    }
    enum wy_status st = read_header(job, &s);
    if (st == WY_OK) {
        st = decode_pixels(job, &s);
    }
    if (st == WY_OK) {
        st = read_trailer(job, &s);
    }
    if (st == WY_OK) {
        struct wy_image *img = s.img;
        s.img = NULL;
        bool more;
        st = wy__decode_emit(job, img, 0, &more);
    }
    wy__free(job->ctx, s.wide_rows);
    wy_image_free(job->ctx, s.img);
    spng_ctx_free(s.sp);
    return st;
}

const struct wy__decoder wy__decoder_png = {
    .format = WY_FORMAT_PNG,
    .decode = png_decode,
};
