/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline.h: from a file to its fingerprints, the one place where decoding, PDQ and digests meet.
 *
 * A `struct wy_hasher` owns the scratch a thread needs (PDQ workspace) and the options of a run.
 * wy_hasher_hash_file() reads the file once, computes SHA-256 and MD5 of its bytes, decodes it at
 * the smallest sufficient scale (or at full size) and computes the PDQ hash, optionally with its 8
 * dihedral variants. Time spent decoding and hashing is reported separately for benchmarks.
 *
 * Thread-safety: one hasher per thread; any number of hashers may share one context.
 */
#ifndef WY_WITHYOU_PIPELINE_H
#define WY_WITHYOU_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "withyou/decode.h"
#include "withyou/digest.h"
#include "withyou/pdq.h"
#include "withyou/video.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Choices for a hashing run. Initialise with wy_hasher_opts_init(). */
struct wy_hasher_opts {
    struct wy_decode_opts decode; /* limits, orientation, background */
    bool full_decode;             /* decode at full size (bit-exact with the reference) */
    uint32_t fast_size_px;        /* fast mode: smallest side kept by scaled decoding;
                                     0 means WY_HASHER_FAST_TARGET_PX */
    bool dihedral;                /* also compute the 8 dihedral hashes */
    bool videos;                  /* wy_hasher_hash_media(): fingerprint videos too */
    bool unframe;                 /* query views: without a border or plain bands at the edges,
                                     if any, and turned back by 5 and 10 degrees each way */
    bool zoom;                    /* add views of the centred 90%, 80% and 70% of each side */
    struct wy_video_opts video;   /* for videos (its `dihedral` follows the field above) */
};

/**
 * Views: hashes of parts of a picture, for matching only (the picture's own hash never changes).
 * PDQ does not see through borders and crops: a copy framed in a border is found through the
 * UNFRAMED view of the query, a cropped copy through the ZOOM views registered with the
 * original.
 */
enum wy_view_kind {
    WY_VIEW_UNFRAMED = 1,    /* the picture inside a border of one colour (or letterbox bars) */
    WY_VIEW_ZOOM90 = 2,      /* the centred 90% of each side */
    WY_VIEW_ZOOM80 = 3,      /* the centred 80% */
    WY_VIEW_ZOOM70 = 4,      /* the centred 70% */
    WY_VIEW_UNBANDED = 5,    /* the picture inside plain bands with text on them: a meme
                                caption's band, a screenshot's status bar, margins, comments */
    WY_VIEW_TURNED_CW5 = 6,  /* turned 5 degrees clockwise, centred 80% (clear of the corners a
                                rotation fills): meets the ZOOM80 view of an original that the
                                copy shows turned 5 degrees anticlockwise */
    WY_VIEW_TURNED_CCW5 = 7, /* turned 5 degrees anticlockwise, centred 80% */
    WY_VIEW_TURNED_CW10 = 8, /* turned 10 degrees clockwise, centred 70% (meets ZOOM70) */
    WY_VIEW_TURNED_CCW10 = 9,
};
#define WY_VIEWS_MAX 9

struct wy_view {
    enum wy_view_kind kind;
    struct wy_pdq_hash pdq;
    struct wy_pdq_hash dihedral[WY_DIH_COUNT]; /* filled when opts.dihedral */
    int quality;
};

/** Everything known about one hashed file. */
struct wy_hash_record {
    struct wy_pdq_hash pdq;
    struct wy_pdq_hash dihedral[WY_DIH_COUNT]; /* filled when opts.dihedral */
    int quality;
    struct wy_view views[WY_VIEWS_MAX]; /* opts.unframe, opts.zoom */
    size_t view_count;
    struct wy_digest digest;
    struct wy_decode_info info; /* format, displayed width and height, orientation */
    uint64_t file_bytes;
    uint64_t read_ns; /* reading the file and computing digests */
    uint64_t decode_ns;
    uint64_t hash_ns; /* PDQ only */
};

/**
 * Smallest side that fast (scaled) decoding keeps. Chosen so that the hash stays within a few
 * bits of a full-size decode; see docs/internals/decode.md for the measurements.
 */
#define WY_HASHER_FAST_TARGET_PX 384u

struct wy_hasher;

/** Defaults: decode defaults, scaled decoding, no dihedral hashes. */
WY_API WY_NONNULL(1) void wy_hasher_opts_init(struct wy_hasher_opts *opts);

/**
 * Creates a hasher.
 * @param opts  NULL for defaults; copied.
 * @param out   caller owns it; release with wy_hasher_free().
 * @return WY_OK; WY_ENOMEM.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_hasher_new(struct wy_ctx *ctx, const struct wy_hasher_opts *opts, struct wy_hasher **out);

/** Frees a hasher. NULL is a no-op. */
WY_API void wy_hasher_free(struct wy_hasher *hasher);

/**
 * Fingerprints the bytes of one image.
 * @return WY_OK with `*rec` filled; the statuses of wy_decode_memory() otherwise.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_hasher_hash_memory(struct wy_hasher *hasher, struct wy_bytes data,
                          struct wy_hash_record *rec, struct wy_diag *diag);

/**
 * Fingerprints one file. Statuses of wy_file_read() and wy_hasher_hash_memory().
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3) enum wy_status
    wy_hasher_hash_file(struct wy_hasher *hasher, const char *path, struct wy_hash_record *rec,
                        struct wy_diag *diag);

/** A picture's or a video's fingerprints. */
struct wy_media_record {
    bool is_video;
    struct wy_hash_record image; /* pictures */
    struct wy_video_fp video;    /* videos; release with wy_video_fp_clear() on the hasher's ctx */
};

/**
 * Fingerprints one file, picture or video (by its first bytes; videos only when opts.videos).
 * Videos are mapped, not copied, and hashed with opts.video.
 * @return WY_OK with `*rec` filled; the statuses of wy_hasher_hash_file() and
 *         wy_video_hash_memory(). On failure nothing needs releasing.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3) enum wy_status
    wy_hasher_hash_media(struct wy_hasher *hasher, const char *path, struct wy_media_record *rec,
                         struct wy_diag *diag);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_PIPELINE_H */
