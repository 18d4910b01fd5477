/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode.h: still and animated images from bytes to pixels.
 *
 * The format is chosen by the file's magic bytes, never by its name. Backends: JPEG
 * (libjpeg-turbo), PNG (libspng), WebP still and animated (libwebp), GIF (giflib), HEIC/AVIF
 * (libheif), TIFF (libtiff), and BMP / PNM (built in). Every size is checked against the limits in
 * `struct wy_decode_opts` before anything is allocated for it, so a decompression bomb costs a
 * header read, not gigabytes. Corrupt or truncated input gives WY_ECORRUPT with a reason in the
 * diag; it never aborts the process.
 *
 * Output is always WY_PIX_GRAY8 or WY_PIX_RGB8. By default the EXIF orientation (JPEG, PNG
 * eXIf, WebP, TIFF) or the HEIF transform is applied, so pixels are upright as a viewer shows
 * them; `raw_orientation` keeps them as stored, as Meta's PDQ reference does. Alpha is composited
 * onto `background_rgb`.
 *
 * Scaled decoding: when `target_px` is non-zero a backend may return a smaller image (JPEG uses
 * libjpeg-turbo's DCT-domain scaling) whose sides are still at least min(side, target_px); the
 * original size is reported in `struct wy_decode_info`. 0 decodes at full size (bit-exact work).
 *
 * Thread-safety: all functions are reentrant; concurrent calls need no locking.
 */
#ifndef WY_WITHYOU_DECODE_H
#define WY_WITHYOU_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "withyou/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A borrowed byte range (non-owning view). */
struct wy_bytes {
    const uint8_t *ptr;
    size_t len;
};

/** Container formats recognised by wy_decode_sniff(). */
enum wy_format {
    WY_FORMAT_UNKNOWN = 0,
    WY_FORMAT_JPEG,
    WY_FORMAT_PNG,
    WY_FORMAT_WEBP,
    WY_FORMAT_GIF,
    WY_FORMAT_HEIF, /* HEIC, AVIF and other ISO-BMFF still images */
    WY_FORMAT_TIFF,
    WY_FORMAT_BMP,
    WY_FORMAT_PNM,
};

/** How libjpeg-turbo computes the inverse DCT. */
enum wy_jpeg_idct {
    WY_JPEG_IDCT_ISLOW = 0, /* libjpeg's default, accurate integer: what in-process decoders use */
    WY_JPEG_IDCT_FLOAT = 1, /* floating point: ImageMagick 6's default */
    WY_JPEG_IDCT_IFAST = 2, /* fast integer, least accurate */
};

/** Decoder limits and choices. Initialise with wy_decode_opts_init(). */
struct wy_decode_opts {
    uint64_t max_pixels;     /* per frame, width * height; default 100,000,000 */
    uint64_t max_file_bytes; /* default 256 MiB */
    uint32_t max_frames;     /* frames an animation may have; default 10,000 */
    uint32_t target_px;      /* 0: full size; else the smallest side wanted (see above) */
    bool raw_orientation;    /* true: ignore EXIF orientation / HEIF transforms */
    bool luma_only;          /* caller needs luminance only: a YCbCr JPEG may be decoded
                                straight to GRAY8, skipping chroma (fast hashing) */
    enum wy_jpeg_idct jpeg_idct;
    uint32_t background_rgb; /* 0xRRGGBB behind transparent pixels; default white */
};

/** What was decoded. Sizes are of the image as stored (before orientation and scaling). */
struct wy_decode_info {
    enum wy_format format;
    uint32_t width_px; /* as displayed: after orientation unless raw_orientation */
    uint32_t height_px;
    uint32_t frame_count; /* 1 for stills; for animations, frames seen so far */
    uint8_t orientation;  /* EXIF orientation 1..8 found in the file (1 if none) */
    bool has_alpha;
    bool scaled; /* the returned image is smaller than width_px x height_px */
};

/** Fills `opts` with the defaults documented above. */
WY_API WY_NONNULL(1) void wy_decode_opts_init(struct wy_decode_opts *opts);

/** Recognises a format from the first bytes (at least 12 are needed for all formats). */
WY_API enum wy_format wy_decode_sniff(struct wy_bytes data);

/** Lower-case name of a format: "jpeg", "png", ... ("unknown" for WY_FORMAT_UNKNOWN). */
WY_API const char *wy_format_name(enum wy_format format);

/** True if this build has a backend for `format` (HEIF can be compiled out). */
WY_API bool wy_decode_supported(enum wy_format format);

/**
 * Decodes the first frame of an image held in memory.
 * @param opts  NULL for defaults.
 * @param out   receives the image (GRAY8 or RGB8); caller owns it, release with wy_image_free().
 * @param info  optional, filled on success.
 * @param diag  optional detail on failure.
 * @return WY_OK; WY_EEMPTY for zero bytes; WY_EFORMAT for an unknown or compiled-out format;
 *         WY_ETOOBIG when a limit is exceeded; WY_ECORRUPT for corrupt or truncated data;
 *         WY_ENOMEM.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 4) enum wy_status
    wy_decode_memory(struct wy_ctx *ctx, struct wy_bytes data, const struct wy_decode_opts *opts,
                     struct wy_image **out, struct wy_decode_info *info, struct wy_diag *diag);

/**
 * Called once per frame of an animation, in display order, with the composited full canvas.
 * `img` is borrowed: valid only during the call. `pts_ms` is the frame's start time.
 * Return false to stop decoding early (not an error).
 */
typedef bool (*wy_frame_fn)(void *user, const struct wy_image *img, uint32_t index,
                            uint64_t pts_ms);

/**
 * Decodes every frame (GIF, animated WebP; stills give one frame), up to opts->max_frames.
 * Same statuses as wy_decode_memory(); WY_ETOOBIG if the animation has more frames than allowed.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 4) enum wy_status
    wy_decode_frames(struct wy_ctx *ctx, struct wy_bytes data, const struct wy_decode_opts *opts,
                     wy_frame_fn fn, void *user, struct wy_decode_info *info, struct wy_diag *diag);

/**
 * Reads a whole file into memory, refusing files over `max_bytes`.
 * @param out  receives the bytes; caller owns them, release with wy_free(). out->len may be 0.
 * @return WY_OK; WY_ENOENT; WY_EISDIR; WY_ETOOBIG; WY_EIO (diag holds strerror text).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4) enum wy_status
    wy_file_read(struct wy_ctx *ctx, const char *path, uint64_t max_bytes, struct wy_bytes *out,
                 struct wy_diag *diag);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_DECODE_H */
