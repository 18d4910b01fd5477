/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_decode_peers.c: the decoders' own speed, without withyou. It links libspng, libwebp and
 * libjpeg(-turbo) directly, never libwithyou, so its figures are the yardstick that
 * `withyou bench hash` is compared with in docs/benchmarks.md.
 *
 * Files are read into memory first; then each one is decoded `repeat` times in a row, in this
 * process, the plain way each library's documentation shows (a fresh decoder and a fresh output
 * buffer per image, as an application would do). Prints one JSON line per run:
 *   {"peer":"spng"|"libwebp"|"libjpeg","files":..,"repeat":..,"cpu_s":..,"seconds":..,
 *    "per_file_ms":..}
 * where seconds is wall time and cpu_s the process's CPU time, both of the timed loop only.
 * and, with --per-file, one line per file before it (size, scale and time of that file).
 * `bench_decode_peers libjpeg --info FILE...` decodes nothing: it prints each file's header
 * facts (size, progressive, the scale --scale would pick) and skips what is not a JPEG; the
 * bench script uses it to choose the wallpapers without ImageMagick.
 *
 * Options may come anywhere after the peer's name. libjpeg takes the DCT scale as --scale M
 * (output M/8 of the size, M in 1..16) or --scale auto[:PX], which picks per file exactly what
 * withyou's fast mode picks
 * (lib/decode/decode_jpeg.c choose_scale: the smallest M in 1, 2, 4, 8 whose output sides stay
 * at least min(side, PX); PX defaults to 384). --gray asks for luminance only (djpeg -grayscale),
 * otherwise RGB. The IDCT is libjpeg's default (JDCT_ISLOW), as in withyou and djpeg.
 *
 * usage: bench_decode_peers spng|libwebp|libjpeg [--repeat N] [--scale M|auto[:PX]] [--gray]
 *                           [--per-file] [--info] FILE...
 */
#include "wy_setup.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>
#include <spng.h>
#include <webp/decode.h>

enum { BENCH_MAX_FILE_BYTES = 256 << 20 };

struct bench_file {
    const char *path;
    unsigned char *data;
    size_t len;
};

struct bench_opts {
    const char *peer;
    unsigned long repeat;
    unsigned scale_num; /* 0: pick per file, as withyou does */
    unsigned target_px; /* for scale_num == 0 */
    bool gray;
    bool per_file;
    bool info; /* libjpeg: headers only, no decoding, no timing */
};

/* What one decode produced, for the per-file lines and as a sink the optimiser cannot drop. */
struct bench_result {
    unsigned width_px;
    unsigned height_px;
    unsigned out_width_px;
    unsigned out_height_px;
    unsigned scale_num;
    unsigned channels;
    bool progressive;
    unsigned checksum;
};

static uint64_t bench_clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t bench_now_ns(void)
{
    return bench_clock_ns(CLOCK_MONOTONIC);
}

static bool bench_read_file(struct bench_file *f)
{
    FILE *fp = fopen(f->path, "rb");
    if (fp == NULL) {
        return false;
    }
    bool ok = fseek(fp, 0, SEEK_END) == 0;
    const long len = ok ? ftell(fp) : -1;
    ok = ok && len > 0 && len <= BENCH_MAX_FILE_BYTES && fseek(fp, 0, SEEK_SET) == 0;
    if (ok) {
        f->len = (size_t)len;
        f->data = malloc(f->len);
        ok = f->data != NULL && fread(f->data, 1, f->len, fp) == f->len;
    }
    fclose(fp);
    return ok;
}

/* Touch the output so that the decode cannot be optimised away, and so that a result can be
 * compared across runs. */
static unsigned bench_sample(const unsigned char *px, size_t len)
{
    unsigned sum = 0;
    for (size_t i = 0; i < len; i += 4093) {
        sum = sum * 31u + px[i];
    }
    return sum;
}

/* ---- libspng ---------------------------------------------------------------------------- */

static bool bench_spng(const struct bench_file *f, struct bench_result *res)
{
    spng_ctx *ctx = spng_ctx_new(0);
    if (ctx == NULL) {
        return false;
    }
    struct spng_ihdr ihdr;
    struct spng_trns trns;
    unsigned char *out = NULL;
    size_t out_len = 0;
    bool ok = spng_set_png_buffer(ctx, f->data, f->len) == 0 && spng_get_ihdr(ctx, &ihdr) == 0;
    if (ok) {
        const bool alpha = ihdr.color_type == SPNG_COLOR_TYPE_TRUECOLOR_ALPHA ||
                           ihdr.color_type == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA ||
                           spng_get_trns(ctx, &trns) == 0;
        const int fmt = alpha ? SPNG_FMT_RGBA8 : SPNG_FMT_RGB8;
        ok = spng_decoded_image_size(ctx, fmt, &out_len) == 0 && (out = malloc(out_len)) != NULL &&
             spng_decode_image(ctx, out, out_len, fmt, alpha ? SPNG_DECODE_TRNS : 0) == 0;
        res->width_px = res->out_width_px = ihdr.width;
        res->height_px = res->out_height_px = ihdr.height;
        res->channels = alpha ? 4 : 3;
        res->scale_num = 8;
    }
    if (ok) {
        res->checksum = bench_sample(out, out_len);
    }
    free(out);
    spng_ctx_free(ctx);
    return ok;
}

/* ---- libwebp ---------------------------------------------------------------------------- */

static bool bench_webp(const struct bench_file *f, struct bench_result *res)
{
    WebPBitstreamFeatures feat;
    if (WebPGetFeatures(f->data, f->len, &feat) != VP8_STATUS_OK || feat.width <= 0 ||
        feat.height <= 0) {
        return false;
    }
    const int channels = feat.has_alpha ? 4 : 3;
    const int stride = feat.width * channels;
    const size_t out_len = (size_t)stride * (size_t)feat.height;
    unsigned char *out = malloc(out_len);
    if (out == NULL) {
        return false;
    }
    const uint8_t *got = feat.has_alpha ? WebPDecodeRGBAInto(f->data, f->len, out, out_len, stride)
                                        : WebPDecodeRGBInto(f->data, f->len, out, out_len, stride);
    res->width_px = res->out_width_px = (unsigned)feat.width;
    res->height_px = res->out_height_px = (unsigned)feat.height;
    res->channels = (unsigned)channels;
    res->scale_num = 8;
    if (got != NULL) {
        res->checksum = bench_sample(out, out_len);
    }
    free(out);
    return got != NULL;
}

/* ---- libjpeg ---------------------------------------------------------------------------- */

struct bench_jpeg_err {
    struct jpeg_error_mgr mgr;
    jmp_buf escape;
};

static void bench_jpeg_error_exit(j_common_ptr cinfo)
{
    struct bench_jpeg_err *err = (struct bench_jpeg_err *)cinfo->err;
    longjmp(err->escape, 1);
}

/* Same rule as lib/decode/decode_jpeg.c choose_scale(); kept in step by hand because this
 * program must not link libwithyou. */
static void bench_jpeg_auto_scale(struct jpeg_decompress_struct *cinfo, unsigned target_px)
{
    const JDIMENSION want_w = cinfo->image_width < target_px ? cinfo->image_width : target_px;
    const JDIMENSION want_h = cinfo->image_height < target_px ? cinfo->image_height : target_px;
    cinfo->scale_denom = 8;
    for (unsigned m = 1; m < 8; m *= 2) {
        cinfo->scale_num = m;
        jpeg_calc_output_dimensions(cinfo);
        if (cinfo->output_width >= want_w && cinfo->output_height >= want_h) {
            return;
        }
    }
    cinfo->scale_num = 8;
}

static bool bench_jpeg(const struct bench_file *f, const struct bench_opts *o,
                       struct bench_result *res)
{
    struct jpeg_decompress_struct cinfo;
    struct bench_jpeg_err err;
    /* volatile: both are changed after setjmp and read after a longjmp. */
    unsigned char *volatile out = NULL;
    volatile bool ok = false;
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = bench_jpeg_error_exit;
    if (setjmp(err.escape) != 0) {
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, f->data, (unsigned long)f->len);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        goto done;
    }
    /* As withyou: luminance only is asked for only where there is colour to drop; CMYK files
     * stay CMYK (neither the wallpapers nor the corpus have any). */
    if (cinfo.jpeg_color_space == JCS_GRAYSCALE ||
        (o->gray && cinfo.jpeg_color_space == JCS_YCbCr)) {
        cinfo.out_color_space = JCS_GRAYSCALE;
    } else if (cinfo.jpeg_color_space == JCS_YCbCr || cinfo.jpeg_color_space == JCS_RGB) {
        cinfo.out_color_space = JCS_RGB;
    }
    if (o->scale_num == 0) {
        bench_jpeg_auto_scale(&cinfo, o->target_px);
    } else {
        cinfo.scale_num = o->scale_num;
        cinfo.scale_denom = 8;
    }
    jpeg_start_decompress(&cinfo);
    const size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    const size_t out_len = stride * cinfo.output_height;
    out = malloc(out_len);
    if (out == NULL) {
        goto done;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * stride;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            goto done;
        }
    }
    jpeg_finish_decompress(&cinfo);
    res->width_px = cinfo.image_width;
    res->height_px = cinfo.image_height;
    res->out_width_px = cinfo.output_width;
    res->out_height_px = cinfo.output_height;
    res->scale_num = cinfo.scale_num * 8 / cinfo.scale_denom;
    res->channels = (unsigned)cinfo.output_components;
    res->progressive = cinfo.progressive_mode;
    res->checksum = bench_sample(out, out_len);
    ok = true;
done:
    jpeg_destroy_decompress(&cinfo);
    free(out);
    return ok;
}

/* Header facts of one JPEG; false if it is not one libjpeg can read. */
static bool bench_jpeg_info(const struct bench_file *f, const struct bench_opts *o,
                            struct bench_result *res)
{
    struct jpeg_decompress_struct cinfo;
    struct bench_jpeg_err err;
    volatile bool ok = false;
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = bench_jpeg_error_exit;
    if (setjmp(err.escape) != 0) {
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, f->data, (unsigned long)f->len);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        goto done;
    }
    if (o->scale_num == 0) {
        bench_jpeg_auto_scale(&cinfo, o->target_px);
    } else {
        cinfo.scale_num = o->scale_num;
        cinfo.scale_denom = 8;
    }
    jpeg_calc_output_dimensions(&cinfo);
    res->width_px = cinfo.image_width;
    res->height_px = cinfo.image_height;
    res->out_width_px = cinfo.output_width;
    res->out_height_px = cinfo.output_height;
    res->scale_num = cinfo.scale_num * 8 / cinfo.scale_denom;
    res->channels = (unsigned)cinfo.num_components;
    res->progressive = cinfo.progressive_mode;
    ok = true;
done:
    jpeg_destroy_decompress(&cinfo);
    return ok;
}

/* ---- driver ----------------------------------------------------------------------------- */

static bool bench_decode(const struct bench_file *f, const struct bench_opts *o,
                         struct bench_result *res)
{
    memset(res, 0, sizeof *res);
    if (strcmp(o->peer, "spng") == 0) {
        return bench_spng(f, res);
    }
    if (strcmp(o->peer, "libwebp") == 0) {
        return bench_webp(f, res);
    }
    return bench_jpeg(f, o, res);
}

static void bench_print_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        const unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            printf("\\%c", ch);
        } else if (ch < 0x20) {
            printf("\\u%04x", ch);
        } else {
            putchar(ch);
        }
    }
    putchar('"');
}

static void bench_print_file(const struct bench_file *f, const struct bench_opts *o,
                             const struct bench_result *res)
{
    printf("{\"peer\":\"%s\",\"file\":", o->peer);
    bench_print_string(f->path);
    printf(",\"bytes\":%zu,\"width\":%u,\"height\":%u,\"progressive\":%s,\"scale_num\":%u,"
           "\"out_width\":%u,\"out_height\":%u,\"channels\":%u",
           f->len, res->width_px, res->height_px, res->progressive ? "true" : "false",
           res->scale_num, res->out_width_px, res->out_height_px, res->channels);
}

static int bench_info(const struct bench_file *files, size_t nfiles, const struct bench_opts *o)
{
    for (size_t i = 0; i < nfiles; i++) {
        struct bench_result res;
        memset(&res, 0, sizeof res);
        const bool ok = bench_jpeg_info(&files[i], o, &res);
        bench_print_file(&files[i], o, &res);
        printf(",\"ok\":%s}\n", ok ? "true" : "false");
    }
    return 0;
}

static int bench_usage(void)
{
    fputs("usage: bench_decode_peers spng|libwebp|libjpeg [--repeat N] [--scale M|auto[:PX]]\n"
          "                          [--gray] [--per-file] [--info] FILE...\n",
          stderr);
    return 2;
}

static bool bench_parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end = NULL;
    const unsigned long v = strtoul(s, &end, 10);
    if (end == s || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = v;
    return true;
}

/* Options may come anywhere after the peer's name (the bench script appends --repeat); "--"
 * ends them. The file names are gathered, in order, into argv[2..2 + *nfiles_out). */
static bool bench_parse_args(int argc, char **argv, struct bench_opts *o, size_t *nfiles_out)
{
    if (argc < 3) {
        return false;
    }
    o->peer = argv[1];
    if (strcmp(o->peer, "spng") != 0 && strcmp(o->peer, "libwebp") != 0 &&
        strcmp(o->peer, "libjpeg") != 0) {
        return false;
    }
    int nfiles = 0;
    bool options_done = false;
    for (int i = 2; i < argc; i++) {
        unsigned long v = 0;
        if (options_done || strncmp(argv[i], "--", 2) != 0) {
            argv[2 + nfiles++] = argv[i];
        } else if (strcmp(argv[i], "--") == 0) {
            options_done = true;
        } else if (strcmp(argv[i], "--gray") == 0) {
            o->gray = true;
        } else if (strcmp(argv[i], "--per-file") == 0) {
            o->per_file = true;
        } else if (strcmp(argv[i], "--info") == 0) {
            o->info = true;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc &&
                   bench_parse_ulong(argv[i + 1], 1, 1000000, &v)) {
            o->repeat = v;
            i++;
        } else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            const char *arg = argv[++i];
            if (strcmp(arg, "auto") == 0) {
                o->scale_num = 0;
            } else if (strncmp(arg, "auto:", 5) == 0 && bench_parse_ulong(arg + 5, 1, 65535, &v)) {
                o->scale_num = 0;
                o->target_px = (unsigned)v;
            } else if (bench_parse_ulong(arg, 1, 16, &v)) {
                o->scale_num = (unsigned)v;
            } else {
                return false;
            }
        } else {
            return false;
        }
    }
    *nfiles_out = (size_t)nfiles;
    return nfiles > 0 && (!o->info || strcmp(o->peer, "libjpeg") == 0);
}

int main(int argc, char **argv)
{
    struct bench_opts o = {.repeat = 1, .scale_num = 8, .target_px = 384};
    size_t nfiles = 0;
    if (!bench_parse_args(argc, argv, &o, &nfiles)) {
        return bench_usage();
    }
    struct bench_file *files = calloc(nfiles, sizeof *files);
    if (files == NULL) {
        return 1;
    }
    uint64_t bytes = 0;
    for (size_t i = 0; i < nfiles; i++) {
        files[i].path = argv[2 + i];
        if (!bench_read_file(&files[i])) {
            fprintf(stderr, "bench_decode_peers: cannot read %s\n", files[i].path);
            return 1;
        }
        bytes += files[i].len;
    }
    if (o.info) {
        return bench_info(files, nfiles, &o);
    }
    /* One untimed decode of each file: warms the caches and the library's lazy init (SIMD
     * dispatch), checks that every file decodes, and gives the per-file facts. */
    for (size_t i = 0; i < nfiles; i++) {
        struct bench_result res;
        if (!bench_decode(&files[i], &o, &res)) {
            fprintf(stderr, "bench_decode_peers: %s: %s cannot decode it\n", files[i].path, o.peer);
            return 1;
        }
        if (!o.per_file) {
            continue;
        }
        const uint64_t t0 = bench_now_ns();
        for (unsigned long r = 0; r < o.repeat; r++) {
            bench_decode(&files[i], &o, &res);
        }
        const double ms = (double)(bench_now_ns() - t0) / 1e6 / (double)o.repeat;
        bench_print_file(&files[i], &o, &res);
        printf(",\"per_file_ms\":%.3f}\n", ms);
    }
    /* The timed run: the same order as `withyou bench hash --repeat R` (every file, R times). */
    unsigned checksum = 0;
    size_t failed = 0;
    const uint64_t cpu0 = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    const uint64_t t0 = bench_now_ns();
    for (unsigned long r = 0; r < o.repeat; r++) {
        for (size_t i = 0; i < nfiles; i++) {
            struct bench_result res;
            failed += !bench_decode(&files[i], &o, &res);
            checksum += res.checksum;
        }
    }
    const double secs = (double)(bench_now_ns() - t0) / 1e9;
    const double cpu_secs = (double)(bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / 1e9;
    const double decodes = (double)nfiles * (double)o.repeat;
    printf("{\"peer\":\"%s\",\"files\":%zu,\"repeat\":%lu,\"bytes\":%llu,", o.peer, nfiles,
           o.repeat, (unsigned long long)bytes);
    if (strcmp(o.peer, "libjpeg") == 0) {
        if (o.scale_num == 0) {
            printf("\"scale\":\"auto:%u\",", o.target_px);
        } else {
            printf("\"scale\":\"%u/8\",", o.scale_num);
        }
        printf("\"color\":\"%s\",", o.gray ? "gray" : "rgb");
    }
    printf("\"cpu_s\":%.6f,\"seconds\":%.6f,\"per_file_ms\":%.3f,\"images_per_s\":%.2f,"
           "\"failed\":%zu,\"checksum\":%u}\n",
           cpu_secs, secs, secs * 1e3 / decodes, decodes / secs, failed, checksum);
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i].data);
    }
    free(files);
    return failed ? 1 : 0;
}
