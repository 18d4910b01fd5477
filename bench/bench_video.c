/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_video.c: seconds of video fingerprinted per wall-clock second on one core, side by side
 * in one run:
 *   ffmpeg-all    FFmpeg decoding every frame and nothing else (libavformat + libavcodec, one
 *                 thread): the baseline the issue measured at 13.7x real time
 *   withyou-all   withyou's fingerprint with WY_VIDEO_DECODE_ALL (every frame decoded)
 *   withyou-fast  withyou's default: non-reference frames no sample needs are dropped
 * Every file is run `--repeat` times per mode (modes interleaved, best time kept). Output: one
 * JSON line per file and mode, then one summary line per mode over all files.
 *
 * usage: bench_video [--repeat N] FILE...
 */
#include "wy_setup.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "withyou/withyou.h"

static double now_s(void)
{
    return (double)wy__now_ns() * 1e-9;
}

/* FFmpeg alone: demux and decode every frame of the best video stream. Returns frames, or -1. */
static long ffmpeg_decode_all(const char *path)
{
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0 ||
        avformat_find_stream_info(fmt, NULL) < 0) {
        avformat_close_input(&fmt);
        return -1;
    }
    const AVCodec *codec = NULL;
    const int si = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    AVCodecContext *dec = si >= 0 ? avcodec_alloc_context3(codec) : NULL;
    long frames = -1;
    if (dec != NULL && avcodec_parameters_to_context(dec, fmt->streams[si]->codecpar) >= 0) {
        dec->thread_count = 1;
        if (avcodec_open2(dec, codec, NULL) >= 0) {
            frames = 0;
            AVPacket *pkt = av_packet_alloc();
            AVFrame *frame = av_frame_alloc();
            int more = 1;
            while (more) {
                more = av_read_frame(fmt, pkt) >= 0;
                if (more && pkt->stream_index != si) {
                    av_packet_unref(pkt);
                    continue;
                }
                avcodec_send_packet(dec, more ? pkt : NULL);
                av_packet_unref(pkt);
                while (avcodec_receive_frame(dec, frame) >= 0) {
                    frames++;
                }
            }
            av_frame_free(&frame);
            av_packet_free(&pkt);
        }
    }
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
    return frames;
}

static int withyou_hash(struct wy_ctx *ctx, const char *path, enum wy_video_decode mode,
                        double *duration_s)
{
    struct wy_video_opts opts;
    wy_video_opts_init(&opts);
    opts.decode = mode;
    struct wy_video_fp fp;
    struct wy_diag diag;
    if (wy_video_hash_file(ctx, path, &opts, &fp, &diag) != WY_OK) {
        fprintf(stderr, "%s: %s\n", path, diag.msg);
        return -1;
    }
    *duration_s = (double)fp.duration_ms / 1000.0;
    const int n = (int)fp.count;
    wy_video_fp_clear(ctx, &fp);
    return n;
}

enum { MODE_FFMPEG, MODE_ALL, MODE_FAST, MODE_COUNT };
static const char *const mode_names[MODE_COUNT] = {"ffmpeg-all", "withyou-all", "withyou-fast"};

int main(int argc, char **argv)
{
    int repeat = 3;
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--repeat") == 0) {
        repeat = atoi(argv[2]);
        first = 3;
    }
    if (first >= argc || repeat < 1) {
        fputs("usage: bench_video [--repeat N] FILE...\n", stderr);
        return 2;
    }
    av_log_set_level(AV_LOG_QUIET);
    struct wy_ctx *ctx = NULL;
    if (wy_ctx_new(NULL, &ctx) != WY_OK) {
        return 1;
    }
    double total_media = 0;
    double total_wall[MODE_COUNT] = {0};
    for (int f = first; f < argc; f++) {
        double duration = 0;
        double best[MODE_COUNT] = {1e30, 1e30, 1e30};
        for (int r = 0; r < repeat; r++) {
            for (int m = 0; m < MODE_COUNT; m++) {
                const double t0 = now_s();
                const long ok =
                    m == MODE_FFMPEG
                        ? ffmpeg_decode_all(argv[f])
                        : withyou_hash(ctx, argv[f],
                                       m == MODE_ALL ? WY_VIDEO_DECODE_ALL : WY_VIDEO_DECODE_FAST,
                                       &duration);
                const double t = now_s() - t0;
                if (ok < 0) {
                    fprintf(stderr, "%s: failed\n", argv[f]);
                    return 1;
                }
                best[m] = t < best[m] ? t : best[m];
            }
        }
        total_media += duration;
        for (int m = 0; m < MODE_COUNT; m++) {
            total_wall[m] += best[m];
            printf("{\"file\":\"%s\",\"mode\":\"%s\",\"media_s\":%.3f,\"wall_s\":%.4f,"
                   "\"x_realtime\":%.2f}\n",
                   argv[f], mode_names[m], duration, best[m], duration / best[m]);
        }
    }
    for (int m = 0; m < MODE_COUNT; m++) {
        printf("{\"summary\":\"%s\",\"files\":%d,\"media_s\":%.1f,\"wall_s\":%.3f,"
               "\"x_realtime\":%.2f,\"vs_ffmpeg_all\":%.2f}\n",
               mode_names[m], argc - first, total_media, total_wall[m], total_media / total_wall[m],
               total_wall[MODE_FFMPEG] / total_wall[m]);
    }
    wy_ctx_free(ctx);
    return 0;
}
