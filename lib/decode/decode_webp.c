/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_webp.c: WebP stills and animations through libwebp and libwebpdemux.
 *
 * The canvas size is checked before libwebp is asked to allocate anything: from the VP8X chunk
 * when there is one, then from WebPGetFeatures(), which reads only the headers. Stills are decoded
 * by WebPDecode() straight into the wy_image (external output memory), as RGB, or RGBA when the
 * file has alpha. Animations go through WebPAnimDecoder, which composites each frame onto the full
 * canvas following the blend and dispose rules of the container; every canvas is copied into a
 * fresh image for wy__decode_emit(). The frame count is read from the demuxer and checked before
 * the first frame is decoded.
 *
 * The EXIF chunk, if any, is found with the demuxer. For a still, a container the demuxer will
 * not parse only costs the orientation (assumed 1): WebPDecode() then has the final word on
 * whether the file is usable, and its VP8StatusCode is turned into words for the diag.
 *
 * Lossy WebP is YUV 4:2:0; libwebp's default "fancy" chroma upsampling is kept because that is
 * what ImageMagick, and so Meta's PDQ reference, uses.
 */
#include "wy_setup.h"

#include <string.h>

#include <webp/decode.h>
#include <webp/demux.h>

#include "decode/decode_int.h"

static enum wy_status webp_fail(struct wy__decode_job *job, VP8StatusCode code, const char *when)
{
    static const char *const words[] = {
        [VP8_STATUS_OK] = "success",
        [VP8_STATUS_OUT_OF_MEMORY] = "out of memory",
        [VP8_STATUS_INVALID_PARAM] = "invalid parameter",
        [VP8_STATUS_BITSTREAM_ERROR] = "bitstream error",
        [VP8_STATUS_UNSUPPORTED_FEATURE] = "unsupported feature",
        [VP8_STATUS_SUSPENDED] = "decoding suspended",
        [VP8_STATUS_USER_ABORT] = "decoding aborted",
        [VP8_STATUS_NOT_ENOUGH_DATA] = "truncated file",
    };
    const unsigned idx = (unsigned)code;
    const char *what = idx < sizeof words / sizeof words[0] ? words[idx] : "unknown error";
    enum wy_status st = WY_ECORRUPT;
    if (code == VP8_STATUS_OUT_OF_MEMORY) {
        st = WY_ENOMEM;
    } else if (code == VP8_STATUS_UNSUPPORTED_FEATURE) {
        st = WY_EFORMAT;
    } else if (code == VP8_STATUS_INVALID_PARAM) {
        st = WY_EINTERNAL; /* we built the parameters: a bug, not bad input */
    }
    wy__diag_set(job->diag, -1, (int)code, "WebP: %s (%s)", what, when);
    return st;
}

/* Orientation from the EXIF chunk; 1 when there is none or it cannot be found. */
static uint8_t exif_orientation(const WebPDemuxer *demux)
{
    uint8_t orientation = 1;
    WebPChunkIterator iter;
    if (demux == NULL || (WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS) & EXIF_FLAG) == 0) {
        return orientation;
    }
    if (WebPDemuxGetChunk(demux, "EXIF", 1, &iter)) {
        orientation = wy__exif_orientation((struct wy_bytes){iter.chunk.bytes, iter.chunk.size});
        WebPDemuxReleaseChunkIterator(&iter);
    }
    return orientation;
}

static enum wy_status decode_still(struct wy__decode_job *job, const WebPBitstreamFeatures *f)
{
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        return wy__fail(job->diag, WY_EINTERNAL, "WebP: library version mismatch");
    }
    struct wy_image *img;
    const enum wy_pixel_format fmt = f->has_alpha ? WY_PIX_RGBA8 : WY_PIX_RGB8;
    enum wy_status st = wy_image_new(job->ctx, (uint32_t)f->width, (uint32_t)f->height, fmt, &img);
    if (st != WY_OK) {
        return st;
    }
    config.output.colorspace = f->has_alpha ? MODE_RGBA : MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = img->pixels;
    config.output.u.RGBA.stride = (int)img->stride_bytes;
    config.output.u.RGBA.size = img->stride_bytes * img->height_px;
    const VP8StatusCode code = WebPDecode(job->data.ptr, job->data.len, &config);
    WebPFreeDecBuffer(&config.output); /* frees nothing of ours: the memory is external */
    if (code != VP8_STATUS_OK) {
        wy_image_free(job->ctx, img);
        return webp_fail(job, code, "decoding the image");
    }
    bool more;
    return wy__decode_emit(job, img, 0, &more);
}

/* The decoder's canvas is RGBA with rows packed; a fresh image takes a copy for the caller. */
static enum wy_status emit_canvas(struct wy__decode_job *job, const WebPAnimInfo *info,
                                  const uint8_t *canvas, uint64_t pts_ms, bool *more)
{
    struct wy_image *img;
    const enum wy_status st =
        wy_image_new(job->ctx, info->canvas_width, info->canvas_height, WY_PIX_RGBA8, &img);
    if (st != WY_OK) {
        return st;
    }
    const size_t row_bytes = (size_t)info->canvas_width * 4;
    for (uint32_t y = 0; y < info->canvas_height; y++) {
        memcpy(wy_image_row(img, y), canvas + (size_t)y * row_bytes, row_bytes);
    }
    return wy__decode_emit(job, img, pts_ms, more);
}

static enum wy_status decode_frames(struct wy__decode_job *job, WebPAnimDecoder *dec)
{
    WebPAnimInfo info;
    if (!WebPAnimDecoderGetInfo(dec, &info)) {
        return wy__fail(job->diag, WY_EINTERNAL, "WebP: no animation info");
    }
    enum wy_status st = wy__decode_check_size(job, info.canvas_width, info.canvas_height);
    bool more = true;
    /* libwebp reports when each frame ENDS; a frame starts when the previous one ended. */
    int start_ms = 0;
    while (st == WY_OK && more && WebPAnimDecoderHasMoreFrames(dec)) {
        uint8_t *canvas;
        int end_ms;
        if (!WebPAnimDecoderGetNext(dec, &canvas, &end_ms)) {
            return wy__fail(job->diag, WY_ECORRUPT, "WebP: frame %u is corrupt or truncated",
                            job->emitted + 1);
        }
        st = emit_canvas(job, &info, canvas, start_ms > 0 ? (uint64_t)start_ms : 0, &more);
        start_ms = end_ms;
    }
    return st;
}

static enum wy_status decode_animation(struct wy__decode_job *job, const WebPDemuxer *demux)
{
    if (demux == NULL) {
        return wy__fail(job->diag, WY_ECORRUPT, "WebP: malformed or truncated animation");
    }
    const uint32_t frames = WebPDemuxGetI(demux, WEBP_FF_FRAME_COUNT);
    enum wy_status st = wy__decode_check_frames(job, frames);
    if (st != WY_OK) {
        return st;
    }
    WebPAnimDecoderOptions opts;
    if (!WebPAnimDecoderOptionsInit(&opts)) {
        return wy__fail(job->diag, WY_EINTERNAL, "WebP: library version mismatch");
    }
    opts.color_mode = MODE_RGBA;
    opts.use_threads = 0; /* callers parallelise across files */
    const WebPData data = {job->data.ptr, job->data.len};
    WebPAnimDecoder *dec = WebPAnimDecoderNew(&data, &opts);
    if (dec == NULL) {
        /* The demuxer accepted the container, so what failed is allocation or a frame header. */
        return wy__fail(job->diag, WY_ECORRUPT, "WebP: cannot set up the animation decoder");
    }
    st = decode_frames(job, dec);
    WebPAnimDecoderDelete(dec);
    return st;
}

static uint32_t le24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

/*
 * An extended file states its canvas in the VP8X chunk, which must come first. libwebp calls a
 * canvas over 2^32 pixels a bitstream error; reading the size here first reports any canvas over
 * our limits as too big, the same answer whatever the size claimed.
 */
static enum wy_status check_vp8x_canvas(struct wy__decode_job *job)
{
    const uint8_t *p = job->data.ptr;
    if (job->data.len < 30 || memcmp(p + 12, "VP8X", 4) != 0) {
        return WY_OK;
    }
    return wy__decode_check_size(job, (uint64_t)le24(p + 24) + 1, (uint64_t)le24(p + 27) + 1);
}

static enum wy_status webp_decode(struct wy__decode_job *job)
{
    WebPBitstreamFeatures f;
    enum wy_status st = check_vp8x_canvas(job);
    if (st != WY_OK) {
        return st;
    }
    const VP8StatusCode code = WebPGetFeatures(job->data.ptr, job->data.len, &f);
    if (code != VP8_STATUS_OK) {
        return webp_fail(job, code, "reading the header");
    }
    st = wy__decode_check_size(job, (uint64_t)f.width, (uint64_t)f.height);
    if (st != WY_OK) {
        return st;
    }
    job->info->has_alpha = f.has_alpha != 0;
    const WebPData data = {job->data.ptr, job->data.len};
    WebPDemuxer *demux = WebPDemux(&data);
    job->info->orientation = exif_orientation(demux);
    if (f.has_animation) {
        st = decode_animation(job, demux);
    } else {
        st = decode_still(job, &f);
    }
    WebPDemuxDelete(demux);
    return st;
}

const struct wy__decoder wy__decoder_webp = {
    .format = WY_FORMAT_WEBP,
    .decode = webp_decode,
};
