/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_align.c: speed of clip alignment (wy_video_align, lib/match/match_align.c) on a large,
 * cluttered hit list, the case the work budget of its speed grid is sized for.
 *
 * A query of S samples (one a second) matches a registered video at speed 1.1 and offset 12 s;
 * each sample also has H - 1 random hits over a one-hour video, as a slideshow-like or very
 * common picture would give. Prints one JSON line: hits, seconds per call (best of R), segments
 * found and the first segment's speed, offset and matched samples (must be S). With --clutter
 * 1 the true hits are left out: no segment stands out, so the vote's bounds prune little and
 * every round votes over the whole grid (the slow case).
 *
 * Usage: bench_align [--samples S] [--hits-per-sample H] [--repeat R] [--seed N] [--clutter 1]
 */
#include "wy_setup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "withyou/withyou.h"
#include "withyou/video.h"

static uint64_t bench_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static size_t arg_size(int argc, char **argv, const char *name, size_t fallback)
{
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], name) == 0) {
            return (size_t)strtoull(argv[i + 1], NULL, 10);
        }
    }
    return fallback;
}

int main(int argc, char **argv)
{
    const size_t samples = arg_size(argc, argv, "--samples", 600);
    const size_t per_sample = arg_size(argc, argv, "--hits-per-sample", 167);
    const size_t repeat = arg_size(argc, argv, "--repeat", 5);
    uint64_t rng = arg_size(argc, argv, "--seed", 2024) | 1;
    const bool clutter_only = arg_size(argc, argv, "--clutter", 0) != 0;
    if (samples == 0 || per_sample == 0 || repeat == 0) {
        fprintf(stderr, "bench_align: counts must be positive\n");
        return 2;
    }
    int64_t *q_times = malloc(samples * sizeof *q_times);
    struct wy_align_hit *hits = malloc(samples * per_sample * sizeof *hits);
    if (q_times == NULL || hits == NULL) {
        fprintf(stderr, "bench_align: out of memory\n");
        return 1;
    }
    size_t n = 0;
    for (size_t s = 0; s < samples; s++) {
        const int64_t q = (int64_t)s * 1000;
        q_times[s] = q;
        const int64_t r = (int64_t)llround((1.1 * (double)q + 12000) / 1000) * 1000;
        if (!clutter_only) {
            hits[n++] = (struct wy_align_hit){q, r, r, 5};
        }
        for (size_t k = 1; k < per_sample; k++) {
            const int64_t noise = (int64_t)(bench_rand(&rng) % 3600) * 1000;
            hits[n++] = (struct wy_align_hit){q, noise, noise, 10 + (int)(bench_rand(&rng) % 50)};
        }
    }
    struct wy_ctx *ctx = NULL;
    if (wy_ctx_new(NULL, &ctx) != WY_OK) {
        return 1;
    }
    struct wy_align_opts opts;
    wy_align_opts_init(&opts);
    struct wy_align_segment out[4];
    size_t found = 0;
    double best_s = 1e30;
    for (size_t i = 0; i < repeat; i++) {
        const uint64_t t0 = wy__now_ns();
        if (wy_video_align(ctx, hits, n, q_times, samples, &opts, out, &found) != WY_OK) {
            fprintf(stderr, "bench_align: wy_video_align failed\n");
            return 1;
        }
        const double s = (double)(wy__now_ns() - t0) / 1e9;
        best_s = s < best_s ? s : best_s;
    }
    printf("{\"bench\":\"align\",\"clutter_only\":%s,\"hits\":%zu,\"samples\":%zu,\"seconds\":%.4f,"
           "\"found\":%zu,"
           "\"speed\":%.5f,\"offset_ms\":%.1f,\"matched\":%zu}\n",
           clutter_only ? "true" : "false", n, samples, best_s, found, found ? out[0].speed : 0.0,
           found ? out[0].offset_ms : 0.0, found ? out[0].frames_matched : (size_t)0);
    wy_ctx_free(ctx);
    free(hits);
    free(q_times);
    return 0;
}
