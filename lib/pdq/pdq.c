/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdq.c: the public PDQ API: workspace, luminance, the reference's 512 px squash, and the chain
 * blur -> decimate -> quality -> DCT -> bits. Kernels come from the table chosen at workspace
 * creation, so the hot path neither allocates nor branches on the CPU.
 */
#include "wy_setup.h"

#include <string.h>

#include "core/core_int.h"
#include "pdq/pdq_int.h"

struct wy_pdq_ws {
    struct wy_ctx *ctx;
    const struct wy__pdq_impl *impl;
    float *plane;   /* luma, then blurred in place; capacity `plane_cap` floats */
    float *scratch; /* the box filter's other buffer, same capacity, in plane's block */
    size_t plane_cap;
    float *a64;        /* 64x64 decimated plane */
    float *t16x64;     /* DCT scratch */
    float *b16;        /* 16x16 DCT block */
    float *aux16;      /* a dihedral variant of b16 */
    float *band_block; /* the streaming blur's buffers, carved into `bands` */
    struct wy__pdq_band_bufs bands;
};

static const char *const dih_names[WY_DIH_COUNT] = {
    "original", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1",
};

const char *wy_dihedral_name(enum wy_dihedral d)
{
    return (unsigned)d < WY_DIH_COUNT ? dih_names[d] : "unknown";
}

static float *alloc_floats(struct wy_ctx *ctx, size_t n)
{
    size_t bytes;
    if (wy__mul_overflow(n, sizeof(float), &bytes)) {
        return NULL;
    }
    return wy__alloc(ctx, bytes);
}

/*
 * Gap, in floats, between the end of the plane and the start of the scratch plane. Both live in
 * one block, so without it they would be exactly `plane_cap` floats apart, a multiple of 4 KiB
 * for every power-of-two plane: the box filters read one plane while storing to the other at
 * the same offset, and a load whose address bits 0..11 match a pending store waits for it (4 KiB
 * aliasing). 64 bytes keeps the 32-byte alignment and moves the planes a cache line apart.
 */
enum { SCRATCH_GAP_FLOATS = 16 };

static enum wy_status ws_reserve(struct wy_pdq_ws *ws, size_t floats)
{
    if (floats <= ws->plane_cap) {
        return WY_OK;
    }
    size_t block_floats;
    if (wy__mul_overflow(floats, 2, &block_floats) ||
        block_floats > SIZE_MAX - SCRATCH_GAP_FLOATS) {
        return WY_ENOMEM;
    }
    float *block = alloc_floats(ws->ctx, block_floats + SCRATCH_GAP_FLOATS);
    if (block == NULL) {
        return WY_ENOMEM;
    }
    wy__free(ws->ctx, ws->plane);
    ws->plane = block;
    ws->scratch = block + floats + SCRATCH_GAP_FLOATS;
    ws->plane_cap = floats;
    return WY_OK;
}

enum wy_status wy_pdq_ws_new(struct wy_ctx *ctx, struct wy_pdq_ws **out)
{
    struct wy_pdq_ws *ws = wy__calloc(ctx, 1, sizeof *ws);
    if (ws == NULL) {
        return WY_ENOMEM;
    }
    ws->ctx = ctx;
    ws->impl = wy__pdq_impl_pick(ctx->cpu);
    /* One block for the small fixed planes: 64x64 + 16x64 + 2 x 16x16 floats. */
    const size_t small = 64 * 64 + 16 * 64 + 2 * 16 * 16;
    float *fixed = alloc_floats(ctx, small);
    ws->band_block = alloc_floats(ctx, wy__pdq_band_bufs_floats());
    if (fixed == NULL || ws->band_block == NULL) {
        wy__free(ctx, fixed);
        wy_pdq_ws_free(ws);
        return WY_ENOMEM;
    }
    wy__pdq_band_bufs_carve(ws->band_block, &ws->bands);
    ws->a64 = fixed;
    ws->t16x64 = fixed + 64 * 64;
    ws->b16 = ws->t16x64 + 16 * 64;
    ws->aux16 = ws->b16 + 16 * 16;
    (void)wy__pdq_dct_matrix(); /* build the basis now, not inside a timed hash */
    *out = ws;
    return WY_OK;
}

void wy_pdq_ws_free(struct wy_pdq_ws *ws)
{
    if (ws == NULL) {
        return;
    }
    wy__free(ws->ctx, ws->plane); /* the scratch plane lies in the same block */
    wy__free(ws->ctx, ws->a64);
    wy__free(ws->ctx, ws->band_block);
    wy__free(ws->ctx, ws);
}

const char *wy_pdq_ws_impl(const struct wy_pdq_ws *ws)
{
    return ws->impl->name;
}

/* Blur in place (plane <-> scratch, ending in plane) and decimate to 64x64. */
/* Copies the columns that decimation samples into a plane 64 wide. */
static void gather_sampled_columns(const float *in, uint32_t w, uint32_t h, float *out)
{
    enum { N = WY_PDQ_DOWNSAMPLE_PX };
    uint32_t cols[N];
    for (uint32_t j = 0; j < N; j++) {
        cols[j] = wy__pdq_sample_at(j, w);
    }
    for (uint32_t y = 0; y < h; y++) {
        const float *row = in + (size_t)y * w;
        float *dst = out + (size_t)y * N;
        for (uint32_t j = 0; j < N; j++) {
            dst[j] = row[cols[j]];
        }
    }
}

/*
 * Two passes of box filters along rows then columns, then decimation to 64x64. The last column
 * pass only matters at the 64 columns decimation samples, and every column's running sum is
 * independent of the others: filtering just those columns, gathered into a plane 64 wide, gives
 * the very same floats for a fraction of the work (an eighth at 512 px). The plane and scratch
 * buffers hold w*h floats, so the narrow plane fits whenever w >= 64.
 */
static void blur_decimate(struct wy_pdq_ws *ws, float *plane, float *scratch, uint32_t w,
                          uint32_t h)
{
    enum { N = WY_PDQ_DOWNSAMPLE_PX };
    const uint32_t win_rows = wy__pdq_window(w, N);
    const uint32_t win_cols = wy__pdq_window(h, N);
    _Static_assert(WY_PDQ_JAROSZ_PASSES == 2, "the passes below are written out");
    ws->impl->box_rows(plane, scratch, h, w, win_rows);
    ws->impl->box_cols(scratch, plane, h, w, win_cols);
    ws->impl->box_rows(plane, scratch, h, w, win_rows);
    if (w <= N) {
        ws->impl->box_cols(scratch, plane, h, w, win_cols);
        wy__pdq_decimate(plane, h, w, ws->a64);
        return;
    }
    gather_sampled_columns(scratch, w, h, plane);
    ws->impl->box_cols(plane, scratch, h, N, win_cols);
    wy__pdq_decimate(scratch, h, N, ws->a64);
}

static void zero_outputs(struct wy_pdq_hash *hash, struct wy_pdq_hash *dihedral, int *quality)
{
    memset(hash, 0, sizeof *hash);
    if (dihedral != NULL) {
        memset(dihedral, 0, sizeof *dihedral * WY_DIH_COUNT);
    }
    *quality = 0;
}

static void emit_dihedral(struct wy_pdq_ws *ws, struct wy_pdq_hash *dihedral)
{
    wy__pdq_bits(ws->b16, &dihedral[0]);
    for (int d = 1; d < WY_DIH_COUNT; d++) {
        wy__pdq_dihedral(ws->b16, (enum wy_dihedral)d, ws->aux16);
        wy__pdq_bits(ws->aux16, &dihedral[d]);
    }
}

/* Quality, DCT and bits of the decimated plane in ws->a64. */
static void hash_a64(struct wy_pdq_ws *ws, struct wy_pdq_hash *hash, struct wy_pdq_hash *dihedral,
                     int *quality)
{
    *quality = wy__pdq_quality(ws->a64);
    ws->impl->dct(ws->a64, ws->t16x64, ws->b16);
    wy__pdq_bits(ws->b16, hash);
    if (dihedral != NULL) {
        emit_dihedral(ws, dihedral);
    }
}

/*
 * The hash of a plane already in ws->plane-like storage. `plane` is consumed. The reference's
 * single-hash path skips the blur for an exactly 64x64 input (a frame already scaled by ffmpeg)
 * while its dihedral path always blurs; both behaviours are kept so each output matches the
 * corresponding reference output.
 */
static void hash_plane(struct wy_pdq_ws *ws, float *plane, float *scratch, uint32_t w, uint32_t h,
                       struct wy_pdq_hash *hash, struct wy_pdq_hash *dihedral, int *quality)
{
    const bool exact64 = (w == WY_PDQ_DOWNSAMPLE_PX && h == WY_PDQ_DOWNSAMPLE_PX);
    if (exact64 && dihedral != NULL) {
        /* Keep an unblurred copy for the single hash, then run the dihedral path. */
        memcpy(ws->a64, plane, sizeof(float) * 64 * 64);
        ws->impl->dct(ws->a64, ws->t16x64, ws->b16);
        *quality = wy__pdq_quality(ws->a64);
        wy__pdq_bits(ws->b16, hash);
        blur_decimate(ws, plane, scratch, w, h);
        ws->impl->dct(ws->a64, ws->t16x64, ws->b16);
        emit_dihedral(ws, dihedral);
        return;
    }
    if (exact64) {
        memcpy(ws->a64, plane, sizeof(float) * 64 * 64);
    } else {
        blur_decimate(ws, plane, scratch, w, h);
    }
    hash_a64(ws, hash, dihedral, quality);
}

enum wy_status wy_pdq_hash_luma(struct wy_pdq_ws *ws, float *luma, uint32_t width_px,
                                uint32_t height_px, struct wy_pdq_hash *hash,
                                struct wy_pdq_hash *dihedral, int *quality)
{
    if (width_px == 0 || height_px == 0) {
        return WY_EINVAL;
    }
    if (width_px < WY_PDQ_MIN_SIDE_PX || height_px < WY_PDQ_MIN_SIDE_PX) {
        zero_outputs(hash, dihedral, quality);
        return WY_OK;
    }
    const enum wy_status st = ws_reserve(ws, (size_t)width_px * height_px);
    if (st != WY_OK) {
        return st;
    }
    hash_plane(ws, luma, ws->scratch, width_px, height_px, hash, dihedral, quality);
    return WY_OK;
}

/*
 * The luminance kernel's specification (see pdq_int.h): the reference's expression, evaluated
 * left to right in single precision with every product rounded (pdq.c is built without FMA
 * contraction).
 */
void wy__pdq_luma_row_scalar(const uint8_t *row, enum wy_pixel_format fmt, const uint32_t *cols,
                             uint32_t n, float *out)
{
    const size_t ch = (size_t)fmt;
    if (fmt == WY_PIX_GRAY8 || fmt == WY_PIX_GRAYA8) {
        for (uint32_t x = 0; x < n; x++) {
            const size_t src = cols != NULL ? cols[x] : x;
            out[x] = (float)row[src * ch];
        }
        return;
    }
    for (uint32_t x = 0; x < n; x++) {
        const uint8_t *p = row + (cols != NULL ? cols[x] : x) * ch;
        out[x] =
            WY_PDQ_LUMA_R * (float)p[0] + WY_PDQ_LUMA_G * (float)p[1] + WY_PDQ_LUMA_B * (float)p[2];
    }
}

/* Source index for output index i when resampling src_px to dst_px by nearest neighbour, as
 * CImg's resize (the reference's) computes it: floor(i * src / dst) in double. */
static uint32_t nearest_src(uint32_t i, uint32_t src_px, uint32_t dst_px)
{
    return (uint32_t)(((double)i * (double)src_px) / (double)dst_px);
}

enum wy_status wy_pdq_hash_image_as(struct wy_pdq_ws *ws, const struct wy_image *img,
                                    uint32_t full_width_px, uint32_t full_height_px,
                                    struct wy_pdq_hash *hash, struct wy_pdq_hash *dihedral,
                                    int *quality)
{
    if (img->width_px == 0 || img->height_px == 0 || (unsigned)img->format < 1 ||
        (unsigned)img->format > 4 || full_width_px < img->width_px ||
        full_height_px < img->height_px) {
        return WY_EINVAL;
    }
    /* The squash decision follows the full-size image, so a decoder-downscaled copy is resampled
     * onto the very 512x512 grid the reference samples from the full image. */
    const bool squash = full_width_px > WY_PDQ_SQUASH_PX || full_height_px > WY_PDQ_SQUASH_PX;
    const uint32_t w = squash ? WY_PDQ_SQUASH_PX : img->width_px;
    const uint32_t h = squash ? WY_PDQ_SQUASH_PX : img->height_px;
    if (w < WY_PDQ_MIN_SIDE_PX || h < WY_PDQ_MIN_SIDE_PX) {
        zero_outputs(hash, dihedral, quality);
        return WY_OK;
    }
    /* Luminance of a nearest-neighbour sample equals the sample of the luminance, so the squash
     * and the colour conversion are fused and only w*h pixels are ever converted.
     * Columns map one to one when the width is kept (nearest_src(x, w, w) == x), and the kernel
     * is then told so by a NULL table, which lets it load pixels contiguously. */
    uint32_t cols[WY_PDQ_SQUASH_PX];
    const uint32_t *col_table = NULL;
    if (img->width_px != w) {
        for (uint32_t x = 0; x < w; x++) {
            cols[x] = nearest_src(x, img->width_px, w);
        }
        col_table = cols;
    }
    uint32_t rows[WY_PDQ_SQUASH_PX];
    for (uint32_t y = 0; y < h; y++) {
        rows[y] = squash ? nearest_src(y, img->height_px, h) : y;
    }
    /* A 64x64 image skips the blur on one path and not the other (see hash_plane). */
    const bool exact64 = w == WY_PDQ_DOWNSAMPLE_PX && h == WY_PDQ_DOWNSAMPLE_PX;
    if (!exact64 && wy__pdq_stream_fits(w, h)) {
        wy__pdq_stream_blur(ws->impl, &ws->bands, img, rows, col_table, w, h, ws->a64);
        hash_a64(ws, hash, dihedral, quality);
        return WY_OK;
    }
    /* The planes are made on first use: wy_pdq_hash_image needs them only for 64x64 images. */
    const enum wy_status st = ws_reserve(ws, (size_t)w * h);
    if (st != WY_OK) {
        return st;
    }
    for (uint32_t y = 0; y < h; y++) {
        ws->impl->luma_row(wy_image_row(img, rows[y]), img->format, col_table, w,
                           ws->plane + (size_t)y * w);
    }
    hash_plane(ws, ws->plane, ws->scratch, w, h, hash, dihedral, quality);
    return WY_OK;
}

enum wy_status wy_pdq_hash_image(struct wy_pdq_ws *ws, const struct wy_image *img,
                                 struct wy_pdq_hash *hash, struct wy_pdq_hash *dihedral,
                                 int *quality)
{
    return wy_pdq_hash_image_as(ws, img, img->width_px, img->height_px, hash, dihedral, quality);
}

int wy_pdq_distance(const struct wy_pdq_hash *a, const struct wy_pdq_hash *b)
{
    int d = 0;
    for (int i = 0; i < WY_PDQ_BYTES; i += 8) {
        uint64_t x;
        uint64_t y;
        memcpy(&x, a->bytes + i, 8);
        memcpy(&y, b->bytes + i, 8);
        d += WY_POPCOUNT64(x ^ y);
    }
    return d;
}

int wy_pdq_distance_dihedral(const struct wy_pdq_hash *query,
                             const struct wy_pdq_hash dihedral[WY_DIH_COUNT],
                             enum wy_dihedral *which)
{
    int best = 257;
    int best_d = 0;
    for (int d = 0; d < WY_DIH_COUNT; d++) {
        const int x = wy_pdq_distance(query, &dihedral[d]);
        if (x < best) {
            best = x;
            best_d = d;
        }
    }
    if (which != NULL) {
        *which = (enum wy_dihedral)best_d;
    }
    return best;
}

void wy_pdq_to_hex(const struct wy_pdq_hash *hash, char hex[WY_PDQ_HEX_CHARS + 1])
{
    wy__hex_encode(hash->bytes, WY_PDQ_BYTES, hex);
}

enum wy_status wy_pdq_from_hex(const char *text, size_t len, struct wy_pdq_hash *out)
{
    return wy__hex_decode(text, len, out->bytes, WY_PDQ_BYTES) ? WY_OK : WY_EPARSE;
}

bool wy_pdq_bit(const struct wy_pdq_hash *hash, unsigned k)
{
    return k < 256 && (((unsigned)hash->bytes[31 - k / 8] >> (k % 8)) & 1u);
}
