/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match.h: the matcher: "is this picture or video registered, and where?".
 *
 * A matcher loads the active, unsuppressed PDQ fingerprints of a store (pictures and video
 * frames, of one bank or all) into an in-memory index, and follows the store's change feed
 * (wy_matcher_sync) so that additions and withdrawals show without a reload.
 *
 * Pictures are searched with their 8 rotations and mirrors in one pass, plus an exact MD5
 * lookup. Videos are searched frame by frame; hits on a registered video are aligned in time
 * (wy_video_align) into matched segments, hits on registered pictures become the query segment
 * in which the picture appears. A registered video hit by a picture query reports where in the
 * video the picture appears.
 *
 * A match names the case, bank and item (media id), never the registered fingerprint itself:
 * platform callers learn that something matched, not what the bank holds.
 *
 * Thread-safety: one thread at a time per matcher (the store connection is not shared).
 */
#ifndef WY_WITHYOU_MATCH_H
#define WY_WITHYOU_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/bank.h"
#include "withyou/index.h"
#include "withyou/pipeline.h"
#include "withyou/video.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wy_matcher;

struct wy_matcher_opts {
    int64_t bank_id; /* 0: every bank */
    int threshold;   /* PDQ distance; -1 (default): each bank's own threshold */
    struct wy_align_opts align;
    /* WY_INDEX_AUTO (default) starts with a flat scan, ready as soon as the store is read, and
     * builds multi-index hashing tables for large stores after the first 128 searches, once
     * they pay for their build (docs/internals/index.md). WY_INDEX_MIH builds them at load. */
    enum wy_index_kind index_kind;
};

/** One match. Times are in milliseconds; the *_time flags say which of them mean something. */
struct wy_match {
    int64_t case_id;
    int64_t bank_id;
    int64_t media_id;         /* the registered item (see wy_bank_fp_add) */
    enum wy_fp_kind ref_kind; /* WY_FP_PDQ (a picture), WY_FP_VIDEO_PDQ (a video), WY_FP_MD5 */
    int distance;             /* smallest PDQ distance on the match; 0 for MD5 */
    enum wy_dihedral variant; /* transform of the query that matched */
    bool query_time;          /* q_start/q_end: the query is a video */
    bool ref_time;            /* r_start/r_end: the registered item is a video */
    int64_t q_start_ms;
    int64_t q_end_ms;
    int64_t r_start_ms;
    int64_t r_end_ms;
    size_t frames_matched; /* query samples on the match (1 for a picture query) */
    size_t frames_total;   /* query samples between q_start and q_end */
    double speed;          /* registered seconds per query second; 1 when not a video pair */
    double score;          /* 0..1; see wy_align_segment */
};

/** Receives each match; return false to stop. */
typedef bool (*wy_match_fn)(void *user, const struct wy_match *match);

/** Defaults: every bank, each bank's threshold, wy_align_opts_init(). */
WY_API WY_NONNULL(1) void wy_matcher_opts_init(struct wy_matcher_opts *opts);

/**
 * Loads the matcher. The store must outlive it.
 * @return WY_OK; WY_ENOENT (no such bank); WY_ECORRUPT; WY_ENOMEM; the store's statuses.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4) enum wy_status
    wy_matcher_new(struct wy_ctx *ctx, struct wy_bank *bank, const struct wy_matcher_opts *opts,
                   struct wy_matcher **out, struct wy_diag *diag);

/** Frees a matcher. NULL is a no-op. */
WY_API void wy_matcher_free(struct wy_matcher *matcher);

/** Applies the store's changes since the last load or sync (new fingerprints, withdrawals). */
WY_API WY_NODISCARD WY_NONNULL(1) enum wy_status wy_matcher_sync(struct wy_matcher *matcher);

/** Fingerprints searched (pictures and video frames). */
WY_API WY_NONNULL(1) size_t wy_matcher_size(const struct wy_matcher *matcher);

/** Lowest quality floor among the searched banks: queries below it are unreliable. */
WY_API WY_NONNULL(1) int wy_matcher_min_quality(const struct wy_matcher *matcher);

/** Bytes of memory the matcher holds (its index, with any tables, and one entry per fingerprint).
 */
WY_API WY_NONNULL(1) size_t wy_matcher_memory_bytes(const struct wy_matcher *matcher);

/**
 * Matches a picture: its 8 dihedral hashes (wy_pdq_hash_image's `dihedral`) and, if not NULL,
 * the MD5 of its file.
 * @return WY_OK; WY_ENOMEM; the store's statuses.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4) enum wy_status
    wy_matcher_image(struct wy_matcher *matcher, const struct wy_pdq_hash dihedral[WY_DIH_COUNT],
                     const uint8_t *md5, wy_match_fn fn, void *user);

/**
 * Matches a picture hashed with opts.dihedral (and opts.unframe, to see through borders): its
 * 8 dihedral hashes, and of each view at or above the quality floor the hash as it is and
 * mirrored, in one hit list (8 queries per pass over the index), so that an item found through
 * several is reported once at its closest; then its MD5.
 * @return WY_OK; WY_ENOMEM; the store's statuses.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3) enum wy_status
    wy_matcher_picture(struct wy_matcher *matcher, const struct wy_hash_record *rec, wy_match_fn fn,
                       void *user);

/**
 * Matches a video fingerprint made with opts.dihedral (WY_EINVAL otherwise), plus its MD5.
 * Samples below the matcher's quality floor are not searched (blank and fading frames).
 * @return WY_OK; WY_EINVAL; WY_ENOMEM; the store's statuses.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3) enum wy_status
    wy_matcher_video(struct wy_matcher *matcher, const struct wy_video_fp *query, wy_match_fn fn,
                     void *user);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_MATCH_H */
