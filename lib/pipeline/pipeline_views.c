/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline_views.c: extra hashes of parts of a decoded picture (pipeline.h, "views"). PDQ keeps
 * the low frequencies of the whole frame, so a border or a crop moves most of its 256 bits; a
 * view hashes the part that an edited copy shares with its original. Views are sub-images of
 * the decoded picture (no copy) hashed like the picture itself.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <math.h>
#include <string.h>

#include "core/core_int.h"
#include "pipeline/pipeline_int.h"

/* Luminance of one pixel, for finding borders only (integer weights of PDQ's). */
static unsigned luma_at(const struct wy_image *img, uint32_t x, uint32_t y)
{
    const uint8_t *row = img->pixels + (size_t)y * img->stride_bytes;
    switch (img->format) {
    case WY_PIX_GRAY8:
        return row[x];
    case WY_PIX_GRAYA8:
        return row[2 * (size_t)x];
    case WY_PIX_RGB8:
    case WY_PIX_RGBA8: {
        const uint8_t *p = row + (size_t)x * (img->format == WY_PIX_RGB8 ? 3 : 4);
        return (299u * p[0] + 587u * p[1] + 114u * p[2]) / 1000u;
    }
    }
    return 0;
}

/* Is row (or column) `at` plain? With `strict`, every pixel is within 16 of `ref`, the edge's
 * shade (a border of one colour). Otherwise its pixels span at most 40 levels around a shade
 * that backgrounds use: the edge's own, near white or near black. A caption band's background
 * between lines of text is; the sky under it (flat too, but mid-grey in luminance) is not. */
static bool plain_line(const struct wy_image *img, bool row, uint32_t at, bool strict, unsigned ref)
{
    const uint32_t n = row ? img->width_px : img->height_px;
    unsigned lo = 255;
    unsigned hi = 0;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned v = row ? luma_at(img, i, at) : luma_at(img, at, i);
        if (strict && (v + 16 < ref || v > ref + 16)) {
            return false;
        }
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (strict) {
        return true;
    }
    const unsigned mid = (lo + hi) / 2;
    const bool background = mid >= 225 || mid <= 40 || (mid + 16 >= ref && mid <= ref + 16);
    return hi - lo <= 40 && background;
}

/*
 * Depth of the band on one edge (0 if none), at least 2% of the side. Strict: the run of lines
 * of the edge's shade, up to 40% of the side. Otherwise (reach > 0): when the edge line is plain,
 * the band runs to the last plain line within `reach` of the edge, so that lines of text inside
 * a caption band do not end it; a photograph has no plain line.
 */
static uint32_t border_depth(const struct wy_image *img, bool row, bool far, bool strict,
                             uint32_t reach)
{
    const uint32_t side = row ? img->height_px : img->width_px;
    const uint32_t first = far ? side - 1 : 0;
    const unsigned ref =
        row ? luma_at(img, img->width_px / 2, first) : luma_at(img, first, img->height_px / 2);
    uint32_t depth = 0;
    if (strict) {
        while (depth < side * 2 / 5 &&
               plain_line(img, row, far ? first - depth : depth, true, ref)) {
            depth++;
        }
    } else if (plain_line(img, row, first, false, ref)) {
        for (uint32_t i = 0; i < reach && i < side; i++) {
            depth = plain_line(img, row, far ? first - i : i, false, ref) ? i + 1 : depth;
        }
    }
    const uint32_t least = side / 50 > 2 ? side / 50 : 2;
    return depth >= least ? depth + 1 : 0; /* and the line blending band and picture */
}

static struct wy_image sub_image(const struct wy_image *img, uint32_t x0, uint32_t y0, uint32_t w,
                                 uint32_t h)
{
    static const size_t bpp[] = {0, 1, 2, 3, 4};
    struct wy_image v = *img;
    v.pixels = img->pixels + (size_t)y0 * img->stride_bytes + (size_t)x0 * bpp[img->format];
    v.width_px = w;
    v.height_px = h;
    return v;
}

/* Hashes a part of the picture as a view. The decoder may have scaled the picture down from
 * full_w x full_h; the part's full size is scaled alike, so that PDQ's 512 px squash is decided
 * as for the picture. */
static enum wy_status add_view(struct wy__views *v, const struct wy_image *part,
                               enum wy_view_kind kind, struct wy_hash_record *rec)
{
    if (part->width_px < 5 || part->height_px < 5 || rec->view_count == WY_VIEWS_MAX) {
        return WY_OK;
    }
    const uint64_t fw = (uint64_t)part->width_px * v->full_w / v->img->width_px;
    const uint64_t fh = (uint64_t)part->height_px * v->full_h / v->img->height_px;
    struct wy_view *view = &rec->views[rec->view_count];
    view->kind = kind;
    const enum wy_status st =
        wy_pdq_hash_image_as(v->ws, part, fw > part->width_px ? (uint32_t)fw : part->width_px,
                             fh > part->height_px ? (uint32_t)fh : part->height_px, &view->pdq,
                             v->dihedral ? view->dihedral : NULL, &view->quality);
    if (st == WY_OK) {
        rec->view_count++;
    }
    return st;
}

static enum wy_status add_unframed(struct wy__views *v, struct wy_hash_record *rec)
{
    const struct wy_image *img = v->img;
    const uint32_t top = border_depth(img, true, false, true, 0);
    const uint32_t bottom = border_depth(img, true, true, true, 0);
    const uint32_t left = border_depth(img, false, false, true, 0);
    const uint32_t right = border_depth(img, false, true, true, 0);
    if (top + bottom + left + right == 0 || top + bottom >= img->height_px * 4 / 5 ||
        left + right >= img->width_px * 4 / 5) {
        return WY_OK; /* no border, or a picture of one colour */
    }
    const struct wy_image part =
        sub_image(img, left, top, img->width_px - left - right, img->height_px - top - bottom);
    return add_view(v, &part, WY_VIEW_UNFRAMED, rec);
}

/* Bands with text: rows first (a caption above, comments below), then the columns of what is
 * left (a screenshot's side margins run only beside the picture). */
static enum wy_status add_unbanded(struct wy__views *v, struct wy_hash_record *rec)
{
    const struct wy_image *img = v->img;
    const uint32_t reach_rows = img->height_px * 3 / 10;
    const uint32_t top = border_depth(img, true, false, false, reach_rows);
    const uint32_t bottom = border_depth(img, true, true, false, reach_rows);
    if (top + bottom == 0) {
        return WY_OK;
    }
    const struct wy_image rows =
        sub_image(img, 0, top, img->width_px, img->height_px - top - bottom);
    const uint32_t reach_cols = rows.width_px * 3 / 10;
    const uint32_t left = border_depth(&rows, false, false, false, reach_cols);
    const uint32_t right = border_depth(&rows, false, true, false, reach_cols);
    const struct wy_image part =
        sub_image(&rows, left, 0, rows.width_px - left - right, rows.height_px);
    return add_view(v, &part, WY_VIEW_UNBANDED, rec);
}

static enum wy_status add_zooms(struct wy__views *v, struct wy_hash_record *rec)
{
    static const struct {
        enum wy_view_kind kind;
        uint32_t percent;
    } zooms[] = {{WY_VIEW_ZOOM90, 90}, {WY_VIEW_ZOOM80, 80}, {WY_VIEW_ZOOM70, 70}};
    const struct wy_image *img = v->img;
    for (size_t z = 0; z < sizeof zooms / sizeof zooms[0]; z++) {
        const uint32_t w = img->width_px * zooms[z].percent / 100;
        const uint32_t h = img->height_px * zooms[z].percent / 100;
        const struct wy_image part =
            sub_image(img, (img->width_px - w) / 2, (img->height_px - h) / 2, w, h);
        const enum wy_status st = add_view(v, &part, zooms[z].kind, rec);
        if (st != WY_OK) {
            return st;
        }
    }
    return WY_OK;
}

/* Luminance at a real position, bilinear, clamped to the picture. */
static float luma_bilinear(const struct wy_image *img, float x, float y)
{
    const float mx = (float)(img->width_px - 1);
    const float my = (float)(img->height_px - 1);
    x = x < 0 ? 0 : x > mx ? mx : x;
    y = y < 0 ? 0 : y > my ? my : y;
    const uint32_t x0 = (uint32_t)x;
    const uint32_t y0 = (uint32_t)y;
    const uint32_t x1 = x0 + 1 < img->width_px ? x0 + 1 : x0;
    const uint32_t y1 = y0 + 1 < img->height_px ? y0 + 1 : y0;
    const float fx = x - (float)x0;
    const float fy = y - (float)y0;
    const float top = (float)luma_at(img, x0, y0) * (1 - fx) + (float)luma_at(img, x1, y0) * fx;
    const float bottom = (float)luma_at(img, x0, y1) * (1 - fx) + (float)luma_at(img, x1, y1) * fx;
    return top * (1 - fy) + bottom * fy;
}

/*
 * A copy turned by a few degrees (on the same canvas, corners filled) shares nothing with its
 * original for PDQ. Turning the copy back and keeping its centred `percent`, clear of the filled
 * corners, gives what the original's registered centred crop of the same size shows.
 */
static enum wy_status add_turned(struct wy__views *v, double degrees, uint32_t percent,
                                 enum wy_view_kind kind, uint8_t *px, struct wy_hash_record *rec)
{
    const struct wy_image *img = v->img;
    const uint32_t w = img->width_px * percent / 100;
    const uint32_t h = img->height_px * percent / 100;
    if (w < 5 || h < 5) {
        return WY_OK;
    }
    /* Output pixel (x, y) of the turned picture comes from the input turned the other way. */
    const double rad = degrees * 3.14159265358979323846 / 180.0;
    const float c = (float)cos(rad);
    const float s = (float)sin(rad);
    const float cx = (float)img->width_px / 2.0f;
    const float cy = (float)img->height_px / 2.0f;
    const float ox = (float)((img->width_px - w) / 2);
    const float oy = (float)((img->height_px - h) / 2);
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            const float dx = ox + (float)x + 0.5f - cx;
            const float dy = oy + (float)y + 0.5f - cy;
            const float sx = c * dx - s * dy + cx - 0.5f;
            const float sy = s * dx + c * dy + cy - 0.5f;
            px[(size_t)y * w + x] = (uint8_t)(luma_bilinear(img, sx, sy) + 0.5f);
        }
    }
    const struct wy_image part = {w, h, WY_PIX_GRAY8, w, px};
    return add_view(v, &part, kind, rec);
}

static enum wy_status add_turns(struct wy__views *v, struct wy_hash_record *rec)
{
    static const struct {
        double degrees; /* how the copy is turned back: negative is anticlockwise */
        uint32_t percent;
        enum wy_view_kind kind;
    } turns[] = {{5, 80, WY_VIEW_TURNED_CW5},
                 {-5, 80, WY_VIEW_TURNED_CCW5},
                 {10, 70, WY_VIEW_TURNED_CW10},
                 {-10, 70, WY_VIEW_TURNED_CCW10}};
    /* One plane serves every turn: the largest view is 80% of each side. */
    uint8_t *px = wy__alloc(v->ctx, (size_t)v->img->width_px * v->img->height_px);
    if (px == NULL) {
        return WY_ENOMEM;
    }
    enum wy_status st = WY_OK;
    for (size_t t = 0; t < sizeof turns / sizeof turns[0] && st == WY_OK; t++) {
        st = add_turned(v, turns[t].degrees, turns[t].percent, turns[t].kind, px, rec);
    }
    wy__free(v->ctx, px);
    return st;
}

enum wy_status wy__pipeline_views(struct wy__views *v, bool unframe, bool zoom,
                                  struct wy_hash_record *rec)
{
    enum wy_status st = unframe ? add_unframed(v, rec) : WY_OK;
    if (st == WY_OK && unframe) {
        st = add_unbanded(v, rec);
    }
    if (st == WY_OK && unframe) {
        st = add_turns(v, rec);
    }
    if (st == WY_OK && zoom) {
        st = add_zooms(v, rec);
    }
    return st;
}
