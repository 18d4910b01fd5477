/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_decode_common.c: the decoding harness shared by fuzz_decode_<format>.c and
 * fuzz_decode_any.c.
 *
 * Reaching a backend: a per-format target writes that format's magic bytes over the start of the
 * input when the input does not already sniff as the format (see force_magic), so random
 * mutations of the header never fall back to WY_EFORMAT; seeds, which already carry the magic,
 * pass unchanged. decode_any passes the bytes as they are and lets sniffing choose.
 *
 * Options: decoders mostly ignore trailing bytes, so the options come from the input's length,
 * and the fuzzer flips them by growing or shrinking the input: bit 0 raw_orientation, bit 1
 * luma_only, bit 2 stop wy_decode_frames after its first frame, bit 3 target_px = 64, bits 4-5
 * the JPEG IDCT.
 *
 * Invariants checked besides "no crash":
 * - the status is one wy_decode_memory() documents (plus WY_ENOTSUP, which placeholder
 *   backends return while they are being written);
 * - on failure the diag message is non-empty and, once the format is known, starts with its name;
 * - on success the image is GRAY8 or RGB8 with sides 1..WY_IMAGE_MAX_SIDE_PX, within max_pixels,
 *   every row readable, and agrees with `struct wy_decode_info` (size, scaling bounds, frame
 *   count within max_frames, orientation 1..8);
 * - wy_decode_frames() calls back with indexes 0, 1, ..., non-decreasing timestamps, frames of
 *   one size, never more than max_frames, stops when told to, and its frame 0 is pixel-identical
 *   to wy_decode_memory()'s image; when wy_decode_memory() fails, wy_decode_frames() fails the
 *   same way without calling back.
 */
#include "fuzz_decode_common.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

/* Every magic lies in the first 16 bytes, but BMP sniffs only from 26 bytes on: the buffer is
 * padded to this size at least. */
#define FORCE_MIN_BYTES 32u

static uint8_t sink; /* keeps the row reads of check_image from being optimised away */

static void put(uint8_t *buf, size_t at, const char *magic, size_t n)
{
    memcpy(buf + at, magic, n);
}

/* Makes `buf` (at least FORCE_MIN_BYTES long) sniff as `format`, changing as little as it can. */
static void force_magic(enum wy_format format, uint8_t *buf, size_t len)
{
    const struct wy_bytes view = {buf, len};
    if (format == WY_FORMAT_UNKNOWN || wy_decode_sniff(view) == format) {
        return;
    }
    static const char *const heif_brands[] = {"heic", "avif", "mif1"};
    static const char *const tiff_magic[] = {"II*\0", "MM\0*"};
    switch (format) {
    case WY_FORMAT_JPEG:
        put(buf, 0, "\xff\xd8\xff", 3);
        break;
    case WY_FORMAT_PNG:
        put(buf, 0, "\x89PNG\r\n\x1a\n", 8);
        break;
    case WY_FORMAT_WEBP:
        put(buf, 0, "RIFF", 4);
        put(buf, 8, "WEBP", 4);
        break;
    case WY_FORMAT_GIF:
        put(buf, 0, buf[4] == '7' ? "GIF87a" : "GIF89a", 6);
        break;
    case WY_FORMAT_HEIF:
        put(buf, 8, heif_brands[buf[8] % 3], 4);
        put(buf, 4, "ftyp", 4);
        if (wy_decode_sniff(view) != format) {
            put(buf, 0, "\0\0\0\x10", 4); /* a JPEG or TIFF magic in the box size wins */
        }
        break;
    case WY_FORMAT_TIFF:
        put(buf, 0, tiff_magic[buf[0] == 'M'], 4);
        break;
    case WY_FORMAT_BMP:
        put(buf, 0, "BM", 2);
        break;
    case WY_FORMAT_PNM:
        buf[1] = (uint8_t)(buf[1] >= '1' && buf[1] <= '6' ? buf[1] : '1' + buf[1] % 6);
        buf[0] = 'P';
        if (strchr(" \n\r\t#", buf[2]) == NULL || buf[2] == '\0') {
            buf[2] = '\n';
        }
        break;
    default:
        break;
    }
    /* HEIF is sniffed before BMP and PNM: an "ftyp" box left at byte 4 would still win. */
    if (format != WY_FORMAT_HEIF && wy_decode_sniff(view) == WY_FORMAT_HEIF) {
        buf[5] = 'T';
    }
    FUZZ_CHECK(wy_decode_sniff(view) == format);
}

static bool status_documented(enum wy_status st)
{
    switch (st) {
    case WY_OK:
    case WY_EEMPTY:
    case WY_EFORMAT:
    case WY_ETOOBIG:
    case WY_ECORRUPT:
    case WY_ENOMEM:
    case WY_ENOTSUP: /* placeholder backends; not in decode.h's list */
        return true;
    default:
        return false;
    }
}

static void check_failure(enum wy_status st, const struct wy_diag *diag, enum wy_format sniffed)
{
    if (!status_documented(st)) {
        fprintf(stderr, "undocumented status %s (%d): %s\n", wy_status_name(st), (int)st,
                diag->msg);
    }
    FUZZ_CHECK(status_documented(st));
    FUZZ_CHECK(memchr(diag->msg, '\0', sizeof diag->msg) != NULL);
    if (st == WY_ENOMEM) {
        return; /* allocation failures need not explain themselves */
    }
    FUZZ_CHECK(diag->msg[0] != '\0');
    if (sniffed == WY_FORMAT_UNKNOWN) {
        FUZZ_CHECK(st == WY_EFORMAT || st == WY_EEMPTY);
        return;
    }
    const char *name = wy_format_name(sniffed);
    const size_t n = strlen(name);
    bool prefixed = strlen(diag->msg) > n && diag->msg[n] == ':';
    for (size_t i = 0; prefixed && i < n; i++) {
        prefixed = tolower((unsigned char)diag->msg[i]) == name[i];
    }
    if (!prefixed) {
        fprintf(stderr, "diag without the format name: \"%s\" (%s)\n", diag->msg,
                wy_status_name(st));
    }
    FUZZ_CHECK(prefixed);
}

static void check_image(const struct wy_image *img, const struct wy_decode_opts *opts)
{
    FUZZ_CHECK(img != NULL && img->pixels != NULL);
    FUZZ_CHECK(img->width_px >= 1 && img->width_px <= WY_IMAGE_MAX_SIDE_PX);
    FUZZ_CHECK(img->height_px >= 1 && img->height_px <= WY_IMAGE_MAX_SIDE_PX);
    FUZZ_CHECK((uint64_t)img->width_px * img->height_px <= opts->max_pixels);
    FUZZ_CHECK(img->format == WY_PIX_GRAY8 || img->format == WY_PIX_RGB8);
    const size_t row_bytes = (size_t)img->width_px * (size_t)img->format;
    FUZZ_CHECK(img->stride_bytes >= row_bytes);
    /* Touch every byte so AddressSanitizer sees a pixel buffer that is too short. */
    uint8_t acc = 0;
    for (uint32_t y = 0; y < img->height_px; y++) {
        const uint8_t *row = wy_image_row(img, y);
        for (size_t x = 0; x < row_bytes; x++) {
            acc ^= row[x];
        }
    }
    sink ^= acc;
}

static void check_info(const struct wy_image *img, const struct wy_decode_info *info,
                       const struct wy_decode_opts *opts, enum wy_format sniffed)
{
    FUZZ_CHECK(info->format == sniffed);
    FUZZ_CHECK(info->frame_count >= 1 && info->frame_count <= opts->max_frames);
    FUZZ_CHECK(info->orientation >= 1 && info->orientation <= 8);
    if (!info->scaled) {
        FUZZ_CHECK(img->width_px == info->width_px && img->height_px == info->height_px);
        return;
    }
    /* decode.h: a scaled image keeps sides of at least min(side, target_px). */
    const uint32_t t = opts->target_px;
    FUZZ_CHECK(t != 0);
    FUZZ_CHECK(img->width_px <= info->width_px && img->height_px <= info->height_px);
    FUZZ_CHECK(img->width_px >= (info->width_px < t ? info->width_px : t));
    FUZZ_CHECK(img->height_px >= (info->height_px < t ? info->height_px : t));
}

static bool same_pixels(const struct wy_image *a, const struct wy_image *b)
{
    if (a->width_px != b->width_px || a->height_px != b->height_px || a->format != b->format) {
        return false;
    }
    const size_t row_bytes = (size_t)a->width_px * (size_t)a->format;
    for (uint32_t y = 0; y < a->height_px; y++) {
        if (memcmp(wy_image_row(a, y), wy_image_row(b, y), row_bytes) != 0) {
            return false;
        }
    }
    return true;
}

struct frames_state {
    const struct wy_decode_opts *opts;
    const struct wy_image *first; /* wy_decode_memory's image, or NULL */
    uint32_t seen;
    uint32_t stop_after; /* 0: never stop early */
    uint32_t width_px;
    uint32_t height_px;
    uint64_t last_pts_ms;
};

static bool on_frame(void *user, const struct wy_image *img, uint32_t index, uint64_t pts_ms)
{
    struct frames_state *s = user;
    FUZZ_CHECK(s->stop_after == 0 || s->seen < s->stop_after);
    FUZZ_CHECK(index == s->seen);
    FUZZ_CHECK(index < s->opts->max_frames);
    check_image(img, s->opts);
    if (index == 0) {
        FUZZ_CHECK(s->first != NULL);
        FUZZ_CHECK(same_pixels(img, s->first));
        s->width_px = img->width_px;
        s->height_px = img->height_px;
    } else {
        FUZZ_CHECK(img->width_px == s->width_px && img->height_px == s->height_px);
        FUZZ_CHECK(pts_ms >= s->last_pts_ms);
    }
    s->last_pts_ms = pts_ms;
    s->seen++;
    return s->stop_after == 0 || s->seen < s->stop_after;
}

/* decode_any also hashes what it decoded, so the fuzzer reaches PDQ through real images. */
static void hash_decoded(const struct wy_image *img)
{
    static struct wy_pdq_ws *ws;
    if (ws == NULL) {
        FUZZ_CHECK(wy_pdq_ws_new(fuzz_ctx(), &ws) == WY_OK);
    }
    struct wy_pdq_hash hash;
    struct wy_pdq_hash dihedral[WY_DIH_COUNT];
    int quality = -1;
    FUZZ_CHECK(wy_pdq_hash_image(ws, img, &hash, dihedral, &quality) == WY_OK);
    FUZZ_CHECK(quality >= 0 && quality <= 100);
    FUZZ_CHECK(memcmp(&hash, &dihedral[0], sizeof hash) == 0);
}

static void decode_both(struct wy_bytes bytes, const struct wy_decode_opts *opts, bool stop_early,
                        bool hash)
{
    struct wy_ctx *ctx = fuzz_ctx();
    const enum wy_format sniffed = wy_decode_sniff(bytes);
    struct wy_image *img = NULL;
    struct wy_decode_info info;
    struct wy_diag diag;
    const enum wy_status st = wy_decode_memory(ctx, bytes, opts, &img, &info, &diag);
    if (st == WY_OK) {
        check_image(img, opts);
        check_info(img, &info, opts, sniffed);
        if (hash) {
            hash_decoded(img);
        }
    } else {
        FUZZ_CHECK(img == NULL);
        check_failure(st, &diag, sniffed);
    }

    struct frames_state fs = {.opts = opts, .first = img, .stop_after = stop_early ? 1u : 0u};
    struct wy_decode_info finfo;
    struct wy_diag fdiag;
    const enum wy_status fst = wy_decode_frames(ctx, bytes, opts, on_frame, &fs, &finfo, &fdiag);
    if (fst == WY_OK) {
        FUZZ_CHECK(fs.seen >= 1);
        FUZZ_CHECK(finfo.frame_count == fs.seen);
        FUZZ_CHECK(finfo.format == sniffed);
    } else {
        check_failure(fst, &fdiag, sniffed);
    }
    if (st != WY_OK) {
        /* The first frame failed, so every frame-by-frame decode must fail the same way. */
        FUZZ_CHECK(fst == st && fs.seen == 0);
    } else if (fs.seen == 0) {
        /* Only an up-front limit (frame count) or memory may stop frames before frame 0. */
        FUZZ_CHECK(fst == WY_ETOOBIG || fst == WY_ENOMEM);
    }
    wy_image_free(ctx, img);
}

int fuzz_decode_input(enum wy_format format, const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_FILE_BYTES) {
        return 0;
    }
    struct wy_decode_opts opts;
    wy_decode_opts_init(&opts);
    opts.max_pixels = FUZZ_MAX_PIXELS;
    opts.max_frames = FUZZ_MAX_FRAMES;
    opts.max_file_bytes = FUZZ_MAX_FILE_BYTES;
    opts.raw_orientation = (size & 1u) != 0;
    opts.luma_only = (size & 2u) != 0;
    const bool stop_early = (size & 4u) != 0;
    opts.target_px = (size & 8u) != 0 ? 64u : 0u;
    opts.jpeg_idct = (enum wy_jpeg_idct)((size >> 4) % 3u);
    if (format == WY_FORMAT_UNKNOWN) {
        decode_both((struct wy_bytes){data, size}, &opts, stop_early, true);
        return 0;
    }
    /* A private, writable copy (libFuzzer's input is read-only), padded so the magic fits. */
    const size_t len = size < FORCE_MIN_BYTES ? FORCE_MIN_BYTES : size;
    uint8_t *buf = calloc(1, len);
    FUZZ_CHECK(buf != NULL);
    if (size > 0) {
        memcpy(buf, data, size);
    }
    force_magic(format, buf, len);
    decode_both((struct wy_bytes){buf, len}, &opts, stop_early, false);
    free(buf);
    return 0;
}
