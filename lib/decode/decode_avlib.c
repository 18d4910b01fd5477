/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_avlib.c: opens FFmpeg with dlopen() on the first video (see decode_avlib.h for why).
 *
 * The sonames come from the headers' major versions, so the table's types and the loaded code
 * agree: a library with another major version is another ABI and is never picked up. Libraries
 * are opened RTLD_LOCAL so their symbols do not leak into the global scope of the application;
 * an application that already links FFmpeg gets its own copy back (same soname), so its
 * av_log_set_level() still applies. The handles are never closed: FFmpeg keeps global state
 * (codec registries, log callback) that outlives any one call.
 */
#include "wy_setup.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

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

static void close_all(void *handles[WY_AVLIB_COUNT])
{
    for (int i = WY_AVLIB_COUNT - 1; i >= 0; i--) {
        if (handles[i] != NULL) {
            dlclose(handles[i]);
            handles[i] = NULL;
        }
    }
}

/* dlsym() returns void *; C has no conversion from it to a function pointer, but POSIX
 * guarantees that the representations agree, so the bytes are copied. */
static bool resolve(void *handle, const char *name, void *slot, size_t slot_len)
{
    void *sym = dlsym(handle, name);
    if (sym == NULL || slot_len != sizeof sym) {
        return false;
    }
    memcpy(slot, &sym, sizeof sym);
    return true;
}

enum wy_status wy__av_open(const char *const sonames[WY_AVLIB_COUNT], struct wy__av_api *api,
                           void *handles[WY_AVLIB_COUNT], char *why, size_t why_len)
{
    memset(api, 0, sizeof *api);
    for (int i = 0; i < WY_AVLIB_COUNT; i++) {
        handles[i] = NULL;
    }
    for (int i = 0; i < WY_AVLIB_COUNT; i++) {
        handles[i] = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (handles[i] == NULL) {
            snprintf(why, why_len, "%s not found (install FFmpeg's libraries for video)",
                     sonames[i]);
            close_all(handles);
            return WY_ENOTSUP;
        }
    }
#define WY__AV_RESOLVE(lib, name)                                                                  \
    if (!resolve(handles[lib], #name, &api->name, sizeof api->name)) {                             \
        snprintf(why, why_len, "%s lacks %s", sonames[lib], #name);                                \
        memset(api, 0, sizeof *api);                                                               \
        close_all(handles);                                                                        \
        return WY_ENOTSUP;                                                                         \
    }
    WY_AV_FUNCS(WY__AV_RESOLVE)
#undef WY__AV_RESOLVE
    return WY_OK;
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
        return wy__fail(diag, load_status, "video: %s", load_why);
    }
    return WY_OK;
}
