/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match_vote.c: the Hough-style vote of clip alignment. For a speed s, the interval [lo, hi] of a
 * sample at query time q supports the offsets [lo - s*q, hi - s*q]; the best line at s is the
 * offset covered by the most intervals. A sample's intervals are disjoint, so that count is a
 * count of distinct samples, however many hits a sample has.
 *
 * Speed grid. Speed k is exp(k * step) (k = 0 is exactly 1.0), for every k that falls in
 * [min_speed, max_speed]; step keeps neighbouring speeds within the tolerance of each other over
 * the clip (its samples' span, capped at GRID_CLIP_MS). Speeds times intervals is capped at
 * WORK_BUDGET: a huge input gets a coarser grid rather than a longer run, and the caller's
 * refinement recovers the exact speed either way.
 *
 * Bounds. Counting, for each bin of 2^bin_shift ms of offset, the samples with an interval
 * touching the bin bounds every offset inside it from above, and costs one pass over the
 * intervals and one over the bins (a difference array; a sample's intervals share at most a
 * boundary bin, which is counted once). Speeds are voted exactly in order of falling bound, and
 * the vote stops at the first bound below the best depth found: once a real segment is found,
 * the other speeds cost their bound only.
 *
 * Exact vote. The endpoints are packed into 64-bit keys (offset, then an end flag so that starts
 * sort first at equal offsets, as intervals are closed, then the distance), radix-sorted and
 * swept; the deepest point wins, ties going to the smaller distance sum, and the offset is the
 * middle of the run where that state holds (a slideshow's samples allow a whole window of
 * offsets; its middle is the best guess).
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "match/match_int.h"

/* Neighbouring speeds may drift apart by the tolerance over a clip of at most this length. */
#define GRID_CLIP_MS 600000
#define MAX_SPEEDS 4096
/* Speeds times intervals, at most: what the bounds cost, and the exact votes at worst. */
#define WORK_BUDGET ((size_t)1 << 23)
/* The bounds' bins: about a quarter of the tolerance, no more of them than this allows. */
#define BINS_PER_INTERVAL 4
#define MIN_BINS 64

#define KEY_DIST_BITS 9 /* distances are 0..256 */
#define KEY_DIST_MASK (((uint64_t)1 << KEY_DIST_BITS) - 1)
#define KEY_END ((uint64_t)1 << KEY_DIST_BITS)
#define KEY_POS_SHIFT (KEY_DIST_BITS + 1)

#define RADIX_BITS 11
#define RADIX_SIZE ((size_t)1 << RADIX_BITS)
#define RADIX_MAX_PASSES 6 /* keys stay below 2^62 (offsets below 2^52, shifted by 10) */
/* Fewer keys than this are sorted by qsort: the radix passes' counters would cost more. */
#define RADIX_MIN_KEYS 2048

static void *alloc_array(struct wy_ctx *ctx, size_t count, size_t size)
{
    size_t bytes;
    if (wy__mul_overflow(count, size, &bytes)) {
        return NULL;
    }
    return wy__alloc(ctx, bytes);
}

/* ---- speed grid ---- */

/* Fills v->speeds by rank: the k of the grid ordered by |k|, k before -k; with no k in range
 * (a range narrower than one step), 1.0 or else the range's geometric middle alone. */
static enum wy_status build_speeds(struct wy__match_voter *v, const struct wy_align_opts *o,
                                   size_t interval_count)
{
    const int64_t span_ms = v->samples[v->sample_count - 1].q_ms - v->samples[0].q_ms;
    const double clip_ms = (double)(span_ms < 1              ? 1
                                    : span_ms > GRID_CLIP_MS ? GRID_CLIP_MS
                                                             : span_ms);
    size_t cap = WORK_BUDGET / interval_count;
    cap = cap < 1 ? 1 : cap > MAX_SPEEDS ? MAX_SPEEDS : cap;
    const double log_min = log(o->min_speed);
    const double log_max = log(o->max_speed);
    const double range = log_max - log_min;
    /* (s[k+1] - s[k]) * clip = s[k] * (e^step - 1) * clip <= max_speed * (e^step - 1) * clip. */
    double step = log1p((double)o->tolerance_ms / (clip_ms * o->max_speed));
    if (!(step > 0) || range / step + 1 > (double)cap) {
        step = cap > 1 ? range / (double)(cap - 1) : 0;
    }
    int64_t k_lo = 1;
    int64_t k_hi = 0;
    if (range > 1e-9 && step > 0) {
        /* |log| <= 6.91 and step >= 1e-9 / 4095, so |k| < 2^45. */
        k_lo = (int64_t)ceil(log_min / step);
        k_hi = (int64_t)floor(log_max / step);
    }
    const size_t count = k_lo <= k_hi ? (size_t)(k_hi - k_lo + 1) : 1;
    WY_ASSERT(count <= MAX_SPEEDS + 1);
    v->speeds = alloc_array(v->ctx, count, sizeof *v->speeds);
    v->bounds = alloc_array(v->ctx, count, sizeof *v->bounds);
    if (v->speeds == NULL || v->bounds == NULL) {
        return WY_ENOMEM;
    }
    v->speed_count = count;
    if (k_lo > k_hi) {
        const bool has_one = o->min_speed <= 1.0 && o->max_speed >= 1.0;
        const double middle = exp(log_min + range / 2);
        v->speeds[0] = has_one ? 1.0 : fmin(fmax(middle, o->min_speed), o->max_speed);
        return WY_OK;
    }
    int64_t up = k_lo > 0 ? k_lo : 0;    /* next k >= 0 */
    int64_t down = k_hi < 0 ? k_hi : -1; /* next k < 0 */
    for (size_t i = 0; i < count; i++) {
        const bool take_up = up <= k_hi && (down < k_lo || up <= -down);
        const int64_t k = take_up ? up++ : down--;
        v->speeds[i] = fmin(fmax(exp((double)k * step), o->min_speed), o->max_speed);
    }
    return WY_OK;
}

/* ---- bounds ---- */

/*
 * Picks bins of about a quarter of the tolerance, widened until the widest offset range (at
 * max_speed) needs at most BINS_PER_INTERVAL bins per interval, and allocates them.
 */
static enum wy_status build_bins(struct wy__match_voter *v, const struct wy_align_opts *o,
                                 size_t interval_count)
{
    const double q_span = (double)(v->samples[v->sample_count - 1].q_ms - v->samples[0].q_ms);
    /* Offsets span hi_max - lo_min plus the shifts' spread, s*q_span rounded both ways. */
    const int64_t offset_span = v->hi_max - v->lo_min + (int64_t)ceil(o->max_speed * q_span) + 2;
    const size_t bin_limit = BINS_PER_INTERVAL * interval_count + MIN_BINS;
    unsigned shift = 0;
    while (((int64_t)1 << (shift + 2)) <= o->tolerance_ms) {
        shift++;
    }
    while ((uint64_t)(offset_span >> shift) + 2 > bin_limit) {
        shift++;
    }
    v->bin_shift = shift;
    v->bin_cap = (size_t)(offset_span >> shift) + 2;
    v->bin_diff = alloc_array(v->ctx, v->bin_cap, sizeof *v->bin_diff);
    return v->bin_diff != NULL ? WY_OK : WY_ENOMEM;
}

/* Sets v->shift_ms for a speed; returns an origin no interval's offset falls below. */
static int64_t shift_samples(struct wy__match_voter *v, double speed)
{
    for (size_t j = 0; j < v->sample_count; j++) {
        v->shift_ms[j] = llround(speed * (double)v->samples[j].q_ms);
    }
    /* s > 0 and q ascends, so the last sample is shifted the most. */
    return v->lo_min - v->shift_ms[v->sample_count - 1];
}

/* The most samples with an interval touching one bin: no offset at `speed` has more. */
static size_t vote_bound(struct wy__match_voter *v, size_t interval_count, double speed)
{
    const int64_t origin = shift_samples(v, speed);
    const size_t bins = (size_t)((v->hi_max - v->shift_ms[0] - origin) >> v->bin_shift) + 1;
    WY_ASSERT(bins + 1 <= v->bin_cap);
    memset(v->bin_diff, 0, (bins + 1) * sizeof *v->bin_diff);
    uint32_t sample = UINT32_MAX;
    size_t sample_last_bin = 0;
    for (size_t i = 0; i < interval_count; i++) {
        const struct wy__match_interval *iv = &v->intervals[i];
        const int64_t shift = v->shift_ms[iv->sample];
        size_t first = (size_t)((iv->lo - shift - origin) >> v->bin_shift);
        const size_t last = (size_t)((iv->hi - shift - origin) >> v->bin_shift);
        if (iv->sample == sample && first <= sample_last_bin) {
            first = sample_last_bin + 1; /* that bin counts this sample already */
        }
        sample = iv->sample;
        sample_last_bin = last;
        if (first <= last) {
            v->bin_diff[first]++;
            v->bin_diff[last + 1]--;
        }
    }
    int64_t depth = 0;
    int64_t best = 0;
    for (size_t b = 0; b < bins; b++) {
        depth += v->bin_diff[b];
        best = depth > best ? depth : best;
    }
    return (size_t)best;
}

/* ---- exact vote ---- */

static int cmp_u64(const void *pa, const void *pb)
{
    const uint64_t a = *(const uint64_t *)pa;
    const uint64_t b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

/* LSD radix sort, RADIX_BITS a pass, of keys no larger than max_key; returns the sorted buffer. */
static uint64_t *radix_sort(uint64_t *keys, uint64_t *tmp, uint32_t *buckets, size_t count,
                            uint64_t max_key)
{
    if (count < RADIX_MIN_KEYS) {
        qsort(keys, count, sizeof *keys, cmp_u64);
        return keys;
    }
    unsigned passes = 0;
    while (passes < RADIX_MAX_PASSES && (max_key >> (passes * RADIX_BITS)) != 0) {
        passes++;
    }
    memset(buckets, 0, passes * RADIX_SIZE * sizeof *buckets);
    for (size_t i = 0; i < count; i++) {
        for (unsigned p = 0; p < passes; p++) {
            buckets[p * RADIX_SIZE + ((keys[i] >> (p * RADIX_BITS)) & (RADIX_SIZE - 1))]++;
        }
    }
    for (unsigned p = 0; p < passes; p++) {
        const unsigned shift = p * RADIX_BITS;
        uint32_t *bucket = &buckets[p * RADIX_SIZE];
        if (bucket[(keys[0] >> shift) & (RADIX_SIZE - 1)] == count) {
            continue; /* every key has this digit: the order stands */
        }
        uint32_t pos = 0;
        for (size_t d = 0; d < RADIX_SIZE; d++) {
            const uint32_t n = bucket[d];
            bucket[d] = pos;
            pos += n;
        }
        for (size_t i = 0; i < count; i++) {
            tmp[bucket[(keys[i] >> shift) & (RADIX_SIZE - 1)]++] = keys[i];
        }
        uint64_t *swap = keys;
        keys = tmp;
        tmp = swap;
    }
    return keys;
}

/*
 * Sweeps the sorted endpoint keys. The state is a candidate after the last start at a position;
 * it holds until the next end, which closes the run. Returns the deepest state (then the smaller
 * distance sum, then the leftmost) with the run's middle as offset, in key coordinates.
 */
static struct wy__match_vote sweep(const uint64_t *keys, size_t count)
{
    struct wy__match_vote best = {0};
    size_t depth = 0;
    int64_t distance_sum = 0;
    int64_t run_start = 0;
    bool run_open = false;
    for (size_t i = 0; i < count; i++) {
        const int64_t pos = (int64_t)(keys[i] >> KEY_POS_SHIFT);
        const int64_t distance = (int64_t)(keys[i] & KEY_DIST_MASK);
        if (keys[i] & KEY_END) {
            if (run_open) {
                best.line.offset_ms = ((double)run_start + (double)pos) / 2;
                run_open = false;
            }
            depth--;
            distance_sum -= distance;
            continue;
        }
        depth++;
        distance_sum += distance;
        const bool last_start_here = i + 1 == count || (keys[i + 1] & KEY_END) ||
                                     (int64_t)(keys[i + 1] >> KEY_POS_SHIFT) != pos;
        if (last_start_here &&
            (depth > best.depth || (depth == best.depth && distance_sum < best.distance_sum))) {
            best.depth = depth;
            best.distance_sum = distance_sum;
            run_start = pos;
            run_open = true;
        }
    }
    WY_ASSERT(depth == 0 && !run_open);
    return best;
}

/* The best offset at one speed. */
static struct wy__match_vote vote_at_speed(struct wy__match_voter *v, size_t interval_count,
                                           double speed)
{
    const int64_t origin = shift_samples(v, speed);
    for (size_t i = 0; i < interval_count; i++) {
        const struct wy__match_interval *iv = &v->intervals[i];
        const int64_t shift = v->shift_ms[iv->sample];
        v->keys[2 * i] = ((uint64_t)(iv->lo - shift - origin) << KEY_POS_SHIFT) | iv->distance;
        v->keys[2 * i + 1] =
            ((uint64_t)(iv->hi - shift - origin) << KEY_POS_SHIFT) | KEY_END | iv->distance;
    }
    const uint64_t max_pos = (uint64_t)(v->hi_max - v->shift_ms[0] - origin);
    const uint64_t max_key = (max_pos << KEY_POS_SHIFT) | KEY_END | KEY_DIST_MASK;
    const size_t key_count = 2 * interval_count;
    const uint64_t *sorted = radix_sort(v->keys, v->keys_tmp, v->buckets, key_count, max_key);
    struct wy__match_vote best = sweep(sorted, key_count);
    best.line.speed = speed;
    best.line.offset_ms += (double)origin;
    return best;
}

static int cmp_bound(const void *pa, const void *pb)
{
    const struct wy__match_bound *a = pa;
    const struct wy__match_bound *b = pb;
    if (a->depth != b->depth) {
        return a->depth > b->depth ? -1 : 1;
    }
    return a->rank < b->rank ? -1 : a->rank > b->rank;
}

static bool vote_better(const struct wy__match_vote *a, const struct wy__match_vote *b)
{
    if (a->depth != b->depth) {
        return a->depth > b->depth;
    }
    if (a->distance_sum != b->distance_sum) {
        return a->distance_sum < b->distance_sum;
    }
    return a->rank < b->rank;
}

struct wy__match_vote wy__match_vote(struct wy__match_voter *v, size_t interval_count)
{
    WY_ASSERT(interval_count > 0);
    for (size_t i = 0; i < v->speed_count; i++) {
        v->bounds[i].depth = vote_bound(v, interval_count, v->speeds[i]);
        v->bounds[i].rank = (uint32_t)i;
    }
    qsort(v->bounds, v->speed_count, sizeof *v->bounds, cmp_bound);
    struct wy__match_vote best = {0};
    for (size_t i = 0; i < v->speed_count && v->bounds[i].depth >= best.depth; i++) {
        const size_t rank = v->bounds[i].rank;
        struct wy__match_vote cand = vote_at_speed(v, interval_count, v->speeds[rank]);
        WY_ASSERT(cand.depth <= v->bounds[i].depth);
        cand.rank = rank;
        if (vote_better(&cand, &best)) {
            best = cand;
        }
    }
    return best;
}

/* ---- set-up ---- */

enum wy_status wy__match_voter_init(struct wy__match_voter *v, struct wy_ctx *ctx,
                                    const struct wy_align_opts *opts,
                                    const struct wy__match_sample *samples, size_t sample_count,
                                    const struct wy__match_interval *intervals,
                                    size_t interval_count)
{
    WY_ASSERT(sample_count > 0 && interval_count > 0);
    memset(v, 0, sizeof *v);
    v->ctx = ctx;
    v->samples = samples;
    v->sample_count = sample_count;
    v->intervals = intervals;
    v->lo_min = INT64_MAX;
    v->hi_max = INT64_MIN;
    for (size_t i = 0; i < interval_count; i++) {
        v->lo_min = intervals[i].lo < v->lo_min ? intervals[i].lo : v->lo_min;
        v->hi_max = intervals[i].hi > v->hi_max ? intervals[i].hi : v->hi_max;
    }
    v->shift_ms = alloc_array(ctx, sample_count, sizeof *v->shift_ms);
    v->keys = alloc_array(ctx, 2 * interval_count, sizeof *v->keys);
    v->keys_tmp = alloc_array(ctx, 2 * interval_count, sizeof *v->keys_tmp);
    v->buckets = alloc_array(ctx, RADIX_MAX_PASSES * RADIX_SIZE, sizeof *v->buckets);
    if (v->shift_ms == NULL || v->keys == NULL || v->keys_tmp == NULL || v->buckets == NULL) {
        return WY_ENOMEM;
    }
    const enum wy_status st = build_speeds(v, opts, interval_count);
    return st != WY_OK ? st : build_bins(v, opts, interval_count);
}

void wy__match_voter_fini(struct wy__match_voter *v)
{
    wy__free(v->ctx, v->speeds);
    wy__free(v->ctx, v->bounds);
    wy__free(v->ctx, v->shift_ms);
    wy__free(v->ctx, v->bin_diff);
    wy__free(v->ctx, v->keys);
    wy__free(v->ctx, v->keys_tmp);
    wy__free(v->ctx, v->buckets);
    memset(v, 0, sizeof *v);
}
