/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_avlib.c: opens FFmpeg on the first video (see decode_avlib.h for why, core/dl.h for how).
 *
 * The sonames come from the headers' major versions, so the table's types and the loaded code
 * agree: a library with another major version is another ABI and is never picked up. An
 * application that already links FFmpeg gets its own copy back (same soname), so its
 * av_log_set_level() still applies.
 */
#include "wy_setup.h"

#include <pthread.h>
#include <stddef.h>

#include "core/dl.h"
#include "decode/decode_avlib.h"

#define WY_AV_STR2(x) #x
#define WY_AV_STR(x) WY_AV_STR2(x)

const char *const wy__av_sonames[WY_AVLIB_COUNT] = {
    [WY_AVLIB_UTIL] = "libavutil.so." WY_AV_STR(LIBAVUTIL_VERSION_MAJOR),
    [WY_AVLIB_SWSCALE] = "libswscale.so." WY_AV_STR(LIBSWSCALE_VERSION_MAJOR),
    [WY_AVLIB_CODEC] = "libavcodec.so." WY_AV_STR(LIBAVCODEC_VERSION_MAJOR),
    [WY_AVLIB_FORMAT] = "libavformat.so." WY_AV_STR(LIBAVFORMAT_VERSION_MAJOR),
};

struct wy__av_api wy__av;

static const struct wy__dl_sym av_syms[] = {
#define WY__AV_SYM(lib, name) {lib, #name, offsetof(struct wy__av_api, name)},
    WY_AV_FUNCS(WY__AV_SYM)
#undef WY__AV_SYM
};

enum wy_status wy__av_open(const char *const sonames[WY_AVLIB_COUNT], struct wy__av_api *api,
                           void *handles[WY_AVLIB_COUNT], char *why, size_t why_len)
{
    return wy__dl_open(sonames, WY_AVLIB_COUNT, av_syms, sizeof av_syms / sizeof av_syms[0], api,
                       sizeof *api, handles, why, why_len);
}

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static enum wy_status load_status;
static char load_why[WY_DIAG_MSG_BYTES];

static void load(void)
{
    void *handles[WY_AVLIB_COUNT];
    load_status = wy__av_open(wy__av_sonames, &wy__av, handles, load_why, sizeof load_why);
    if (load_status == WY_OK && wy__av.av_log_get_level() == AV_LOG_INFO) {
        /* The library never prints: FFmpeg's own messages (to stderr by default) are silenced
         * unless the application chose a log level itself. */
        wy__av.av_log_set_level(AV_LOG_QUIET);
    }
}

enum wy_status wy__av_load(struct wy_diag *diag)
{
    pthread_once(&load_once, load);
    if (load_status != WY_OK) {
        return wy__fail(diag, load_status, "video: %s (install FFmpeg's libraries)", load_why);
    }
    return WY_OK;
}
