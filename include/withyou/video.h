/* SPDX-License-Identifier: Apache-2.0 */
/*
 * video.h: video fingerprints and clip alignment.
 *
 * A video's fingerprint is a list of PDQ hashes of frames sampled on a timestamp grid (default one
 * per second), each with its presentation time, plus SHA-256 and MD5 of the file. Decoding uses
 * FFmpeg (libavformat/libavcodec); frames are picked by timestamp, not frame count, so variable
 * frame rates sample the same instants. The display-matrix rotation is applied.
 *
 * A corrupt or truncated file yields the frames that were decodable, with `truncated` set and a
 * warning in the diag; only a file with no decodable frame at all is an error.
 *
 * Alignment (wy_video_align) turns frame-level hits between a query video and one registered
 * video into matched segments: a consistent speed factor and time offset found by voting.
 *
 * FFmpeg logs to stderr by default; the first video decoded sets its level to quiet, unless the
 * application already chose a level (av_log_set_level), since the library never prints.
 *
 * Thread-safety: every function may run on several threads at once on different objects.
 */
#ifndef WY_WITHYOU_VIDEO_H
#define WY_WITHYOU_VIDEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/ctx.h"
#include "withyou/digest.h"
#include "withyou/pdq.h"
#include "withyou/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One sampled frame (or a run of near-identical consecutive samples, when collapsed). */
struct wy_video_frame {
    struct wy_pdq_hash pdq;
    int quality;      /* PDQ quality, 0..100 */
    int64_t start_ms; /* presentation time of the sampled frame, from the stream's start */
    int64_t end_ms;   /* last sample time this hash stands for: start_ms unless collapsed */
    int64_t frame_no; /* number of the sampled frame in display order (vPDQ's frame number) */
};

struct wy_video_fp {
    struct wy_video_frame *frames; /* owned; free with wy_video_fp_clear() */
    size_t count;
    struct wy_pdq_hash *dihedral;  /* NULL, or count * WY_DIH_COUNT hashes (opts.dihedral) */
    struct wy_video_frame *zoomed; /* opts.zoomed: each sample's centred crops, in time order */
    size_t zoomed_count;
    int64_t duration_ms;
    uint32_t width_px; /* displayed size, after rotation */
    uint32_t height_px;
    double frame_rate; /* average frames per second as the container states it; 0 if unknown */
    char codec[32];    /* decoder name, e.g. "h264" */
    struct wy_digest digest;
    bool truncated; /* decoding stopped at an error; frames hold what came before it */
};

/** How much of the stream is decoded. */
enum wy_video_decode {
    WY_VIDEO_DECODE_FAST = 0, /* skip frames no sample and no later frame needs (default) */
    WY_VIDEO_DECODE_ALL = 1,  /* decode every frame: the baseline */
};

struct wy_video_opts {
    uint32_t interval_ms;  /* sampling grid step; default 1000 */
    int collapse_distance; /* consecutive samples within this PDQ distance are merged; -1 off */
    bool dihedral;         /* also fill fp->dihedral */
    bool zoomed; /* also hash centred crops keeping 90% and 80% of each side of every sample
                    (fp->zoomed): registered beside the frames, they let a cropped copy match,
                    since PDQ itself does not see through crops */
    enum wy_video_decode decode;
    int threads;              /* decoder threads; default 1 (callers parallelise across files) */
    uint32_t max_side_px;     /* default 8192 */
    uint64_t max_duration_ms; /* default 6 hours */
    uint32_t max_streams;     /* default 64 */
    uint64_t max_frames;      /* samples kept; default 100000 */
    uint64_t max_file_bytes;  /* wy_video_hash_file; default 16 GiB */
};

/** Defaults as documented on each field. */
WY_API WY_NONNULL(1) void wy_video_opts_init(struct wy_video_opts *opts);

/* ---- frame sampling (the decoder half; wy_video_hash_* compose it with PDQ) ---- */

/** Longest side of the luminance planes handed to a wy_video_sample_fn: larger frames are scaled
 * down (area averaging, shape kept), since PDQ keeps only a 64x64 low-pass anyway. */
#define WY_VIDEO_SAMPLE_PX 512u

/** One sampled frame: 8-bit luminance (0..255), display rotation applied, letterbox and
 * pillarbox bars (flat dark bands at the edges, up to a third of a side each) cut away. */
struct wy_video_sample {
    const uint8_t *luma;
    uint32_t width_px;
    uint32_t height_px;
    size_t stride_bytes;
    int64_t time_ms;
    int64_t frame_no;
};

/** What the decoder learnt about the stream. */
struct wy_video_info {
    int64_t duration_ms;
    uint32_t width_px; /* displayed size, after rotation */
    uint32_t height_px;
    double frame_rate;
    char codec[32];
    int rotation_deg;        /* 0, 90, 180 or 270 (clockwise, as displayed) */
    uint64_t frames_decoded; /* frames the decoder produced (skipped ones excluded) */
    bool truncated;          /* stopped at an error; the diag says why */
};

/** Receives each sample in time order; a status other than WY_OK stops decoding with it. */
typedef enum wy_status (*wy_video_sample_fn)(void *user, const struct wy_video_sample *sample);

/**
 * Decodes a video held in memory and calls fn for the frame shown at each grid time
 * (0, interval, 2 * interval, ...): the first frame whose timestamp reaches the grid time.
 * Uses opts->interval_ms, decode, threads and the limits. A truncated or corrupt stream ends
 * with WY_OK, info->truncated and a warning in the diag, as long as one frame was sampled.
 * @return WY_OK; WY_EFORMAT; WY_ETOOBIG (a limit); WY_ECORRUPT; WY_ENOMEM; fn's status.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 4, 5, 7) enum wy_status
    wy_video_decode_memory(struct wy_ctx *ctx, const uint8_t *data, size_t len,
                           const struct wy_video_opts *opts, wy_video_sample_fn fn, void *user,
                           struct wy_video_info *info, struct wy_diag *diag);

/** True when the bytes look like a container FFmpeg can open (MP4/MOV/3GP, MKV/WebM, AVI, FLV,
 * MPEG-TS/PS) and not like a still image format withyou decodes itself. */
WY_API bool wy_video_sniff(const uint8_t *data, size_t len);

/**
 * Fingerprints a video held in memory (read through a custom AVIOContext: nothing touches disk).
 * @param out  filled on WY_OK; release with wy_video_fp_clear().
 * @return WY_OK (check out->truncated); WY_EFORMAT (not a video or no decodable video stream);
 *         WY_ETOOBIG (resolution, duration, streams); WY_ECORRUPT (nothing decodable); WY_ENOMEM.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4, 5) enum wy_status
    wy_video_hash_memory(struct wy_ctx *ctx, const uint8_t *data, size_t len,
                         const struct wy_video_opts *opts, struct wy_video_fp *out,
                         struct wy_diag *diag);

/** Fingerprints a video file. Statuses of wy_video_hash_memory() and WY_EIO. */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3, 4) enum wy_status
    wy_video_hash_file(struct wy_ctx *ctx, const char *path, const struct wy_video_opts *opts,
                       struct wy_video_fp *out, struct wy_diag *diag);

/** Frees the frames (and dihedral hashes) of a fingerprint through the context's allocator and
 *  zeroes it. NULL is a no-op. Also releases fingerprints read by wy_codec_vpdq_parse() and
 *  wy_codec_video_json_parse(), whose frames come from the same allocator. */
WY_API void wy_video_fp_clear(struct wy_ctx *ctx, struct wy_video_fp *fp);

/**
 * Merges runs of consecutive frames whose hashes are within `distance` of the run's first frame:
 * the run keeps its first hash and quality, its end_ms becomes the last member's end_ms.
 * fp->dihedral is compacted alongside. Idempotent for the same distance.
 */
WY_API WY_NONNULL(1) void wy_video_collapse(struct wy_video_fp *fp, int distance);

/* ---- alignment ---- */

/** One frame-level hit: query sample at q_ms matched a registered frame spanning r_start..r_end. */
struct wy_align_hit {
    int64_t q_ms;
    int64_t r_start_ms;
    int64_t r_end_ms; /* >= r_start_ms; equal for an uncollapsed frame */
    int distance;     /* PDQ distance of the hit */
};

struct wy_align_opts {
    double min_speed;     /* smallest speed factor tried (registered s per query s); 0.5 */
    double max_speed;     /* largest; 2.0. Both within [0.001, 1000], min <= max */
    int64_t tolerance_ms; /* how far a hit may sit from the fitted line; >= 0; default 700: at
                             1 s sampling a true match lies within 500 ms of a registered
                             sample, plus a frame or two of timing */
    size_t min_frames;    /* fewest distinct query samples for a segment; default 3 (0 acts as 1) */
    size_t max_segments;  /* segments returned at most; default 4; >= 1 */
};

/** A matched segment: query q_start..q_end corresponds to registered r_start..r_end. */
struct wy_align_segment {
    int64_t q_start_ms;
    int64_t q_end_ms;
    int64_t r_start_ms;
    int64_t r_end_ms;
    double speed;          /* registered time advanced per query second (1.25: query is faster) */
    double offset_ms;      /* r = speed * q + offset */
    size_t frames_matched; /* distinct query samples on the line */
    size_t frames_total;   /* query samples between q_start and q_end */
    double mean_distance;  /* mean PDQ distance of the samples' best hits on the line */
    double score;          /* 0..1: share matched, weighted by closeness (see wy_video_align) */
};

WY_API WY_NONNULL(1) void wy_align_opts_init(struct wy_align_opts *opts);

/**
 * Finds up to opts->max_segments segments, best first, that do not share query samples.
 *
 * A query sample supports a line r = speed * q + offset when one of its hits spans a registered
 * time within tolerance_ms of the line. Each segment is the line, speed within [min_speed,
 * max_speed], that the most distinct samples support (ties: smaller sum of the samples' best
 * distances, then speed closer to 1.0). It is found by a vote over a log-spaced grid of speeds
 * that includes 1.0, then refitted on its samples' best hits (Theil-Sen, which a few stray
 * samples cannot tilt); its samples are removed before the next segment is sought. Segments with
 * fewer than min_frames samples are not reported. Best first: more samples, then higher score,
 * then the earlier start. The result is deterministic and does not depend on the order of the
 * hits. The score is frames_matched / frames_total * max(0, 1 - mean_distance / 128): the
 * share of the span's samples that matched, times closeness (1 for identical hashes, 0 at 128
 * bits, the distance of unrelated pictures). r_start_ms and r_end_ms are the line at q_start_ms and
 * q_end_ms, kept within the registered times of the segment's hits.
 *
 * @param hits     any order; several hits per query sample allowed. NULL only if hit_count is 0.
 *                 Each q_ms must be one of q_times; r_end_ms >= r_start_ms; distance 0..256.
 * @param q_times  the query's sample times (all of them, strictly ascending), for frames_total.
 *                 NULL only if q_count is 0. Times (and tolerance_ms) lie within +-2^40 ms.
 * @param out      room for opts->max_segments; *found receives how many were written.
 * @return WY_OK (also when nothing aligns: *found = 0); WY_EINVAL (options out of range, a
 *         malformed hit, a hit whose q_ms is not in q_times, q_times not ascending); WY_ETOOBIG
 *         (more than 2^28 hits or 2^32 samples); WY_ENOMEM. On error out and *found are untouched.
 * Cost: O(n log n) in the hits, then per segment a vote over at most 4096 speeds whose count
 * times the hits' intervals stays below 2^23 (huge inputs get a coarser grid); speeds that cannot
 * beat the best line found are skipped after one linear pass. About 50 ms for 100,000 hits
 * (docs/internals/match.md).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 6, 7, 8) enum wy_status
    wy_video_align(struct wy_ctx *ctx, const struct wy_align_hit *hits, size_t hit_count,
                   const int64_t *q_times, size_t q_count, const struct wy_align_opts *opts,
                   struct wy_align_segment *out, size_t *found);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_VIDEO_H */
