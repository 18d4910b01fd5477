/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_heif.c: HEIC, AVIF and other ISO-BMFF still images through libheif 1.15.
 *
 * libheif parses the container and hands the coded image to a codec plugin (libde265 for HEVC,
 * dav1d or libaom for AV1; Debian 12 builds them into libheif1 itself). The primary image is
 * decoded to interleaved 8-bit RGB, or RGBA when it has an alpha plane; 10- and 12-bit images are
 * reduced to 8 bits by libheif (convert_hdr_to_8bit). Its stated size is checked against the
 * limits before anything is decoded, and libheif's own size limit is set to the same bound so
 * that it refuses oversized tiles and grids while parsing.
 *
 * Orientation is special: HEIF stores it as irot/imir transform boxes, not EXIF, and libheif
 * applies them (and the clean-aperture crop) while decoding. So this backend leaves
 * info->orientation at 1, lets libheif rotate by default, and asks it to ignore the transforms
 * when the caller wants raw orientation; decode.c never rotates HEIF a second time.
 *
 * Builds without libheif (WY_WITH_HEIF=OFF) compile only the stub at the end of the file.
 */
#include "wy_setup.h"

#include <string.h>

#include "decode/decode_int.h"

#ifdef WY_HAVE_HEIF

#include <libheif/heif.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include "core/dl.h"

/* libheif, opened on the first HEIF file (core/dl.h): linked, it and its codecs' initialisers
 * cost every run of withyou at start-up. Every function called, then the table of pointers. */
#define WY_HEIF_FUNCS(X)                                                                           \
    X(heif_context_alloc)                                                                          \
    X(heif_context_free)                                                                           \
    X(heif_context_get_primary_image_handle)                                                       \
    X(heif_context_read_from_memory_without_copy)                                                  \
    X(heif_context_set_maximum_image_size_limit)                                                   \
    X(heif_decode_image)                                                                           \
    X(heif_decoding_options_alloc)                                                                 \
    X(heif_decoding_options_free)                                                                  \
    X(heif_image_get_bits_per_pixel)                                                               \
    X(heif_image_get_height)                                                                       \
    X(heif_image_get_plane_readonly)                                                               \
    X(heif_image_get_width)                                                                        \
    X(heif_image_handle_get_height)                                                                \
    X(heif_image_handle_get_width)                                                                 \
    X(heif_image_handle_has_alpha_channel)                                                         \
    X(heif_image_handle_is_premultiplied_alpha)                                                    \
    X(heif_image_handle_release)                                                                   \
    X(heif_image_release)

static struct {
#define WY__HEIF_FIELD(name) __typeof__(name) *name;
    WY_HEIF_FUNCS(WY__HEIF_FIELD)
#undef WY__HEIF_FIELD
} heif_lib;

static const struct wy__dl_sym heif_syms[] = {
#define WY__HEIF_SYM(name) {0, #name, offsetof(__typeof__(heif_lib), name)},
    WY_HEIF_FUNCS(WY__HEIF_SYM)
#undef WY__HEIF_SYM
};

static pthread_once_t heif_once = PTHREAD_ONCE_INIT;
static enum wy_status heif_status;
static char heif_why[WY_DIAG_MSG_BYTES];

/* The soname of the libheif whose headers this was built against ("libheif.so.1"). */
static void heif_open(void)
{
    char soname[32];
    snprintf(soname, sizeof soname, "libheif.so.%d", (int)(LIBHEIF_NUMERIC_VERSION >> 24));
    const char *const sonames[1] = {soname};
    void *handle[1];
    heif_status = wy__dl_open(sonames, 1, heif_syms, sizeof heif_syms / sizeof heif_syms[0],
                              &heif_lib, sizeof heif_lib, handle, heif_why, sizeof heif_why);
}

/* Everything one call owns from libheif, released together by release(). */
struct heif_call {
    struct heif_context *ctx;
    struct heif_image_handle *handle;
    struct heif_decoding_options *options;
    struct heif_image *image;
};

static void release(struct heif_call *c)
{
    if (c->image != NULL) {
        heif_lib.heif_image_release(c->image);
    }
    if (c->options != NULL) {
        heif_lib.heif_decoding_options_free(c->options);
    }
    if (c->handle != NULL) {
        heif_lib.heif_image_handle_release(c->handle);
    }
    if (c->ctx != NULL) {
        heif_lib.heif_context_free(c->ctx);
    }
}

static enum wy_status translate(struct heif_error err)
{
    if (err.subcode == heif_suberror_Security_limit_exceeded) {
        return WY_ETOOBIG;
    }
    switch (err.code) {
    case heif_error_Memory_allocation_error:
        return WY_ENOMEM;
    case heif_error_Unsupported_feature:
    case heif_error_Unsupported_filetype:
        return WY_ENOTSUP;
    default:
        return err.subcode == heif_suberror_Unsupported_codec ? WY_ENOTSUP : WY_ECORRUPT;
    }
}

/* Translates a libheif error at the boundary; WY_OK when err.code is heif_error_Ok. */
static enum wy_status check(struct wy__decode_job *job, struct heif_error err)
{
    if (err.code == heif_error_Ok) {
        return WY_OK;
    }
    const enum wy_status st = translate(err);
    wy__diag_set(job->diag, -1, (int)err.code * 10000 + (int)err.subcode, "HEIF: %s",
                 err.message != NULL ? err.message : "unknown error");
    return st;
}

/*
 * libheif 1.15 refuses, while parsing, any image (a grid's tiles included) whose ispe box has a
 * side above this; its default is 32768. No side can be longer than our limits allow, so the
 * bound is the side limit, or max_pixels when that is smaller (a 1-pixel-high strip).
 */
static int side_limit(const struct wy_decode_opts *opts)
{
    const uint64_t side = WY_IMAGE_MAX_SIDE_PX;
    return (int)(opts->max_pixels < side ? opts->max_pixels : side);
}

static enum wy_status open_primary(struct wy__decode_job *job, struct heif_call *c)
{
    c->ctx = heif_lib.heif_context_alloc();
    if (c->ctx == NULL) {
        return WY_ENOMEM;
    }
    heif_lib.heif_context_set_maximum_image_size_limit(c->ctx, side_limit(job->opts));
    enum wy_status st = check(job, heif_lib.heif_context_read_from_memory_without_copy(
                                       c->ctx, job->data.ptr, job->data.len, NULL));
    if (st == WY_OK) {
        st = check(job, heif_lib.heif_context_get_primary_image_handle(c->ctx, &c->handle));
    }
    return st;
}

/*
 * The displayed size (after rotation and crop), checked before anything is decoded. Ignoring
 * the transforms can only swap the sides or undo a crop, never add pixels beyond what libheif's
 * own limit allows; copy_out() checks the decoded size again before allocating.
 */
static enum wy_status check_size(struct wy__decode_job *job, const struct heif_call *c)
{
    const int w = heif_lib.heif_image_handle_get_width(c->handle);
    const int h = heif_lib.heif_image_handle_get_height(c->handle);
    if (w <= 0 || h <= 0) {
        return wy__fail(job->diag, WY_ECORRUPT, "HEIF: image has no size");
    }
    return wy__decode_check_size(job, (uint64_t)w, (uint64_t)h);
}

static enum wy_status decode_image(struct wy__decode_job *job, struct heif_call *c, bool alpha)
{
    c->options = heif_lib.heif_decoding_options_alloc();
    if (c->options == NULL) {
        return WY_ENOMEM;
    }
    c->options->ignore_transformations = job->opts->raw_orientation ? 1 : 0;
    c->options->convert_hdr_to_8bit = 1;
    const enum heif_chroma chroma =
        alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB;
    return check(job, heif_lib.heif_decode_image(c->handle, &c->image, heif_colorspace_RGB, chroma,
                                                 c->options));
}

static uint8_t unpremultiply(uint8_t v, uint8_t a)
{
    if (a == 0) {
        return 0;
    }
    const unsigned x = ((unsigned)v * 255u + a / 2u) / a;
    return (uint8_t)(x > 255u ? 255u : x);
}

static void copy_rows(struct wy_image *img, const uint8_t *plane, size_t stride, bool premul)
{
    const size_t ch = (size_t)img->format;
    for (uint32_t y = 0; y < img->height_px; y++) {
        uint8_t *row = wy_image_row(img, y);
        memcpy(row, plane + (size_t)y * stride, (size_t)img->width_px * ch);
        for (uint32_t x = 0; premul && x < img->width_px; x++) {
            uint8_t *px = row + (size_t)x * ch;
            for (size_t i = 0; i < 3; i++) {
                px[i] = unpremultiply(px[i], px[3]);
            }
        }
    }
}

/*
 * Copies libheif's interleaved plane into a wy_image. The plane is checked to be what was asked
 * for (8 bits a sample, the size that passed the limits) rather than trusted.
 */
static enum wy_status copy_out(struct wy__decode_job *job, const struct heif_call *c, bool alpha,
                               struct wy_image **out)
{
    const int w = heif_lib.heif_image_get_width(c->image, heif_channel_interleaved);
    const int h = heif_lib.heif_image_get_height(c->image, heif_channel_interleaved);
    const int bits = heif_lib.heif_image_get_bits_per_pixel(c->image, heif_channel_interleaved);
    int stride = 0;
    const uint8_t *plane =
        heif_lib.heif_image_get_plane_readonly(c->image, heif_channel_interleaved, &stride);
    const int ch = alpha ? 4 : 3;
    if (plane == NULL || w <= 0 || h <= 0 || bits != 8 * ch || stride / ch < w) {
        return wy__fail(job->diag, WY_ECORRUPT, "HEIF: decoder returned an unexpected image");
    }
    enum wy_status st = wy__decode_check_size(job, (uint64_t)w, (uint64_t)h);
    if (st != WY_OK) {
        return st;
    }
    struct wy_image *img = NULL;
    st = wy_image_new(job->ctx, (uint32_t)w, (uint32_t)h, alpha ? WY_PIX_RGBA8 : WY_PIX_RGB8, &img);
    if (st != WY_OK) {
        return st;
    }
    copy_rows(img, plane, (size_t)stride,
              alpha && heif_lib.heif_image_handle_is_premultiplied_alpha(c->handle));
    /* Ignoring transforms swaps the sides of a rotated image (and undoes a crop), so the size
     * reported is the size decoded. */
    job->info->width_px = (uint32_t)w;
    job->info->height_px = (uint32_t)h;
    *out = img;
    return WY_OK;
}

static enum wy_status heif_decode(struct wy__decode_job *job)
{
    pthread_once(&heif_once, heif_open);
    if (heif_status != WY_OK) {
        return wy__fail(job->diag, heif_status, "HEIF: %s (install libheif for HEIC and AVIF)",
                        heif_why);
    }
    struct heif_call c;
    memset(&c, 0, sizeof c);
    struct wy_image *img = NULL;
    enum wy_status st = open_primary(job, &c);
    if (st == WY_OK) {
        st = check_size(job, &c);
    }
    const bool alpha = st == WY_OK && heif_lib.heif_image_handle_has_alpha_channel(c.handle) != 0;
    if (st == WY_OK) {
        st = decode_image(job, &c, alpha);
    }
    if (st == WY_OK) {
        st = copy_out(job, &c, alpha, &img);
    }
    release(&c);
    if (st != WY_OK) {
        return st;
    }
    job->info->has_alpha = alpha;
    bool more;
    return wy__decode_emit(job, img, 0, &more);
}

#else /* !WY_HAVE_HEIF */

static enum wy_status heif_decode(struct wy__decode_job *job)
{
    return wy__fail(job->diag, WY_ENOTSUP, "HEIF: not supported by this build");
}

#endif /* WY_HAVE_HEIF */

const struct wy__decoder wy__decoder_heif = {
    .format = WY_FORMAT_HEIF,
    .decode = heif_decode,
};
