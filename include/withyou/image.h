/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.h: decoded pixels.
 *
 * An image is 8 bits per sample, row-major, top row first, interleaved channels. The decoder
 * always returns WY_PIX_GRAY8 or WY_PIX_RGB8: alpha is composited onto a background and every
 * other colour model (CMYK, YCbCr, 16-bit, palette) is converted while decoding. The formats with
 * alpha exist for callers that build images themselves.
 *
 * Thread-safety: an image is plain memory; concurrent reads are safe.
 */
#ifndef WY_WITHYOU_IMAGE_H
#define WY_WITHYOU_IMAGE_H

#include <stdint.h>

#include "withyou/ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Pixel layouts. The value is the number of interleaved channels. */
enum wy_pixel_format {
    WY_PIX_GRAY8 = 1,
    WY_PIX_GRAYA8 = 2,
    WY_PIX_RGB8 = 3,
    WY_PIX_RGBA8 = 4,
};

/**
 * An image. All fields are read-only for users of the library except the pixel bytes themselves.
 * `stride_bytes` >= width_px * format; rows may be padded.
 */
struct wy_image {
    uint32_t width_px;
    uint32_t height_px;
    enum wy_pixel_format format;
    size_t stride_bytes;
    uint8_t *pixels;
};

/** Hard upper bound on either side of an image, whatever the limits say (fits int arithmetic). */
#define WY_IMAGE_MAX_SIDE_PX 65535u

/**
 * Allocates an image with uninitialised pixels.
 * @param out  caller owns the result; release with wy_image_free().
 * @return WY_OK; WY_EINVAL for a zero or over-large side or bad format; WY_ENOMEM.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 5) enum wy_status
    wy_image_new(struct wy_ctx *ctx, uint32_t width_px, uint32_t height_px,
                 enum wy_pixel_format format, struct wy_image **out);

/** Frees an image from wy_image_new() or a decoder. NULL is a no-op. */
WY_API WY_NONNULL(1) void wy_image_free(struct wy_ctx *ctx, struct wy_image *img);

/** Address of row `y` (no bounds check beyond a debug assertion). */
static inline uint8_t *wy_image_row(const struct wy_image *img, uint32_t y)
{
    return img->pixels + (size_t)y * img->stride_bytes;
}

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_IMAGE_H */
