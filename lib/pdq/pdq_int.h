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

#include <stdint.h>

#include "withyou/ctx.h"
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
 * - dct: B = D A D^T for A 64x64, with T = D A (16x64) as scratch and B 16x16.
 */
struct wy__pdq_impl {
    const char *name;
    void (*luma_row)(const uint8_t *row, enum wy_pixel_format fmt, const uint32_t *cols, uint32_t n,
                     float *out);
    void (*box_rows)(const float *in, float *out, uint32_t rows, uint32_t cols, uint32_t window);
    void (*box_cols)(const float *in, float *out, uint32_t rows, uint32_t cols, uint32_t window);
    void (*dct)(const float *a64, float *t16x64, float *b16);
};

extern const struct wy__pdq_impl wy__pdq_impl_scalar;
#ifdef WY_HAVE_X86_SIMD
extern const struct wy__pdq_impl wy__pdq_impl_avx2;
#endif

/* Best table for a CPU level (scalar when SIMD is compiled out). */
const struct wy__pdq_impl *wy__pdq_impl_pick(enum wy_cpu_level level);

/* Scalar kernels, exported so the SIMD files can fall back on them for ragged edges. */
void wy__pdq_luma_row_scalar(const uint8_t *row, enum wy_pixel_format fmt, const uint32_t *cols,
                             uint32_t n, float *out);
void wy__pdq_box_rows_scalar(const float *in, float *out, uint32_t rows, uint32_t cols,
                             uint32_t window);
void wy__pdq_box_cols_scalar(const float *in, float *out, uint32_t rows, uint32_t cols,
                             uint32_t window);
void wy__pdq_box1d(const float *in, float *out, uint32_t len, size_t stride, uint32_t window);
void wy__pdq_dct_scalar(const float *a64, float *t16x64, float *b16);

/* The 16x64 DCT-II basis rows 1..16 as the reference computes them (row-major, 64 per row). */
const float *wy__pdq_dct_matrix(void);

/* Jarosz window for decimating `old_px` to `new_px` in two passes. */
uint32_t wy__pdq_window(uint32_t old_px, uint32_t new_px);

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
