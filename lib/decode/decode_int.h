/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_int.h: the contract between decode.c (sniffing, limits, alpha, orientation) and the
 * format backends (decode_<format>.c), in the manner of curl's vtls backends.
 *
 * A backend parses the header, reports the stored size through wy__decode_check_size() BEFORE
 * allocating anything proportional to it, decodes, and hands each frame to wy__decode_emit(),
 * which takes ownership of the image. Backends may emit GRAY8, GRAYA8, RGB8 or RGBA8 at 8 bits;
 * decode.c composites alpha and applies orientation. Foreign error codes (libjpeg longjmp, spng
 * codes, giflib codes, heif_error, TIFF messages) are translated inside the backend file into a
 * wy_status plus a diag message that starts with the format name ("JPEG: ...").
 */
#ifndef WY_DECODE_DECODE_INT_H
#define WY_DECODE_DECODE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/core_int.h"
#include "withyou/decode.h"

struct wy__decode_job {
    struct wy_ctx *ctx;
    struct wy_bytes data;
    const struct wy_decode_opts *opts;
    struct wy_decode_info *info; /* backend sets orientation, has_alpha; decode.c the rest */
    struct wy_diag *diag;
    /* Private to decode.c: where emitted frames go. */
    wy_frame_fn fn;
    void *user;
    struct wy_image *first; /* wy_decode_memory keeps the first frame here */
    uint32_t emitted;
};

struct wy__decoder {
    enum wy_format format;
    /* Decodes frames until the input ends, emit says stop, or an error. */
    enum wy_status (*decode)(struct wy__decode_job *job);
};

/* Backends; HEIF is a stub returning WY_ENOTSUP when compiled out. */
extern const struct wy__decoder wy__decoder_jpeg;
extern const struct wy__decoder wy__decoder_png;
extern const struct wy__decoder wy__decoder_webp;
extern const struct wy__decoder wy__decoder_gif;
extern const struct wy__decoder wy__decoder_heif;
extern const struct wy__decoder wy__decoder_tiff;
extern const struct wy__decoder wy__decoder_bmp;
extern const struct wy__decoder wy__decoder_pnm;

/*
 * Checks a frame's stored size against WY_IMAGE_MAX_SIDE_PX and opts->max_pixels, and records it
 * in job->info on the first call. Call before allocating pixel memory.
 * @return WY_OK; WY_ECORRUPT for a zero side; WY_ETOOBIG (diag says which limit).
 */
enum wy_status wy__decode_check_size(struct wy__decode_job *job, uint64_t width_px,
                                     uint64_t height_px);

/*
 * Checks that one more frame is allowed (call with the number of frames decoded so far + 1).
 * @return WY_OK; WY_ETOOBIG when the frame count exceeds opts->max_frames.
 */
enum wy_status wy__decode_check_frames(struct wy__decode_job *job, uint64_t frames);

/*
 * Hands a decoded frame to the caller. Takes ownership of `img` in every case. Sets `*more` to
 * false when no further frame is wanted (the backend then returns WY_OK at once).
 */
enum wy_status wy__decode_emit(struct wy__decode_job *job, struct wy_image *img, uint64_t pts_ms,
                               bool *more);

/*
 * EXIF orientation (1..8) from a TIFF-structured EXIF block (starting at "II*\0" or "MM\0*",
 * optionally preceded by "Exif\0\0"). Returns 1 when absent or malformed: orientation is a
 * display hint, never a reason to reject a picture.
 */
uint8_t wy__exif_orientation(struct wy_bytes exif);

#endif /* WY_DECODE_DECODE_INT_H */
