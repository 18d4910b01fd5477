/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match_query.h: what match.c (loading, sync, picture queries) shares with match_video.c (video
 * queries: grouping hits per registered item and aligning them in time).
 */
#ifndef WY_MATCH_MATCH_QUERY_H
#define WY_MATCH_MATCH_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "withyou/match.h"

/* What the matcher knows of one indexed fingerprint (never its value). */
struct fp_entry {
    int64_t fp_id;
    int64_t case_id;
    int64_t bank_id;
    int64_t media_id;
    int64_t frame_ms; /* video frames; -1 for pictures */
    int64_t frame_end_ms;
    enum wy_fp_kind kind;
    bool active;
};

/* One index hit that passed its bank's threshold. */
struct qhit {
    const struct fp_entry *e;
    int64_t q_ms; /* the query sample's time (0 for a picture query) */
    int distance;
    enum wy_dihedral variant;
};

/* A match filled from one hit: its case, bank, item, distance and variant. */
struct wy_match wy__match_base(const struct qhit *h);

/*
 * Reports a video query's hits, sorted by item, variant and query time: per item, the variant
 * that aligns best. Registered videos give aligned segments, registered pictures the span of
 * query samples showing them. *go_on becomes false when fn asks to stop.
 */
enum wy_status wy__match_video_groups(struct wy_ctx *ctx, const struct wy_align_opts *align,
                                      const struct wy_video_fp *query, const struct qhit *hits,
                                      size_t count, wy_match_fn fn, void *user, bool *go_on);

#endif /* WY_MATCH_MATCH_QUERY_H */
