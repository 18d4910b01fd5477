/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match_align.c: clip alignment (wy_video_align). Frame-level hits between a query video and one
 * registered video become segments r = speed * q + offset.
 *
 * Preparation. Each hit's query time is resolved to its sample (its index in q_times) and the
 * hits are sorted by content, so nothing depends on their order. Per sample, the hits' spans
 * widened by the tolerance, [r_start - tol, r_end + tol], are merged into disjoint intervals: a
 * line passes a sample at one registered time, so the sample supports the line exactly when one
 * of its intervals holds that time.
 *
 * Rounds. The vote (match_vote.c) proposes the line supported by the most distinct samples. The
 * supporting samples' best hits (smallest distance among those within tolerance, taken at the
 * point of the hit's span nearest to the line) are fitted again by Theil-Sen, which a few stray
 * samples cannot tilt; if the fitted line is supported by more samples than the one it came
 * from, it takes them over and is refitted, a few rounds at most, so a coarse speed grid still
 * ends on the whole segment. The segment's samples are then removed and the next round votes
 * over the rest, up to max_segments rounds.
 *
 * Every allocation happens before the first round, so `out` and `found` are written only on
 * success.
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "match/match_int.h"
#include "withyou/video.h"

#define MAX_HITS ((size_t)1 << 28)
#define MAX_DISTANCE 256
/* The PDQ distance of unrelated pictures: half the bits. Closeness is 0 there. */
#define CHANCE_DISTANCE 128.0
#define REFINE_ROUNDS 4
/* Theil-Sen takes the slopes between every two of at most this many samples. */
#define FIT_POINTS 128

/* A hit with its sample resolved. Sorted by (sample, r_lo, r_hi, distance). */
struct rec {
    int64_t r_lo;
    int64_t r_hi;
    uint32_t q_index; /* in q_times */
    uint16_t distance;
};

/* What a fit measured on the best hits of its samples. */
struct fit {
    struct wy__match_line line;
    int64_t distance_sum;
    int64_t r_min_ms; /* the hits' actual registered range */
    int64_t r_max_ms;
};

struct work {
    struct wy_ctx *ctx;
    const struct wy_align_opts *opts;
    struct rec *recs;
    size_t rec_count;
    struct wy__match_sample *samples;
    size_t sample_count;
    struct wy__match_interval *intervals; /* of samples not removed */
    size_t interval_count;
    struct wy__match_voter voter;
    uint32_t *support; /* samples on the current line, ascending */
    uint32_t *support_next;
    double *fit_y;   /* per supporting sample: the registered time its best hit gives the line */
    double *fit_tmp; /* slopes, then residuals: max(samples, FIT_POINTS choose 2) */
};

/* ---- validation ---- */

static bool time_ok(int64_t ms)
{
    return ms >= -WY__MATCH_MAX_ABS_MS && ms <= WY__MATCH_MAX_ABS_MS;
}

static bool opts_ok(const struct wy_align_opts *opts)
{
    /* Written so that NaN fails every test. */
    return opts->min_speed >= WY__MATCH_MIN_SPEED && opts->max_speed <= WY__MATCH_MAX_SPEED &&
           opts->min_speed <= opts->max_speed && opts->tolerance_ms >= 0 &&
           opts->tolerance_ms <= WY__MATCH_MAX_ABS_MS && opts->max_segments > 0;
}

static bool q_times_ok(const int64_t *q_times, size_t q_count)
{
    for (size_t i = 0; i < q_count; i++) {
        if (!time_ok(q_times[i]) || (i > 0 && q_times[i] <= q_times[i - 1])) {
            return false;
        }
    }
    return true;
}

static bool hit_ok(const struct wy_align_hit *hit)
{
    return time_ok(hit->q_ms) && time_ok(hit->r_start_ms) && time_ok(hit->r_end_ms) &&
           hit->r_end_ms >= hit->r_start_ms && hit->distance >= 0 && hit->distance <= MAX_DISTANCE;
}

/* The index of q_ms in the ascending q_times, or SIZE_MAX. */
static size_t find_sample(const int64_t *q_times, size_t q_count, int64_t q_ms)
{
    size_t lo = 0;
    size_t hi = q_count;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        if (q_times[mid] < q_ms) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < q_count && q_times[lo] == q_ms ? lo : SIZE_MAX;
}

/* ---- preparation ---- */

static void *alloc_array(struct wy_ctx *ctx, size_t count, size_t size)
{
    size_t bytes;
    if (wy__mul_overflow(count, size, &bytes)) {
        return NULL;
    }
    return wy__alloc(ctx, bytes);
}

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

static int cmp_rec(const void *pa, const void *pb)
{
    const struct rec *a = pa;
    const struct rec *b = pb;
    if (a->q_index != b->q_index) {
        return a->q_index < b->q_index ? -1 : 1;
    }
    if (a->r_lo != b->r_lo) {
        return cmp_i64(a->r_lo, b->r_lo);
    }
    if (a->r_hi != b->r_hi) {
        return cmp_i64(a->r_hi, b->r_hi);
    }
    return (int)a->distance - (int)b->distance;
}

/* Copies the hits into w->recs, sorted; WY_EINVAL for a malformed hit or an unknown q_ms. */
static enum wy_status load_hits(struct work *w, const struct wy_align_hit *hits, size_t count,
                                const int64_t *q_times, size_t q_count)
{
    w->recs = alloc_array(w->ctx, count, sizeof *w->recs);
    if (w->recs == NULL) {
        return WY_ENOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        const size_t q_index = find_sample(q_times, q_count, hits[i].q_ms);
        if (!hit_ok(&hits[i]) || q_index == SIZE_MAX) {
            return WY_EINVAL;
        }
        w->recs[i] = (struct rec){hits[i].r_start_ms, hits[i].r_end_ms, (uint32_t)q_index,
                                  (uint16_t)hits[i].distance};
    }
    w->rec_count = count;
    qsort(w->recs, count, sizeof *w->recs, cmp_rec);
    return WY_OK;
}

/* Groups the sorted recs into samples and merges each sample's widened hits into intervals. */
static void build_samples(struct work *w, const int64_t *q_times)
{
    const int64_t tol = w->opts->tolerance_ms;
    size_t s = 0;
    size_t k = 0;
    for (size_t i = 0; i < w->rec_count; i++) {
        const struct rec *r = &w->recs[i];
        const bool new_sample = i == 0 || r->q_index != w->recs[i - 1].q_index;
        if (new_sample) {
            w->samples[s++] = (struct wy__match_sample){q_times[r->q_index], r->q_index,
                                                        (uint32_t)i, (uint32_t)i, false};
        }
        w->samples[s - 1].rec_end = (uint32_t)i + 1;
        struct wy__match_interval *last = k > 0 ? &w->intervals[k - 1] : NULL;
        if (!new_sample && r->r_lo - tol <= last->hi) {
            /* Overlaps the previous interval of this sample (recs are sorted by r_lo). */
            if (r->r_hi + tol > last->hi) {
                last->hi = r->r_hi + tol;
            }
            if (r->distance < last->distance) {
                last->distance = r->distance;
            }
        } else {
            w->intervals[k++] = (struct wy__match_interval){r->r_lo - tol, r->r_hi + tol,
                                                            (uint32_t)(s - 1), r->distance};
        }
    }
    w->sample_count = s;
    w->interval_count = k;
}

static size_t count_samples(const struct rec *recs, size_t count)
{
    size_t samples = 0;
    for (size_t i = 0; i < count; i++) {
        if (i == 0 || recs[i].q_index != recs[i - 1].q_index) {
            samples++;
        }
    }
    return samples;
}

/* ---- refinement ---- */

/* Writes the samples whose intervals hold the line into `out`, ascending; returns how many. */
static size_t find_support(const struct work *w, struct wy__match_line line, uint32_t *out)
{
    size_t count = 0;
    for (size_t i = 0; i < w->interval_count; i++) {
        const struct wy__match_interval *iv = &w->intervals[i];
        if (count > 0 && out[count - 1] == iv->sample) {
            continue;
        }
        const double r = wy__match_line_at(line, w->samples[iv->sample].q_ms);
        if ((double)iv->lo <= r && r <= (double)iv->hi) {
            out[count++] = iv->sample;
        }
    }
    return count;
}

/*
 * The best hit of a sample for a line at registered time r: within tolerance, smallest
 * distance, then nearest, then first in sorted order. The sample must support the line.
 */
static const struct rec *best_hit(const struct work *w, const struct wy__match_sample *s, double r)
{
    const int64_t tol = w->opts->tolerance_ms;
    const struct rec *best = NULL;
    double best_gap = 0;
    for (uint32_t i = s->rec_begin; i < s->rec_end; i++) {
        const struct rec *h = &w->recs[i];
        if (r < (double)(h->r_lo - tol) || r > (double)(h->r_hi + tol)) {
            continue;
        }
        const double gap = r < (double)h->r_lo   ? (double)h->r_lo - r
                           : r > (double)h->r_hi ? r - (double)h->r_hi
                                                 : 0;
        if (best == NULL || h->distance < best->distance ||
            (h->distance == best->distance && gap < best_gap)) {
            best = h;
            best_gap = gap;
        }
    }
    WY_ASSERT(best != NULL);
    return best;
}

static int cmp_double(const void *pa, const void *pb)
{
    const double a = *(const double *)pa;
    const double b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The median of v[0, count), count >= 1; reorders v. */
static double median(double *v, size_t count)
{
    qsort(v, count, sizeof *v, cmp_double);
    return count % 2 ? v[count / 2] : (v[count / 2 - 1] + v[count / 2]) / 2;
}

/*
 * The Theil-Sen line through (q, fit_y): the median of the slopes between every two points
 * (between every two of FIT_POINTS points evenly spread over the support when there are more),
 * clamped to the speed range, then the median of y - speed * q. A stray sample at the end of a
 * segment, however far from its middle, moves the medians by one rank at most, where least
 * squares would let it tilt the line. Exact points give their exact line back.
 */
static struct wy__match_line theil_sen(const struct work *w, const uint32_t *support, size_t count,
                                       double speed)
{
    const size_t points = count < FIT_POINTS ? count : FIT_POINTS;
    size_t slopes = 0;
    for (size_t a = 0; a < points; a++) {
        const size_t i = a * count / points;
        for (size_t b = a + 1; b < points; b++) {
            const size_t j = b * count / points;
            const double dq = (double)(w->samples[support[j]].q_ms - w->samples[support[i]].q_ms);
            w->fit_tmp[slopes++] = (w->fit_y[j] - w->fit_y[i]) / dq;
        }
    }
    if (slopes > 0) {
        speed = fmin(fmax(median(w->fit_tmp, slopes), w->opts->min_speed), w->opts->max_speed);
    }
    for (size_t i = 0; i < count; i++) {
        w->fit_tmp[i] = w->fit_y[i] - speed * (double)w->samples[support[i]].q_ms;
    }
    return (struct wy__match_line){speed, median(w->fit_tmp, count)};
}

/* Fits the best hits of the supporting samples, each taken at its point nearest to `around`. */
static struct fit fit_line(const struct work *w, const uint32_t *support, size_t count,
                           struct wy__match_line around)
{
    struct fit f = {around, 0, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < count; i++) {
        const struct wy__match_sample *s = &w->samples[support[i]];
        const double r = wy__match_line_at(around, s->q_ms);
        const struct rec *h = best_hit(w, s, r);
        w->fit_y[i] = r < (double)h->r_lo   ? (double)h->r_lo
                      : r > (double)h->r_hi ? (double)h->r_hi
                                            : r;
        f.distance_sum += h->distance;
        f.r_min_ms = h->r_lo < f.r_min_ms ? h->r_lo : f.r_min_ms;
        f.r_max_ms = h->r_hi > f.r_max_ms ? h->r_hi : f.r_max_ms;
    }
    f.line = theil_sen(w, support, count, around.speed);
    return f;
}

/*
 * Starting from the vote's line, fits the supporting samples and lets the fitted line take over
 * the samples it is supported by while they are more. Leaves them in w->support; returns how
 * many.
 */
static size_t refine(struct work *w, struct wy__match_line vote_line, struct fit *fit)
{
    struct wy__match_line line = vote_line;
    size_t count = find_support(w, line, w->support);
    for (int round = 0;; round++) {
        *fit = fit_line(w, w->support, count, line);
        line = fit->line;
        if (round == REFINE_ROUNDS) {
            break;
        }
        const size_t grown = find_support(w, line, w->support_next);
        if (grown <= count) {
            break;
        }
        uint32_t *swap = w->support;
        w->support = w->support_next;
        w->support_next = swap;
        count = grown;
    }
    return count;
}

/* ---- segments ---- */

static int64_t registered_at(const struct fit *f, int64_t q_ms)
{
    const double r = f->line.speed * (double)q_ms + f->line.offset_ms;
    const double lo = (double)f->r_min_ms;
    const double hi = (double)f->r_max_ms;
    return llround(r < lo ? lo : r > hi ? hi : r);
}

static struct wy_align_segment make_segment(const struct work *w, size_t count, const struct fit *f)
{
    const struct wy__match_sample *first = &w->samples[w->support[0]];
    const struct wy__match_sample *last = &w->samples[w->support[count - 1]];
    struct wy_align_segment seg = {0};
    seg.q_start_ms = first->q_ms;
    seg.q_end_ms = last->q_ms;
    seg.r_start_ms = registered_at(f, first->q_ms);
    seg.r_end_ms = registered_at(f, last->q_ms);
    seg.speed = f->line.speed;
    seg.offset_ms = f->line.offset_ms;
    seg.frames_matched = count;
    seg.frames_total = (size_t)(last->q_index - first->q_index) + 1;
    seg.mean_distance = (double)f->distance_sum / (double)count;
    const double closeness = 1 - seg.mean_distance / CHANCE_DISTANCE;
    seg.score = (double)count / (double)seg.frames_total * (closeness > 0 ? closeness : 0);
    return seg;
}

/* Drops the supporting samples' intervals from later votes. */
static void remove_support(struct work *w, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        w->samples[w->support[i]].removed = true;
    }
    size_t kept = 0;
    for (size_t i = 0; i < w->interval_count; i++) {
        if (!w->samples[w->intervals[i].sample].removed) {
            w->intervals[kept++] = w->intervals[i];
        }
    }
    w->interval_count = kept;
}

static bool segment_before(const struct wy_align_segment *a, const struct wy_align_segment *b)
{
    if (a->frames_matched != b->frames_matched) {
        return a->frames_matched > b->frames_matched;
    }
    if (a->score != b->score) {
        return a->score > b->score;
    }
    return a->q_start_ms < b->q_start_ms;
}

/* Best first: more samples, then higher score, then earlier. Insertion sort: a few segments. */
static void sort_segments(struct wy_align_segment *seg, size_t count)
{
    for (size_t i = 1; i < count; i++) {
        const struct wy_align_segment key = seg[i];
        size_t j = i;
        while (j > 0 && segment_before(&key, &seg[j - 1])) {
            seg[j] = seg[j - 1];
            j--;
        }
        seg[j] = key;
    }
}

/* ---- API ---- */

void wy_align_opts_init(struct wy_align_opts *opts)
{
    opts->min_speed = 0.5;
    opts->max_speed = 2.0;
    opts->tolerance_ms = 700;
    opts->min_frames = 3;
    opts->max_segments = 4;
}

/* Every allocation of the call: nothing can fail once the rounds start. */
static enum wy_status prepare(struct work *w, const struct wy_align_hit *hits, size_t hit_count,
                              const int64_t *q_times, size_t q_count)
{
    enum wy_status st = load_hits(w, hits, hit_count, q_times, q_count);
    if (st != WY_OK) {
        return st;
    }
    const size_t samples = count_samples(w->recs, w->rec_count);
    w->samples = alloc_array(w->ctx, samples, sizeof *w->samples);
    w->intervals = alloc_array(w->ctx, hit_count, sizeof *w->intervals);
    w->support = alloc_array(w->ctx, samples, sizeof *w->support);
    w->support_next = alloc_array(w->ctx, samples, sizeof *w->support_next);
    w->fit_y = alloc_array(w->ctx, samples, sizeof *w->fit_y);
    const size_t points = samples < FIT_POINTS ? samples : FIT_POINTS;
    const size_t pairs = points * (points - 1) / 2;
    w->fit_tmp = alloc_array(w->ctx, samples > pairs ? samples : pairs, sizeof *w->fit_tmp);
    if (w->samples == NULL || w->intervals == NULL || w->support == NULL ||
        w->support_next == NULL || w->fit_y == NULL || w->fit_tmp == NULL) {
        return WY_ENOMEM;
    }
    build_samples(w, q_times);
    return wy__match_voter_init(&w->voter, w->ctx, w->opts, w->samples, w->sample_count,
                                w->intervals, w->interval_count);
}

static void release(struct work *w)
{
    wy__free(w->ctx, w->recs);
    wy__free(w->ctx, w->samples);
    wy__free(w->ctx, w->intervals);
    wy__match_voter_fini(&w->voter);
    wy__free(w->ctx, w->support);
    wy__free(w->ctx, w->support_next);
    wy__free(w->ctx, w->fit_y);
    wy__free(w->ctx, w->fit_tmp);
}

/* The rounds: vote, refine, report, remove; returns the segments written to out. */
static size_t find_segments(struct work *w, struct wy_align_segment *out)
{
    const size_t min_frames = w->opts->min_frames > 0 ? w->opts->min_frames : 1;
    size_t segments = 0;
    while (segments < w->opts->max_segments && w->interval_count > 0) {
        const struct wy__match_vote v = wy__match_vote(&w->voter, w->interval_count);
        if (v.depth < min_frames) {
            break; /* removing samples never deepens a vote: no later round can reach it */
        }
        struct fit f;
        const size_t count = refine(w, v.line, &f);
        WY_ASSERT(count >= v.depth);
        out[segments++] = make_segment(w, count, &f);
        remove_support(w, count);
    }
    sort_segments(out, segments);
    return segments;
}

enum wy_status wy_video_align(struct wy_ctx *ctx, const struct wy_align_hit *hits, size_t hit_count,
                              const int64_t *q_times, size_t q_count,
                              const struct wy_align_opts *opts, struct wy_align_segment *out,
                              size_t *found)
{
    if (!opts_ok(opts) || (hit_count > 0 && hits == NULL) || (q_count > 0 && q_times == NULL) ||
        !q_times_ok(q_times, q_count)) {
        return WY_EINVAL;
    }
    if (hit_count > MAX_HITS || q_count > UINT32_MAX) {
        return WY_ETOOBIG;
    }
    if (hit_count == 0) {
        *found = 0;
        return WY_OK;
    }
    struct work w = {.ctx = ctx, .opts = opts};
    const enum wy_status st = prepare(&w, hits, hit_count, q_times, q_count);
    if (st == WY_OK) {
        *found = find_segments(&w, out);
    }
    release(&w);
    return st;
}
