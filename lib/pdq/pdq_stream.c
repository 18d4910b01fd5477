/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pdq_stream.c: luminance, blur and decimation of an image, eight rows at a time.
 *
 * The planar path (blur_decimate in pdq.c) runs each pass over a whole 512x512 plane of floats.
 * The plane and its scratch take 2 MiB, more than L2 holds next to the decoder's output, so
 * every pass streamed through L3 and the hash cost twice its arithmetic. Each pass is local
 * along the other axis, though: a row pass needs only its row, and the column pass keeps one
 * running sum per column that moves down a row at a time. Here luminance and the first row pass
 * fill a small ring of rows just ahead of the column pass, whose output rows go through the
 * second row pass a band at a time, and only the columns that decimation samples are kept for
 * the last column pass. Every float comes from the same operations in the same order as on the
 * planar path, so the hashes are identical (test_pdq compares the two).
 */
#include "wy_setup.h"

#include <string.h>

#include "core/core_int.h"
#include "pdq/pdq_int.h"

enum { N = WY_PDQ_DOWNSAMPLE_PX, BAND = WY_PDQ_BAND_ROWS, RING = WY_PDQ_RING_ROWS };

struct stream {
    const struct wy__pdq_impl *impl;
    const struct wy__pdq_band_bufs *b;
    const struct wy_image *img;
    const uint32_t *src_rows; /* plane row y is luminance of image row src_rows[y] */
    const uint32_t *cols;     /* image column of plane column x, NULL for x itself */
    uint32_t w;
    uint32_t h;
    uint32_t win_rows;
    uint32_t made; /* first-pass rows computed so far */
};

static float *ring_row(const struct stream *s, uint32_t y)
{
    return s->b->ring + (size_t)(y % RING) * s->w;
}

/* Computes first-pass rows band by band until row y exists. Bands start at multiples of BAND,
 * and RING is a multiple of BAND, so each band is contiguous in the ring. */
static void make_rows_through(struct stream *s, uint32_t y)
{
    while (s->made <= y) {
        const uint32_t n = s->h - s->made < BAND ? s->h - s->made : BAND;
        for (uint32_t k = 0; k < n; k++) {
            const uint8_t *row = wy_image_row(s->img, s->src_rows[s->made + k]);
            s->impl->luma_row(row, s->img->format, s->cols, s->w, s->b->luma + (size_t)k * s->w);
        }
        s->impl->box_rows(s->b->luma, ring_row(s, s->made), n, s->w, s->win_rows);
        s->made += n;
    }
}

/* Second row pass over the n column-pass rows in the band buffer, keeping the sampled columns
 * of plane rows y0..y0+n-1. */
static void finish_band(const struct stream *s, uint32_t y0, uint32_t n, const uint32_t *gcols,
                        uint32_t gw)
{
    const struct wy__pdq_band_bufs *b = s->b;
    s->impl->box_rows(b->c2, b->r3, n, s->w, s->win_rows);
    for (uint32_t k = 0; k < n; k++) {
        const float *r = b->r3 + (size_t)k * s->w;
        float *g = b->g + (size_t)(y0 + k) * gw;
        for (uint32_t j = 0; j < gw; j++) {
            g[j] = r[gcols[j]];
        }
    }
}

/* Buffers one cache line apart: planes a multiple of 4 KiB apart make a load wait for a store
 * to another plane with the same low address bits (see SCRATCH_GAP_FLOATS in pdq.c). */
enum { GAP = 16, MAX_W = WY_PDQ_SQUASH_PX };

static const size_t band_floats[] = {
    BAND * MAX_W, RING *MAX_W, BAND *MAX_W, BAND *MAX_W, MAX_W, MAX_W *N, MAX_W *N,
};

size_t wy__pdq_band_bufs_floats(void)
{
    size_t total = 0;
    for (size_t i = 0; i < sizeof band_floats / sizeof band_floats[0]; i++) {
        total += band_floats[i] + GAP;
    }
    return total;
}

void wy__pdq_band_bufs_carve(float *block, struct wy__pdq_band_bufs *b)
{
    float **const slots[] = {&b->luma, &b->ring, &b->c2, &b->r3, &b->sums, &b->g, &b->g2};
    _Static_assert(sizeof slots / sizeof slots[0] == sizeof band_floats / sizeof band_floats[0],
                   "one size per buffer");
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        *slots[i] = block;
        block += band_floats[i] + GAP;
    }
}

bool wy__pdq_stream_fits(uint32_t w, uint32_t h)
{
    return w <= WY_PDQ_SQUASH_PX && h <= WY_PDQ_SQUASH_PX && wy__pdq_window(h, N) + BAND <= RING;
}

void wy__pdq_stream_blur(const struct wy__pdq_impl *impl, const struct wy__pdq_band_bufs *b,
                         const struct wy_image *img, const uint32_t *src_rows, const uint32_t *cols,
                         uint32_t w, uint32_t h, float *a64)
{
    WY_ASSERT(wy__pdq_stream_fits(w, h));
    _Static_assert(WY_PDQ_JAROSZ_PASSES == 2, "the passes below are written out");
    struct stream s = {impl, b, img, src_rows, cols, w, h, wy__pdq_window(w, N), 0};
    /* The columns decimation samples; a plane at most 64 wide keeps all. */
    const uint32_t gw = w > N ? N : w;
    uint32_t gcols[N];
    for (uint32_t j = 0; j < gw; j++) {
        gcols[j] = w > N ? wy__pdq_sample_at(j, w) : j;
    }
    const uint32_t win_cols = wy__pdq_window(h, N);
    const struct wy__pdq_box_plan cp = wy__pdq_box_plan_make(h, win_cols);
    memset(b->sums, 0, sizeof(float) * w);
    for (uint32_t y = 0; y < cp.lead; y++) {
        make_rows_through(&s, y);
        impl->cols_step(b->sums, ring_row(&s, y), NULL, NULL, w, 0);
    }
    for (uint32_t o = 0; o < h; o++) {
        const float *add = NULL;
        if (o + cp.lead < h) {
            make_rows_through(&s, o + cp.lead);
            add = ring_row(&s, o + cp.lead);
        }
        const float *sub = o >= cp.grow ? ring_row(&s, o - cp.grow) : NULL;
        impl->cols_step(b->sums, add, sub, b->c2 + (size_t)(o % BAND) * w, w,
                        wy__pdq_box_count(&cp, o));
        if (o % BAND == BAND - 1 || o == h - 1) {
            finish_band(&s, o - o % BAND, o % BAND + 1, gcols, gw);
        }
    }
    impl->box_cols(b->g, b->g2, h, gw, win_cols);
    wy__pdq_decimate(b->g2, h, gw, a64);
}
