/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match_video.c: a video query's frame hits turned into matches. Per registered item, each
 * dihedral variant of the query is considered on its own (a mirrored re-upload matches through
 * the flipx variant on every frame) and the variant that explains the most is reported.
 */
#include "wy_setup.h"

#include <math.h>
#include <string.h>

#include "core/core_int.h"
#include "match/match_query.h"

/* Query samples whose time lies in [from, to]. */
static size_t samples_between(const struct wy_video_fp *q, int64_t from, int64_t to)
{
    size_t n = 0;
    for (size_t i = 0; i < q->count; i++) {
        n += q->frames[i].start_ms >= from && q->frames[i].start_ms <= to;
    }
    return n;
}

/* A registered picture seen in the query: the samples showing it, as one match. */
static struct wy_match picture_in_video(const struct wy_video_fp *q, const struct qhit *h, size_t n)
{
    const struct qhit *best = h;
    size_t distinct = 0;
    int64_t last_q = -1;
    for (size_t i = 0; i < n; i++) {
        best = h[i].distance < best->distance ? &h[i] : best;
        distinct += h[i].q_ms != last_q;
        last_q = h[i].q_ms;
    }
    struct wy_match mt = wy__match_base(best);
    mt.query_time = true;
    mt.q_start_ms = h[0].q_ms;
    mt.q_end_ms = h[n - 1].q_ms; /* hits are sorted by query time within a variant */
    mt.frames_matched = distinct;
    mt.frames_total = samples_between(q, mt.q_start_ms, mt.q_end_ms);
    mt.score = (double)distinct / (double)mt.frames_total * (1.0 - best->distance / 256.0);
    return mt;
}

/* Aligns one variant's hits on a registered video; *found segments go to segs. */
static enum wy_status align_variant(struct wy_ctx *ctx, const struct wy_align_opts *opts,
                                    const int64_t *q_times, size_t q_count, const struct qhit *h,
                                    size_t n, struct wy_align_segment *segs, size_t *found)
{
    struct wy_align_hit *ah = wy__alloc(ctx, n * sizeof *ah);
    if (ah == NULL) {
        return WY_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        ah[i] =
            (struct wy_align_hit){h[i].q_ms, h[i].e->frame_ms, h[i].e->frame_end_ms, h[i].distance};
    }
    const enum wy_status st = wy_video_align(ctx, ah, n, q_times, q_count, opts, segs, found);
    wy__free(ctx, ah);
    return st;
}

static struct wy_match segment_match(const struct qhit *h, const struct wy_align_segment *s)
{
    struct wy_match mt = wy__match_base(h);
    mt.distance = (int)lround(s->mean_distance);
    mt.query_time = true;
    mt.ref_time = true;
    mt.q_start_ms = s->q_start_ms;
    mt.q_end_ms = s->q_end_ms;
    mt.r_start_ms = s->r_start_ms;
    mt.r_end_ms = s->r_end_ms;
    mt.frames_matched = s->frames_matched;
    mt.frames_total = s->frames_total;
    mt.speed = s->speed;
    mt.score = s->score;
    return mt;
}

/* Best variant of one registered video: segments in `best` (room for opts->max_segments). */
struct video_best {
    struct wy_align_segment *segs;
    size_t found;
    const struct qhit *first; /* a hit of the winning variant, for case, bank and variant */
};

static enum wy_status best_video_variant(struct wy_ctx *ctx, const struct wy_align_opts *opts,
                                         const int64_t *q_times, size_t q_count,
                                         const struct qhit *h, size_t n, struct video_best *best)
{
    struct wy_align_segment *segs = wy__alloc(ctx, opts->max_segments * sizeof *segs);
    if (segs == NULL) {
        return WY_ENOMEM;
    }
    enum wy_status st = WY_OK;
    best->found = 0;
    size_t i = 0;
    while (i < n && st == WY_OK) {
        size_t j = i;
        while (j < n && h[j].variant == h[i].variant) {
            j++;
        }
        size_t found = 0;
        st = align_variant(ctx, opts, q_times, q_count, h + i, j - i, segs, &found);
        if (st == WY_OK && found > 0 && (best->found == 0 || segs[0].score > best->segs[0].score)) {
            memcpy(best->segs, segs, found * sizeof *segs);
            best->found = found;
            best->first = &h[i];
        }
        i = j;
    }
    wy__free(ctx, segs);
    return st;
}

static enum wy_status report_video(struct wy_ctx *ctx, const struct wy_align_opts *opts,
                                   const int64_t *q_times, size_t q_count, const struct qhit *h,
                                   size_t n, wy_match_fn fn, void *user, bool *go_on)
{
    struct video_best best = {.segs = wy__alloc(ctx, opts->max_segments * sizeof *best.segs)};
    if (best.segs == NULL) {
        return WY_ENOMEM;
    }
    const enum wy_status st = best_video_variant(ctx, opts, q_times, q_count, h, n, &best);
    for (size_t s = 0; st == WY_OK && s < best.found && *go_on; s++) {
        const struct wy_match mt = segment_match(best.first, &best.segs[s]);
        *go_on = fn(user, &mt);
    }
    wy__free(ctx, best.segs);
    return st;
}

static void report_picture(const struct wy_video_fp *q, const struct qhit *h, size_t n,
                           wy_match_fn fn, void *user, bool *go_on)
{
    struct wy_match best;
    bool any = false;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && h[j].variant == h[i].variant) {
            j++;
        }
        const struct wy_match mt = picture_in_video(q, h + i, j - i);
        if (!any || mt.frames_matched > best.frames_matched ||
            (mt.frames_matched == best.frames_matched && mt.distance < best.distance)) {
            best = mt;
            any = true;
        }
        i = j;
    }
    if (any) {
        *go_on = fn(user, &best);
    }
}

enum wy_status wy__match_video_groups(struct wy_ctx *ctx, const struct wy_align_opts *align,
                                      const struct wy_video_fp *q, const struct qhit *hits,
                                      size_t count, wy_match_fn fn, void *user, bool *go_on)
{
    int64_t *q_times = wy__alloc(ctx, (q->count ? q->count : 1) * sizeof *q_times);
    if (q_times == NULL) {
        return WY_ENOMEM;
    }
    for (size_t i = 0; i < q->count; i++) {
        q_times[i] = q->frames[i].start_ms;
    }
    enum wy_status st = WY_OK;
    *go_on = true;
    size_t i = 0;
    while (i < count && st == WY_OK && *go_on) {
        size_t j = i;
        while (j < count && hits[j].e->media_id == hits[i].e->media_id) {
            j++;
        }
        if (hits[i].e->kind == WY_FP_VIDEO_PDQ) {
            st = report_video(ctx, align, q_times, q->count, hits + i, j - i, fn, user, go_on);
        } else {
            report_picture(q, hits + i, j - i, fn, user, go_on);
        }
        i = j;
    }
    wy__free(ctx, q_times);
    return st;
}
