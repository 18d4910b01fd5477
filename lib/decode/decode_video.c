/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_video.c: video frame sampling with FFmpeg (libavformat, libavcodec, libswscale).
 *
 * The input is read from memory through a custom AVIOContext, so nothing touches the disk and
 * the demuxer can only see the bytes it was given. Only the container formats withyou supports
 * are allowed (format_whitelist), so a crafted file cannot reach FFmpeg's rarer demuxers.
 *
 * Sampling: grid time g (0, interval, ...) takes the first frame whose timestamp reaches g.
 * Fast decoding tells the decoder, packet by packet, to drop non-reference frames unless the
 * packet's timestamp lies just after the next grid time: a dropped frame is one no sample and
 * no later frame needs, so the sampled frames are the very frames a full decode would give.
 * Codecs with a low-resolution mode (MPEG-4 Part 2, MJPEG, ...) decode at the smallest scale
 * that still covers WY_VIDEO_SAMPLE_PX.
 */
#include "wy_setup.h"

#include <math.h>
#include <string.h>

#include "core/core_int.h"
#include "decode/decode_avlib.h"
#include "withyou/decode.h"
#include "withyou/video.h"

#define IO_BUFFER_BYTES (64u * 1024u)
/* Demuxers withyou opens (FFmpeg's names). Raw elementary streams and image demuxers are left
 * out: still images have their own decoders, and raw streams carry no timestamps. */
#define FORMAT_WHITELIST "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,flv,mpegts,mpeg,ogg"
/* Corrupt input makes decoders fail packet after packet; past this many we call it truncated. */
#define MAX_DECODE_ERRORS 1000

struct mem_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
};

static int mem_read(void *opaque, uint8_t *buf, int size)
{
    struct mem_reader *r = opaque;
    const size_t left = r->len - r->pos;
    if (left == 0) {
        return AVERROR_EOF;
    }
    const size_t n = (size_t)size < left ? (size_t)size : left;
    memcpy(buf, r->data + r->pos, n);
    r->pos += n;
    return (int)n;
}

static int64_t mem_seek(void *opaque, int64_t offset, int whence)
{
    struct mem_reader *r = opaque;
    int64_t base;
    switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
        return (int64_t)r->len;
    case SEEK_SET:
        base = 0;
        break;
    case SEEK_CUR:
        base = (int64_t)r->pos;
        break;
    case SEEK_END:
        base = (int64_t)r->len;
        break;
    default:
        return AVERROR(EINVAL);
    }
    if (offset > (int64_t)r->len - base || offset < -base) {
        return AVERROR(EINVAL);
    }
    r->pos = (size_t)(base + offset);
    return (int64_t)r->pos;
}

/* Everything one decoding run owns; released by run_fini() whatever happened. */
struct run {
    struct wy_ctx *ctx;
    const struct wy_video_opts *opts;
    struct wy_video_info *info;
    struct wy_diag *diag;
    wy_video_sample_fn fn;
    void *user;

    struct mem_reader reader;
    AVIOContext *io;
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVStream *st;
    AVPacket *pkt;
    AVFrame *frame;
    struct SwsContext *sws;
    uint8_t *plane;   /* scaled luminance, WY_VIDEO_SAMPLE_PX squared at most */
    uint8_t *rotated; /* same size, for rotated streams */

    int64_t origin_pts; /* stream time that maps to 0 ms */
    int64_t next_grid_ms;
    uint64_t samples;
    uint64_t errors;
    int64_t last_ms;
    bool flip; /* display matrix mirrors the picture */
};

static void run_fini(struct run *r)
{
    wy__av.sws_freeContext(r->sws);
    wy__av.av_frame_free(&r->frame);
    wy__av.av_packet_free(&r->pkt);
    wy__av.avcodec_free_context(&r->dec);
    wy__av.avformat_close_input(&r->fmt);
    if (r->io != NULL) {
        wy__av.av_freep(&r->io->buffer);
        wy__av.avio_context_free(&r->io);
    }
    wy__free(r->ctx, r->plane);
    wy__free(r->ctx, r->rotated);
}

static void av_message(int err, char *buf, size_t len)
{
    if (wy__av.av_strerror(err, buf, len) != 0) {
        snprintf(buf, len, "error %d", err);
    }
}

static enum wy_status fail_av(struct run *r, enum wy_status st, const char *what, int err)
{
    char msg[128];
    av_message(err, msg, sizeof msg);
    return wy__fail(r->diag, st, "video: %s: %s", what, msg);
}

static enum wy_status open_input(struct run *r)
{
    uint8_t *buf = wy__av.av_malloc(IO_BUFFER_BYTES);
    if (buf == NULL) {
        return WY_ENOMEM;
    }
    r->io =
        wy__av.avio_alloc_context(buf, IO_BUFFER_BYTES, 0, &r->reader, mem_read, NULL, mem_seek);
    if (r->io == NULL) {
        wy__av.av_free(buf);
        return WY_ENOMEM;
    }
    r->fmt = wy__av.avformat_alloc_context();
    if (r->fmt == NULL) {
        return WY_ENOMEM;
    }
    r->fmt->pb = r->io;
    r->fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    r->fmt->format_whitelist = wy__av.av_strdup(FORMAT_WHITELIST);
    if (r->fmt->format_whitelist == NULL) {
        return WY_ENOMEM;
    }
    const int err = wy__av.avformat_open_input(&r->fmt, NULL, NULL, NULL);
    if (err < 0) {
        /* avformat_open_input frees the context on failure. */
        return fail_av(r, err == AVERROR(ENOMEM) ? WY_ENOMEM : WY_EFORMAT, "cannot open", err);
    }
    if (r->fmt->nb_streams > r->opts->max_streams) {
        return wy__fail(r->diag, WY_ETOOBIG, "video: %u streams, limit %u", r->fmt->nb_streams,
                        r->opts->max_streams);
    }
    const int info_err = wy__av.avformat_find_stream_info(r->fmt, NULL);
    if (info_err < 0) {
        return fail_av(r, WY_ECORRUPT, "cannot read stream info", info_err);
    }
    return WY_OK;
}

/* Clockwise display rotation in degrees (0, 90, 180, 270) and mirroring from the stream's
 * display matrix, the way players apply it. */
static int display_rotation(const AVStream *st, bool *flip)
{
    size_t size = 0;
    const int32_t *m =
        (const int32_t *)wy__av.av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    *flip = false;
    if (m == NULL || size < 9 * sizeof(int32_t)) {
        return 0;
    }
    /* A negative determinant means the matrix mirrors; undo the mirror to read the angle. */
    int32_t mm[9];
    memcpy(mm, m, sizeof mm);
    if ((int64_t)mm[0] * mm[4] - (int64_t)mm[1] * mm[3] < 0) {
        *flip = true;
        wy__av.av_display_matrix_flip(mm, 1, 0);
    }
    const double angle = -wy__av.av_display_rotation_get(mm);
    if (isnan(angle)) {
        return 0;
    }
    long deg = lround(angle / 90.0) * 90 % 360;
    return (int)(deg < 0 ? deg + 360 : deg);
}

static enum wy_status check_limits(struct run *r, const AVCodecParameters *par)
{
    const uint32_t max_side = r->opts->max_side_px;
    if (par->width <= 0 || par->height <= 0) {
        return wy__fail(r->diag, WY_ECORRUPT, "video: stream has no frame size");
    }
    if ((uint32_t)par->width > max_side || (uint32_t)par->height > max_side) {
        return wy__fail(r->diag, WY_ETOOBIG, "video: %dx%d frames, limit %u px a side", par->width,
                        par->height, max_side);
    }
    const int64_t duration_us = r->fmt->duration;
    if (duration_us != AV_NOPTS_VALUE && duration_us > 0 &&
        (uint64_t)(duration_us / 1000) > r->opts->max_duration_ms) {
        return wy__fail(r->diag, WY_ETOOBIG, "video: %lld s long, limit %llu s",
                        (long long)(duration_us / 1000000),
                        (unsigned long long)(r->opts->max_duration_ms / 1000));
    }
    return WY_OK;
}

/* The best video stream that is not a cover picture. */
static AVStream *pick_stream(AVFormatContext *fmt)
{
    const int best = wy__av.av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (best >= 0 && !(fmt->streams[best]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
        return fmt->streams[best];
    }
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        AVStream *st = fmt->streams[i];
        if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
            !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
            return st;
        }
    }
    return NULL;
}

/* Smallest low-resolution level (1/2^n) that keeps both sides at or above the sample size. */
static int lowres_level(const AVCodec *codec, const AVCodecParameters *par)
{
    int level = 0;
    while (level < codec->max_lowres && (par->width >> (level + 1)) >= (int)WY_VIDEO_SAMPLE_PX &&
           (par->height >> (level + 1)) >= (int)WY_VIDEO_SAMPLE_PX) {
        level++;
    }
    return level;
}

static enum wy_status open_decoder(struct run *r)
{
    r->st = pick_stream(r->fmt);
    if (r->st == NULL) {
        return wy__fail(r->diag, WY_EFORMAT, "video: no video stream");
    }
    const AVCodecParameters *par = r->st->codecpar;
    const AVCodec *codec = wy__av.avcodec_find_decoder(par->codec_id);
    if (codec == NULL) {
        return wy__fail(r->diag, WY_EFORMAT, "video: no decoder for codec '%s'",
                        wy__av.avcodec_get_name(par->codec_id));
    }
    enum wy_status st = check_limits(r, par);
    if (st != WY_OK) {
        return st;
    }
    r->dec = wy__av.avcodec_alloc_context3(codec);
    if (r->dec == NULL) {
        return WY_ENOMEM;
    }
    int err = wy__av.avcodec_parameters_to_context(r->dec, par);
    if (err < 0) {
        return fail_av(r, WY_ECORRUPT, "bad codec parameters", err);
    }
    r->dec->pkt_timebase = r->st->time_base;
    r->dec->thread_count = r->opts->threads > 0 ? r->opts->threads : 1;
    /* The decoder refuses larger frames (a size change mid-stream) before allocating them. */
    r->dec->max_pixels = (int64_t)r->opts->max_side_px * r->opts->max_side_px;
    if (r->opts->decode == WY_VIDEO_DECODE_FAST) {
        r->dec->lowres = lowres_level(codec, par);
    }
    err = wy__av.avcodec_open2(r->dec, codec, NULL);
    if (err < 0) {
        return fail_av(r, WY_EFORMAT, "cannot open the decoder", err);
    }
    snprintf(r->info->codec, sizeof r->info->codec, "%s", codec->name);
    r->info->rotation_deg = display_rotation(r->st, &r->flip);
    const bool sideways = r->info->rotation_deg % 180 != 0;
    r->info->width_px = (uint32_t)(sideways ? par->height : par->width);
    r->info->height_px = (uint32_t)(sideways ? par->width : par->height);
    const AVRational fr =
        r->st->avg_frame_rate.num > 0 ? r->st->avg_frame_rate : r->st->r_frame_rate;
    r->info->frame_rate = fr.den > 0 && fr.num > 0 ? av_q2d(fr) : 0.0;
    if (r->fmt->duration != AV_NOPTS_VALUE && r->fmt->duration > 0) {
        r->info->duration_ms = r->fmt->duration / 1000;
    }
    r->origin_pts = r->st->start_time;
    return WY_OK;
}

static int64_t pts_to_ms(const struct run *r, int64_t pts)
{
    return wy__av.av_rescale_q(pts - r->origin_pts, r->st->time_base, (AVRational){1, 1000});
}

/* Fast mode: decode every frame a sample may need, drop the non-reference rest. */
static void choose_skip(struct run *r, const AVPacket *pkt)
{
    if (r->opts->decode != WY_VIDEO_DECODE_FAST) {
        return;
    }
    bool candidate = true; /* without a timestamp any packet may hold the next sample */
    if (pkt->pts != AV_NOPTS_VALUE && r->origin_pts != AV_NOPTS_VALUE) {
        const int64_t ms = pts_to_ms(r, pkt->pts);
        candidate =
            ms >= r->next_grid_ms && ms < r->next_grid_ms + (int64_t)r->opts->interval_ms / 2 + 1;
    }
    r->dec->skip_frame = candidate ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
}

static void rotate_plane(const uint8_t *src, uint32_t w, uint32_t h, int deg, bool flip,
                         uint8_t *dst, uint32_t *out_w, uint32_t *out_h)
{
    const bool sideways = deg % 180 != 0;
    const uint32_t ow = sideways ? h : w;
    const uint32_t oh = sideways ? w : h;
    for (uint32_t y = 0; y < oh; y++) {
        for (uint32_t x = 0; x < ow; x++) {
            const uint32_t fx = flip ? ow - 1 - x : x; /* mirror is applied after rotating */
            uint32_t sx;
            uint32_t sy;
            if (deg == 90) {
                sx = y;
                sy = h - 1 - fx;
            } else if (deg == 180) {
                sx = w - 1 - fx;
                sy = h - 1 - y;
            } else if (deg == 270) {
                sx = w - 1 - y;
                sy = fx;
            } else {
                sx = fx;
                sy = y;
            }
            dst[(size_t)y * ow + x] = src[(size_t)sy * w + sx];
        }
    }
    *out_w = ow;
    *out_h = oh;
}

/* A row or column of a letterbox or pillarbox bar: dark and flat (compression noise only). */
static bool bar_line(const uint8_t *p, size_t step, uint32_t n)
{
    unsigned lo = 255;
    unsigned hi = 0;
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned v = p[(size_t)i * step];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += v;
    }
    return hi - lo <= 24 && sum <= (uint64_t)40 * n;
}

/* Bars to cut from one edge: up to a third of the side. */
static uint32_t bar_depth(const uint8_t *first, ptrdiff_t next_line, size_t step, uint32_t n,
                          uint32_t side)
{
    uint32_t depth = 0;
    while (depth < side / 3 && bar_line(first + next_line * (ptrdiff_t)depth, step, n)) {
        depth++;
    }
    /* The line where picture meets bar is a blend of both after scaling: cut it too. */
    return depth >= 2 ? depth + 1 : 0;
}

/* Letterbox and pillarbox bars (black bands added to fit another frame shape) are not part of
 * the picture: the sample is the picture inside them, so that a re-upload in a 4:3 frame hashes
 * like its 16:9 original. A frame that is dark all over (a fade) keeps its size. */
static void crop_bars(struct wy_video_sample *s)
{
    const uint32_t w = s->width_px;
    const uint32_t h = s->height_px;
    const ptrdiff_t stride = (ptrdiff_t)s->stride_bytes;
    const uint8_t *p = s->luma;
    const uint32_t top = bar_depth(p, stride, 1, w, h);
    const uint32_t bottom = bar_depth(p + (ptrdiff_t)(h - 1) * stride, -stride, 1, w, h);
    const uint32_t left = bar_depth(p, 1, (size_t)stride, h, w);
    const uint32_t right = bar_depth(p + (w - 1), -1, (size_t)stride, h, w);
    if (top + bottom < h / 2) {
        s->luma += (ptrdiff_t)top * stride;
        s->height_px = h - top - bottom;
    }
    if (left + right < w / 2) {
        s->luma += left;
        s->width_px = w - left - right;
    }
}

/* The sample plane's size: the frame's shape, the longer side at most WY_VIDEO_SAMPLE_PX. */
static void sample_size(const AVFrame *f, uint32_t *w, uint32_t *h)
{
    const uint32_t fw = (uint32_t)f->width;
    const uint32_t fh = (uint32_t)f->height;
    const uint32_t longer = fw > fh ? fw : fh;
    if (longer <= WY_VIDEO_SAMPLE_PX) {
        *w = fw;
        *h = fh;
        return;
    }
    *w = (uint32_t)(((uint64_t)fw * WY_VIDEO_SAMPLE_PX + longer / 2) / longer);
    *h = (uint32_t)(((uint64_t)fh * WY_VIDEO_SAMPLE_PX + longer / 2) / longer);
    *w = *w > 0 ? *w : 1;
    *h = *h > 0 ? *h : 1;
}

static enum wy_status emit_sample(struct run *r, const AVFrame *f, int64_t ms)
{
    uint32_t dw;
    uint32_t dh;
    sample_size(f, &dw, &dh);
    r->sws =
        wy__av.sws_getCachedContext(r->sws, f->width, f->height, (enum AVPixelFormat)f->format,
                                    (int)dw, (int)dh, AV_PIX_FMT_GRAY8, SWS_AREA, NULL, NULL, NULL);
    if (r->sws == NULL) {
        return wy__fail(r->diag, WY_EFORMAT, "video: cannot convert pixel format %s",
                        wy__av.av_get_pix_fmt_name((enum AVPixelFormat)f->format));
    }
    uint8_t *dst[4] = {r->plane, NULL, NULL, NULL};
    const int dst_stride[4] = {(int)dw, 0, 0, 0};
    if (wy__av.sws_scale(r->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst,
                         dst_stride) <= 0) {
        return wy__fail(r->diag, WY_ECORRUPT, "video: frame conversion failed");
    }
    struct wy_video_sample s = {r->plane, dw, dh, dw, ms, 0};
    if (r->info->rotation_deg != 0 || r->flip) {
        rotate_plane(r->plane, dw, dh, r->info->rotation_deg, r->flip, r->rotated, &s.width_px,
                     &s.height_px);
        s.luma = r->rotated;
        s.stride_bytes = s.width_px;
    }
    crop_bars(&s);
    s.frame_no = r->info->frame_rate > 0 ? llround((double)ms * r->info->frame_rate / 1000.0)
                                         : (int64_t)r->info->frames_decoded - 1;
    r->samples++;
    return r->fn(r->user, &s);
}

static enum wy_status on_frame(struct run *r, const AVFrame *f)
{
    r->info->frames_decoded++;
    int64_t pts = f->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE) {
        return WY_OK; /* cannot be placed on the grid */
    }
    if (r->origin_pts == AV_NOPTS_VALUE) {
        r->origin_pts = pts;
    }
    const int64_t ms = pts_to_ms(r, pts);
    if (ms < r->next_grid_ms || ms < r->last_ms) {
        return WY_OK; /* before the next grid time, or a timestamp going backwards */
    }
    if ((uint64_t)ms > r->opts->max_duration_ms) {
        r->info->truncated = true;
        return wy__fail(r->diag, WY_ETOOBIG, "video: runs past the %llu s limit",
                        (unsigned long long)(r->opts->max_duration_ms / 1000));
    }
    if (r->samples >= r->opts->max_frames) {
        return wy__fail(r->diag, WY_ETOOBIG, "video: more than %llu samples",
                        (unsigned long long)r->opts->max_frames);
    }
    r->last_ms = ms;
    const int64_t step = r->opts->interval_ms;
    r->next_grid_ms = (ms / step + 1) * step;
    return emit_sample(r, f, ms);
}

/* Sends one packet (NULL flushes) and takes every frame the decoder has ready. */
static enum wy_status decode_packet(struct run *r, const AVPacket *pkt)
{
    int err = wy__av.avcodec_send_packet(r->dec, pkt);
    if (err < 0 && err != AVERROR(EAGAIN) && err != AVERROR_EOF) {
        if (err == AVERROR(ENOMEM)) {
            return WY_ENOMEM;
        }
        r->errors++; /* the decoder conceals; the stream goes on */
    }
    for (;;) {
        err = wy__av.avcodec_receive_frame(r->dec, r->frame);
        if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) {
            return WY_OK;
        }
        if (err < 0) {
            if (err == AVERROR(ENOMEM)) {
                return WY_ENOMEM;
            }
            r->errors++;
            return WY_OK;
        }
        const enum wy_status st = on_frame(r, r->frame);
        wy__av.av_frame_unref(r->frame);
        if (st != WY_OK) {
            return st;
        }
    }
}

static void note_truncated(struct run *r, const char *why)
{
    if (!r->info->truncated) {
        r->info->truncated = true;
        wy__diag_set(r->diag, (int64_t)r->reader.pos, 0, "video: %s after %.1f s", why,
                     (double)r->last_ms / 1000.0);
    }
}

static enum wy_status read_all_packets(struct run *r)
{
    enum wy_status st = WY_OK;
    for (;;) {
        const int err = wy__av.av_read_frame(r->fmt, r->pkt);
        if (err == AVERROR_EOF) {
            break;
        }
        if (err < 0) {
            char msg[96];
            av_message(err, msg, sizeof msg);
            note_truncated(r, msg);
            break;
        }
        if (r->pkt->stream_index == r->st->index) {
            choose_skip(r, r->pkt);
            st = decode_packet(r, r->pkt);
        }
        wy__av.av_packet_unref(r->pkt);
        if (st != WY_OK) {
            return st;
        }
        if (r->errors > MAX_DECODE_ERRORS) {
            note_truncated(r, "too many decoding errors");
            break;
        }
    }
    r->dec->skip_frame = AVDISCARD_DEFAULT;
    return decode_packet(r, NULL);
}

/* A stream that ends well before its stated duration was cut short. */
static void check_complete(struct run *r)
{
    const int64_t stated = r->info->duration_ms;
    const int64_t slack = 2 * (int64_t)r->opts->interval_ms + 1000;
    if (r->errors > 0) {
        note_truncated(r, "decoding errors");
    } else if (stated > 0 && r->last_ms + slack < stated) {
        note_truncated(r, "stream ends early");
    }
}

enum wy_status wy_video_decode_memory(struct wy_ctx *ctx, const uint8_t *data, size_t len,
                                      const struct wy_video_opts *opts, wy_video_sample_fn fn,
                                      void *user, struct wy_video_info *info, struct wy_diag *diag)
{
    memset(info, 0, sizeof *info);
    wy_diag_clear(diag);
    if ((data == NULL && len > 0) || opts->interval_ms == 0) {
        return WY_EINVAL;
    }
    if (len == 0) {
        return wy__fail(diag, WY_EEMPTY, "empty file");
    }
    const enum wy_status loaded = wy__av_load(diag);
    if (loaded != WY_OK) {
        return loaded;
    }
    struct run r = {.ctx = ctx,
                    .opts = opts,
                    .info = info,
                    .diag = diag,
                    .fn = fn,
                    .user = user,
                    .reader = {data, len, 0}};
    enum wy_status st = open_input(&r);
    if (st == WY_OK) {
        st = open_decoder(&r);
    }
    if (st == WY_OK) {
        r.pkt = wy__av.av_packet_alloc();
        r.frame = wy__av.av_frame_alloc();
        r.plane = wy__alloc(ctx, (size_t)WY_VIDEO_SAMPLE_PX * WY_VIDEO_SAMPLE_PX);
        /* A second plane only for streams that are displayed rotated or mirrored. */
        const bool turned = info->rotation_deg != 0 || r.flip;
        r.rotated = turned ? wy__alloc(ctx, (size_t)WY_VIDEO_SAMPLE_PX * WY_VIDEO_SAMPLE_PX) : NULL;
        st = r.pkt && r.frame && r.plane && (r.rotated || !turned) ? WY_OK : WY_ENOMEM;
    }
    if (st == WY_OK) {
        st = read_all_packets(&r);
    }
    if (st == WY_OK) {
        check_complete(&r);
        if (r.samples == 0) {
            st = wy__fail(diag, WY_ECORRUPT, "video: no decodable frame");
        }
    }
    run_fini(&r);
    return st;
}

void wy_video_opts_init(struct wy_video_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->interval_ms = 1000;
    opts->collapse_distance = -1;
    opts->decode = WY_VIDEO_DECODE_FAST;
    opts->threads = 1;
    opts->max_side_px = 8192;
    opts->max_duration_ms = 6ull * 3600 * 1000;
    opts->max_streams = 64;
    opts->max_frames = 100000;
    opts->max_file_bytes = 16ull << 30;
}

bool wy_video_sniff(const uint8_t *data, size_t len)
{
    if (data == NULL || len < 12) {
        return false;
    }
    /* HEIF and AVIF stills share the ISO container (and RIFF is WebP's too): anything the image
     * decoders claim is not a video. */
    if (wy_decode_sniff((struct wy_bytes){data, len}) != WY_FORMAT_UNKNOWN) {
        return false;
    }
    if (memcmp(data + 4, "ftyp", 4) == 0) {
        return true;
    }
    /* QuickTime files written without ftyp start with one of these atoms. */
    if (memcmp(data + 4, "moov", 4) == 0 || memcmp(data + 4, "mdat", 4) == 0 ||
        memcmp(data + 4, "wide", 4) == 0 || memcmp(data + 4, "free", 4) == 0) {
        return true;
    }
    static const uint8_t ebml[4] = {0x1a, 0x45, 0xdf, 0xa3};
    static const uint8_t mpeg_ps[4] = {0x00, 0x00, 0x01, 0xba};
    if (memcmp(data, ebml, 4) == 0 || memcmp(data, mpeg_ps, 4) == 0 ||
        memcmp(data, "OggS", 4) == 0 || (memcmp(data, "FLV", 3) == 0 && data[3] == 1) ||
        (memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "AVI ", 4) == 0)) {
        return true;
    }
    /* MPEG-TS: a sync byte every 188 bytes (192 for M2TS with its 4-byte prefix). */
    if (len >= 3 * 188 && data[0] == 0x47 && data[188] == 0x47 && data[376] == 0x47) {
        return true;
    }
    return len >= 4 + 3 * 192 && data[4] == 0x47 && data[196] == 0x47 && data[388] == 0x47;
}
