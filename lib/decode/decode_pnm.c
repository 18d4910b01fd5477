/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_pnm.c: the Netpbm formats P1..P6 (PBM, PGM, PPM in ASCII and raw form), written by hand.
 *
 * Why by hand: the formats are tiny, Debian's libnetpbm exits the process on bad input, and a
 * parser of a few hundred lines is easy to make strict. Every number in the header is parsed with
 * an overflow check, the stored size goes through wy__decode_check_size() before the image is
 * allocated, and every read is bounded by the input length, so truncated or lying files give
 * WY_ECORRUPT instead of invented pixels. Samples with maxval other than 255 are rescaled to
 * 0..255 as round(v * 255 / maxval); raw samples are 16-bit big-endian when maxval > 255.
 * Only the first image of a multi-image file is decoded.
 */
#include "wy_setup.h"

#include <string.h>

#include "decode/decode_int.h"

/* Netpbm's limit on maxval; larger values cannot be stored in two bytes. */
#define PNM_MAX_MAXVAL 65535u
/* Header numbers beyond this are nonsense rather than large images. */
#define PNM_MAX_NUMBER 0xffffffffu

struct pnm_reader {
    const uint8_t *ptr;
    size_t len;
    size_t pos;
    struct wy_diag *diag;
};

struct pnm_header {
    char kind; /* '1'..'6' */
    uint32_t width_px;
    uint32_t height_px;
    uint32_t maxval;   /* 1 for bitmaps */
    unsigned channels; /* 1 or 3 */
};

static bool is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Skips whitespace and '#' comments (which run to the end of the line). */
static void skip_blanks(struct pnm_reader *r)
{
    while (r->pos < r->len) {
        const uint8_t c = r->ptr[r->pos];
        if (c == '#') {
            while (r->pos < r->len && r->ptr[r->pos] != '\n' && r->ptr[r->pos] != '\r') {
                r->pos++;
            }
        } else if (is_space(c)) {
            r->pos++;
        } else {
            return;
        }
    }
}

/*
 * Reads one decimal number no larger than `max`. The number must be followed by whitespace, a
 * comment or the end of the input: "12x" is corrupt, not 12.
 */
static enum wy_status read_number(struct pnm_reader *r, uint32_t max, const char *what,
                                  uint32_t *out)
{
    skip_blanks(r);
    if (r->pos >= r->len) {
        return wy__fail(r->diag, WY_ECORRUPT, "PNM: truncated before %s", what);
    }
    if (r->ptr[r->pos] < '0' || r->ptr[r->pos] > '9') {
        return wy__fail(r->diag, WY_ECORRUPT, "PNM: %s is not a number", what);
    }
    uint64_t value = 0;
    while (r->pos < r->len && r->ptr[r->pos] >= '0' && r->ptr[r->pos] <= '9') {
        value = value * 10u + (uint64_t)(r->ptr[r->pos] - '0');
        if (value > max) {
            return wy__fail(r->diag, WY_ECORRUPT, "PNM: %s is larger than %lu", what,
                            (unsigned long)max);
        }
        r->pos++;
    }
    if (r->pos < r->len && !is_space(r->ptr[r->pos]) && r->ptr[r->pos] != '#') {
        return wy__fail(r->diag, WY_ECORRUPT, "PNM: junk after %s", what);
    }
    *out = (uint32_t)value;
    return WY_OK;
}

static enum wy_status read_header(struct pnm_reader *r, struct pnm_header *h)
{
    /* The sniffer has checked "P1".."P6" and the separator after it. */
    h->kind = (char)r->ptr[1];
    r->pos = 2;
    h->channels = h->kind == '3' || h->kind == '6' ? 3 : 1;
    h->maxval = 1;
    enum wy_status st = read_number(r, PNM_MAX_NUMBER, "width", &h->width_px);
    if (st == WY_OK) {
        st = read_number(r, PNM_MAX_NUMBER, "height", &h->height_px);
    }
    if (st == WY_OK && h->kind != '1' && h->kind != '4') {
        st = read_number(r, PNM_MAX_NUMBER, "maxval", &h->maxval);
        if (st == WY_OK && (h->maxval == 0 || h->maxval > PNM_MAX_MAXVAL)) {
            st = wy__fail(r->diag, WY_ECORRUPT, "PNM: maxval %lu is outside 1..65535",
                          (unsigned long)h->maxval);
        }
    }
    if (st != WY_OK) {
        return st;
    }
    /* Raw formats: exactly one whitespace byte separates the header from the samples (a comment
     * cannot follow maxval there, or binary data starting with '#' would be skipped). */
    if (h->kind >= '4') {
        if (r->pos >= r->len || !is_space(r->ptr[r->pos])) {
            return wy__fail(r->diag, WY_ECORRUPT, "PNM: truncated header");
        }
        r->pos++;
    }
    return WY_OK;
}

static uint8_t scale(uint32_t v, uint32_t maxval)
{
    return (uint8_t)((v * 255u + maxval / 2u) / maxval);
}

/* P1: ASCII '0' (white) and '1' (black); digits need not be separated. */
static enum wy_status read_ascii_bits(struct pnm_reader *r, struct wy_image *img)
{
    for (uint32_t y = 0; y < img->height_px; y++) {
        uint8_t *row = wy_image_row(img, y);
        for (uint32_t x = 0; x < img->width_px; x++) {
            skip_blanks(r);
            if (r->pos >= r->len) {
                return wy__fail(r->diag, WY_ECORRUPT, "PNM: truncated pixel data");
            }
            const uint8_t c = r->ptr[r->pos++];
            if (c != '0' && c != '1') {
                return wy__fail(r->diag, WY_ECORRUPT, "PNM: bad bitmap digit");
            }
            row[x] = c == '1' ? 0 : 255;
        }
    }
    return WY_OK;
}

/* P2, P3: ASCII samples, each at most maxval. */
static enum wy_status read_ascii_samples(struct pnm_reader *r, const struct pnm_header *h,
                                         struct wy_image *img)
{
    const size_t row_samples = (size_t)img->width_px * h->channels;
    for (uint32_t y = 0; y < img->height_px; y++) {
        uint8_t *row = wy_image_row(img, y);
        for (size_t i = 0; i < row_samples; i++) {
            uint32_t v;
            const enum wy_status st = read_number(r, h->maxval, "sample", &v);
            if (st != WY_OK) {
                return st;
            }
            row[i] = scale(v, h->maxval);
        }
    }
    return WY_OK;
}

/* P4: rows of packed bits, most significant first, each row padded to a whole byte. */
static enum wy_status read_raw_bits(struct pnm_reader *r, struct wy_image *img)
{
    const size_t row_bytes = ((size_t)img->width_px + 7u) / 8u;
    if ((r->len - r->pos) / row_bytes < img->height_px) {
        return wy__fail(r->diag, WY_ECORRUPT, "PNM: truncated pixel data");
    }
    for (uint32_t y = 0; y < img->height_px; y++) {
        const uint8_t *in = r->ptr + r->pos + (size_t)y * row_bytes;
        uint8_t *row = wy_image_row(img, y);
        for (uint32_t x = 0; x < img->width_px; x++) {
            const unsigned bit = ((unsigned)in[x / 8u] >> (7u - x % 8u)) & 1u;
            row[x] = bit ? 0 : 255;
        }
    }
    return WY_OK;
}

/* P5, P6: bytes, or big-endian 16-bit samples when maxval > 255. */
static enum wy_status read_raw_samples(struct pnm_reader *r, const struct pnm_header *h,
                                       struct wy_image *img)
{
    const size_t bytes_per_sample = h->maxval > 255 ? 2 : 1;
    const size_t row_samples = (size_t)img->width_px * h->channels;
    const size_t row_bytes = row_samples * bytes_per_sample;
    if ((r->len - r->pos) / row_bytes < img->height_px) {
        return wy__fail(r->diag, WY_ECORRUPT, "PNM: truncated pixel data");
    }
    for (uint32_t y = 0; y < img->height_px; y++) {
        const uint8_t *in = r->ptr + r->pos + (size_t)y * row_bytes;
        uint8_t *row = wy_image_row(img, y);
        for (size_t i = 0; i < row_samples; i++) {
            uint32_t v = in[i * bytes_per_sample];
            if (bytes_per_sample == 2) {
                v = v << 8 | in[i * 2 + 1];
            }
            if (v > h->maxval) {
                return wy__fail(r->diag, WY_ECORRUPT, "PNM: sample %lu exceeds maxval %lu",
                                (unsigned long)v, (unsigned long)h->maxval);
            }
            row[i] = scale(v, h->maxval);
        }
    }
    return WY_OK;
}

static enum wy_status read_pixels(struct pnm_reader *r, const struct pnm_header *h,
                                  struct wy_image *img)
{
    switch (h->kind) {
    case '1':
        return read_ascii_bits(r, img);
    case '2':
    case '3':
        return read_ascii_samples(r, h, img);
    case '4':
        return read_raw_bits(r, img);
    default:
        return read_raw_samples(r, h, img);
    }
}

static enum wy_status pnm_decode(struct wy__decode_job *job)
{
    struct pnm_reader r = {job->data.ptr, job->data.len, 0, job->diag};
    struct pnm_header h;
    enum wy_status st = read_header(&r, &h);
    if (st == WY_OK) {
        st = wy__decode_check_size(job, h.width_px, h.height_px);
    }
    if (st != WY_OK) {
        return st;
    }
    struct wy_image *img = NULL;
    const enum wy_pixel_format fmt = h.channels == 3 ? WY_PIX_RGB8 : WY_PIX_GRAY8;
    st = wy_image_new(job->ctx, h.width_px, h.height_px, fmt, &img);
    if (st != WY_OK) {
        return st;
    }
    st = read_pixels(&r, &h, img);
    if (st != WY_OK) {
        wy_image_free(job->ctx, img);
        return st;
    }
    bool more;
    return wy__decode_emit(job, img, 0, &more);
}

const struct wy__decoder wy__decoder_pnm = {
    .format = WY_FORMAT_PNM,
    .decode = pnm_decode,
};
