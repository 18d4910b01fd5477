/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdq_bits.c: from the 64x64 plane and the 16x16 DCT block to what PDQ outputs: the quality
 * score, the median threshold, the 256 bits, and the 8 dihedral variants obtained by permuting
 * and negating DCT coefficients instead of transforming and re-hashing the image.
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include "pdq/pdq_int.h"

int wy__pdq_quality(const float *plane64)
{
    enum { N = WY_PDQ_DOWNSAMPLE_PX };
    int gradient_sum = 0;

    /* Differences are scaled to percent of full range and truncated, so that only significant
     * gradients count; the constants are the reference's hand-tuned ones. */
    for (int i = 0; i < N - 1; i++) {
        for (int j = 0; j < N; j++) {
            const float d = ((plane64[i * N + j] - plane64[(i + 1) * N + j]) * 100.0f) / 255.0f;
            gradient_sum += abs((int)d);
        }
    }
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N - 1; j++) {
            const float d = ((plane64[i * N + j] - plane64[i * N + j + 1]) * 100.0f) / 255.0f;
            gradient_sum += abs((int)d);
        }
    }
    const int quality = gradient_sum / 90;
    return quality > 100 ? 100 : quality;
}

static void swap_floats(float *a, float *b)
{
    const float t = *a;
    *a = *b;
    *b = t;
}

/* Hoare-style quickselect on a private copy: the k-th smallest value (0-based). */
static float select_kth(float *v, int n, int k)
{
    int lo = 0;
    int hi = n - 1;
    while (lo < hi) {
        const float pivot = v[lo + (hi - lo) / 2];
        int i = lo;
        int j = hi;
        while (i <= j) {
            while (v[i] < pivot) {
                i++;
            }
            while (v[j] > pivot) {
                j--;
            }
            if (i <= j) {
                swap_floats(&v[i], &v[j]);
                i++;
                j--;
            }
        }
        if (k <= j) {
            hi = j;
        } else if (k >= i) {
            lo = i;
        } else {
            return v[k];
        }
    }
    return v[k];
}

float wy__pdq_median256(const float *values)
{
    /* Torben's method in the reference returns the value of rank (n+1)/2 = 128 (1-based) for
     * n = 256: any exact selection of that rank gives the identical float. */
    float copy[256];
    memcpy(copy, values, sizeof copy);
    return select_kth(copy, 256, 127);
}

void wy__pdq_bits(const float *b16, struct wy_pdq_hash *hash)
{
    const float median = wy__pdq_median256(b16);
    memset(hash->bytes, 0, sizeof hash->bytes);
    for (unsigned k = 0; k < 256; k++) {
        if (b16[k] > median) {
            hash->bytes[31 - k / 8] |= (uint8_t)(1u << (k % 8));
        }
    }
}

/*
 * Dihedral transforms act on DCT coefficients by sign and transposition. Coefficient (i, j) of
 * the kept block is frequency (i + 1, j + 1): a flip along an axis negates the coefficients whose
 * frequency along that axis is odd, i.e. whose index is even; a transpose swaps i and j.
 */
struct dih_rule {
    uint8_t transpose;
    uint8_t negate_even_row; /* negate when i (the source row index) is even */
    uint8_t negate_even_col; /* negate when j is even */
};

static const struct dih_rule dih_rules[WY_DIH_COUNT] = {
    [WY_DIH_ORIGINAL] = {0, 0, 0},   [WY_DIH_ROT90] = {1, 0, 1},       [WY_DIH_ROT180] = {0, 1, 1},
    [WY_DIH_ROT270] = {1, 1, 0},     [WY_DIH_FLIPX] = {0, 1, 0},       [WY_DIH_FLIPY] = {0, 0, 1},
    [WY_DIH_FLIP_PLUS1] = {1, 0, 0}, [WY_DIH_FLIP_MINUS1] = {1, 1, 1},
};

void wy__pdq_dihedral(const float *b16, enum wy_dihedral d, float *out16)
{
    enum { M = WY_PDQ_DCT_PX };
    const struct dih_rule r = dih_rules[d];
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < M; j++) {
            const int flips = (r.negate_even_row && !(i & 1)) + (r.negate_even_col && !(j & 1));
            const float v = (flips & 1) ? -b16[i * M + j] : b16[i * M + j];
            if (r.transpose) {
                out16[j * M + i] = v;
            } else {
                out16[i * M + j] = v;
            }
        }
    }
}
