/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_decode_video.c: libFuzzer target for video sampling: arbitrary bytes through the in-memory
 * AVIOContext, the whitelisted demuxers, FFmpeg's decoders, the sampler (bars, rotation) and PDQ,
 * as the scanner will feed files it crawled. Limits are small so that one input stays fast.
 */
#include "fuzz_common.h"
#include "withyou/withyou.h"

static enum wy_status count_sample(void *user, const struct wy_video_sample *s)
{
    size_t *n = user;
    /* Touch every pixel handed out: a wrong stride or size shows up under ASan. */
    unsigned sum = 0;
    for (uint32_t y = 0; y < s->height_px; y++) {
        for (uint32_t x = 0; x < s->width_px; x++) {
            sum += s->luma[(size_t)y * s->stride_bytes + x];
        }
    }
    *n += 1 + (sum & 1);
    return WY_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wy_ctx *ctx = fuzz_ctx();
    struct wy_video_opts opts;
    wy_video_opts_init(&opts);
    opts.max_side_px = 1024;
    opts.max_duration_ms = 120000;
    opts.max_frames = 64;
    opts.interval_ms = 500;
    size_t samples = 0;
    struct wy_video_info info;
    struct wy_diag diag;
    if (wy_video_decode_memory(ctx, data, size, &opts, count_sample, &samples, &info, &diag) ==
            WY_OK &&
        samples == 0) {
        __builtin_trap(); /* success promises at least one sample */
    }
    opts.dihedral = true;
    opts.zoomed = true;
    opts.collapse_distance = 8;
    struct wy_video_fp fp;
    if (wy_video_hash_memory(ctx, data, size, &opts, &fp, &diag) == WY_OK) {
        wy_video_fp_clear(ctx, &fp);
    }
    return 0;
}
