/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdq_int.h: PDQ's internal kernels and their implementation table.
 *
 * The scalar kernels (pdq_jarosz.c, pdq_dct.c) are the specification: they perform the very
 * float operations of Meta's reference in the same order, so hashes agree bit for bit. An
 * accelerated table (pdq_avx2.c) must give identical floats; tests compare every kernel with
 * scalar. Compile these files with -ffp-contract=off: a fused multiply-add rounds differently.
 */
#ifndef WY_PDQ_PDQ_INT_H
#define WY_PDQ_PDQ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/ctx.h"
#include "withyou/image.h"
#include "withyou/pdq.h"

/* PDQ's fixed geometry. */
#define WY_PDQ_DOWNSAMPLE_PX 64 /* side of the decimated luma plane */
#define WY_PDQ_DCT_PX 16        /* side of the kept DCT block */
#define WY_PDQ_SQUASH_PX 512    /* the reference's pre-resize of large images */
#define WY_PDQ_MIN_SIDE_PX 5    /* smaller images hash to zero, quality 0 */
#define WY_PDQ_JAROSZ_PASSES 2

/* The reference's luminance weights, as float literals: every luma kernel uses these. */
#define WY_PDQ_LUMA_R 0.299f
#define WY_PDQ_LUMA_G 0.587f
#define WY_PDQ_LUMA_B 0.114f

/*
 * One set of kernels. Each function has the contract of the scalar one below.
 * - luma_row: n luminance floats of one pixel row, out[x] from pixel cols[x] (cols NULL: pixel
 *   x, the unsquashed case). RGB(A): (0.299f*R + 0.587f*G) + 0.114f*B, rounded after every
 *   operation; gray(A): the gray value. Alpha is ignored. Reads only bytes of pixels
 *   0..max(cols), so `row` may end at the last pixel named; every cols[x] < WY_IMAGE_MAX_SIDE_PX.
 * - box_rows: 1-D box filter of width `window` along each row of a rows x cols plane.
 * - box_cols: the same along each column.
 * - cols_step: one output row of box_cols kept as running sums, for planes that arrive row by
 *   row: sums[j] += add[j], then sums[j] -= sub[j] (either row may be NULL), and, unless out is
 *   NULL, out[j] = sums[j] / count, for j < width. Called with box_cols's schedule
 *   (wy__pdq_box_plan), it yields box_cols's floats.
 * - dct: B = D A D^T for A 64x64, with T = D A (16x64) as scratch and B 16x16.
 */
struct wy__pdq_impl {
    const char *name;
    void (*luma_row)(const uint8_t *row, enum wy_pixel_format fmt, const uint32_t *cols, uint32_t n,
                     float *out);
    void (*box_rows)(const float *in, float *out, uint32_t rows, uint32_t cols, uint32_t window);
    void (*box_cols)(const float *in, float *out, uint32_t rows, uint32_t cols, uint32_t window);
    void (*cols_step)(float *sums, const float *add, const float *sub, float *out, uint32_t width,
                      uint32_t count);
    void (*dct)(const float *a64, float *t16x64, float *b16);
};

extern const struct wy__pdq_impl wy__pdq_impl_scalar;
#ifdef WY_HAVE_X86_SIMD
extern const struct wy__pdq_impl wy__pdq_impl_avx2;
#endif

/* Best table for a CPU level (scalar when SIMD is compiled out). */
const struct wy__pdq_impl *wy__pdq_impl_pick(enum wy_cpu_level level);

/*
 * The phases of wy__pdq_box1d for one line length and window: the first output comes after
 * `lead` samples; output o adds sample o + lead while that exists and subtracts sample o - grow
 * once o >= grow (lead + grow == window; `full` outputs have both, the last `shrink` only the
 * subtraction).
 */
struct wy__pdq_box_plan {
    uint32_t len;
    uint32_t lead;
    uint32_t grow;
    uint32_t full;
    uint32_t shrink;
};

struct wy__pdq_box_plan wy__pdq_box_plan_make(uint32_t len, uint32_t window);

/* Samples in the window at output o: those added so far minus those removed. */
uint32_t wy__pdq_box_count(const struct wy__pdq_box_plan *p, uint32_t o);

/* Scalar kernels, exported so the SIMD files can fall back on them for ragged edges. */
void wy__pdq_luma_row_scalar(const uint8_t *row, enum wy_pixel_format fmt, const uint32_t *cols,
                             uint32_t n, float *out);
void wy__pdq_box_rows_scalar(const float *in, float *out, uint32_t rows, uint32_t cols,
                             uint32_t window);
void wy__pdq_box_cols_scalar(const float *in, float *out, uint32_t rows, uint32_t cols,
                             uint32_t window);
void wy__pdq_box1d(const float *in, float *out, uint32_t len, size_t stride, uint32_t window);
void wy__pdq_cols_step_scalar(float *sums, const float *add, const float *sub, float *out,
                              uint32_t width, uint32_t count);
void wy__pdq_dct_scalar(const float *a64, float *t16x64, float *b16);

/* The 16x64 DCT-II basis rows 1..16 as the reference computes them (row-major, 64 per row). */
const float *wy__pdq_dct_matrix(void);

/* Jarosz window for decimating `old_px` to `new_px` in two passes. */
uint32_t wy__pdq_window(uint32_t old_px, uint32_t new_px);

/* The streaming blur (pdq_stream.c): rows per band, and first-pass rows kept in the ring (a
 * multiple of the band, at least the column window plus a band). */
#define WY_PDQ_BAND_ROWS 8
#define WY_PDQ_RING_ROWS 16

/* Its buffers, for planes up to WY_PDQ_SQUASH_PX on a side. */
struct wy__pdq_band_bufs {
    float *luma; /* BAND rows of luminance */
    float *ring; /* RING rows of the first row pass */
    float *c2;   /* BAND rows of the column pass */
    float *r3;   /* BAND rows of the second row pass */
    float *sums; /* the column pass's running sums */
    float *g;    /* h x 64: the columns decimation samples */
    float *g2;   /* the same after the last column pass */
};

/* Floats wy__pdq_band_bufs_carve() needs. */
size_t wy__pdq_band_bufs_floats(void);

/* Lays the buffers out in `block` (wy__pdq_band_bufs_floats() floats, 32-byte aligned). */
void wy__pdq_band_bufs_carve(float *block, struct wy__pdq_band_bufs *b);

/* True when a w x h plane can be streamed (always, for what wy_pdq_hash_image hashes). */
bool wy__pdq_stream_fits(uint32_t w, uint32_t h);

/*
 * The 64x64 plane blur_decimate would give for the w x h luminance plane whose row y is image
 * row src_rows[y], resampled through `cols` (NULL: unchanged), computed band by band.
 */
void wy__pdq_stream_blur(const struct wy__pdq_impl *impl, const struct wy__pdq_band_bufs *b,
                         const struct wy_image *img, const uint32_t *src_rows, const uint32_t *cols,
                         uint32_t w, uint32_t h, float *a64);

/* The line (row or column) of a `len`-long side that decimation samples for output k < 64. */
uint32_t wy__pdq_sample_at(uint32_t k, uint32_t len);

/* Nearest sample of a rows x cols plane at the centres of a 64x64 grid. */
void wy__pdq_decimate(const float *in, uint32_t rows, uint32_t cols, float *out64);

/* Gradient-based quality score, 0..100, of the 64x64 plane. */
int wy__pdq_quality(const float *plane64);

/* Median (the 128th smallest of 256) as the reference's Torben selection returns it. */
float wy__pdq_median256(const float *values);

/* One bit per coefficient above the median. */
void wy__pdq_bits(const float *b16, struct wy_pdq_hash *hash);

/* The dihedral transform of a 16x16 DCT block (index by enum wy_dihedral). */
void wy__pdq_dihedral(const float *b16, enum wy_dihedral d, float *out16);

#endif /* WY_PDQ_PDQ_INT_H */
