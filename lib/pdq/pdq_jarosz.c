/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdq_jarosz.c: PDQ's blur-and-decimate step in scalar code, the specification for SIMD.
 *
 * Two passes of a box filter along rows then columns approximate a tent filter (Jarosz 2001) wide
 * enough that sampling the centres of a 64x64 grid loses nothing important. The box filter keeps
 * a running sum: the window grows at the start of a line and shrinks at its end, and each output
 * is the running sum divided by the number of samples in it. Floats are added and subtracted in
 * exactly the order of the reference so that hashes are bit-identical.
 */
#include "wy_setup.h"

#include "core/core_int.h"
#include "pdq/pdq_int.h"

uint32_t wy__pdq_window(uint32_t old_px, uint32_t new_px)
{
    /* Half of old/new per pass, rounded up: two passes then span a whole output pixel. */
    return (old_px + 2 * new_px - 1) / (2 * new_px);
}

struct wy__pdq_box_plan wy__pdq_box_plan_make(uint32_t len, uint32_t window)
{
    WY_ASSERT(window >= 1 && window <= len);
    const uint32_t half = (window + 2) / 2; /* 7 -> 4, 8 -> 5: the centred sample's offset + 1 */
    const struct wy__pdq_box_plan p = {
        .len = len,
        .lead = half - 1, /* samples summed before the first output */
        .grow = window - half + 1,
        .full = len - window,
        .shrink = half - 1,
    };
    return p;
}

uint32_t wy__pdq_box_count(const struct wy__pdq_box_plan *p, uint32_t o)
{
    const uint32_t added = o + p->lead + 1 < p->len ? o + p->lead + 1 : p->len;
    const uint32_t removed = o >= p->grow ? o - p->grow + 1 : 0;
    return added - removed;
}

void wy__pdq_box1d(const float *in, float *out, uint32_t len, size_t stride, uint32_t window)
{
    const struct wy__pdq_box_plan p = wy__pdq_box_plan_make(len, window);
    const uint32_t lead = p.lead;
    const uint32_t grow = p.grow;
    const uint32_t full = p.full;
    const uint32_t shrink = p.shrink;
    size_t left = 0;
    size_t right = 0;
    size_t o = 0;
    float sum = 0.0f;
    uint32_t count = 0;

    for (uint32_t i = 0; i < lead; i++) {
        sum += in[right];
        count++;
        right += stride;
    }
    for (uint32_t i = 0; i < grow; i++) {
        sum += in[right];
        count++;
        out[o] = sum / (float)count;
        right += stride;
        o += stride;
    }
    for (uint32_t i = 0; i < full; i++) {
        sum += in[right];
        sum -= in[left];
        out[o] = sum / (float)count;
        left += stride;
        right += stride;
        o += stride;
    }
    for (uint32_t i = 0; i < shrink; i++) {
        sum -= in[left];
        count--;
        out[o] = sum / (float)count;
        left += stride;
        o += stride;
    }
}

void wy__pdq_box_rows_scalar(const float *in, float *out, uint32_t rows, uint32_t cols,
                             uint32_t window)
{
    for (uint32_t i = 0; i < rows; i++) {
        wy__pdq_box1d(in + (size_t)i * cols, out + (size_t)i * cols, cols, 1, window);
    }
}

void wy__pdq_box_cols_scalar(const float *in, float *out, uint32_t rows, uint32_t cols,
                             uint32_t window)
{
    for (uint32_t j = 0; j < cols; j++) {
        wy__pdq_box1d(in + j, out + j, rows, cols, window);
    }
}

void wy__pdq_cols_step_scalar(float *sums, const float *add, const float *sub, float *out,
                              uint32_t width, uint32_t count)
{
    for (uint32_t j = 0; j < width; j++) {
        float sum = sums[j];
        if (add != NULL) {
            sum += add[j];
        }
        if (sub != NULL) {
            sum -= sub[j];
        }
        sums[j] = sum;
        if (out != NULL) {
            out[j] = sum / (float)count;
        }
    }
}

uint32_t wy__pdq_sample_at(uint32_t k, uint32_t len)
{
    /* Sample centres, not corners; computed in double as the reference does. */
    return (uint32_t)(((k + 0.5) * len) / WY_PDQ_DOWNSAMPLE_PX);
}

void wy__pdq_decimate(const float *in, uint32_t rows, uint32_t cols, float *out64)
{
    const uint32_t n = WY_PDQ_DOWNSAMPLE_PX;
    for (uint32_t oi = 0; oi < n; oi++) {
        const size_t ii = wy__pdq_sample_at(oi, rows);
        for (uint32_t oj = 0; oj < n; oj++) {
            out64[oi * n + oj] = in[ii * cols + wy__pdq_sample_at(oj, cols)];
        }
    }
}
