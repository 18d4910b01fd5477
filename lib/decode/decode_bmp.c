/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_bmp.c: Windows and OS/2 bitmaps, written by hand.
 *
 * Why by hand: no Debian library decodes BMP both completely and safely for a library caller
 * (the image toolkits that do are far too large to pull in for one format). Supported: the OS/2
 * core header (12 bytes) and the Windows INFO (40), V2 (52), V3 (56), V4 (108) and V5 (124)
 * headers; 1, 4 and 8 bits per pixel with a palette, 16 bits (555, or any BI_BITFIELDS masks such
 * as 565), 24 bits, 32 bits (BI_RGB, or BI_BITFIELDS with an alpha mask giving RGBA), bottom-up
 * and top-down rows, and RLE8 / RLE4 compression. JPEG and PNG inside a BMP are WY_ENOTSUP.
 *
 * Every offset and length read from the file is checked against the buffer with arithmetic that
 * cannot overflow, the stored size goes through wy__decode_check_size() before allocation, and an
 * RLE run that would leave its row or the image is WY_ECORRUPT, never a write out of bounds.
 */
#include "wy_setup.h"

#include <string.h>

#include "decode/decode_int.h"

#define BMP_FILE_HEADER_BYTES 14u

/* Compression values of biCompression. */
#define BMP_RGB 0u
#define BMP_RLE8 1u
#define BMP_RLE4 2u
#define BMP_BITFIELDS 3u
#define BMP_JPEG 4u
#define BMP_PNG 5u
#define BMP_ALPHABITFIELDS 6u

struct bmp {
    struct wy_bytes data;
    struct wy_diag *diag;
    uint32_t header_bytes;
    uint32_t width_px;
    uint32_t height_px;
    bool top_down;
    unsigned bpp;
    uint32_t compression;
    uint32_t masks[4]; /* red, green, blue, alpha (alpha 0: none) */
    size_t pixel_offset;
    unsigned palette_len;
    uint8_t palette[256][3]; /* RGB; entries past palette_len are black */
};

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* True when [at, at + n) lies inside the buffer. */
static bool in_file(const struct bmp *b, size_t at, size_t n)
{
    return at <= b->data.len && n <= b->data.len - at;
}

/* Width and height of the core header are unsigned 16-bit; of the others signed 32-bit, with a
 * negative height meaning rows are stored top first. */
static enum wy_status read_dimensions(struct bmp *b, const uint8_t *h)
{
    int64_t width;
    int64_t height;
    if (b->header_bytes == 12) {
        width = (int64_t)rd16(h + 4);
        height = (int64_t)rd16(h + 6);
        b->bpp = rd16(h + 10);
        b->compression = BMP_RGB;
    } else {
        width = (int64_t)(int32_t)rd32(h + 4);
        height = (int64_t)(int32_t)rd32(h + 8);
        b->bpp = rd16(h + 14);
        b->compression = rd32(h + 16);
    }
    if (width <= 0 || height == 0) {
        return wy__fail(b->diag, WY_ECORRUPT, "BMP: bad dimensions %lldx%lld", (long long)width,
                        (long long)height);
    }
    b->top_down = height < 0;
    const int64_t rows = height < 0 ? -height : height;
    /* Clamp to a value that check_size rejects: both fit 32 bits after this. */
    b->width_px = width > UINT32_MAX ? UINT32_MAX : (uint32_t)width;
    b->height_px = rows > UINT32_MAX ? UINT32_MAX : (uint32_t)rows;
    return WY_OK;
}

static bool valid_depth(const struct bmp *b)
{
    switch (b->compression) {
    case BMP_RGB:
        return b->bpp == 1 || b->bpp == 4 || b->bpp == 8 || b->bpp == 16 || b->bpp == 24 ||
               b->bpp == 32;
    case BMP_RLE8:
        return b->bpp == 8;
    case BMP_RLE4:
        return b->bpp == 4;
    default: /* bit fields */
        return b->bpp == 16 || b->bpp == 32;
    }
}

static enum wy_status check_compression(struct bmp *b)
{
    if (b->compression == BMP_JPEG || b->compression == BMP_PNG) {
        return wy__fail(b->diag, WY_ENOTSUP, "BMP: embedded %s is not supported",
                        b->compression == BMP_JPEG ? "JPEG" : "PNG");
    }
    if (b->compression > BMP_ALPHABITFIELDS) {
        return wy__fail(b->diag, WY_ENOTSUP, "BMP: unknown compression %lu",
                        (unsigned long)b->compression);
    }
    if (!valid_depth(b)) {
        return wy__fail(b->diag, WY_ECORRUPT, "BMP: %u bits per pixel with compression %lu", b->bpp,
                        (unsigned long)b->compression);
    }
    if (b->top_down && (b->compression == BMP_RLE8 || b->compression == BMP_RLE4)) {
        return wy__fail(b->diag, WY_ECORRUPT, "BMP: RLE bitmaps cannot be top-down");
    }
    return WY_OK;
}

/*
 * The colour masks. For bit fields they follow a 40-byte header (three or four of them) or sit
 * inside the larger headers at offset 40; otherwise they are the format's defaults. Returns the
 * offset just past any masks stored after the header (where the palette starts).
 */
static enum wy_status read_masks(struct bmp *b, size_t *after)
{
    *after = BMP_FILE_HEADER_BYTES + b->header_bytes;
    const bool fields = b->compression == BMP_BITFIELDS || b->compression == BMP_ALPHABITFIELDS;
    if (!fields) {
        const uint32_t def16[4] = {0x7c00, 0x03e0, 0x001f, 0};
        const uint32_t def32[4] = {0xff0000, 0x00ff00, 0x0000ff, 0};
        memcpy(b->masks, b->bpp == 16 ? def16 : def32, sizeof b->masks);
        return WY_OK;
    }
    size_t at = BMP_FILE_HEADER_BYTES + 40;
    size_t count = b->header_bytes >= 56 ? 4 : 3;
    if (b->header_bytes == 40) {
        count = b->compression == BMP_ALPHABITFIELDS ? 4 : 3;
        *after += count * 4;
    }
    if (!in_file(b, at, count * 4)) {
        return wy__fail(b->diag, WY_ECORRUPT, "BMP: truncated colour masks");
    }
    memset(b->masks, 0, sizeof b->masks);
    for (size_t i = 0; i < count; i++) {
        b->masks[i] = rd32(b->data.ptr + at + i * 4);
    }
    return WY_OK;
}

static enum wy_status read_palette(struct bmp *b, size_t at)
{
    memset(b->palette, 0, sizeof b->palette);
    b->palette_len = 0;
    if (b->bpp > 8) {
        return WY_OK;
    }
    const unsigned max_colors = 1u << b->bpp;
    uint32_t used = b->header_bytes > 12 ? rd32(b->data.ptr + BMP_FILE_HEADER_BYTES + 32) : 0;
    /* Zero means "all"; more than the depth can index is a writer's slip, not corruption. */
    const unsigned colors = used == 0 || used > max_colors ? max_colors : (unsigned)used;
    const size_t entry_bytes = b->header_bytes == 12 ? 3 : 4;
    if (!in_file(b, at, colors * entry_bytes)) {
        return wy__fail(b->diag, WY_ECORRUPT, "BMP: truncated palette");
    }
    for (unsigned i = 0; i < colors; i++) {
        const uint8_t *e = b->data.ptr + at + i * entry_bytes;
        b->palette[i][0] = e[2];
        b->palette[i][1] = e[1];
        b->palette[i][2] = e[0];
    }
    b->palette_len = colors;
    return WY_OK;
}

static enum wy_status read_header(struct bmp *b)
{
    const uint8_t *p = b->data.ptr;
    if (!in_file(b, 0, BMP_FILE_HEADER_BYTES + 4)) {
        return wy__fail(b->diag, WY_ECORRUPT, "BMP: truncated header");
    }
    b->pixel_offset = rd32(p + 10);
    b->header_bytes = rd32(p + 14);
    const uint32_t hb = b->header_bytes;
    if (hb != 12 && hb != 40 && hb != 52 && hb != 56 && hb != 108 && hb != 124) {
        return wy__fail(b->diag, WY_ENOTSUP, "BMP: unsupported header size %lu", (unsigned long)hb);
    }
    if (!in_file(b, BMP_FILE_HEADER_BYTES, hb)) {
        return wy__fail(b->diag, WY_ECORRUPT, "BMP: truncated header");
    }
    enum wy_status st = read_dimensions(b, p + BMP_FILE_HEADER_BYTES);
    if (st == WY_OK) {
        st = check_compression(b);
    }
    size_t palette_at = 0;
    if (st == WY_OK) {
        st = read_masks(b, &palette_at);
    }
    if (st == WY_OK) {
        st = read_palette(b, palette_at);
    }
    if (st == WY_OK && b->pixel_offset >= b->data.len) {
        st = wy__fail(b->diag, WY_ECORRUPT, "BMP: pixel data offset %zu is beyond the file",
                      b->pixel_offset);
    }
    return st;
}

/* Extracts the field `mask` from `pixel` and scales it to 0..255. */
static uint8_t field(uint32_t pixel, uint32_t mask)
{
    if (mask == 0) {
        return 0;
    }
    unsigned shift = 0;
    while (((mask >> shift) & 1u) == 0) {
        shift++;
    }
    const uint64_t max = (uint64_t)(mask >> shift);
    const uint64_t v = (uint64_t)((pixel & mask) >> shift);
    return (uint8_t)((v * 255u + max / 2u) / max);
}

static bool has_alpha(const struct bmp *b)
{
    return b->bpp == 32 && b->masks[3] != 0;
}

static void put_index(const struct bmp *b, uint8_t *out, unsigned index)
{
    memcpy(out, b->palette[index], 3);
}

/* One uncompressed row into RGB8 or RGBA8 (`ch` channels). */
static void decode_row(const struct bmp *b, const uint8_t *in, uint8_t *out, unsigned ch)
{
    for (uint32_t x = 0; x < b->width_px; x++) {
        uint8_t *px = out + (size_t)x * ch;
        if (b->bpp <= 8) {
            const size_t bit = (size_t)x * b->bpp;
            const unsigned shift = 8u - b->bpp - (unsigned)(bit % 8u);
            put_index(b, px, ((unsigned)in[bit / 8u] >> shift) & ((1u << b->bpp) - 1u));
        } else if (b->bpp == 24) {
            px[0] = in[3 * x + 2];
            px[1] = in[3 * x + 1];
            px[2] = in[3 * x];
        } else {
            const uint32_t v = b->bpp == 16 ? rd16(in + 2 * x) : rd32(in + 4 * x);
            for (unsigned c = 0; c < ch; c++) {
                px[c] = field(v, b->masks[c]);
            }
        }
    }
}

static enum wy_status decode_plain(const struct bmp *b, struct wy_image *img)
{
    const size_t stride = ((size_t)b->width_px * b->bpp + 31u) / 32u * 4u;
    if ((b->data.len - b->pixel_offset) / stride < b->height_px) {
        return wy__fail(b->diag, WY_ECORRUPT, "BMP: truncated pixel data");
    }
    const unsigned ch = (unsigned)img->format;
    for (uint32_t y = 0; y < b->height_px; y++) {
        const uint32_t out_y = b->top_down ? y : b->height_px - 1 - y;
        const uint8_t *in = b->data.ptr + b->pixel_offset + (size_t)y * stride;
        decode_row(b, in, wy_image_row(img, out_y), ch);
    }
    return WY_OK;
}

/* An alpha channel that is zero everywhere comes from writers that leave the fourth byte unset;
 * showing such an image as fully transparent would be wrong, so it is treated as opaque. */
static void fix_blank_alpha(struct wy_image *img)
{
    for (uint32_t y = 0; y < img->height_px; y++) {
        const uint8_t *row = wy_image_row(img, y);
        for (uint32_t x = 0; x < img->width_px; x++) {
            if (row[4 * x + 3] != 0) {
                return;
            }
        }
    }
    for (uint32_t y = 0; y < img->height_px; y++) {
        uint8_t *row = wy_image_row(img, y);
        for (uint32_t x = 0; x < img->width_px; x++) {
            row[4 * x + 3] = 255;
        }
    }
}

/* RLE decoding state: the position in the stream and in the image (y counts from the bottom). */
struct rle {
    const struct bmp *b;
    struct wy_image *img;
    size_t pos;
    uint32_t x;
    uint32_t y;
};

static enum wy_status rle_corrupt(const struct rle *r, const char *why)
{
    wy__diag_set(r->b->diag, (int64_t)r->pos, 0, "BMP: %s", why);
    return WY_ECORRUPT;
}

/* Makes sure `count` pixels fit in the current row before any of them is written. */
static enum wy_status rle_room(const struct rle *r, uint32_t count)
{
    if (r->y >= r->b->height_px) {
        return rle_corrupt(r, "RLE data past the end of the image");
    }
    if (count > r->b->width_px - r->x) {
        return rle_corrupt(r, "RLE run past the end of a row");
    }
    return WY_OK;
}

static void rle_put(struct rle *r, unsigned index)
{
    uint8_t *row = wy_image_row(r->img, r->b->height_px - 1 - r->y);
    put_index(r->b, row + (size_t)r->x * 3, index);
    r->x++;
}

/* Pixel i of a 4-bit run: even pixels are the high nibble. */
static unsigned nibble(uint8_t byte, uint32_t i)
{
    return i % 2u == 0 ? (unsigned)byte >> 4 : (unsigned)byte & 15u;
}

/* An encoded run: `count` pixels of one index (RLE8) or of two alternating nibbles (RLE4). */
static enum wy_status rle_run(struct rle *r, uint32_t count, uint8_t value)
{
    const enum wy_status st = rle_room(r, count);
    if (st != WY_OK) {
        return st;
    }
    const bool four = r->b->bpp == 4;
    for (uint32_t i = 0; i < count; i++) {
        rle_put(r, four ? nibble(value, i) : (unsigned)value);
    }
    return WY_OK;
}

/* Absolute mode: `count` literal pixels, padded to a 16-bit boundary in the stream. */
static enum wy_status rle_literal(struct rle *r, uint32_t count)
{
    const bool four = r->b->bpp == 4;
    const size_t bytes = four ? (count + 1u) / 2u : count;
    const size_t padded = bytes + (bytes & 1u);
    if (!in_file(r->b, r->pos, padded)) {
        return rle_corrupt(r, "truncated RLE data");
    }
    const enum wy_status st = rle_room(r, count);
    if (st != WY_OK) {
        return st;
    }
    const uint8_t *in = r->b->data.ptr + r->pos;
    for (uint32_t i = 0; i < count; i++) {
        rle_put(r, four ? nibble(in[i / 2u], i) : (unsigned)in[i]);
    }
    r->pos += padded;
    return WY_OK;
}

static enum wy_status rle_delta(struct rle *r)
{
    if (!in_file(r->b, r->pos, 2)) {
        return rle_corrupt(r, "truncated RLE data");
    }
    const uint32_t dx = r->b->data.ptr[r->pos];
    const uint32_t dy = r->b->data.ptr[r->pos + 1];
    r->pos += 2;
    if (dx > r->b->width_px - r->x || dy > r->b->height_px - r->y ||
        (dy == r->b->height_px - r->y && dx > 0)) {
        return rle_corrupt(r, "RLE delta moves outside the image");
    }
    r->x += dx;
    r->y += dy;
    return WY_OK;
}

/* One escape (a zero count byte followed by `code`). Sets *done at the end of the bitmap. */
static enum wy_status rle_escape(struct rle *r, uint8_t code, bool *done)
{
    switch (code) {
    case 0: /* end of line */
        r->x = 0;
        r->y++;
        return WY_OK;
    case 1: /* end of bitmap */
        *done = true;
        return WY_OK;
    case 2:
        return rle_delta(r);
    default:
        return rle_literal(r, code);
    }
}

/* Pixels an RLE stream skips (with deltas or an early end) keep palette entry 0, as most
 * viewers show them. */
static enum wy_status decode_rle(const struct bmp *b, struct wy_image *img)
{
    for (uint32_t y = 0; y < img->height_px; y++) {
        uint8_t *row = wy_image_row(img, y);
        for (uint32_t x = 0; x < img->width_px; x++) {
            put_index(b, row + (size_t)x * 3, 0);
        }
    }
    struct rle r = {b, img, b->pixel_offset, 0, 0};
    bool done = false;
    enum wy_status st = WY_OK;
    while (st == WY_OK && !done) {
        if (!in_file(b, r.pos, 2)) {
            /* A stream that stops right after its last row, without the end marker, is whole. */
            return r.y >= b->height_px ? WY_OK : rle_corrupt(&r, "truncated RLE data");
        }
        const uint8_t count = b->data.ptr[r.pos];
        const uint8_t value = b->data.ptr[r.pos + 1];
        r.pos += 2;
        st = count > 0 ? rle_run(&r, count, value) : rle_escape(&r, value, &done);
    }
    return st;
}

static enum wy_status decode_pixels(struct wy__decode_job *job, const struct bmp *b,
                                    struct wy_image **out)
{
    const bool alpha = has_alpha(b);
    struct wy_image *img = NULL;
    enum wy_status st =
        wy_image_new(job->ctx, b->width_px, b->height_px, alpha ? WY_PIX_RGBA8 : WY_PIX_RGB8, &img);
    if (st != WY_OK) {
        return st;
    }
    const bool rle = b->compression == BMP_RLE8 || b->compression == BMP_RLE4;
    st = rle ? decode_rle(b, img) : decode_plain(b, img);
    if (st != WY_OK) {
        wy_image_free(job->ctx, img);
        return st;
    }
    if (alpha) {
        fix_blank_alpha(img);
    }
    job->info->has_alpha = alpha;
    *out = img;
    return WY_OK;
}

static enum wy_status bmp_decode(struct wy__decode_job *job)
{
    /* About 800 bytes: on the heap would be fine too, but the stack keeps OOM paths simple. */
    struct bmp b;
    memset(&b, 0, sizeof b);
    b.data = job->data;
    b.diag = job->diag;
    enum wy_status st = read_header(&b);
    if (st == WY_OK) {
        st = wy__decode_check_size(job, b.width_px, b.height_px);
    }
    struct wy_image *img = NULL;
    if (st == WY_OK) {
        st = decode_pixels(job, &b, &img);
    }
    if (st != WY_OK) {
        return st;
    }
    bool more;
    return wy__decode_emit(job, img, 0, &more);
}

const struct wy__decoder wy__decoder_bmp = {
    .format = WY_FORMAT_BMP,
    .decode = bmp_decode,
};
