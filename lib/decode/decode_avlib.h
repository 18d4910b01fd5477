/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_avlib.h: FFmpeg, loaded on first use.
 *
 * Debian's FFmpeg pulls in about 130 shared libraries; linking them made every run of withyou
 * spend about 40 ms in the dynamic loader before main, whether or not it met a video. The
 * library instead opens libavutil, libswscale, libavcodec and libavformat with dlopen() the
 * first time a video is decoded, by the sonames of the headers it was built against, and calls
 * them through the table below. Without FFmpeg installed, images still work and videos fail
 * with WY_ENOTSUP.
 */
#ifndef WY_DECODE_DECODE_AVLIB_H
#define WY_DECODE_DECODE_AVLIB_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include "core/core_int.h"

/* Every FFmpeg function withyou calls: X(library, name). */
#define WY_AV_FUNCS(X)                                                                             \
    X(WY_AVLIB_UTIL, av_strerror)                                                                  \
    X(WY_AVLIB_UTIL, av_malloc)                                                                    \
    X(WY_AVLIB_UTIL, av_free)                                                                      \
    X(WY_AVLIB_UTIL, av_freep)                                                                     \
    X(WY_AVLIB_UTIL, av_strdup)                                                                    \
    X(WY_AVLIB_UTIL, av_display_matrix_flip)                                                       \
    X(WY_AVLIB_UTIL, av_display_rotation_get)                                                      \
    X(WY_AVLIB_UTIL, av_rescale_q)                                                                 \
    X(WY_AVLIB_UTIL, av_get_pix_fmt_name)                                                          \
    X(WY_AVLIB_UTIL, av_frame_alloc)                                                               \
    X(WY_AVLIB_UTIL, av_frame_free)                                                                \
    X(WY_AVLIB_UTIL, av_frame_unref)                                                               \
    X(WY_AVLIB_UTIL, av_log_get_level)                                                             \
    X(WY_AVLIB_UTIL, av_log_set_level)                                                             \
    X(WY_AVLIB_SWSCALE, sws_getCachedContext)                                                      \
    X(WY_AVLIB_SWSCALE, sws_scale)                                                                 \
    X(WY_AVLIB_SWSCALE, sws_freeContext)                                                           \
    X(WY_AVLIB_CODEC, av_packet_alloc)                                                             \
    X(WY_AVLIB_CODEC, av_packet_free)                                                              \
    X(WY_AVLIB_CODEC, av_packet_unref)                                                             \
    X(WY_AVLIB_CODEC, avcodec_find_decoder)                                                        \
    X(WY_AVLIB_CODEC, avcodec_get_name)                                                            \
    X(WY_AVLIB_CODEC, avcodec_alloc_context3)                                                      \
    X(WY_AVLIB_CODEC, avcodec_free_context)                                                        \
    X(WY_AVLIB_CODEC, avcodec_parameters_to_context)                                               \
    X(WY_AVLIB_CODEC, avcodec_open2)                                                               \
    X(WY_AVLIB_CODEC, avcodec_send_packet)                                                         \
    X(WY_AVLIB_CODEC, avcodec_receive_frame)                                                       \
    X(WY_AVLIB_FORMAT, avio_alloc_context)                                                         \
    X(WY_AVLIB_FORMAT, avio_context_free)                                                          \
    X(WY_AVLIB_FORMAT, avformat_alloc_context)                                                     \
    X(WY_AVLIB_FORMAT, avformat_open_input)                                                        \
    X(WY_AVLIB_FORMAT, avformat_find_stream_info)                                                  \
    X(WY_AVLIB_FORMAT, avformat_close_input)                                                       \
    X(WY_AVLIB_FORMAT, av_find_best_stream)                                                        \
    X(WY_AVLIB_FORMAT, av_read_frame)                                                              \
    X(WY_AVLIB_FORMAT, av_stream_get_side_data)

/* The libraries, in load order: each one's dependencies come before it. */
enum wy__avlib { WY_AVLIB_UTIL, WY_AVLIB_SWSCALE, WY_AVLIB_CODEC, WY_AVLIB_FORMAT, WY_AVLIB_COUNT };

/* One pointer per function, of the very type the headers declare. */
struct wy__av_api {
#define WY__AV_FIELD(lib, name) __typeof__(name) *name;
    WY_AV_FUNCS(WY__AV_FIELD)
#undef WY__AV_FIELD
};

/* Filled once by wy__av_load(); read-only afterwards. */
extern struct wy__av_api wy__av;

/*
 * Loads FFmpeg once per process (later calls return the first outcome at once). WY_OK, and
 * wy__av is usable; WY_ENOTSUP with the missing library or symbol in diag.
 */
enum wy_status wy__av_load(struct wy_diag *diag);

/*
 * The loader itself, for tests: opens the libraries named in `sonames` (indexed by enum
 * wy__avlib) and fills `api`. On failure every library it opened is closed again and `api` is
 * left zeroed; `why` names the library or symbol.
 */
enum wy_status wy__av_open(const char *const sonames[WY_AVLIB_COUNT], struct wy__av_api *api,
                           void *handles[WY_AVLIB_COUNT], char *why, size_t why_len);

/* The sonames of the FFmpeg this library was built against ("libavcodec.so.59", ...). */
extern const char *const wy__av_sonames[WY_AVLIB_COUNT];

#endif /* WY_DECODE_DECODE_AVLIB_H */
