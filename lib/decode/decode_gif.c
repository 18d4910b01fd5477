/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_gif.c: GIF stills and animations through giflib's low-level record API.
 *
 * DGifSlurp() would read every frame of a file into memory before we could look at any of
 * them, so a small GIF declaring thousands of large frames could claim gigabytes. Instead the
 * records are walked one at a time, and each image descriptor is checked (frame count, its own
 * size, and that it fits its logical screen) before a single line of it is decompressed. Frames
 * are composited onto an RGBA canvas the size of the logical screen as browsers do: the Graphics
 * Control Extension gives the transparent index, the delay and the disposal method (0 and 1 keep
 * the frame, 2 clears its rectangle to transparent, 3 restores the canvas as it was before the
 * frame). The canvas starts transparent, not in the screen's background colour, again as
 * browsers do; decode.c later composites it onto the caller's background. A frame placed partly
 * outside the screen is clipped; a frame larger than the screen is rejected as corrupt.
 *
 * giflib allocates with libc, keeps its errors in GifFileType.Error, and is always closed with
 * DGifCloseFile(), on success and on every failure alike.
 */
#include "wy_setup.h"

#include <string.h>

#include <gif_lib.h>

#include "decode/decode_int.h"

struct gif_state {
    struct wy__decode_job *job;
    GifFileType *gif;
    size_t read_pos;   /* next byte of job->data handed to giflib */
    uint32_t width_px; /* logical screen */
    uint32_t height_px;
    uint8_t *canvas; /* RGBA, rows packed */
    uint8_t *saved;  /* the canvas before a "restore to previous" frame; allocated on demand */
    GifPixelType *line;
    GraphicsControlBlock gcb; /* applies to the next image only */
    uint64_t pts_ms;
    bool more;
};

static void gcb_reset(GraphicsControlBlock *gcb)
{
    gcb->DisposalMode = DISPOSAL_UNSPECIFIED;
    gcb->UserInputFlag = false;
    gcb->DelayTime = 0;
    gcb->TransparentColor = NO_TRANSPARENT_COLOR;
}

/* giflib's InputFunc: hands out the next bytes of the in-memory file. A short count at the end
 * makes giflib report D_GIF_ERR_READ_FAILED, which is how truncation surfaces. */
static int read_input(GifFileType *gif, GifByteType *buf, int len)
{
    struct gif_state *s = gif->UserData;
    const struct wy_bytes data = s->job->data;
    const size_t left = data.len - s->read_pos;
    const size_t n = len < 0 ? 0 : (size_t)len < left ? (size_t)len : left;
    memcpy(buf, data.ptr + s->read_pos, n);
    s->read_pos += n;
    return (int)n;
}

static enum wy_status gif_fail(struct gif_state *s, int code, const char *when)
{
    const char *what = GifErrorString(code);
    const enum wy_status st = code == D_GIF_ERR_NOT_ENOUGH_MEM ? WY_ENOMEM : WY_ECORRUPT;
    wy__diag_set(s->job->diag, (int64_t)s->read_pos, code, "GIF: %s (%s)",
                 what != NULL ? what : "unknown error", when);
    return st;
}

static enum wy_status open_gif(struct gif_state *s)
{
    int err = D_GIF_SUCCEEDED;
    s->gif = DGifOpen(s, read_input, &err);
    if (s->gif == NULL) {
        return gif_fail(s, err, "reading the header");
    }
    const enum wy_status st =
        wy__decode_check_size(s->job, (uint64_t)s->gif->SWidth, (uint64_t)s->gif->SHeight);
    if (st != WY_OK) {
        return st;
    }
    s->width_px = (uint32_t)s->gif->SWidth;
    s->height_px = (uint32_t)s->gif->SHeight;
    /* Sizes were checked against the limits just above. */
    s->canvas = wy__calloc(s->job->ctx, (size_t)s->width_px * s->height_px, 4);
    s->line = wy__alloc(s->job->ctx, (size_t)s->width_px * sizeof *s->line);
    return s->canvas == NULL || s->line == NULL ? WY_ENOMEM : WY_OK;
}

/* Only the Graphics Control Extension matters; every other extension is skipped. */
static enum wy_status read_extension(struct gif_state *s)
{
    int code;
    GifByteType *block;
    if (DGifGetExtension(s->gif, &code, &block) == GIF_ERROR) {
        return gif_fail(s, s->gif->Error, "reading an extension");
    }
    if (code == GRAPHICS_EXT_FUNC_CODE && block != NULL &&
        DGifExtensionToGCB(block[0], block + 1, &s->gcb) == GIF_ERROR) {
        gcb_reset(&s->gcb); /* wrong length: ignore it, as browsers do */
    }
    while (block != NULL) {
        if (DGifGetExtensionNext(s->gif, &block) == GIF_ERROR) {
            return gif_fail(s, s->gif->Error, "reading an extension");
        }
    }
    return WY_OK;
}

/* Row of the frame that the i-th stored line belongs to. Interlaced frames store rows in four
 * passes: every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1. */
static uint32_t frame_row(uint32_t i, uint32_t height, bool interlaced)
{
    static const uint32_t start[4] = {0, 4, 2, 1};
    static const uint32_t step[4] = {8, 8, 4, 2};
    if (!interlaced) {
        return i;
    }
    for (int pass = 0; pass < 4; pass++) {
        const uint32_t rows =
            height > start[pass] ? (height - start[pass] + step[pass] - 1) / step[pass] : 0;
        if (i < rows) {
            return start[pass] + i * step[pass];
        }
        i -= rows;
    }
    return 0; /* unreachable: i < height */
}

/* Paints one decoded line, clipped to the screen. Transparent and out-of-palette indices leave
 * the canvas as it was. */
static void draw_line(struct gif_state *s, const ColorMapObject *map, uint32_t y)
{
    const GifImageDesc *d = &s->gif->Image;
    const uint32_t sy = (uint32_t)d->Top + y;
    if (sy >= s->height_px) {
        return;
    }
    uint8_t *row = s->canvas + (size_t)sy * s->width_px * 4;
    for (uint32_t x = 0; x < (uint32_t)d->Width; x++) {
        const uint32_t sx = (uint32_t)d->Left + x;
        const int idx = s->line[x];
        if (sx >= s->width_px) {
            break;
        }
        if (idx == s->gcb.TransparentColor || idx >= map->ColorCount) {
            continue;
        }
        const GifColorType c = map->Colors[idx];
        uint8_t *px = row + (size_t)sx * 4;
        px[0] = c.Red;
        px[1] = c.Green;
        px[2] = c.Blue;
        px[3] = 255;
    }
}

static enum wy_status read_lines(struct gif_state *s, const ColorMapObject *map)
{
    const GifImageDesc *d = &s->gif->Image;
    const uint32_t height = (uint32_t)d->Height;
    for (uint32_t i = 0; i < height; i++) {
        if (DGifGetLine(s->gif, s->line, d->Width) == GIF_ERROR) {
            return gif_fail(s, s->gif->Error, "decoding a frame");
        }
        draw_line(s, map, frame_row(i, height, d->Interlace));
    }
    return WY_OK;
}

static enum wy_status emit_canvas(struct gif_state *s)
{
    struct wy_image *img;
    const enum wy_status st =
        wy_image_new(s->job->ctx, s->width_px, s->height_px, WY_PIX_RGBA8, &img);
    if (st != WY_OK) {
        return st;
    }
    const size_t row_bytes = (size_t)s->width_px * 4;
    bool opaque = true;
    for (uint32_t y = 0; y < s->height_px; y++) {
        const uint8_t *src = s->canvas + (size_t)y * row_bytes;
        memcpy(wy_image_row(img, y), src, row_bytes);
        for (size_t a = 3; a < row_bytes && opaque; a += 4) {
            opaque = src[a] == 255;
        }
    }
    if (!opaque) {
        s->job->info->has_alpha = true;
    }
    return wy__decode_emit(s->job, img, s->pts_ms, &s->more);
}

/* What the frame just shown leaves behind for the next one. */
static void dispose(struct gif_state *s)
{
    const GifImageDesc *d = &s->gif->Image;
    if (s->gcb.DisposalMode == DISPOSE_PREVIOUS) {
        memcpy(s->canvas, s->saved, (size_t)s->width_px * s->height_px * 4);
    } else if (s->gcb.DisposalMode == DISPOSE_BACKGROUND) {
        const uint32_t x_end = (uint32_t)(d->Left + d->Width);
        const uint32_t y_end = (uint32_t)(d->Top + d->Height);
        const uint32_t right = x_end < s->width_px ? x_end : s->width_px;
        const uint32_t bottom = y_end < s->height_px ? y_end : s->height_px;
        for (uint32_t y = (uint32_t)d->Top; y < bottom && (uint32_t)d->Left < right; y++) {
            uint8_t *row = s->canvas + ((size_t)y * s->width_px + (uint32_t)d->Left) * 4;
            memset(row, 0, (size_t)(right - (uint32_t)d->Left) * 4);
        }
    }
}

/* The checks every image descriptor passes before any of its pixels are decompressed. */
static enum wy_status check_frame(struct gif_state *s, const ColorMapObject **map)
{
    const GifImageDesc *d = &s->gif->Image;
    enum wy_status st = wy__decode_check_frames(s->job, (uint64_t)s->job->emitted + 1);
    if (st == WY_OK) {
        st = wy__decode_check_size(s->job, (uint64_t)d->Width, (uint64_t)d->Height);
    }
    if (st != WY_OK) {
        return st;
    }
    if ((uint32_t)d->Width > s->width_px || (uint32_t)d->Height > s->height_px) {
        return wy__fail(s->job->diag, WY_ECORRUPT,
                        "GIF: frame %u is %dx%d, larger than its %ux%u screen", s->job->emitted + 1,
                        d->Width, d->Height, s->width_px, s->height_px);
    }
    *map = d->ColorMap != NULL ? d->ColorMap : s->gif->SColorMap;
    if (*map == NULL) {
        return wy__fail(s->job->diag, WY_ECORRUPT, "GIF: frame %u has no colour map",
                        s->job->emitted + 1);
    }
    return WY_OK;
}

static enum wy_status read_frame(struct gif_state *s)
{
    const ColorMapObject *map;
    /* The header alone: DGifGetImageDesc() would also grow giflib's SavedImages array. */
    if (DGifGetImageHeader(s->gif) == GIF_ERROR) {
        return gif_fail(s, s->gif->Error, "reading a frame header");
    }
    enum wy_status st = check_frame(s, &map);
    if (st != WY_OK) {
        return st;
    }
    const size_t canvas_bytes = (size_t)s->width_px * s->height_px * 4;
    if (s->gcb.DisposalMode == DISPOSE_PREVIOUS) {
        if (s->saved == NULL) {
            s->saved = wy__alloc(s->job->ctx, canvas_bytes);
        }
        if (s->saved == NULL) {
            return WY_ENOMEM;
        }
        memcpy(s->saved, s->canvas, canvas_bytes);
    }
    st = read_lines(s, map);
    if (st == WY_OK) {
        st = emit_canvas(s);
    }
    dispose(s);
    s->pts_ms += (uint64_t)s->gcb.DelayTime * 10;
    gcb_reset(&s->gcb);
    return st;
}

static enum wy_status walk_records(struct gif_state *s)
{
    enum wy_status st = WY_OK;
    while (st == WY_OK && s->more) {
        GifRecordType type;
        if (DGifGetRecordType(s->gif, &type) == GIF_ERROR) {
            return gif_fail(s, s->gif->Error, "reading the next record");
        }
        if (type == IMAGE_DESC_RECORD_TYPE) {
            st = read_frame(s);
        } else if (type == EXTENSION_RECORD_TYPE) {
            st = read_extension(s);
        } else if (type == TERMINATE_RECORD_TYPE) {
            break;
        } else {
            return gif_fail(s, D_GIF_ERR_WRONG_RECORD, "reading the next record");
        }
    }
    return st;
}

static enum wy_status gif_decode(struct wy__decode_job *job)
{
    struct gif_state s;
    memset(&s, 0, sizeof s);
    s.job = job;
    s.more = true;
    gcb_reset(&s.gcb);
    enum wy_status st = open_gif(&s);
    if (st == WY_OK) {
        st = walk_records(&s);
    }
    if (s.gif != NULL) {
        int err;
        (void)DGifCloseFile(s.gif, &err); /* reading from memory: closing cannot fail */
    }
    wy__free(job->ctx, s.line);
    wy__free(job->ctx, s.saved);
    wy__free(job->ctx, s.canvas);
    return st;
}

const struct wy__decoder wy__decoder_gif = {
    .format = WY_FORMAT_GIF,
    .decode = gif_decode,
};
