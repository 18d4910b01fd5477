/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline_image.c: one image file to its fingerprints. This is the only module that composes
 * decoding, PDQ and digests; decoders and PDQ know nothing of each other.
 *
 * Fast mode asks the decoder for the smallest image whose sides are at least
 * WY_HASHER_FAST_TARGET_PX and for luminance only, because PDQ keeps only a 64x64 low-pass of the
 * luminance; full mode decodes every pixel as the reference does.
 */
#include "wy_setup.h"

#include <string.h>

#include "core/core_int.h"
#include "pipeline/pipeline_int.h"
#include "withyou/pipeline.h"

struct wy_hasher {
    struct wy_ctx *ctx;
    struct wy_hasher_opts opts;
    struct wy_decode_opts decode; /* opts.decode with the fast-mode fields applied */
    struct wy_pdq_ws *ws;
};

void wy_hasher_opts_init(struct wy_hasher_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    wy_decode_opts_init(&opts->decode);
    wy_video_opts_init(&opts->video);
}

enum wy_status wy_hasher_new(struct wy_ctx *ctx, const struct wy_hasher_opts *opts,
                             struct wy_hasher **out)
{
    struct wy_hasher *h = wy__calloc(ctx, 1, sizeof *h);
    if (h == NULL) {
        return WY_ENOMEM;
    }
    h->ctx = ctx;
    if (opts != NULL) {
        h->opts = *opts;
    } else {
        wy_hasher_opts_init(&h->opts);
    }
    h->decode = h->opts.decode;
    if (!h->opts.full_decode) {
        h->decode.target_px =
            h->opts.fast_size_px > 0 ? h->opts.fast_size_px : WY_HASHER_FAST_TARGET_PX;
        h->decode.luma_only = true;
    }
    const enum wy_status st = wy_pdq_ws_new(ctx, &h->ws);
    if (st != WY_OK) {
        wy__free(ctx, h);
        return st;
    }
    *out = h;
    return WY_OK;
}

void wy_hasher_free(struct wy_hasher *hasher)
{
    if (hasher == NULL) {
        return;
    }
    wy_pdq_ws_free(hasher->ws);
    wy__free(hasher->ctx, hasher);
}

enum wy_status wy_hasher_hash_memory(struct wy_hasher *h, struct wy_bytes data,
                                     struct wy_hash_record *rec, struct wy_diag *diag)
{
    memset(rec, 0, sizeof *rec);
    rec->file_bytes = data.len;
    const uint64_t t0 = wy__now_ns();
    enum wy_status st = wy_digest_bytes(data, &rec->digest);
    if (st != WY_OK) {
        return wy__fail(diag, st, "digest failed");
    }
    const uint64_t t1 = wy__now_ns();
    struct wy_image *img = NULL;
    st = wy_decode_memory(h->ctx, data, &h->decode, &img, &rec->info, diag);
    if (st != WY_OK) {
        return st;
    }
    const uint64_t t2 = wy__now_ns();
    /* info holds the displayed full size; the image may be a DCT-scaled copy of it. */
    st = wy_pdq_hash_image_as(h->ws, img, rec->info.width_px, rec->info.height_px, &rec->pdq,
                              h->opts.dihedral ? rec->dihedral : NULL, &rec->quality);
    if (st == WY_OK && (h->opts.unframe || h->opts.zoom)) {
        struct wy__views v = {h->ctx,          h->ws, img, rec->info.width_px, rec->info.height_px,
                              h->opts.dihedral};
        st = wy__pipeline_views(&v, h->opts.unframe, h->opts.zoom, rec);
    }
    const uint64_t t3 = wy__now_ns();
    wy_image_free(h->ctx, img);
    rec->read_ns += t1 - t0;
    rec->decode_ns = t2 - t1;
    rec->hash_ns = t3 - t2;
    return st;
}

enum wy_status wy_hasher_hash_file(struct wy_hasher *h, const char *path,
                                   struct wy_hash_record *rec, struct wy_diag *diag)
{
    struct wy_bytes data = {NULL, 0};
    const uint64_t t0 = wy__now_ns();
    wy_diag_clear(diag);
    enum wy_status st = wy_file_read(h->ctx, path, h->decode.max_file_bytes, &data, diag);
    if (st != WY_OK) {
        memset(rec, 0, sizeof *rec);
        return st;
    }
    const uint64_t t1 = wy__now_ns();
    st = wy_hasher_hash_memory(h, data, rec, diag);
    rec->read_ns += t1 - t0;
    wy__free(h->ctx, (void *)data.ptr);
    return st;
}

enum wy_status wy_hasher_hash_media(struct wy_hasher *h, const char *path,
                                    struct wy_media_record *rec, struct wy_diag *diag)
{
    memset(rec, 0, sizeof *rec);
    wy_diag_clear(diag);
    uint8_t head[1024];
    size_t head_len = 0;
    if (h->opts.videos) {
        const enum wy_status st = wy__file_head(path, head, sizeof head, &head_len, diag);
        if (st != WY_OK) {
            return st;
        }
    }
    if (!h->opts.videos || !wy_video_sniff(head, head_len)) {
        return wy_hasher_hash_file(h, path, &rec->image, diag);
    }
    struct wy_video_opts vopts = h->opts.video;
    vopts.dihedral = h->opts.dihedral;
    rec->is_video = true;
    return wy_video_hash_file(h->ctx, path, &vopts, &rec->video, diag);
}
