/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_codec_video.c: video fingerprints as text (lib/codec/codec_video.c): the exact vPDQ, JSON
 * and TSV text of a small hand-built fingerprint, so that the formats are pinned; round trips;
 * the forms of vPDQ time older vpdq releases wrote; every kind of line or field the readers
 * refuse, with its line number; what the writers refuse; and allocation failures.
 */
#include "wy_setup.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#define HEX_SEQ "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_FF "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define HEX_00 "0000000000000000000000000000000000000000000000000000000000000000"
#define SHA_AB "abababababababababababababababababababababababababababababababab"
#define MD5_CD "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

/* Three samples: the second stands for a collapsed run from 1 s to 2.999 s. */
static struct wy_video_frame sample_frames[3];

static void fill_fp(struct wy_video_fp *fp)
{
    memset(fp, 0, sizeof *fp);
    memset(sample_frames, 0, sizeof sample_frames);
    for (int i = 0; i < WY_PDQ_BYTES; i++) {
        sample_frames[0].pdq.bytes[i] = (uint8_t)i;
    }
    memset(sample_frames[1].pdq.bytes, 0xff, WY_PDQ_BYTES);
    sample_frames[0] = (struct wy_video_frame){sample_frames[0].pdq, 87, 0, 0, 0};
    sample_frames[1] = (struct wy_video_frame){sample_frames[1].pdq, 100, 1000, 2999, 30};
    sample_frames[2] = (struct wy_video_frame){sample_frames[2].pdq, 100, 3000, 3000, 90};
    fp->frames = sample_frames;
    fp->count = 3;
    fp->duration_ms = 3500;
    fp->width_px = 640;
    fp->height_px = 360;
    fp->frame_rate = 30000.0 / 1001.0;
    snprintf(fp->codec, sizeof fp->codec, "h264");
    memset(fp->digest.sha256, 0xab, WY_SHA256_BYTES);
    memset(fp->digest.md5, 0xcd, WY_MD5_BYTES);
}

static const char sample_vpdq[] = "0,87," HEX_SEQ ",0.000\n"
                                  "30,100," HEX_FF ",1.000\n"
                                  "90,100," HEX_00 ",3.000\n";

static const char sample_json[] =
    "{\"kind\":\"video\",\"path\":\"clips/a.mp4\",\"sha256\":\"" SHA_AB "\",\"md5\":\"" MD5_CD
    "\",\"width\":640,\"height\":360,\"duration\":3.500,\"frame_rate\":29.97002997002997,"
    "\"codec\":\"h264\",\"truncated\":false,\"frames\":["
    "{\"t\":0.000,\"end\":0.000,\"frame\":0,\"pdq\":\"" HEX_SEQ "\",\"quality\":87},"
    "{\"t\":1.000,\"end\":2.999,\"frame\":30,\"pdq\":\"" HEX_FF "\",\"quality\":100},"
    "{\"t\":3.000,\"end\":3.000,\"frame\":90,\"pdq\":\"" HEX_00 "\",\"quality\":100}]}\n";

static void assert_frames_equal(const struct wy_video_frame *a, const struct wy_video_frame *b,
                                size_t count, bool ends)
{
    for (size_t i = 0; i < count; i++) {
        assert_memory_equal(a[i].pdq.bytes, b[i].pdq.bytes, WY_PDQ_BYTES);
        assert_int_equal(a[i].quality, b[i].quality);
        assert_int_equal(a[i].start_ms, b[i].start_ms);
        assert_int_equal(a[i].end_ms, ends ? b[i].end_ms : b[i].start_ms);
        assert_int_equal(a[i].frame_no, b[i].frame_no);
    }
}

/* ---- vPDQ ---- */

static void test_vpdq_exact(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_fp fp;
    fill_fp(&fp);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(wy_codec_vpdq_write(ctx, &fp, &text, &len), WY_OK);
    assert_string_equal(text, sample_vpdq);
    assert_int_equal(len, strlen(sample_vpdq));
    wy_free(ctx, text);
}

static void test_vpdq_round_trip(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_fp fp;
    fill_fp(&fp);
    struct wy_video_fp back;
    struct wy_diag diag;
    assert_int_equal(wy_codec_vpdq_parse(ctx, sample_vpdq, strlen(sample_vpdq), &back, &diag),
                     WY_OK);
    assert_int_equal(back.count, 3);
    assert_frames_equal(back.frames, fp.frames, 3, false);
    assert_int_equal(back.duration_ms, 3000);
    assert_int_equal(back.width_px, 0);
    assert_int_equal(back.height_px, 0);
    assert_true(back.frame_rate == 0.0);
    assert_string_equal(back.codec, "");
    assert_null(back.dihedral);
    assert_false(back.truncated);
    const struct wy_digest zero = {{0}, {0}};
    assert_memory_equal(&back.digest, &zero, sizeof zero);
    char *text = NULL;
    assert_int_equal(wy_codec_vpdq_write(ctx, &back, &text, NULL), WY_OK);
    assert_string_equal(text, sample_vpdq);
    wy_free(ctx, text);
    wy_free(ctx, back.frames);
}

/* Parses text that must be accepted and checks the times of its frames. */
static void expect_times(struct wy_ctx *ctx, const char *text, const int64_t *ms, size_t count)
{
    struct wy_video_fp fp;
    struct wy_diag diag;
    const enum wy_status st = wy_codec_vpdq_parse(ctx, text, strlen(text), &fp, &diag);
    if (st != WY_OK) {
        fail_msg("%s: \"%s\" for \"%.200s\"", wy_status_name(st), diag.msg, text);
    }
    assert_int_equal(fp.count, count);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(fp.frames[i].start_ms, ms[i]);
        assert_int_equal(fp.frames[i].end_ms, ms[i]);
    }
    assert_int_equal(fp.duration_ms, ms[count - 1]);
    wy_free(ctx, fp.frames);
}

static void test_vpdq_forms(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* CRLF, upper-case hex, blank lines at the end; times as older vpdq releases wrote them
     * (three significant digits, exponents) and equal times, which those could produce. */
    static const char old[] =
        "0,100,"
        "E42926B9CB58D261383B699F0FF2E1076FE6183DFF4986D82CA36DA48034FC54,0\r\n"
        "1,99," HEX_SEQ ",0.0319\r\n"
        "2,99," HEX_SEQ ",0.0319\r\n"
        "3,99," HEX_SEQ ",1.02e+03\n"
        "4,99," HEX_SEQ ",1.0205E3\n"
        "\r\n\n";
    const int64_t old_ms[] = {0, 32, 32, 1020000, 1020500};
    expect_times(ctx, old, old_ms, 5);
    /* Rounding half up on the digits, leading zeros, negative exponents, the largest time. */
    static const char rounding[] = "1,0," HEX_00 ",0.0004999\n"
                                   "2,0," HEX_00 ",4.9e-4\n"
                                   "3,0," HEX_00 ",0.0005\n"
                                   "4,0," HEX_00 ",5e-4\n"
                                   "5,0," HEX_00 ",12\n"
                                   "6,0," HEX_00 ",00012.5\n"
                                   "9223372036854775807,100," HEX_00 ",999999999.999";
    const int64_t rounding_ms[] = {0, 0, 1, 1, 12000, 12500, 999999999999};
    expect_times(ctx, rounding, rounding_ms, 7);
}

struct bad_case {
    const char *text;
    enum wy_status want;
    const char *why; /* the start of the diag's message */
};

#define L0 "0,87," HEX_SEQ ",0.000\n"
#define L1 "1,87," HEX_SEQ ",1.000\n"

static const struct bad_case vpdq_bad[] = {
    {"", WY_EEMPTY, "no frames"},
    {"\n\r\n", WY_EEMPTY, "no frames"},
    {"frame,quality,pdq,timestamp\n" L0, WY_EPARSE, "line 1: the frame number"},
    {L0 "1,87,000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1,1.000\n", WY_EPARSE,
     "line 2: the PDQ hash"},
    {L0 "1,87," HEX_SEQ "0,1.000\n", WY_EPARSE, "line 2: the PDQ hash"},
    {L0 "1,87,g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f,1.000\n", WY_EPARSE,
     "line 2: the PDQ hash"},
    {L0 "1,87," HEX_SEQ " ,1.000\n", WY_EPARSE, "line 2: the PDQ hash"},
    {L0 "1,101," HEX_SEQ ",1.000\n", WY_EPARSE, "line 2: the quality"},
    {L0 "1,-1," HEX_SEQ ",1.000\n", WY_EPARSE, "line 2: the quality"},
    {L0 "1,," HEX_SEQ ",1.000\n", WY_EPARSE, "line 2: the quality"},
    {L0 "-1,87," HEX_SEQ ",1.000\n", WY_EPARSE, "line 2: the frame number"},
    {L0 "9223372036854775808,87," HEX_SEQ ",1.000\n", WY_EPARSE, "line 2: the frame number"},
    {L0 "1,87," HEX_SEQ ",nan\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",inf\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",-1.000\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",+1.000\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",1.\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",.5\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",1e\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",1e1000\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",0x1p3\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",1.5.2\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",1.000 \n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",1000000000\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",999999999.9995\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",1e9\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ "\n", WY_EPARSE, "line 2: not 4 comma-separated fields"},
    {L0 "1,87," HEX_SEQ ",1.000,x\n", WY_EPARSE, "line 2: not 4 comma-separated fields"},
    {L0 "1;87;" HEX_SEQ ";1.000\n", WY_EPARSE, "line 2: not 4 comma-separated fields"},
    {L0 L1 "1,87," HEX_SEQ ",2.000\n", WY_EPARSE, "line 3: the frame number does not increase"},
    {L0 L1 "0,87," HEX_SEQ ",2.000\n", WY_EPARSE, "line 3: the frame number does not increase"},
    {L0 L1 "2,87," HEX_SEQ ",0.999\n", WY_EPARSE, "line 3: the time goes backwards"},
    {L0 "\n" L1, WY_EPARSE, "line 3: a frame after a blank line"},
    {L0 "\r\n" L1, WY_EPARSE, "line 3: a frame after a blank line"},
    {L0 "1,87," HEX_SEQ ",1.000\r\r\n", WY_EPARSE, "line 2: the time"},
    {L0 "1,87," HEX_SEQ ",1.0000000000000000000000000000000000000000000000000000000000000000"
        "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000\n",
     WY_EPARSE, "line 2: longer than any vPDQ line"},
};

static void test_vpdq_bad(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    for (size_t i = 0; i < sizeof vpdq_bad / sizeof vpdq_bad[0]; i++) {
        const struct bad_case *c = &vpdq_bad[i];
        struct wy_video_fp fp;
        memset(&fp, 0x5a, sizeof fp);
        struct wy_diag diag;
        const enum wy_status st = wy_codec_vpdq_parse(ctx, c->text, strlen(c->text), &fp, &diag);
        if (st != c->want || strncmp(diag.msg, c->why, strlen(c->why)) != 0) {
            fail_msg("case %zu: %s \"%s\", expected %s \"%s\"", i, wy_status_name(st), diag.msg,
                     wy_status_name(c->want), c->why);
        }
        assert_int_equal(((const uint8_t *)&fp)[0], 0x5a);
    }
    /* The diag's offset is the bad line's first byte. */
    struct wy_video_fp fp;
    struct wy_diag diag;
    const char text[] = L0 L1 "1,87," HEX_SEQ ",2.000\n";
    assert_int_equal(wy_codec_vpdq_parse(ctx, text, strlen(text), &fp, &diag), WY_EPARSE);
    assert_int_equal(diag.offset, strlen(L0 L1));
}

static void test_vpdq_too_many_lines(void **state)
{
    (void)state;
    /* Refused from the line count alone, before any allocation. */
    const size_t n = WY_CODEC_VIDEO_MAX_FRAMES + 1;
    char *text = malloc(n);
    assert_non_null(text);
    memset(text, '\n', n);
    struct tsup_alloc a;
    struct wy_ctx *ctx = tsup_ctx_new(&a);
    a.total_allocs = 0;
    struct wy_video_fp fp;
    struct wy_diag diag;
    assert_int_equal(wy_codec_vpdq_parse(ctx, text, n, &fp, &diag), WY_ETOOBIG);
    assert_string_equal(diag.msg, "line 10000001: more than 10000000 lines");
    assert_int_equal(a.total_allocs, 0);
    tsup_ctx_free_checked(ctx, &a);
    free(text);
}

/* ---- JSON ---- */

static void test_json_exact(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_fp fp;
    fill_fp(&fp);
    char *line = NULL;
    assert_int_equal(wy_codec_video_json(ctx, &fp, "clips/a.mp4", &line), WY_OK);
    assert_string_equal(line, sample_json);
    wy_free(ctx, line);
    /* A path that is not UTF-8 keeps its bytes in path_hex; a round frame rate stays short. */
    fp.frame_rate = 25.0;
    fp.truncated = true;
    fp.count = 1;
    assert_int_equal(wy_codec_video_json(ctx, &fp, "caf\xe9.mp4", &line), WY_OK);
    assert_non_null(strstr(line, "{\"kind\":\"video\",\"path\":\"caf\xef\xbf\xbd.mp4\","
                                 "\"path_hex\":\"636166e92e6d7034\",\"sha256\":"));
    assert_non_null(strstr(line, "\"frame_rate\":25.0,\"codec\":\"h264\",\"truncated\":true,"));
    wy_free(ctx, line);
}

static void round_trip_json(struct wy_ctx *ctx, const struct wy_video_fp *fp, const char *path)
{
    char *line = NULL;
    assert_int_equal(wy_codec_video_json(ctx, fp, path, &line), WY_OK);
    struct wy_video_fp back;
    char *back_path = NULL;
    struct wy_diag diag;
    const enum wy_status st =
        wy_codec_video_json_parse(ctx, line, strlen(line), &back, &back_path, &diag);
    if (st != WY_OK) {
        fail_msg("%s: \"%s\" for \"%.300s\"", wy_status_name(st), diag.msg, line);
    }
    assert_string_equal(back_path, path);
    assert_int_equal(back.count, fp->count);
    assert_frames_equal(back.frames, fp->frames, fp->count, true);
    assert_int_equal(back.duration_ms, fp->duration_ms);
    assert_int_equal(back.width_px, fp->width_px);
    assert_int_equal(back.height_px, fp->height_px);
    assert_true(back.frame_rate == fp->frame_rate);
    assert_string_equal(back.codec, fp->codec);
    assert_memory_equal(&back.digest, &fp->digest, sizeof fp->digest);
    assert_int_equal(back.truncated, fp->truncated);
    assert_null(back.dihedral);
    char *again = NULL;
    assert_int_equal(wy_codec_video_json(ctx, &back, back_path, &again), WY_OK);
    assert_string_equal(again, line);
    wy_free(ctx, again);
    wy_free(ctx, line);
    wy_free(ctx, back_path);
    wy_free(ctx, back.frames);
}

static void test_json_round_trip(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_fp fp;
    fill_fp(&fp);
    static const char *const paths[] = {"clips/a.mp4", "a\tb\nc\\d\"e.mkv", "caf\xe9/\xc0\xaf.mp4",
                                        "vid\xc3\xa9o.webm"};
    static const double rates[] = {0.0,    25.0,      30000.0 / 1001.0, 24000.0 / 1001.0,
                                   1e-300, 123456.789};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        round_trip_json(ctx, &fp, paths[i]);
    }
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        fp.frame_rate = rates[i];
        round_trip_json(ctx, &fp, "x");
    }
    /* Extremes: the largest time, frame number and size; an empty codec; truncated. */
    sample_frames[2].start_ms = WY_CODEC_VIDEO_MAX_MS - 1;
    sample_frames[2].end_ms = WY_CODEC_VIDEO_MAX_MS - 1;
    sample_frames[2].frame_no = INT64_MAX;
    fp.duration_ms = WY_CODEC_VIDEO_MAX_MS - 1;
    fp.width_px = UINT32_MAX;
    fp.codec[0] = '\0';
    fp.truncated = true;
    round_trip_json(ctx, &fp, "x");
}

/* A copy of `s` with the first `from` replaced by `to` (plain malloc). */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    if (at == NULL) {
        fail_msg("\"%s\" not found", from);
    }
    const size_t head = (size_t)(at - s);
    char *out = malloc(strlen(s) + strlen(to) + 1);
    assert_non_null(out);
    memcpy(out, s, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

struct json_bad {
    const char *from;
    const char *to;
    enum wy_status want;
    const char *why; /* the start of the diag's message */
};

static const struct json_bad json_bad[] = {
    {"{\"kind\":\"video\"", "{\"kind\":\"image\"", WY_EPARSE, "\"kind\" is not"},
    {"{\"kind\":\"video\",", "{", WY_EPARSE, "\"kind\" is not"},
    {"\"width\":640", "\"Width\":640", WY_EPARSE, "unknown field \"Width\""},
    {"\"width\":640", "\"width\":640,\"width\":640", WY_EPARSE, "JSON: duplicate"},
    {"\"width\":640", "\"width\":-1", WY_EPARSE, "\"width\" and \"height\""},
    {"\"height\":360", "\"height\":4294967296", WY_EPARSE, "\"width\" and \"height\""},
    {"\"width\":640", "\"width\":640.0", WY_EPARSE, "\"width\" and \"height\""},
    {"\"sha256\":\"ab", "\"sha256\":\"", WY_EPARSE, "\"sha256\" or \"md5\""},
    {"\"md5\":\"cd", "\"md5\":\"xd", WY_EPARSE, "\"sha256\" or \"md5\""},
    {"\"duration\":3.500", "\"duration\":-0.001", WY_EPARSE, "\"duration\""},
    {"\"duration\":3.500", "\"duration\":\"3.5\"", WY_EPARSE, "\"duration\""},
    {"\"duration\":3.500", "\"duration\":1e9", WY_EPARSE, "\"duration\""},
    {"\"frame_rate\":29.97002997002997", "\"frame_rate\":-1", WY_EPARSE, "\"frame_rate\""},
    {"\"frame_rate\":29.97002997002997", "\"frame_rate\":null", WY_EPARSE, "\"frame_rate\""},
    {"\"frame_rate\":29.97002997002997", "\"frame_rate\":1e999", WY_EPARSE, "JSON: real"},
    {"\"codec\":\"h264\"", "\"codec\":\"0123456789abcdef0123456789abcdef\"", WY_EPARSE,
     "\"codec\""},
    {"\"codec\":\"h264\"", "\"codec\":264", WY_EPARSE, "\"codec\""},
    {"\"codec\":\"h264\"", "\"codec\":\"h\\u0000\"", WY_EPARSE, "JSON: "},
    {"\"truncated\":false", "\"truncated\":0", WY_EPARSE, "\"truncated\""},
    {"\"path\":\"clips/a.mp4\"", "\"path\":\"\"", WY_EPARSE, "the path is empty"},
    {"\"path\":\"clips/a.mp4\"", "\"path\":7", WY_EPARSE, "\"path\""},
    {"\"path\":\"clips/a.mp4\"", "\"path\":\"a\",\"path_hex\":\"616\"", WY_EPARSE,
     "the path is empty"},
    {"\"path\":\"clips/a.mp4\"", "\"path\":\"a\",\"path_hex\":\"610062\"", WY_EPARSE,
     "the path is empty"},
    {"\"path\":\"clips/a.mp4\"", "\"path\":\"a\",\"path_hex\":\"zz\"", WY_EPARSE,
     "the path is empty"},
    {"\"frames\":[", "\"frames\":{},\"x\":[", WY_EPARSE, "unknown field \"x\""},
    {"\"frames\":[", "\"frames\":[],\"frame\":[", WY_EPARSE, "unknown field"},
    {"{\"t\":0.000,", "[{\"t\":0.000,", WY_EPARSE, "JSON nested deeper"},
    {"{\"t\":0.000,", "7,{\"t\":0.000,", WY_EPARSE, "\"frames\"[0]: not an object"},
    {"{\"t\":0.000,", "{\"t\":0.000,\"x\":1,", WY_EPARSE, "\"frames\"[0]: a key other than"},
    {"{\"t\":0.000,", "{\"t\":-0.001,", WY_EPARSE, "\"frames\"[0]: \"t\" or \"end\""},
    {"{\"t\":0.000,", "{\"t\":false,", WY_EPARSE, "\"frames\"[0]: \"t\" or \"end\""},
    {"\"end\":0.000", "\"end\":null", WY_EPARSE, "\"frames\"[0]: \"t\" or \"end\""},
    {"\"t\":1.000,\"end\":2.999", "\"t\":1.000,\"end\":0.999", WY_EPARSE,
     "\"frames\"[1]: \"end\" is before \"t\""},
    {"\"t\":3.000,", "\"t\":2.998,", WY_EPARSE, "\"frames\"[2]: \"t\" is before the previous"},
    {"\"frame\":90,", "\"frame\":30,", WY_EPARSE, "\"frames\"[2]: the frame number does not"},
    {"\"frame\":90,", "\"frame\":-90,", WY_EPARSE, "\"frames\"[2]: \"frame\""},
    {"\"frame\":90,", "\"frame\":90.5,", WY_EPARSE, "\"frames\"[2]: \"frame\""},
    {"\"quality\":87", "\"quality\":101", WY_EPARSE, "\"frames\"[0]: \"quality\""},
    {"\"quality\":87", "\"quality\":\"87\"", WY_EPARSE, "\"frames\"[0]: \"quality\""},
    {"\"pdq\":\"00", "\"pdq\":\"0", WY_EPARSE, "\"frames\"[0]: \"pdq\""},
    {"\"quality\":100}]}", "\"quality\":100}]}\n{}", WY_EPARSE, "more than one line"},
    {"{\"kind\"", "[{\"kind\"", WY_EPARSE, "JSON nested deeper"},
    {"{\"kind\"", "{\"x\":[[[]]],\"kind\"", WY_EPARSE, "JSON nested deeper"},
    {"{\"kind\"", "\"kind\"", WY_EPARSE, "JSON: "},
};

static void test_json_bad(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    for (size_t i = 0; i < sizeof json_bad / sizeof json_bad[0]; i++) {
        const struct json_bad *c = &json_bad[i];
        char *line = replace(sample_json, c->from, c->to);
        struct wy_video_fp fp;
        memset(&fp, 0x5a, sizeof fp);
        char *path = (char *)"untouched";
        struct wy_diag diag;
        const enum wy_status st =
            wy_codec_video_json_parse(ctx, line, strlen(line), &fp, &path, &diag);
        if (st != c->want || strncmp(diag.msg, c->why, strlen(c->why)) != 0) {
            fail_msg("case %zu: %s \"%s\", expected %s \"%s\"", i, wy_status_name(st), diag.msg,
                     wy_status_name(c->want), c->why);
        }
        assert_int_equal(((const uint8_t *)&fp)[0], 0x5a);
        assert_string_equal(path, "untouched");
        free(line);
    }
    /* No frames at all. */
    char empty[sizeof sample_json + 16];
    const char *frames = strstr(sample_json, "\"frames\":[");
    snprintf(empty, sizeof empty, "%.*s\"frames\":[]}", (int)(frames - sample_json), sample_json);
    struct wy_video_fp fp;
    char *path = NULL;
    struct wy_diag diag;
    assert_int_equal(wy_codec_video_json_parse(ctx, empty, strlen(empty), &fp, &path, &diag),
                     WY_EPARSE);
    assert_string_equal(diag.msg, "\"frames\" is not an array of 1 to 10000000 frames");
    assert_null(path);
}

static void test_json_line_endings_and_cap(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    /* CRLF and a missing line ending are both fine; upper-case hex too. */
    char *crlf = replace(sample_json, "]}\n", "]}\r\n");
    char *bare = replace(crlf, "]}\r\n", "]}");
    char *upper =
        replace(bare, SHA_AB, "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB");
    const char *const ok[] = {crlf, bare, upper};
    for (size_t i = 0; i < 3; i++) {
        struct wy_video_fp fp;
        char *path = NULL;
        assert_int_equal(wy_codec_video_json_parse(ctx, ok[i], strlen(ok[i]), &fp, &path, NULL),
                         WY_OK);
        assert_string_equal(path, "clips/a.mp4");
        assert_int_equal(fp.digest.sha256[31], 0xab);
        wy_free(ctx, path);
        wy_free(ctx, fp.frames);
    }
    free(upper);
    free(bare);
    free(crlf);
    /* Over the cap: refused before jansson sees it. */
    const size_t n = WY_CODEC_VIDEO_JSON_MAX + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    struct wy_video_fp fp;
    char *path = NULL;
    struct wy_diag diag;
    assert_int_equal(wy_codec_video_json_parse(ctx, big, n, &fp, &path, &diag), WY_ETOOBIG);
    assert_string_equal(diag.msg, "longer than 67108864 bytes");
    free(big);
}

/* ---- TSV ---- */

static void test_tsv(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_fp fp;
    fill_fp(&fp);
    char *line = NULL;
    assert_int_equal(wy_codec_video_tsv(ctx, &fp, "dir/a\tb.mp4", &line), WY_OK);
    /* The first of the two quality-100 frames. */
    assert_string_equal(line, HEX_FF "\t100\t" SHA_AB "\t" MD5_CD "\t640\t360\tdir/a\\tb.mp4\n");
    wy_free(ctx, line);
    fp.count = 1;
    assert_int_equal(wy_codec_video_tsv(ctx, &fp, "x", &line), WY_OK);
    assert_string_equal(line, HEX_SEQ "\t87\t" SHA_AB "\t" MD5_CD "\t640\t360\tx\n");
    wy_free(ctx, line);
    fp.count = 0;
    line = NULL;
    assert_int_equal(wy_codec_video_tsv(ctx, &fp, "x", &line), WY_EINVAL);
    assert_null(line);
}

/* ---- what the writers refuse ---- */

/* Both writers refuse fp; *out stays NULL. */
static void expect_writers_refuse(struct wy_ctx *ctx, const struct wy_video_fp *fp,
                                  const char *path, bool vpdq_too)
{
    char *out = NULL;
    assert_int_equal(wy_codec_video_json(ctx, fp, path, &out), WY_EINVAL);
    assert_null(out);
    if (vpdq_too) {
        assert_int_equal(wy_codec_vpdq_write(ctx, fp, &out, NULL), WY_EINVAL);
        assert_null(out);
    }
}

static void test_writers_refuse(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_video_fp fp;
    /* Frames either reader would refuse. */
    static const struct {
        size_t frame;
        struct wy_video_frame value;
    } frames[] = {
        {0, {{{0}}, 101, 0, 0, 0}},      {0, {{{0}}, -1, 0, 0, 0}},
        {0, {{{0}}, 50, -1, 0, 0}},      {0, {{{0}}, 50, 10, 9, 0}},
        {0, {{{0}}, 50, 0, 0, -1}},      {2, {{{0}}, 50, 2998, 3000, 91}},
        {1, {{{0}}, 50, 1000, 2999, 0}}, {2, {{{0}}, 50, 3000, WY_CODEC_VIDEO_MAX_MS, 91}},
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++) {
        fill_fp(&fp);
        sample_frames[frames[i].frame] = frames[i].value;
        expect_writers_refuse(ctx, &fp, "x", true);
    }
    fill_fp(&fp);
    fp.count = 0;
    expect_writers_refuse(ctx, &fp, "x", true);
    /* What only the JSON line carries. */
    fill_fp(&fp);
    expect_writers_refuse(ctx, &fp, "", false);
    fp.frame_rate = NAN;
    expect_writers_refuse(ctx, &fp, "x", false);
    fp.frame_rate = -1.0;
    expect_writers_refuse(ctx, &fp, "x", false);
    fp.frame_rate = INFINITY;
    expect_writers_refuse(ctx, &fp, "x", false);
    fill_fp(&fp);
    fp.duration_ms = -1;
    expect_writers_refuse(ctx, &fp, "x", false);
    fp.duration_ms = WY_CODEC_VIDEO_MAX_MS;
    expect_writers_refuse(ctx, &fp, "x", false);
    fill_fp(&fp);
    memset(fp.codec, 'x', sizeof fp.codec);
    expect_writers_refuse(ctx, &fp, "x", false);
    snprintf(fp.codec, sizeof fp.codec, "h\xff");
    expect_writers_refuse(ctx, &fp, "x", false);
}

/* ---- allocation failures ---- */

static enum wy_status oom_writers(struct wy_ctx *ctx, void *user)
{
    (void)user;
    struct wy_video_fp fp;
    fill_fp(&fp);
    char *out = NULL;
    enum wy_status st = wy_codec_vpdq_write(ctx, &fp, &out, NULL);
    wy_free(ctx, out);
    out = NULL;
    if (st == WY_OK) {
        st = wy_codec_video_json(ctx, &fp, "caf\xe9.mp4", &out);
        wy_free(ctx, out);
        out = NULL;
    }
    if (st == WY_OK) {
        st = wy_codec_video_tsv(ctx, &fp, "x", &out);
        wy_free(ctx, out);
    }
    return st;
}

static enum wy_status oom_readers(struct wy_ctx *ctx, void *user)
{
    (void)user;
    struct wy_video_fp fp;
    enum wy_status st = wy_codec_vpdq_parse(ctx, sample_vpdq, strlen(sample_vpdq), &fp, NULL);
    if (st != WY_OK) {
        return st;
    }
    wy_free(ctx, fp.frames);
    char *path = NULL;
    char *line = replace(sample_json, "\"path\":\"clips/a.mp4\"",
                         "\"path\":\"a\",\"path_hex\":\"636166e9\"");
    st = wy_codec_video_json_parse(ctx, line, strlen(line), &fp, &path, NULL);
    free(line);
    if (st == WY_OK) {
        wy_free(ctx, path);
        wy_free(ctx, fp.frames);
    }
    return st;
}

static void test_out_of_memory(void **state)
{
    (void)state;
    tsup_oom_sweep(oom_writers, NULL);
    tsup_oom_sweep(oom_readers, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vpdq_exact, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_vpdq_round_trip, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_vpdq_forms, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_vpdq_bad, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_vpdq_too_many_lines),
        cmocka_unit_test_setup_teardown(test_json_exact, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_json_round_trip, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_json_bad, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_json_line_endings_and_cap, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_tsv, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_writers_refuse, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("codec_video", tests, NULL, NULL);
}
