/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_pdq.c: time of one PDQ hash, scalar kernels against the best the machine supports.
 *
 * Prints one JSON line per (kernel set, image size) with the nanoseconds per wy_pdq_hash_image
 * call, then one line per kernel (luma, luma_squash, box_rows, box_cols, dct) at the hasher's
 * 512x512 geometry, so the share of the time spent outside the kernels (decimation, quality,
 * bits) can be read off. Each figure is the fastest of several rounds, which filters out a busy
 * machine.
 * usage: bench_pdq [rounds]
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>

#include "withyou/withyou.h"

#include "core/core_int.h"
#include "pdq/pdq_int.h"

enum { ROUND_MIN_NS = 200000000 }; /* a round lasts at least 0.2 s */

static uint64_t bench_xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static struct wy_image *bench_image(struct wy_ctx *ctx, uint32_t w, uint32_t h)
{
    struct wy_image *img = NULL;
    if (wy_image_new(ctx, w, h, WY_PIX_RGB8, &img) != WY_OK) {
        return NULL;
    }
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (uint32_t y = 0; y < h; y++) {
        uint8_t *row = wy_image_row(img, y);
        for (uint32_t x = 0; x < 3 * w; x++) {
            row[x] = (uint8_t)((x + 2 * y) / 3 + bench_xorshift(&rng) % 64);
        }
    }
    return img;
}

/* Fastest ns per hash over `rounds` rounds of at least ROUND_MIN_NS each. */
static double bench_hash(struct wy_pdq_ws *ws, const struct wy_image *img, int rounds)
{
    double best = 0.0;
    struct wy_pdq_hash hash;
    int quality;
    for (int r = 0; r < rounds; r++) {
        uint64_t n = 0;
        const uint64_t t0 = wy__now_ns();
        uint64_t t1 = t0;
        while (t1 - t0 < ROUND_MIN_NS) {
            if (wy_pdq_hash_image(ws, img, &hash, NULL, &quality) != WY_OK) {
                return -1.0;
            }
            n++;
            t1 = wy__now_ns();
        }
        const double ns = (double)(t1 - t0) / (double)n;
        best = (r == 0 || ns < best) ? ns : best;
    }
    return best;
}

static int bench_hashes(struct wy_ctx *ctx, enum wy_cpu_level level, int rounds)
{
    static const uint32_t sizes[][2] = {{512, 512}, {256, 192}};
    wy_ctx_set_cpu(ctx, level);
    struct wy_pdq_ws *ws = NULL;
    if (wy_pdq_ws_new(ctx, &ws) != WY_OK) {
        return 1;
    }
    int rc = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && rc == 0; i++) {
        struct wy_image *img = bench_image(ctx, sizes[i][0], sizes[i][1]);
        const double ns = img != NULL ? bench_hash(ws, img, rounds) : -1.0;
        if (ns < 0) {
            rc = 1;
        } else {
            printf("{\"bench\":\"pdq_hash\",\"impl\":\"%s\",\"size\":\"%ux%u\",\"ns_per_hash\":%."
                   "0f}\n",
                   wy_pdq_ws_impl(ws), sizes[i][0], sizes[i][1], ns);
        }
        wy_image_free(ctx, img);
    }
    wy_pdq_ws_free(ws);
    return rc;
}

/* One kernel of a table on the hasher's geometry: 512x512 plane, window 4 (512 -> 64). */
static double bench_kernel(const struct wy__pdq_impl *impl, int which, float *a, float *b,
                           int rounds)
{
    const uint32_t side = WY_PDQ_SQUASH_PX;
    const uint32_t window = wy__pdq_window(side, WY_PDQ_DOWNSAMPLE_PX);
    double best = 0.0;
    for (int r = 0; r < rounds; r++) {
        uint64_t n = 0;
        const uint64_t t0 = wy__now_ns();
        uint64_t t1 = t0;
        while (t1 - t0 < ROUND_MIN_NS) {
            if (which == 0) {
                impl->box_rows(a, b, side, side, window);
            } else if (which == 1) {
                impl->box_cols(a, b, side, side, window);
            } else {
                impl->dct(a, b, b + 64 * 64);
            }
            n++;
            t1 = wy__now_ns();
        }
        const double ns = (double)(t1 - t0) / (double)n;
        best = (r == 0 || ns < best) ? ns : best;
    }
    return best;
}

typedef void (*bench_luma_fn)(const uint8_t *row, enum wy_pixel_format fmt, const uint32_t *cols,
                              uint32_t n, float *out);

/* A 512x512 plane of luma from RGB rows `stride` bytes apart, through `cols` (NULL: 0..511). */
static double bench_luma_plane(bench_luma_fn luma, const uint8_t *pixels, size_t stride,
                               const uint32_t *cols, float *plane, int rounds)
{
    const uint32_t side = WY_PDQ_SQUASH_PX;
    double best = 0.0;
    for (int r = 0; r < rounds; r++) {
        uint64_t n = 0;
        const uint64_t t0 = wy__now_ns();
        uint64_t t1 = t0;
        while (t1 - t0 < ROUND_MIN_NS) {
            for (uint32_t y = 0; y < side; y++) {
                luma(pixels + (size_t)y * stride, WY_PIX_RGB8, cols, side,
                     plane + (size_t)y * side);
            }
            n++;
            t1 = wy__now_ns();
        }
        const double ns = (double)(t1 - t0) / (double)n;
        best = (r == 0 || ns < best) ? ns : best;
    }
    return best;
}

/*
 * The luminance kernel over a 512x512 RGB plane: "luma" reads 512 consecutive pixels per row
 * (an image of at most 512 px), "luma_squash" the nearest-neighbour columns of a 1536 px wide
 * row (a larger image squashed to 512).
 */
static void bench_luma(const char *name, bench_luma_fn luma, float *plane, int rounds)
{
    enum { SRC_PX = 3 * WY_PDQ_SQUASH_PX };
    const size_t stride = (size_t)SRC_PX * 3;
    uint8_t *pixels = malloc(stride * WY_PDQ_SQUASH_PX);
    if (pixels == NULL) {
        return;
    }
    uint64_t rng = 777;
    for (size_t i = 0; i < stride * WY_PDQ_SQUASH_PX; i++) {
        pixels[i] = (uint8_t)bench_xorshift(&rng);
    }
    uint32_t cols[WY_PDQ_SQUASH_PX];
    for (uint32_t x = 0; x < WY_PDQ_SQUASH_PX; x++) {
        cols[x] = (uint32_t)(((double)x * SRC_PX) / WY_PDQ_SQUASH_PX);
    }
    printf("{\"bench\":\"pdq_kernel\",\"impl\":\"%s\",\"kernel\":\"luma\",\"ns_per_call\":%.0f}\n",
           name, bench_luma_plane(luma, pixels, stride, NULL, plane, rounds));
    printf("{\"bench\":\"pdq_kernel\",\"impl\":\"%s\",\"kernel\":\"luma_squash\",\"ns_per_call\":"
           "%.0f}\n",
           name, bench_luma_plane(luma, pixels, stride, cols, plane, rounds));
    free(pixels);
}

static void bench_kernels(const struct wy__pdq_impl *impl, float *a, float *b, int rounds)
{
    static const char *const names[] = {"box_rows", "box_cols", "dct"};
    bench_luma(impl->name, impl->luma_row, a, rounds);
    for (int k = 0; k < 3; k++) {
        printf(
            "{\"bench\":\"pdq_kernel\",\"impl\":\"%s\",\"kernel\":\"%s\",\"ns_per_call\":%.0f}\n",
            impl->name, names[k], bench_kernel(impl, k, a, b, rounds));
    }
}

int main(int argc, char **argv)
{
    const int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (rounds < 1) {
        fprintf(stderr, "usage: bench_pdq [rounds]\n");
        return 2;
    }
    struct wy_ctx *ctx = NULL;
    if (wy_ctx_new(NULL, &ctx) != WY_OK) {
        return 1;
    }
    const enum wy_cpu_level best = wy_cpu_detect();
    int rc = bench_hashes(ctx, WY_CPU_SCALAR, rounds);
    if (rc == 0 && best != WY_CPU_SCALAR) {
        rc = bench_hashes(ctx, best, rounds);
    }
    const size_t plane = (size_t)WY_PDQ_SQUASH_PX * WY_PDQ_SQUASH_PX;
    float *a = malloc(plane * sizeof(float));
    float *b = malloc(plane * sizeof(float));
    if (rc == 0 && a != NULL && b != NULL) {
        uint64_t rng = 12345;
        for (size_t i = 0; i < plane; i++) {
            a[i] = (float)(bench_xorshift(&rng) % 25600) / 100.0f;
        }
        bench_kernels(&wy__pdq_impl_scalar, a, b, rounds);
        if (wy__pdq_impl_pick(best) != &wy__pdq_impl_scalar) {
            bench_kernels(wy__pdq_impl_pick(best), a, b, rounds);
        }
    }
    free(a);
    free(b);
    wy_ctx_free(ctx);
    return rc;
}
