/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.c: the format-independent half of decoding: recognising the format by magic bytes,
 * dispatching to a backend, enforcing limits, and turning whatever the backend produced into an
 * upright GRAY8 or RGB8 image (alpha composited onto the background, EXIF orientation applied).
 */
#include "wy_setup.h"

#include <string.h>

#include "decode/decode_int.h"

static const struct wy__decoder *const decoders[] = {
    &wy__decoder_jpeg, &wy__decoder_png,  &wy__decoder_webp, &wy__decoder_gif,
    &wy__decoder_heif, &wy__decoder_tiff, &wy__decoder_bmp,  &wy__decoder_pnm,
};

static const char *const format_names[] = {
    [WY_FORMAT_UNKNOWN] = "unknown", [WY_FORMAT_JPEG] = "jpeg", [WY_FORMAT_PNG] = "png",
    [WY_FORMAT_WEBP] = "webp",       [WY_FORMAT_GIF] = "gif",   [WY_FORMAT_HEIF] = "heif",
    [WY_FORMAT_TIFF] = "tiff",       [WY_FORMAT_BMP] = "bmp",   [WY_FORMAT_PNM] = "pnm",
};

/* Names as they open diagnostic messages ("PNG: ..."), matching the backends' own messages. */
static const char *const format_labels[] = {
    [WY_FORMAT_UNKNOWN] = "image", [WY_FORMAT_JPEG] = "JPEG", [WY_FORMAT_PNG] = "PNG",
    [WY_FORMAT_WEBP] = "WebP",     [WY_FORMAT_GIF] = "GIF",   [WY_FORMAT_HEIF] = "HEIF",
    [WY_FORMAT_TIFF] = "TIFF",     [WY_FORMAT_BMP] = "BMP",   [WY_FORMAT_PNM] = "PNM",
};

static const char *format_label(enum wy_format format)
{
    return (unsigned)format < sizeof format_labels / sizeof format_labels[0] ? format_labels[format]
                                                                             : "image";
}

void wy_decode_opts_init(struct wy_decode_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_pixels = 100u * 1000u * 1000u;
    opts->max_file_bytes = 256u << 20;
    opts->max_frames = 10000;
    opts->target_px = 0;
    opts->raw_orientation = false;
    opts->jpeg_idct = WY_JPEG_IDCT_ISLOW;
    opts->background_rgb = 0xffffff;
}

const char *wy_format_name(enum wy_format format)
{
    if ((unsigned)format >= sizeof format_names / sizeof format_names[0]) {
        return "unknown";
    }
    return format_names[format];
}

static bool has_prefix(struct wy_bytes d, size_t at, const char *magic, size_t n)
{
    return d.len >= at + n && memcmp(d.ptr + at, magic, n) == 0;
}

/* ISO-BMFF still images: an ftyp box whose major or compatible brands name an image brand. */
static bool is_heif(struct wy_bytes d)
{
    static const char *const brands[] = {"heic", "heix", "heim", "heis", "hevc", "hevx",
                                         "mif1", "msf1", "avif", "avis", "mif2"};
    if (!has_prefix(d, 4, "ftyp", 4) || d.len < 16) {
        return false;
    }
    const uint32_t box =
        (uint32_t)d.ptr[0] << 24 | (uint32_t)d.ptr[1] << 16 | (uint32_t)d.ptr[2] << 8 | d.ptr[3];
    const size_t end = box < 16 || box > d.len ? 16 : box;
    for (size_t at = 8; at + 4 <= end; at += 4) {
        if (at == 12) {
            continue; /* minor version, not a brand */
        }
        for (size_t b = 0; b < sizeof brands / sizeof brands[0]; b++) {
            if (memcmp(d.ptr + at, brands[b], 4) == 0) {
                return true;
            }
        }
    }
    return false;
}

enum wy_format wy_decode_sniff(struct wy_bytes d)
{
    if (has_prefix(d, 0, "\xff\xd8\xff", 3)) {
        return WY_FORMAT_JPEG;
    }
    if (has_prefix(d, 0, "\x89PNG\r\n\x1a\n", 8)) {
        return WY_FORMAT_PNG;
    }
    if (has_prefix(d, 0, "RIFF", 4) && has_prefix(d, 8, "WEBP", 4)) {
        return WY_FORMAT_WEBP;
    }
    if (has_prefix(d, 0, "GIF87a", 6) || has_prefix(d, 0, "GIF89a", 6)) {
        return WY_FORMAT_GIF;
    }
    if (has_prefix(d, 0, "II*\0", 4) || has_prefix(d, 0, "MM\0*", 4)) {
        return WY_FORMAT_TIFF;
    }
    if (is_heif(d)) {
        return WY_FORMAT_HEIF;
    }
    if (has_prefix(d, 0, "BM", 2) && d.len >= 26) {
        return WY_FORMAT_BMP;
    }
    if (d.len >= 3 && d.ptr[0] == 'P' && d.ptr[1] >= '1' && d.ptr[1] <= '6' &&
        (d.ptr[2] == ' ' || d.ptr[2] == '\n' || d.ptr[2] == '\r' || d.ptr[2] == '\t' ||
         d.ptr[2] == '#')) {
        return WY_FORMAT_PNM;
    }
    return WY_FORMAT_UNKNOWN;
}

bool wy_decode_supported(enum wy_format format)
{
#ifndef WY_HAVE_HEIF
    if (format == WY_FORMAT_HEIF) {
        return false;
    }
#endif
    return format != WY_FORMAT_UNKNOWN &&
           (unsigned)format < sizeof format_names / sizeof format_names[0];
}

enum wy_status wy__decode_check_size(struct wy__decode_job *job, uint64_t width_px,
                                     uint64_t height_px)
{
    const char *name = format_label(job->info->format);
    if (width_px == 0 || height_px == 0) {
        return wy__fail(job->diag, WY_ECORRUPT, "%s: image has a zero side", name);
    }
    if (width_px > WY_IMAGE_MAX_SIDE_PX || height_px > WY_IMAGE_MAX_SIDE_PX) {
        return wy__fail(job->diag, WY_ETOOBIG, "%s: image is %llux%llu, sides are limited to %u",
                        name, (unsigned long long)width_px, (unsigned long long)height_px,
                        WY_IMAGE_MAX_SIDE_PX);
    }
    const uint64_t pixels = width_px * height_px;
    if (pixels > job->opts->max_pixels) {
        return wy__fail(job->diag, WY_ETOOBIG,
                        "%s: image is %llux%llu (%llu pixels), limit %llu pixels", name,
                        (unsigned long long)width_px, (unsigned long long)height_px,
                        (unsigned long long)pixels, (unsigned long long)job->opts->max_pixels);
    }
    if (job->info->width_px == 0) {
        job->info->width_px = (uint32_t)width_px;
        job->info->height_px = (uint32_t)height_px;
    }
    return WY_OK;
}

enum wy_status wy__decode_check_frames(struct wy__decode_job *job, uint64_t frames)
{
    if (frames > job->opts->max_frames) {
        return wy__fail(job->diag, WY_ETOOBIG, "%s: more than %u frames",
                        format_label(job->info->format), job->opts->max_frames);
    }
    return WY_OK;
}

static uint8_t blend(uint8_t c, uint8_t a, uint8_t bg)
{
    return (uint8_t)(((unsigned)c * a + (unsigned)bg * (255u - a) + 127u) / 255u);
}

/* Drops the alpha channel in place (rows only shrink, so a forward walk never overwrites unread
 * input), compositing each pixel over the background colour. */
static void composite_in_place(struct wy_image *img, uint32_t bg_rgb)
{
    const uint8_t bg[3] = {(uint8_t)(bg_rgb >> 16), (uint8_t)(bg_rgb >> 8), (uint8_t)bg_rgb};
    const bool rgb = img->format == WY_PIX_RGBA8;
    const unsigned in_ch = rgb ? 4 : 2;
    const unsigned out_ch = rgb ? 3 : 1;
    /* Gray images blend with the background's luminance. */
    const uint8_t bg_gray = (uint8_t)((299u * bg[0] + 587u * bg[1] + 114u * bg[2] + 500u) / 1000u);
    const size_t out_stride = (size_t)img->width_px * out_ch;
    for (uint32_t y = 0; y < img->height_px; y++) {
        const uint8_t *in = img->pixels + (size_t)y * img->stride_bytes;
        uint8_t *out = img->pixels + (size_t)y * out_stride;
        for (uint32_t x = 0; x < img->width_px; x++) {
            const uint8_t a = in[(size_t)x * in_ch + in_ch - 1];
            for (unsigned c = 0; c < out_ch; c++) {
                const uint8_t back = rgb ? bg[c] : bg_gray;
                out[(size_t)x * out_ch + c] = blend(in[(size_t)x * in_ch + c], a, back);
            }
        }
    }
    img->format = rgb ? WY_PIX_RGB8 : WY_PIX_GRAY8;
    img->stride_bytes = out_stride;
}

/*
 * EXIF orientation o (1..8) says how the stored pixels must be transformed for display:
 * 2 mirror, 3 rotate 180, 4 flip vertically, 5 transpose, 6 rotate 90 clockwise, 7 transverse,
 * 8 rotate 90 counter-clockwise. For each displayed (x, y) we compute the stored pixel.
 */
static void stored_coords(uint8_t o, uint32_t x, uint32_t y, uint32_t sw, uint32_t sh, uint32_t *sx,
                          uint32_t *sy)
{
    switch (o) {
    case 2:
        *sx = sw - 1 - x;
        *sy = y;
        break;
    case 3:
        *sx = sw - 1 - x;
        *sy = sh - 1 - y;
        break;
    case 4:
        *sx = x;
        *sy = sh - 1 - y;
        break;
    case 5:
        *sx = y;
        *sy = x;
        break;
    case 6:
        *sx = y;
        *sy = sh - 1 - x;
        break;
    case 7:
        *sx = sw - 1 - y;
        *sy = sh - 1 - x;
        break;
    case 8:
        *sx = sw - 1 - y;
        *sy = x;
        break;
    default:
        *sx = x;
        *sy = y;
        break;
    }
}

static enum wy_status orient(struct wy_ctx *ctx, struct wy_image **imgp, uint8_t o)
{
    struct wy_image *src = *imgp;
    const bool swap = o >= 5;
    const uint32_t w = swap ? src->height_px : src->width_px;
    const uint32_t h = swap ? src->width_px : src->height_px;
    struct wy_image *dst;
    const enum wy_status st = wy_image_new(ctx, w, h, src->format, &dst);
    if (st != WY_OK) {
        return st;
    }
    const size_t ch = (size_t)src->format;
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *out = wy_image_row(dst, y);
        for (uint32_t x = 0; x < w; x++) {
            uint32_t sx;
            uint32_t sy;
            stored_coords(o, x, y, src->width_px, src->height_px, &sx, &sy);
            memcpy(out + x * ch, wy_image_row(src, sy) + sx * ch, ch);
        }
    }
    wy_image_free(ctx, src);
    *imgp = dst;
    return WY_OK;
}

enum wy_status wy__decode_emit(struct wy__decode_job *job, struct wy_image *img, uint64_t pts_ms,
                               bool *more)
{
    enum wy_status st = WY_OK;
    *more = true;
    if (img->format == WY_PIX_RGBA8 || img->format == WY_PIX_GRAYA8) {
        composite_in_place(img, job->opts->background_rgb);
    }
    const uint8_t o = job->info->orientation;
    if (!job->opts->raw_orientation && o >= 2 && o <= 8) {
        st = orient(job->ctx, &img, o);
        if (st != WY_OK) {
            wy_image_free(job->ctx, img);
            return st;
        }
    }
    const uint32_t index = job->emitted++;
    job->info->frame_count = job->emitted;
    if (job->fn == NULL) {
        job->first = img; /* wy_decode_memory: keep the first frame and stop */
        *more = false;
        return WY_OK;
    }
    *more = job->fn(job->user, img, index, pts_ms);
    wy_image_free(job->ctx, img);
    return WY_OK;
}

static enum wy_status run(struct wy__decode_job *job)
{
    if (job->data.len == 0) {
        return wy__fail(job->diag, WY_EEMPTY, "empty file");
    }
    if (job->data.len > job->opts->max_file_bytes) {
        return wy__fail(job->diag, WY_ETOOBIG, "file is %zu bytes, limit %llu", job->data.len,
                        (unsigned long long)job->opts->max_file_bytes);
    }
    const enum wy_format fmt = wy_decode_sniff(job->data);
    job->info->format = fmt;
    job->info->orientation = 1;
    if (fmt == WY_FORMAT_UNKNOWN) {
        return wy__fail(job->diag, WY_EFORMAT, "not a recognised image format");
    }
    for (size_t i = 0; i < sizeof decoders / sizeof decoders[0]; i++) {
        if (decoders[i]->format != fmt) {
            continue;
        }
        const enum wy_status st = decoders[i]->decode(job);
        if (st == WY_OK && job->emitted == 0) {
            return wy__fail(job->diag, WY_ECORRUPT, "%s: no image in file", format_label(fmt));
        }
        if (st == WY_OK && !job->opts->raw_orientation && job->info->orientation >= 5 &&
            job->info->orientation <= 8) {
            const uint32_t t = job->info->width_px;
            job->info->width_px = job->info->height_px;
            job->info->height_px = t;
        }
        return st;
    }
    return wy__fail(job->diag, WY_EFORMAT, "%s: not supported by this build", format_label(fmt));
}

/* Runs a job with the caller's options (or the defaults) and a zeroed info; `fn` NULL keeps the
 * first frame in job->first. */
static enum wy_status run_with(struct wy__decode_job *job, const struct wy_decode_opts *opts,
                               struct wy_decode_info *info)
{
    struct wy_decode_opts defaults;
    if (opts == NULL) {
        wy_decode_opts_init(&defaults);
        opts = &defaults;
    }
    memset(info, 0, sizeof *info);
    wy_diag_clear(job->diag);
    job->opts = opts;
    job->info = info;
    return run(job);
}

enum wy_status wy_decode_memory(struct wy_ctx *ctx, struct wy_bytes data,
                                const struct wy_decode_opts *opts, struct wy_image **out,
                                struct wy_decode_info *info, struct wy_diag *diag)
{
    struct wy_decode_info local;
    struct wy__decode_job job = {.ctx = ctx, .data = data, .diag = diag};
    const enum wy_status st = run_with(&job, opts, &local);
    if (st != WY_OK) {
        wy_image_free(ctx, job.first);
        return st;
    }
    *out = job.first;
    if (info != NULL) {
        *info = local;
    }
    return WY_OK;
}

enum wy_status wy_decode_frames(struct wy_ctx *ctx, struct wy_bytes data,
                                const struct wy_decode_opts *opts, wy_frame_fn fn, void *user,
                                struct wy_decode_info *info, struct wy_diag *diag)
{
    struct wy_decode_info local;
    struct wy__decode_job job = {.ctx = ctx, .data = data, .diag = diag, .fn = fn, .user = user};
    const enum wy_status st = run_with(&job, opts, &local);
    if (info != NULL) {
        *info = local;
    }
    return st;
}
