/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.c: allocation of pixel buffers. The struct and its pixels are one block, so an image is
 * freed in one call and a failed allocation leaves nothing behind.
 */
#include "wy_setup.h"

#include "core/core_int.h"
#include "withyou/image.h"

enum wy_status wy_image_new(struct wy_ctx *ctx, uint32_t width_px, uint32_t height_px,
                            enum wy_pixel_format format, struct wy_image **out)
{
    if (width_px == 0 || height_px == 0 || width_px > WY_IMAGE_MAX_SIDE_PX ||
        height_px > WY_IMAGE_MAX_SIDE_PX) {
        return WY_EINVAL;
    }
    if (format != WY_PIX_GRAY8 && format != WY_PIX_GRAYA8 && format != WY_PIX_RGB8 &&
        format != WY_PIX_RGBA8) {
        return WY_EINVAL;
    }
    const size_t stride = (size_t)width_px * (size_t)format;
    size_t pixel_bytes;
    if (wy__mul_overflow(stride, height_px, &pixel_bytes)) {
        return WY_ENOMEM;
    }
    /* One block: the header padded to 64 bytes, then the pixels, then slack so that SIMD loads
     * that run a few bytes past the last pixel stay inside the allocation. */
    const size_t header = (sizeof(struct wy_image) + 63) & ~(size_t)63;
    uint8_t *block = wy__alloc(ctx, header + pixel_bytes + 64);
    if (block == NULL) {
        return WY_ENOMEM;
    }
    struct wy_image *img = (struct wy_image *)block;
    img->width_px = width_px;
    img->height_px = height_px;
    img->format = format;
    img->stride_bytes = stride;
    img->pixels = block + header;
    *out = img;
    return WY_OK;
}

void wy_image_free(struct wy_ctx *ctx, struct wy_image *img)
{
    wy__free(ctx, img);
}
