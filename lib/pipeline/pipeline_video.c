/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline_video.c: one video to its fingerprint: the decoder's sampled luminance planes go
 * through PDQ one by one (nothing but the current plane is kept), and the file's bytes through
 * SHA-256 and MD5.
 */
#include "wy_setup.h"

#include <string.h>

#include "core/core_int.h"
#include "withyou/video.h"

struct video_job {
    struct wy_ctx *ctx;
    struct wy_pdq_ws *ws;
    const struct wy_video_opts *opts;
    struct wy_video_fp *fp;
    size_t cap;
    size_t zoomed_cap;
    float *luma; /* WY_VIDEO_SAMPLE_PX squared */
};

/* Centred crops hashed for opts.zoomed, in percent of each side kept. */
static const uint32_t zoom_percent[] = {90, 80};
#define ZOOMS (sizeof zoom_percent / sizeof zoom_percent[0])

static enum wy_status grow(struct video_job *job)
{
    struct wy_video_fp *fp = job->fp;
    const size_t cap = job->cap ? job->cap * 2 : 64;
    struct wy_video_frame *frames = wy__realloc(job->ctx, fp->frames, cap * sizeof *frames);
    if (frames == NULL) {
        return WY_ENOMEM;
    }
    fp->frames = frames;
    if (job->opts->dihedral) {
        struct wy_pdq_hash *dih =
            wy__realloc(job->ctx, fp->dihedral, cap * WY_DIH_COUNT * sizeof *dih);
        if (dih == NULL) {
            return WY_ENOMEM;
        }
        fp->dihedral = dih;
    }
    job->cap = cap;
    return WY_OK;
}

static enum wy_status grow_zoomed(struct video_job *job)
{
    struct wy_video_fp *fp = job->fp;
    const size_t cap = job->zoomed_cap ? job->zoomed_cap * 2 : 64 * ZOOMS;
    struct wy_video_frame *z = wy__realloc(job->ctx, fp->zoomed, cap * sizeof *z);
    if (z == NULL) {
        return WY_ENOMEM;
    }
    fp->zoomed = z;
    job->zoomed_cap = cap;
    return WY_OK;
}

/* Hashes the w x h window at (x0, y0) of the sample (PDQ takes any size: its box filters
 * decimate to 64x64 from there). */
static enum wy_status hash_window(struct video_job *job, const struct wy_video_sample *s,
                                  uint32_t x0, uint32_t y0, uint32_t w, uint32_t h,
                                  struct wy_video_frame *f, struct wy_pdq_hash *dihedral)
{
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *row = s->luma + (size_t)(y0 + y) * s->stride_bytes + x0;
        float *out = job->luma + (size_t)y * w;
        for (uint32_t x = 0; x < w; x++) {
            out[x] = (float)row[x];
        }
    }
    f->start_ms = s->time_ms;
    f->end_ms = s->time_ms;
    f->frame_no = s->frame_no;
    return wy_pdq_hash_luma(job->ws, job->luma, w, h, &f->pdq, dihedral, &f->quality);
}

static enum wy_status add_zoomed(struct video_job *job, const struct wy_video_sample *s)
{
    struct wy_video_fp *fp = job->fp;
    for (size_t z = 0; z < ZOOMS; z++) {
        if (fp->zoomed_count == job->zoomed_cap) {
            const enum wy_status st = grow_zoomed(job);
            if (st != WY_OK) {
                return st;
            }
        }
        const uint32_t w = s->width_px * zoom_percent[z] / 100;
        const uint32_t h = s->height_px * zoom_percent[z] / 100;
        if (w == 0 || h == 0) {
            continue;
        }
        const enum wy_status st = hash_window(job, s, (s->width_px - w) / 2, (s->height_px - h) / 2,
                                              w, h, &fp->zoomed[fp->zoomed_count], NULL);
        if (st != WY_OK) {
            return st;
        }
        fp->zoomed_count++;
    }
    return WY_OK;
}

static enum wy_status on_sample(void *user, const struct wy_video_sample *s)
{
    struct video_job *job = user;
    struct wy_video_fp *fp = job->fp;
    if (fp->count == job->cap) {
        const enum wy_status st = grow(job);
        if (st != WY_OK) {
            return st;
        }
    }
    struct wy_pdq_hash *dih = job->opts->dihedral ? fp->dihedral + fp->count * WY_DIH_COUNT : NULL;
    const enum wy_status st =
        hash_window(job, s, 0, 0, s->width_px, s->height_px, &fp->frames[fp->count], dih);
    if (st != WY_OK) {
        return st;
    }
    fp->count++;
    return job->opts->zoomed ? add_zoomed(job, s) : WY_OK;
}

void wy_video_fp_clear(struct wy_ctx *ctx, struct wy_video_fp *fp)
{
    if (fp == NULL) {
        return;
    }
    wy__free(ctx, fp->frames);
    wy__free(ctx, fp->dihedral);
    wy__free(ctx, fp->zoomed);
    memset(fp, 0, sizeof *fp);
}

void wy_video_collapse(struct wy_video_fp *fp, int distance)
{
    if (fp->count == 0 || distance < 0) {
        return;
    }
    size_t kept = 0;
    for (size_t i = 1; i < fp->count; i++) {
        struct wy_video_frame *run = &fp->frames[kept];
        if (wy_pdq_distance(&run->pdq, &fp->frames[i].pdq) <= distance) {
            run->end_ms = fp->frames[i].end_ms;
            continue;
        }
        kept++;
        fp->frames[kept] = fp->frames[i];
        if (fp->dihedral != NULL) {
            memmove(fp->dihedral + kept * WY_DIH_COUNT, fp->dihedral + i * WY_DIH_COUNT,
                    WY_DIH_COUNT * sizeof *fp->dihedral);
        }
    }
    fp->count = kept + 1;
}

enum wy_status wy_video_hash_memory(struct wy_ctx *ctx, const uint8_t *data, size_t len,
                                    const struct wy_video_opts *opts, struct wy_video_fp *out,
                                    struct wy_diag *diag)
{
    memset(out, 0, sizeof *out);
    struct video_job job = {.ctx = ctx, .opts = opts, .fp = out};
    enum wy_status st = wy_digest_bytes((struct wy_bytes){data, len}, &out->digest);
    if (st != WY_OK) {
        return wy__fail(diag, st, "digest failed");
    }
    job.luma = wy__alloc(ctx, (size_t)WY_VIDEO_SAMPLE_PX * WY_VIDEO_SAMPLE_PX * sizeof(float));
    st = job.luma == NULL ? WY_ENOMEM : wy_pdq_ws_new(ctx, &job.ws);
    struct wy_video_info info;
    if (st == WY_OK) {
        st = wy_video_decode_memory(ctx, data, len, opts, on_sample, &job, &info, diag);
    }
    wy_pdq_ws_free(job.ws);
    wy__free(ctx, job.luma);
    if (st != WY_OK) {
        wy_video_fp_clear(ctx, out);
        return st;
    }
    out->duration_ms = info.duration_ms > 0 ? info.duration_ms : out->frames[out->count - 1].end_ms;
    out->width_px = info.width_px;
    out->height_px = info.height_px;
    out->frame_rate = info.frame_rate;
    memcpy(out->codec, info.codec, sizeof out->codec);
    out->truncated = info.truncated;
    wy_video_collapse(out, opts->collapse_distance);
    return WY_OK;
}

enum wy_status wy_video_hash_file(struct wy_ctx *ctx, const char *path,
                                  const struct wy_video_opts *opts, struct wy_video_fp *out,
                                  struct wy_diag *diag)
{
    struct wy_bytes map;
    enum wy_status st = wy__file_map(path, opts->max_file_bytes, &map, diag);
    if (st != WY_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    st = wy_video_hash_memory(ctx, map.ptr, map.len, opts, out, diag);
    wy__file_unmap(&map);
    return st;
}
