/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_pdq_pixels.c: libFuzzer target for PDQ on arbitrary pixels, through wy_pdq_hash_image()
 * (every pixel format, padded strides, the >512 px squash) and wy_pdq_hash_luma(), always with
 * the 8 dihedral hashes.
 *
 * Input layout: bytes 0-1 width and 2-3 height (little-endian, taken modulo FUZZ_PDQ_MAX_SIDE,
 * plus one), byte 4 the pixel format (low 2 bits) and extra stride bytes (next 3 bits), then
 * pixel bytes, repeated as often as needed to fill the image.
 *
 * Invariants: WY_OK with quality 0..100 and dihedral[0] equal to the hash; images under 5 px on
 * a side (after the squash, for wy_pdq_hash_image) hash to zero with quality 0; the best kernels
 * the machine has and the scalar ones agree bit for bit; an alpha channel changes nothing; a zero
 * side gives WY_EINVAL.
 */
#include "fuzz_common.h"

#include <stdbool.h>
#include <string.h>

/* Past 512 so the reference's squash to 512x512 is exercised, small enough to stay fast. */
#define FUZZ_PDQ_MAX_SIDE 640u
#define FUZZ_PDQ_HEADER_BYTES 5u
#define PDQ_MIN_SIDE 5u
#define PDQ_SQUASH_SIDE 512u

struct hasher {
    struct wy_ctx *ctx;
    struct wy_pdq_ws *ws;
};

struct result {
    struct wy_pdq_hash hash;
    struct wy_pdq_hash dihedral[WY_DIH_COUNT];
    int quality;
};

/* [0] uses the best kernels the machine has, [1] the scalar specification. */
static struct hasher hashers[2];

static void init_hashers(void)
{
    if (hashers[0].ws != NULL) {
        return;
    }
    hashers[0].ctx = fuzz_ctx();
    FUZZ_CHECK(wy_ctx_new(NULL, &hashers[1].ctx) == WY_OK);
    wy_ctx_set_cpu(hashers[1].ctx, WY_CPU_SCALAR);
    for (int i = 0; i < 2; i++) {
        FUZZ_CHECK(wy_pdq_ws_new(hashers[i].ctx, &hashers[i].ws) == WY_OK);
    }
}

static bool is_zero(const struct wy_pdq_hash *h)
{
    static const struct wy_pdq_hash zero;
    return memcmp(h, &zero, sizeof zero) == 0;
}

/* `width_px` x `height_px` is the size PDQ works on: after the squash for wy_pdq_hash_image(). */
static void check_result(const struct result *r, uint32_t width_px, uint32_t height_px)
{
    FUZZ_CHECK(r->quality >= 0 && r->quality <= 100);
    FUZZ_CHECK(memcmp(&r->hash, &r->dihedral[0], sizeof r->hash) == 0);
    FUZZ_CHECK(wy_pdq_distance(&r->hash, &r->hash) == 0);
    for (int d = 0; d < WY_DIH_COUNT; d++) {
        const int dist = wy_pdq_distance(&r->hash, &r->dihedral[d]);
        FUZZ_CHECK(dist >= 0 && dist <= 256);
        FUZZ_CHECK(dist == wy_pdq_distance(&r->dihedral[d], &r->hash));
    }
    if (width_px < PDQ_MIN_SIDE || height_px < PDQ_MIN_SIDE) {
        FUZZ_CHECK(is_zero(&r->hash) && r->quality == 0);
    }
}

static bool same_result(const struct result *a, const struct result *b)
{
    return a->quality == b->quality && memcmp(a->hash.bytes, b->hash.bytes, WY_PDQ_BYTES) == 0 &&
           memcmp(a->dihedral, b->dihedral, sizeof a->dihedral) == 0;
}

static void hash_image(int which, const struct wy_image *img, struct result *r)
{
    r->quality = -1;
    FUZZ_CHECK(wy_pdq_hash_image(hashers[which].ws, img, &r->hash, r->dihedral, &r->quality) ==
               WY_OK);
    /* A side over 512 squashes the image to 512x512 first, so only smaller ones can be tiny. */
    const bool squashed = img->width_px > PDQ_SQUASH_SIDE || img->height_px > PDQ_SQUASH_SIDE;
    check_result(r, squashed ? PDQ_SQUASH_SIDE : img->width_px,
                 squashed ? PDQ_SQUASH_SIDE : img->height_px);
}

/* An image of the caller's own making: `pad` spare bytes after each row. */
static struct wy_image *make_image(uint32_t w, uint32_t h, enum wy_pixel_format fmt, size_t pad,
                                   const uint8_t *payload, size_t payload_len)
{
    struct wy_image *img = malloc(sizeof *img);
    FUZZ_CHECK(img != NULL);
    img->width_px = w;
    img->height_px = h;
    img->format = fmt;
    img->stride_bytes = (size_t)w * (size_t)fmt + pad;
    const size_t total = img->stride_bytes * h;
    img->pixels = malloc(total);
    FUZZ_CHECK(img->pixels != NULL);
    for (size_t i = 0; i < total; i++) {
        img->pixels[i] = payload_len > 0 ? payload[i % payload_len] : 0;
    }
    return img;
}

static void free_image(struct wy_image *img)
{
    free(img->pixels);
    free(img);
}

/* The same picture without its alpha channel (GRAYA8 -> GRAY8, RGBA8 -> RGB8). */
static struct wy_image *drop_alpha(const struct wy_image *src)
{
    const enum wy_pixel_format fmt = src->format == WY_PIX_RGBA8 ? WY_PIX_RGB8 : WY_PIX_GRAY8;
    struct wy_image *dst = make_image(src->width_px, src->height_px, fmt, 0, NULL, 0);
    const size_t in_ch = (size_t)src->format;
    const size_t out_ch = (size_t)fmt;
    for (uint32_t y = 0; y < src->height_px; y++) {
        const uint8_t *in = wy_image_row(src, y);
        uint8_t *out = wy_image_row(dst, y);
        for (uint32_t x = 0; x < src->width_px; x++) {
            memcpy(out + x * out_ch, in + x * in_ch, out_ch);
        }
    }
    return dst;
}

static void fuzz_image(uint32_t w, uint32_t h, enum wy_pixel_format fmt, size_t pad,
                       const uint8_t *payload, size_t payload_len)
{
    struct wy_image *img = make_image(w, h, fmt, pad, payload, payload_len);
    struct result best;
    struct result scalar;
    hash_image(0, img, &best);
    hash_image(1, img, &scalar);
    FUZZ_CHECK(same_result(&best, &scalar));
    if (fmt == WY_PIX_GRAYA8 || fmt == WY_PIX_RGBA8) {
        struct wy_image *opaque = drop_alpha(img);
        struct result twin;
        hash_image(0, opaque, &twin);
        FUZZ_CHECK(same_result(&best, &twin));
        free_image(opaque);
    }
    free_image(img);
}

static void fuzz_luma(uint32_t w, uint32_t h, const uint8_t *payload, size_t payload_len)
{
    const size_t n = (size_t)w * h;
    float *planes[2];
    struct result r[2];
    for (int i = 0; i < 2; i++) {
        planes[i] = malloc(n * sizeof(float));
        FUZZ_CHECK(planes[i] != NULL);
        for (size_t k = 0; k < n; k++) {
            planes[i][k] = payload_len > 0 ? (float)payload[k % payload_len] : 0.0f;
        }
        r[i].quality = -1;
        FUZZ_CHECK(wy_pdq_hash_luma(hashers[i].ws, planes[i], w, h, &r[i].hash, r[i].dihedral,
                                    &r[i].quality) == WY_OK);
        check_result(&r[i], w, h);
        free(planes[i]);
    }
    FUZZ_CHECK(same_result(&r[0], &r[1]));
}

static void fuzz_zero_sides(void)
{
    uint8_t pixel = 0;
    float luma = 0.0f;
    struct wy_image empty = {
        .width_px = 0, .height_px = 1, .format = WY_PIX_GRAY8, .stride_bytes = 1, .pixels = &pixel};
    struct result r;
    FUZZ_CHECK(wy_pdq_hash_image(hashers[0].ws, &empty, &r.hash, NULL, &r.quality) == WY_EINVAL);
    FUZZ_CHECK(wy_pdq_hash_luma(hashers[0].ws, &luma, 1, 0, &r.hash, NULL, &r.quality) ==
               WY_EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_PDQ_HEADER_BYTES) {
        return 0;
    }
    init_hashers();
    const uint32_t w = 1u + ((uint32_t)data[0] | (uint32_t)data[1] << 8) % FUZZ_PDQ_MAX_SIDE;
    const uint32_t h = 1u + ((uint32_t)data[2] | (uint32_t)data[3] << 8) % FUZZ_PDQ_MAX_SIDE;
    const enum wy_pixel_format fmt = (enum wy_pixel_format)(1 + (data[4] & 3u));
    const size_t pad = (data[4] >> 2) & 7u;
    const uint8_t *payload = data + FUZZ_PDQ_HEADER_BYTES;
    const size_t payload_len = size - FUZZ_PDQ_HEADER_BYTES;
    fuzz_image(w, h, fmt, pad, payload, payload_len);
    fuzz_luma(w, h, payload, payload_len);
    fuzz_zero_sides();
    return 0;
}
