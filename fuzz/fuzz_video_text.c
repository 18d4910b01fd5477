/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_video_text.c: libFuzzer target for video fingerprints as text: every input is read both
 * as a vPDQ hash file (wy_codec_vpdq_parse) and as one video JSON line
 * (wy_codec_video_json_parse), and whatever either accepts goes through every writer.
 *
 * Invariants:
 * - the readers return only their documented statuses, and on failure leave their outputs
 *   untouched; a vPDQ failure names its line ("line N: ...") or says "no frames";
 * - an accepted fingerprint has 1..WY_CODEC_VIDEO_MAX_FRAMES frames in time order, frame
 *   numbers increasing, qualities 0..100, and for vPDQ end_ms = start_ms and duration_ms equal to
 *   the last time;
 * - writer -> reader is the identity: vPDQ text reads back to the same frames (JSON's end_ms
 *   aside) and writes the same text again; a JSON line reads back to the same fingerprint and
 *   path and writes the same line again;
 * - the TSV summary is one line of 7 tab-separated columns.
 */
#include "fuzz_common.h"

#include <string.h>

static void check_frames(const struct wy_video_fp *fp)
{
    FUZZ_CHECK(fp->count >= 1 && fp->count <= WY_CODEC_VIDEO_MAX_FRAMES);
    FUZZ_CHECK(fp->frames != NULL && fp->dihedral == NULL);
    for (size_t i = 0; i < fp->count; i++) {
        const struct wy_video_frame *f = &fp->frames[i];
        FUZZ_CHECK(f->quality >= 0 && f->quality <= 100);
        FUZZ_CHECK(f->start_ms >= 0 && f->end_ms >= f->start_ms);
        FUZZ_CHECK(f->end_ms < WY_CODEC_VIDEO_MAX_MS && f->frame_no >= 0);
        FUZZ_CHECK(i == 0 || (f->start_ms >= f[-1].end_ms && f->frame_no > f[-1].frame_no));
    }
}

/* a and b hold the same frames; end_ms is compared only when `ends`. */
static void check_same_frames(const struct wy_video_fp *a, const struct wy_video_fp *b, bool ends)
{
    FUZZ_CHECK(a->count == b->count);
    for (size_t i = 0; i < a->count; i++) {
        const struct wy_video_frame *x = &a->frames[i];
        const struct wy_video_frame *y = &b->frames[i];
        FUZZ_CHECK(memcmp(&x->pdq, &y->pdq, sizeof x->pdq) == 0);
        FUZZ_CHECK(x->quality == y->quality && x->frame_no == y->frame_no);
        FUZZ_CHECK(x->start_ms == y->start_ms && (!ends || x->end_ms == y->end_ms));
    }
}

static void check_tsv(const struct wy_video_fp *fp, const char *path)
{
    struct wy_ctx *ctx = fuzz_ctx();
    char *line = NULL;
    FUZZ_CHECK(wy_codec_video_tsv(ctx, fp, path, &line) == WY_OK);
    const size_t len = strlen(line);
    FUZZ_CHECK(len > 0 && line[len - 1] == '\n' && memchr(line, '\n', len - 1) == NULL);
    size_t tabs = 0;
    for (size_t i = 0; i < len; i++) {
        tabs += line[i] == '\t';
    }
    FUZZ_CHECK(tabs == 6);
    wy_free(ctx, line);
}

/* fp (with path) -> JSON line -> fingerprint: the same, and the same line again. */
static void check_json_round_trip(const struct wy_video_fp *fp, const char *path)
{
    struct wy_ctx *ctx = fuzz_ctx();
    char *line = NULL;
    FUZZ_CHECK(wy_codec_video_json(ctx, fp, path, &line) == WY_OK);
    struct wy_video_fp back;
    char *back_path = NULL;
    struct wy_diag diag;
    FUZZ_CHECK(wy_codec_video_json_parse(ctx, line, strlen(line), &back, &back_path, &diag) ==
               WY_OK);
    FUZZ_CHECK(strcmp(back_path, path) == 0);
    check_same_frames(&back, fp, true);
    FUZZ_CHECK(back.duration_ms == fp->duration_ms && back.frame_rate == fp->frame_rate);
    FUZZ_CHECK(back.width_px == fp->width_px && back.height_px == fp->height_px);
    FUZZ_CHECK(strcmp(back.codec, fp->codec) == 0 && back.truncated == fp->truncated);
    FUZZ_CHECK(memcmp(&back.digest, &fp->digest, sizeof fp->digest) == 0);
    char *again = NULL;
    FUZZ_CHECK(wy_codec_video_json(ctx, &back, back_path, &again) == WY_OK);
    FUZZ_CHECK(strcmp(again, line) == 0);
    wy_free(ctx, again);
    wy_free(ctx, back_path);
    wy_free(ctx, back.frames);
    wy_free(ctx, line);
}

/* fp -> vPDQ text -> fingerprint: the same frames (at their start), and the same text again. */
static void check_vpdq_round_trip(const struct wy_video_fp *fp)
{
    struct wy_ctx *ctx = fuzz_ctx();
    char *text = NULL;
    size_t len = 0;
    FUZZ_CHECK(wy_codec_vpdq_write(ctx, fp, &text, &len) == WY_OK);
    FUZZ_CHECK(len == strlen(text) && len > 0 && text[len - 1] == '\n');
    struct wy_video_fp back;
    struct wy_diag diag;
    FUZZ_CHECK(wy_codec_vpdq_parse(ctx, text, len, &back, &diag) == WY_OK);
    check_same_frames(&back, fp, false);
    char *again = NULL;
    FUZZ_CHECK(wy_codec_vpdq_write(ctx, &back, &again, NULL) == WY_OK);
    FUZZ_CHECK(strcmp(again, text) == 0);
    wy_free(ctx, again);
    wy_free(ctx, back.frames);
    wy_free(ctx, text);
}

static void fuzz_vpdq(const uint8_t *data, size_t size)
{
    struct wy_video_fp fp;
    memset(&fp, 0xa5, sizeof fp);
    const struct wy_video_fp untouched = fp;
    struct wy_diag diag;
    const enum wy_status st = wy_codec_vpdq_parse(fuzz_ctx(), (const char *)data, size, &fp, &diag);
    FUZZ_CHECK(st == WY_OK || st == WY_EPARSE || st == WY_EEMPTY || st == WY_ETOOBIG);
    if (st != WY_OK) {
        FUZZ_CHECK(memcmp(&fp, &untouched, sizeof fp) == 0);
        FUZZ_CHECK(strncmp(diag.msg, st == WY_EEMPTY ? "no frames" : "line ", 5) == 0);
        return;
    }
    check_frames(&fp);
    for (size_t i = 0; i < fp.count; i++) {
        FUZZ_CHECK(fp.frames[i].end_ms == fp.frames[i].start_ms);
    }
    FUZZ_CHECK(fp.duration_ms == fp.frames[fp.count - 1].start_ms);
    check_vpdq_round_trip(&fp);
    check_json_round_trip(&fp, "clip.mp4");
    check_tsv(&fp, "clip.mp4");
    wy_free(fuzz_ctx(), fp.frames);
}

static void fuzz_json(const uint8_t *data, size_t size)
{
    struct wy_video_fp fp;
    memset(&fp, 0xa5, sizeof fp);
    const struct wy_video_fp untouched = fp;
    char *path = NULL;
    struct wy_diag diag;
    const enum wy_status st =
        wy_codec_video_json_parse(fuzz_ctx(), (const char *)data, size, &fp, &path, &diag);
    FUZZ_CHECK(st == WY_OK || st == WY_EPARSE || st == WY_ETOOBIG);
    if (st != WY_OK) {
        FUZZ_CHECK(memcmp(&fp, &untouched, sizeof fp) == 0 && path == NULL);
        FUZZ_CHECK(diag.msg[0] != '\0');
        return;
    }
    check_frames(&fp);
    FUZZ_CHECK(path[0] != '\0');
    check_json_round_trip(&fp, path);
    check_vpdq_round_trip(&fp);
    check_tsv(&fp, path);
    wy_free(fuzz_ctx(), path);
    wy_free(fuzz_ctx(), fp.frames);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_vpdq(data, size);
    fuzz_json(data, size);
    return 0;
}
