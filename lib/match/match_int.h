/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match_int.h: what clip alignment's two files share. match_align.c turns hits into samples and
 * intervals, refines lines and reports segments; match_vote.c holds the vote that proposes each
 * line (the speed grid, the bounds that skip hopeless speeds, the sorted sweep). The design and
 * its limits are in docs/internals/match.md.
 */
#ifndef WY_MATCH_MATCH_INT_H
#define WY_MATCH_MATCH_INT_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/ctx.h"
#include "withyou/status.h"
#include "withyou/video.h"

/* Times and the tolerance lie within +-2^40 ms (35 years), speeds within [0.001, 1000]: s*q
 * and every offset the vote forms stay below 2^52 in magnitude. */
#define WY__MATCH_MAX_ABS_MS ((int64_t)1 << 40)
#define WY__MATCH_MIN_SPEED 0.001
#define WY__MATCH_MAX_SPEED 1000.0

/* A query sample that has hits, in ascending time; its hits are recs[rec_begin, rec_end). */
struct wy__match_sample {
    int64_t q_ms;
    uint32_t q_index; /* in q_times */
    uint32_t rec_begin;
    uint32_t rec_end;
    bool removed; /* claimed by a segment already reported */
};

/*
 * Registered times a line may pass at a sample: its hits widened by the tolerance, the
 * overlapping ones merged, so that a sample's intervals are disjoint. Kept ordered by sample,
 * then lo (hence also hi).
 */
struct wy__match_interval {
    int64_t lo;
    int64_t hi;
    uint32_t sample;
    uint16_t distance; /* the smallest among the merged hits */
};

/* r = speed * q + offset_ms. */
struct wy__match_line {
    double speed;
    double offset_ms;
};

struct wy__match_vote {
    size_t depth;         /* distinct samples supporting the line */
    int64_t distance_sum; /* of those samples' interval distances */
    size_t rank;          /* of the speed: 0 is the closest to 1.0 */
    struct wy__match_line line;
};

struct wy__match_bound {
    size_t depth; /* no offset at this speed has more supporting samples */
    uint32_t rank;
};

/* The vote's state and scratch, all allocated by wy__match_voter_init(). */
struct wy__match_voter {
    struct wy_ctx *ctx;
    const struct wy__match_sample *samples;
    size_t sample_count;
    const struct wy__match_interval *intervals;
    double *speeds; /* by rank */
    size_t speed_count;
    struct wy__match_bound *bounds;
    int64_t *shift_ms; /* per sample: s*q rounded, for the speed at hand */
    int64_t lo_min;    /* over the intervals given at init: later sets only shrink */
    int64_t hi_max;
    unsigned bin_shift; /* the bounds' bins are 2^bin_shift ms of offset */
    int32_t *bin_diff;
    size_t bin_cap;
    uint64_t *keys; /* 2 per interval, and as many for the radix sort's other buffer */
    uint64_t *keys_tmp;
    uint32_t *buckets; /* the radix sort's digit counts */
};

/*
 * Sets up a vote over samples[0, sample_count) (ascending q, at least one) and
 * intervals[0, interval_count), both owned by the caller and valid until the fini; the
 * intervals may later be compacted in place. Every allocation of the vote happens here.
 * Returns WY_OK or WY_ENOMEM; on either, wy__match_voter_fini() releases what was made.
 */
enum wy_status wy__match_voter_init(struct wy__match_voter *v, struct wy_ctx *ctx,
                                    const struct wy_align_opts *opts,
                                    const struct wy__match_sample *samples, size_t sample_count,
                                    const struct wy__match_interval *intervals,
                                    size_t interval_count);

void wy__match_voter_fini(struct wy__match_voter *v);

/*
 * The line supported by the most distinct samples over the first `interval_count` intervals
 * (at least one): ties go to the smaller distance sum, then to the speed closer to 1.0, then to
 * the leftmost offset. Supported exactly by the samples whose intervals hold
 * wy__match_line_at(line, q).
 */
struct wy__match_vote wy__match_vote(struct wy__match_voter *v, size_t interval_count);

/* Registered time of a line at query time q, s*q rounded to the ms as the vote rounds it. */
static inline double wy__match_line_at(struct wy__match_line line, int64_t q_ms)
{
    return (double)llround(line.speed * (double)q_ms) + line.offset_ms;
}

#endif /* WY_MATCH_MATCH_INT_H */
