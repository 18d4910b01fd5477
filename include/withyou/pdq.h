/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdq.h: PDQ perceptual hashes, bit-compatible with Meta's reference implementation.
 *
 * PDQ turns an image into 256 bits: luminance (0.299 R + 0.587 G + 0.114 B in single precision),
 * two passes of a Jarosz box filter sized to decimate to 64x64, a 2-D DCT keeping the 16x16
 * lowest non-DC frequencies, and one bit per coefficient: set when it exceeds the median. The
 * quality score (0..100) counts significant gradients in the 64x64 image; below about 50 a hash
 * is unreliable.
 *
 * Like the reference's photo hasher, an image larger than 512 px on either side is first squashed
 * to exactly 512x512 by nearest neighbour, ignoring aspect ratio; bit-exactness depends on it.
 * Images smaller than 5 px on a side hash to all zeros with quality 0, as in the reference.
 *
 * Bit order and hex form follow ThreatExchange: the hex string is 64 lower-case digits, bit k
 * (k = 16 * row + column of the DCT coefficient) is worth 2^k when the string is read as one
 * big-endian number. `struct wy_pdq_hash` stores those 32 bytes in string order.
 *
 * Thread-safety: a `struct wy_pdq_ws` (workspace) belongs to one thread at a time; everything
 * else is pure.
 */
#ifndef WY_WITHYOU_PDQ_H
#define WY_WITHYOU_PDQ_H

#include <stdbool.h>
#include <stdint.h>

#include "withyou/image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WY_PDQ_BYTES 32
#define WY_PDQ_HEX_CHARS 64

/** Hamming distance at or below which two PDQ hashes are usually taken to match. */
#define WY_PDQ_MATCH_THRESHOLD 31

/** A 256-bit PDQ hash, big-endian (byte 0 holds bits 255..248). */
struct wy_pdq_hash {
    uint8_t bytes[WY_PDQ_BYTES];
};

/** The 8 dihedral transforms, in the reference's order. */
enum wy_dihedral {
    WY_DIH_ORIGINAL = 0,
    WY_DIH_ROT90 = 1,
    WY_DIH_ROT180 = 2,
    WY_DIH_ROT270 = 3,
    WY_DIH_FLIPX = 4,
    WY_DIH_FLIPY = 5,
    WY_DIH_FLIP_PLUS1 = 6,  /* transpose */
    WY_DIH_FLIP_MINUS1 = 7, /* anti-transpose */
    WY_DIH_COUNT = 8,
};

/** Name of a dihedral transform: "original", "rot90", ..., "flipminus1". */
WY_API const char *wy_dihedral_name(enum wy_dihedral d);

/** Reusable scratch memory for hashing (about 2 MiB). */
struct wy_pdq_ws;

/**
 * Creates a workspace. Its kernels are chosen from the context's CPU level at creation.
 * @param out  caller owns it; release with wy_pdq_ws_free().
 * @return WY_OK; WY_ENOMEM.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy_pdq_ws_new(struct wy_ctx *ctx, struct wy_pdq_ws **out);

/** Frees a workspace. NULL is a no-op. */
WY_API void wy_pdq_ws_free(struct wy_pdq_ws *ws);

/** Name of the kernel set the workspace uses ("scalar", "avx2"). */
WY_API WY_NONNULL(1) const char *wy_pdq_ws_impl(const struct wy_pdq_ws *ws);

/**
 * Hashes an image (any wy_pixel_format; alpha channels are ignored, composite first).
 * @param dihedral  NULL, or an array of WY_DIH_COUNT hashes that receives all 8 variants (entry 0
 *                  equals `*hash`); they cost one DCT, not eight.
 * @param quality   receives 0..100.
 * @return WY_OK; WY_EINVAL for an image with a zero side or a bad format; WY_ENOMEM only the
 *         first time an image of exactly 64x64 is hashed (its path needs 32 KiB more).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3, 5) enum wy_status
    wy_pdq_hash_image(struct wy_pdq_ws *ws, const struct wy_image *img, struct wy_pdq_hash *hash,
                      struct wy_pdq_hash *dihedral, int *quality);

/**
 * Hashes a copy of an image that a decoder has already scaled down from
 * full_width_px x full_height_px (for instance by JPEG DCT scaling). The reference's 512 px squash
 * is decided on the full size, so the result stays close to hashing the full-size image.
 * wy_pdq_hash_image(ws, img, ...) equals this with the image's own size.
 * @return WY_OK; WY_EINVAL for a zero side, a bad format, or a full size smaller than the image;
 *         WY_ENOMEM as wy_pdq_hash_image.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 5, 7) enum wy_status
    wy_pdq_hash_image_as(struct wy_pdq_ws *ws, const struct wy_image *img, uint32_t full_width_px,
                         uint32_t full_height_px, struct wy_pdq_hash *hash,
                         struct wy_pdq_hash *dihedral, int *quality);

/**
 * Hashes a luminance plane (row-major floats, 0..255), as the reference's
 * pdqHash256FromFloatLuma does: no 512 px squash is applied here. The plane is used as scratch
 * and is overwritten.
 * @return WY_OK; WY_EINVAL for a zero side.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 5, 7) enum wy_status
    wy_pdq_hash_luma(struct wy_pdq_ws *ws, float *luma, uint32_t width_px, uint32_t height_px,
                     struct wy_pdq_hash *hash, struct wy_pdq_hash *dihedral, int *quality);

/** Number of differing bits, 0..256. */
WY_API WY_NONNULL(1, 2) int wy_pdq_distance(const struct wy_pdq_hash *a,
                                            const struct wy_pdq_hash *b);

/**
 * Smallest distance from `query` to any of the 8 dihedral hashes of a registered image, i.e. how
 * close `query` is to the image or to any rotation or mirror of it.
 * @param which  optional, receives the variant that is closest (the first of equals).
 * @return 0..256.
 */
WY_API WY_NONNULL(1,
                  2) int wy_pdq_distance_dihedral(const struct wy_pdq_hash *query,
                                                  const struct wy_pdq_hash dihedral[WY_DIH_COUNT],
                                                  enum wy_dihedral *which);

/** Writes 64 lower-case hex digits and a NUL into `hex` (65 bytes). */
WY_API WY_NONNULL(1, 2) void wy_pdq_to_hex(const struct wy_pdq_hash *hash,
                                           char hex[WY_PDQ_HEX_CHARS + 1]);

/**
 * Parses exactly 64 hex digits (either case); `len` is the length of `text`, which need not be
 * NUL-terminated.
 * @return WY_OK; WY_EPARSE for any other length or a non-hex character (`*out` untouched).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 3) enum wy_status
    wy_pdq_from_hex(const char *text, size_t len, struct wy_pdq_hash *out);

/** Value of bit k (0..255) in the reference's numbering. */
WY_API WY_NONNULL(1) bool wy_pdq_bit(const struct wy_pdq_hash *hash, unsigned k);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_PDQ_H */
