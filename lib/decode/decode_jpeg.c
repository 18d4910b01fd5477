/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_jpeg.c: JPEG through libjpeg-turbo's libjpeg API.
 *
 * Why the libjpeg API rather than TurboJPEG: it gives DCT-domain scaling with any M/8 factor,
 * the choice of IDCT, grayscale output from YCbCr (the luma plane alone, no chroma work), saved
 * APP1 markers for EXIF, and a progress hook that caps the number of progressive scans (a file
 * with thousands of tiny scans is a CPU bomb). libjpeg reports fatal errors by calling
 * error_exit, which here longjmps back to the one setjmp in jpeg_decode(). A truncated file makes
 * libjpeg warn and pad with grey; withyou treats that warning as an error instead of hashing
 * invented pixels.
 */
#include "wy_setup.h"

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "decode/decode_int.h"

/* Progressive files normally have about 10 scans; libjpeg-turbo's tools suggest a cap too. */
#define JPEG_MAX_SCANS 500
/* libjpeg's own working memory (coefficient buffers for progressive images). */
#define JPEG_MAX_WORK_BYTES ((long)1 << 30)

struct jpeg_state {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr err;
    struct jpeg_progress_mgr progress;
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
    int code;
    bool truncated;
    bool too_many_scans;
    struct wy_image *img;
};

static void on_error_exit(j_common_ptr cinfo)
{
    struct jpeg_state *s = (struct jpeg_state *)cinfo->client_data;
    cinfo->err->format_message(cinfo, s->message);
    s->code = cinfo->err->msg_code;
    longjmp(s->escape, 1);
}

static void on_message(j_common_ptr cinfo, int level)
{
    struct jpeg_state *s = (struct jpeg_state *)cinfo->client_data;
    if (level >= 0) {
        return; /* trace messages */
    }
    /* A warning. Premature end of data means invented pixels follow: stop here. Others (stray
     * bytes before a marker and the like) are common in real files and harmless. */
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        s->truncated = true;
        cinfo->err->format_message(cinfo, s->message);
        s->code = cinfo->err->msg_code;
        longjmp(s->escape, 1);
    }
    cinfo->err->num_warnings++;
}

static void on_progress(j_common_ptr cinfo)
{
    struct jpeg_state *s = (struct jpeg_state *)cinfo->client_data;
    const j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->inputctl != NULL && d->input_scan_number > JPEG_MAX_SCANS) {
        s->too_many_scans = true;
        snprintf(s->message, sizeof s->message, "more than %d progressive scans", JPEG_MAX_SCANS);
        longjmp(s->escape, 1);
    }
}

static uint8_t exif_orientation(const struct jpeg_decompress_struct *cinfo)
{
    for (jpeg_saved_marker_ptr m = cinfo->marker_list; m != NULL; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 &&
            memcmp(m->data, "Exif\0\0", 6) == 0) {
            return wy__exif_orientation((struct wy_bytes){m->data, m->data_length});
        }
    }
    return 1;
}

static J_DCT_METHOD dct_method(enum wy_jpeg_idct idct)
{
    switch (idct) {
    case WY_JPEG_IDCT_FLOAT:
        return JDCT_FLOAT;
    case WY_JPEG_IDCT_IFAST:
        return JDCT_IFAST;
    case WY_JPEG_IDCT_ISLOW:
    default:
        return JDCT_ISLOW;
    }
}

/* The smallest M/8 (M a power of two, the fast SIMD paths) that keeps each side at least
 * min(side, target). */
static void choose_scale(struct jpeg_decompress_struct *cinfo, uint32_t target)
{
    const JDIMENSION want_w = cinfo->image_width < target ? cinfo->image_width : target;
    const JDIMENSION want_h = cinfo->image_height < target ? cinfo->image_height : target;
    cinfo->scale_denom = 8;
    for (unsigned m = 1; m < 8; m *= 2) {
        cinfo->scale_num = m;
        jpeg_calc_output_dimensions(cinfo);
        if (cinfo->output_width >= want_w && cinfo->output_height >= want_h) {
            return;
        }
    }
    cinfo->scale_num = 8;
}

/* Inverted (Adobe) or plain CMYK to RGB: each channel is (1 - C)(1 - K). In place: output rows
 * are narrower, so walking forward never overwrites unread input. */
static void cmyk_to_rgb(struct wy_image *img, bool inverted)
{
    const size_t out_stride = (size_t)img->width_px * 3;
    for (uint32_t y = 0; y < img->height_px; y++) {
        const uint8_t *in = wy_image_row(img, y);
        uint8_t *out = img->pixels + (size_t)y * out_stride;
        for (uint32_t x = 0; x < img->width_px; x++) {
            unsigned c[4];
            for (int i = 0; i < 4; i++) {
                c[i] = inverted ? in[4 * x + (uint32_t)i] : 255u - in[4 * x + (uint32_t)i];
            }
            for (int i = 0; i < 3; i++) {
                out[3 * x + (uint32_t)i] = (uint8_t)((c[i] * c[3] + 127u) / 255u);
            }
        }
    }
    img->format = WY_PIX_RGB8;
    img->stride_bytes = out_stride;
}

static enum wy_status configure(struct wy__decode_job *job, struct jpeg_state *s,
                                enum wy_pixel_format *fmt)
{
    struct jpeg_decompress_struct *c = &s->cinfo;
    const enum wy_status st = wy__decode_check_size(job, c->image_width, c->image_height);
    if (st != WY_OK) {
        return st;
    }
    job->info->orientation = exif_orientation(c);
    c->dct_method = dct_method(job->opts->jpeg_idct);
    switch (c->jpeg_color_space) {
    case JCS_GRAYSCALE:
        c->out_color_space = JCS_GRAYSCALE;
        *fmt = WY_PIX_GRAY8;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        c->out_color_space = JCS_CMYK;
        *fmt = WY_PIX_RGBA8; /* four channels; converted to RGB before emitting */
        break;
    case JCS_YCbCr:
        c->out_color_space = job->opts->luma_only ? JCS_GRAYSCALE : JCS_RGB;
        *fmt = job->opts->luma_only ? WY_PIX_GRAY8 : WY_PIX_RGB8;
        break;
    default:
        c->out_color_space = JCS_RGB;
        *fmt = WY_PIX_RGB8;
        break;
    }
    if (job->opts->target_px > 0) {
        choose_scale(c, job->opts->target_px);
    }
    return WY_OK;
}

static enum wy_status read_pixels(struct wy__decode_job *job, struct jpeg_state *s,
                                  enum wy_pixel_format fmt)
{
    struct jpeg_decompress_struct *c = &s->cinfo;
    jpeg_start_decompress(c);
    const enum wy_status st =
        wy_image_new(job->ctx, c->output_width, c->output_height, fmt, &s->img);
    if (st != WY_OK) {
        return st;
    }
    job->info->scaled = c->output_width < c->image_width || c->output_height < c->image_height;
    while (c->output_scanline < c->output_height) {
        JSAMPROW row = wy_image_row(s->img, c->output_scanline);
        if (jpeg_read_scanlines(c, &row, 1) != 1) {
            return wy__fail(job->diag, WY_ECORRUPT, "JPEG: decoder stalled");
        }
    }
    return WY_OK;
}

static enum wy_status jpeg_decode(struct wy__decode_job *job)
{
    struct jpeg_state *s = wy__calloc(job->ctx, 1, sizeof *s);
    if (s == NULL) {
        return WY_ENOMEM;
    }
    enum wy_status st = WY_OK;
    enum wy_pixel_format fmt = WY_PIX_RGB8;
    s->cinfo.err = jpeg_std_error(&s->err);
    s->err.error_exit = on_error_exit;
    s->err.emit_message = on_message;
    s->progress.progress_monitor = on_progress;
    if (setjmp(s->escape) != 0) {
        /* Every path to here went through a libjpeg call that wrote s->message. */
        st = s->too_many_scans ? WY_ETOOBIG : WY_ECORRUPT;
        wy__diag_set(job->diag, -1, s->code, "JPEG: %s%s", s->message,
                     s->truncated ? " (truncated file)" : "");
        goto out;
    }
    jpeg_create_decompress(&s->cinfo);
    s->cinfo.client_data = s;
    s->cinfo.progress = &s->progress;
    s->cinfo.mem->max_memory_to_use = JPEG_MAX_WORK_BYTES;
    jpeg_mem_src(&s->cinfo, job->data.ptr, (unsigned long)job->data.len);
    jpeg_save_markers(&s->cinfo, JPEG_APP0 + 1, 0xffff);
    if (jpeg_read_header(&s->cinfo, TRUE) != JPEG_HEADER_OK) {
        st = wy__fail(job->diag, WY_ECORRUPT, "JPEG: no image in file");
        goto out;
    }
    st = configure(job, s, &fmt);
    if (st == WY_OK) {
        st = read_pixels(job, s, fmt);
    }
    if (st == WY_OK && fmt == WY_PIX_RGBA8) {
        cmyk_to_rgb(s->img, s->cinfo.saw_Adobe_marker);
    }
    if (st == WY_OK) {
        struct wy_image *img = s->img;
        s->img = NULL;
        bool more;
        st = wy__decode_emit(job, img, 0, &more);
    }
out:
    jpeg_destroy_decompress(&s->cinfo);
    wy_image_free(job->ctx, s->img);
    wy__free(job->ctx, s);
    return st;
}

const struct wy__decoder wy__decoder_jpeg = {
    .format = WY_FORMAT_JPEG,
    .decode = jpeg_decode,
};
