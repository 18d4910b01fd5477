/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdq_dct.c: the partial 2-D DCT of PDQ in scalar code, and the kernel table.
 *
 * Only coefficients 1..16 of each axis are needed (the DC term carries brightness, not
 * structure), so B = D A D^T is computed directly with a 16x64 basis D rather than with a fast
 * full transform: 64 Ki multiply-adds for D A, 16 Ki for (D A) D^T. Each sum runs over k in
 * increasing order in single precision, as in the reference.
 */
#include "wy_setup.h"

#include <math.h>
#include <pthread.h>

#include "pdq/pdq_int.h"

static float dct_matrix[WY_PDQ_DCT_PX * WY_PDQ_DOWNSAMPLE_PX] WY_ALIGNED(64);
static pthread_once_t dct_once = PTHREAD_ONCE_INIT;

static void dct_matrix_init(void)
{
    const double pi = 3.14159265358979323846;
    const double n = WY_PDQ_DOWNSAMPLE_PX;
    /* The scale is rounded to float first, then multiplied in double: the reference's rounding. */
    const float scale = (float)sqrt(2.0 / n);
    for (int i = 0; i < WY_PDQ_DCT_PX; i++) {
        for (int j = 0; j < WY_PDQ_DOWNSAMPLE_PX; j++) {
            const double angle = (pi / 2.0 / n) * (double)(i + 1) * (double)(2 * j + 1);
            dct_matrix[i * WY_PDQ_DOWNSAMPLE_PX + j] = (float)((double)scale * cos(angle));
        }
    }
}

const float *wy__pdq_dct_matrix(void)
{
    pthread_once(&dct_once, dct_matrix_init);
    return dct_matrix;
}

void wy__pdq_dct_scalar(const float *a64, float *t16x64, float *b16)
{
    const float *d = wy__pdq_dct_matrix();
    enum { N = WY_PDQ_DOWNSAMPLE_PX, M = WY_PDQ_DCT_PX };

    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            float sum = 0.0f;
            for (int k = 0; k < N; k++) {
                sum += d[i * N + k] * a64[k * N + j];
            }
            t16x64[i * N + j] = sum;
        }
    }
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < M; j++) {
            float sum = 0.0f;
            for (int k = 0; k < N; k++) {
                sum += t16x64[i * N + k] * d[j * N + k];
            }
            b16[i * M + j] = sum;
        }
    }
}

const struct wy__pdq_impl wy__pdq_impl_scalar = {
    .name = "scalar",
    .box_rows = wy__pdq_box_rows_scalar,
    .box_cols = wy__pdq_box_cols_scalar,
    .cols_step = wy__pdq_cols_step_scalar,
    .dct = wy__pdq_dct_scalar,
    .luma_row = wy__pdq_luma_row_scalar,
};

const struct wy__pdq_impl *wy__pdq_impl_pick(enum wy_cpu_level level)
{
#ifdef WY_HAVE_X86_SIMD
    if (level >= WY_CPU_AVX2) {
        return &wy__pdq_impl_avx2;
    }
#else
    (void)level;
#endif
    return &wy__pdq_impl_scalar;
}
