/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_tiff.c: TIFF through libtiff 4.5, read from memory.
 *
 * libtiff reads through client callbacks over the caller's byte range (and maps it, so strips
 * are decoded straight from the buffer). The 4.5 TIFFOpenOptions API gives each call its own
 * error handler, so messages land in a per-call buffer instead of libtiff's process-wide handler
 * (which prints to stderr), and caps any single allocation libtiff makes for itself.
 *
 * Pixels come from the TIFFRGBAImage interface, which handles every photometric model, bit
 * depth, planar layout and compression libtiff knows, and yields 8-bit RGBA. We ask it for the
 * rows in their stored order and report the Orientation tag in info->orientation, so decode.c
 * stays the one place that rotates. TIFFRGBAImage premultiplies colour by alpha (except for
 * grey with unassociated alpha, which it copies); decode.c expects straight alpha, so
 * premultiplied output is divided back. Only the first directory (page) is decoded.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <string.h>

#include <tiffio.h>

#include "decode/decode_int.h"

/* Headroom over the largest strip or tile an allowed image can need (4 samples of 16 bits). */
#define TIFF_ALLOC_SLACK_BYTES ((uint64_t)16 << 20)

struct tiff_state {
    struct wy_bytes data;
    uint64_t pos;
    char message[512]; /* the first error libtiff reported; empty if none */
};

static tmsize_t on_read(thandle_t h, void *buf, tmsize_t size)
{
    struct tiff_state *s = h;
    if (size <= 0 || s->pos >= s->data.len) {
        return 0;
    }
    const uint64_t left = s->data.len - s->pos;
    const size_t n = (uint64_t)size < left ? (size_t)size : (size_t)left;
    memcpy(buf, s->data.ptr + s->pos, n);
    s->pos += n;
    return (tmsize_t)n;
}

/* The buffer is read-only: libtiff never writes in read mode, and refusing is the safe answer. */
static tmsize_t on_write(thandle_t h, void *buf, tmsize_t size)
{
    (void)h;
    (void)buf;
    (void)size;
    return 0;
}

/* Positions past the end are allowed (reads there return nothing); wrap-around is not. */
static toff_t on_seek(thandle_t h, toff_t off, int whence)
{
    struct tiff_state *s = h;
    uint64_t base = 0;
    if (whence == SEEK_CUR) {
        base = s->pos;
    } else if (whence == SEEK_END) {
        base = s->data.len;
    } else if (whence != SEEK_SET) {
        return (toff_t)-1;
    }
    if (off > UINT64_MAX / 2 - base) {
        return (toff_t)-1;
    }
    s->pos = base + off;
    return s->pos;
}

static int on_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t on_size(thandle_t h)
{
    const struct tiff_state *s = h;
    return s->data.len;
}

/* libtiff only reads through the mapping in read mode, so handing it the const buffer is safe. */
static int on_map(thandle_t h, void **base, toff_t *size)
{
    const struct tiff_state *s = h;
    *base = (void *)(uintptr_t)s->data.ptr;
    *size = s->data.len;
    return 1;
}

static void on_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h;
    (void)base;
    (void)size;
}

/* Keeps the first error: later ones are usually consequences of it. The module (a libtiff
 * function name) is left out of the message. Returning 1 stops libtiff from also calling its
 * process-wide handler, which prints. */
WY_PRINTF(4, 0)
static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    (void)module;
    struct tiff_state *s = user;
    if (s->message[0] == '\0') {
        vsnprintf(s->message, sizeof s->message, fmt, ap);
    }
    return 1;
}

/* Warnings (unknown tags and the like) are common in real files and harmless. */
WY_PRINTF(4, 0)
static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    (void)user;
    (void)module;
    (void)fmt;
    (void)ap;
    return 1;
}

static enum wy_status tiff_fail(struct wy__decode_job *job, const struct tiff_state *s,
                                enum wy_status status, const char *fallback)
{
    return wy__fail(job->diag, status, "TIFF: %s", s->message[0] ? s->message : fallback);
}

/* No single libtiff allocation needs more than the largest allowed image at 8 bytes a pixel. */
static tmsize_t max_single_alloc(const struct wy_decode_opts *opts)
{
    const uint64_t cap = (uint64_t)INT32_MAX;
    const uint64_t pixels = opts->max_pixels < cap ? opts->max_pixels : cap;
    return (tmsize_t)(pixels * 8u + TIFF_ALLOC_SLACK_BYTES);
}

static enum wy_status open_tiff(struct wy__decode_job *job, struct tiff_state *s, TIFF **out)
{
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    if (o == NULL) {
        return WY_ENOMEM;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, s);
    TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, s);
    TIFFOpenOptionsSetMaxSingleMemAlloc(o, max_single_alloc(job->opts));
    TIFF *tif = TIFFClientOpenExt("withyou", "r", s, on_read, on_write, on_seek, on_close, on_size,
                                  on_map, on_unmap, o);
    TIFFOpenOptionsFree(o);
    if (tif == NULL) {
        return tiff_fail(job, s, WY_ECORRUPT, "cannot open file");
    }
    *out = tif;
    return WY_OK;
}

static enum wy_status check_size(struct wy__decode_job *job, TIFF *tif, struct tiff_state *s)
{
    uint32_t w = 0;
    uint32_t h = 0;
    if (TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) != 1 ||
        TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) != 1) {
        return tiff_fail(job, s, WY_ECORRUPT, "missing image size");
    }
    return wy__decode_check_size(job, w, h);
}

/* The Orientation tag, 1 when absent or out of range (a display hint, never fatal). */
static uint8_t stored_orientation(TIFF *tif)
{
    uint16_t o = ORIENTATION_TOPLEFT;
    if (TIFFGetField(tif, TIFFTAG_ORIENTATION, &o) != 1 || o < 1 || o > 8) {
        return 1;
    }
    return (uint8_t)o;
}

static uint8_t unpremultiply(uint8_t c, uint8_t a)
{
    if (a == 0) {
        return 0;
    }
    const unsigned v = ((unsigned)c * 255u + a / 2u) / a;
    return (uint8_t)(v > 255u ? 255u : v);
}

/*
 * Turns the ABGR words TIFFRGBAImageGet wrote into the image's bytes into `out_ch` channels
 * (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), in place: output rows are never wider than input rows,
 * so a forward walk never overwrites unread input.
 */
static void convert_raster(struct wy_image *img, unsigned out_ch, bool premultiplied)
{
    const size_t in_stride = (size_t)img->width_px * 4;
    const size_t out_stride = (size_t)img->width_px * out_ch;
    for (uint32_t y = 0; y < img->height_px; y++) {
        const uint8_t *in = img->pixels + (size_t)y * in_stride;
        uint8_t *out = img->pixels + (size_t)y * out_stride;
        for (uint32_t x = 0; x < img->width_px; x++) {
            uint32_t abgr;
            memcpy(&abgr, in + (size_t)x * 4, 4);
            const uint8_t a = (uint8_t)TIFFGetA(abgr);
            uint8_t px[4] = {(uint8_t)TIFFGetR(abgr), (uint8_t)TIFFGetG(abgr),
                             (uint8_t)TIFFGetB(abgr), a};
            for (unsigned c = 0; premultiplied && c < 3; c++) {
                px[c] = unpremultiply(px[c], a);
            }
            if (out_ch <= 2) {
                px[1] = a; /* grey: R == G == B */
            }
            memcpy(out + (size_t)x * out_ch, px, out_ch);
        }
    }
    img->format = (enum wy_pixel_format)out_ch;
    img->stride_bytes = out_stride;
}

/* Reads the pixels as stored (first stored row first) into a new image. */
static enum wy_status read_raster(struct wy__decode_job *job, TIFFRGBAImage *rgba,
                                  struct tiff_state *s, struct wy_image **out)
{
    struct wy_image *img = NULL;
    /* RGBA8 rows are exactly one uint32 a pixel, and the block is malloc-aligned. */
    enum wy_status st = wy_image_new(job->ctx, rgba->width, rgba->height, WY_PIX_RGBA8, &img);
    if (st != WY_OK) {
        return st;
    }
    rgba->req_orientation = job->info->orientation;
    if (TIFFRGBAImageGet(rgba, (uint32_t *)(void *)img->pixels, rgba->width, rgba->height) != 1) {
        wy_image_free(job->ctx, img);
        return tiff_fail(job, s, WY_ECORRUPT, "cannot read pixel data");
    }
    const bool gray =
        rgba->photometric == PHOTOMETRIC_MINISBLACK || rgba->photometric == PHOTOMETRIC_MINISWHITE;
    const bool alpha = rgba->alpha != 0;
    /* Grey with unassociated alpha is the one case TIFFRGBAImage leaves unpremultiplied. */
    const bool premultiplied = alpha && !(gray && rgba->alpha == EXTRASAMPLE_UNASSALPHA);
    convert_raster(img, (gray ? 1u : 3u) + (alpha ? 1u : 0u), premultiplied);
    job->info->has_alpha = alpha;
    *out = img;
    return WY_OK;
}

static enum wy_status decode_first_page(struct wy__decode_job *job, TIFF *tif, struct tiff_state *s,
                                        struct wy_image **out)
{
    enum wy_status st = check_size(job, tif, s);
    if (st != WY_OK) {
        return st;
    }
    job->info->orientation = stored_orientation(tif);
    char emsg[1024] = "";
    TIFFRGBAImage rgba;
    memset(&rgba, 0, sizeof rgba);
    if (TIFFRGBAImageOK(tif, emsg) != 1 || TIFFRGBAImageBegin(&rgba, tif, 1, emsg) != 1) {
        TIFFRGBAImageEnd(&rgba); /* frees what a failed Begin left; harmless when zeroed */
        /* Rejections here are about what libtiff can convert (sample formats, photometric
         * models), except when a tag it needs is missing. */
        const char *why = emsg[0] ? emsg : (s->message[0] ? s->message : "unsupported image");
        const bool missing = strstr(why, "Missing") != NULL;
        return wy__fail(job->diag, missing ? WY_ECORRUPT : WY_ENOTSUP, "TIFF: %s", why);
    }
    st = read_raster(job, &rgba, s, out);
    TIFFRGBAImageEnd(&rgba);
    return st;
}

static enum wy_status tiff_decode(struct wy__decode_job *job)
{
    struct tiff_state *s = wy__calloc(job->ctx, 1, sizeof *s);
    if (s == NULL) {
        return WY_ENOMEM;
    }
    s->data = job->data;
    struct wy_image *img = NULL;
    TIFF *tif = NULL;
    enum wy_status st = open_tiff(job, s, &tif);
    if (st == WY_OK) {
        st = decode_first_page(job, tif, s, &img);
    }
    if (st == WY_OK) {
        bool more;
        st = wy__decode_emit(job, img, 0, &more);
    }
    if (tif != NULL) {
        TIFFClose(tif);
    }
    wy__free(job->ctx, s);
    return st;
}

const struct wy__decoder wy__decoder_tiff = {
    .format = WY_FORMAT_TIFF,
    .decode = tiff_decode,
};
