/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_codec.c: hash records as TSV and JSON lines: column order, header, dihedral column,
 * escaping of awkward paths, non-UTF-8 paths in JSON, and allocation failures; and the parser
 * that reads them back (round trips, every kind of malformed line, the line cap).
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "test_support.h"

static void fill_record(struct wy_hash_record *rec)
{
    memset(rec, 0, sizeof *rec);
    for (int i = 0; i < WY_PDQ_BYTES; i++) {
        rec->pdq.bytes[i] = (uint8_t)i;
    }
    for (int d = 0; d < WY_DIH_COUNT; d++) {
        memset(rec->dihedral[d].bytes, 0x11 * d, WY_PDQ_BYTES);
    }
    rec->dihedral[0] = rec->pdq;
    rec->quality = 87;
    memset(rec->digest.sha256, 0xab, WY_SHA256_BYTES);
    memset(rec->digest.md5, 0xcd, WY_MD5_BYTES);
    rec->info.width_px = 640;
    rec->info.height_px = 480;
}

static const char pdq_hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

static void test_tsv(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_hash_record rec;
    fill_record(&rec);
    char *line = NULL;
    size_t len = 0;
    assert_int_equal(wy_codec_hash_line(ctx, &rec, "dir/a.jpg", WY_CODEC_TSV, 0, &line, &len),
                     WY_OK);
    char want[512];
    snprintf(want, sizeof want, "%s\t87\t%s\t%s\t640\t480\tdir/a.jpg\n", pdq_hex,
             "abababababababababababababababababababababababababababababababab",
             "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd");
    assert_string_equal(line, want);
    assert_int_equal(len, strlen(want));
    wy_free(ctx, line);
    assert_string_equal(wy_codec_hash_header(0),
                        "pdq\tquality\tsha256\tmd5\twidth\theight\tpath\n");
    assert_string_equal(wy_codec_hash_header(WY_CODEC_DIHEDRAL),
                        "pdq\tquality\tsha256\tmd5\twidth\theight\tdihedral\tpath\n");
}

static void test_tsv_dihedral_and_escapes(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_hash_record rec;
    fill_record(&rec);
    char *line = NULL;
    assert_int_equal(wy_codec_hash_line(ctx, &rec, "a\tb\nc\\d\re.jpg", WY_CODEC_TSV,
                                        WY_CODEC_DIHEDRAL, &line, NULL),
                     WY_OK);
    /* 8 tab-separated columns, the 7th holding 8 comma-separated hashes, one line. */
    int tabs = 0;
    int newlines = 0;
    for (const char *p = line; *p; p++) {
        tabs += *p == '\t';
        newlines += *p == '\n';
    }
    assert_int_equal(tabs, 7);
    assert_int_equal(newlines, 1);
    assert_non_null(strstr(line, "\ta\\tb\\nc\\\\d\\re.jpg\n"));
    const char *dih = strstr(line, "\t640\t480\t") + 9;
    assert_memory_equal(dih, pdq_hex, 64);
    assert_int_equal(dih[64], ',');
    assert_memory_equal(dih + 65, "1111", 4);
    wy_free(ctx, line);
}

static void test_json(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_hash_record rec;
    fill_record(&rec);
    char *line = NULL;
    assert_int_equal(wy_codec_hash_line(ctx, &rec, "photos/\xc3\xa9t\xc3\xa9.jpg", WY_CODEC_JSON,
                                        WY_CODEC_DIHEDRAL, &line, NULL),
                     WY_OK);
    assert_int_equal(line[strlen(line) - 1], '\n');
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "pdq")), pdq_hex);
    assert_int_equal(json_integer_value(json_object_get(o, "quality")), 87);
    assert_int_equal(json_integer_value(json_object_get(o, "width")), 640);
    assert_int_equal(json_integer_value(json_object_get(o, "height")), 480);
    assert_int_equal(json_array_size(json_object_get(o, "dihedral")), 8);
    assert_string_equal(json_string_value(json_object_get(o, "path")),
                        "photos/\xc3\xa9t\xc3\xa9.jpg");
    assert_null(json_object_get(o, "path_hex"));
    json_decref(o);
    wy_free(ctx, line);
}

static void test_json_non_utf8_path(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_hash_record rec;
    fill_record(&rec);
    char *line = NULL;
    /* Latin-1 bytes, an overlong slash and a surrogate: none is valid UTF-8. */
    const char *path = "caf\xe9/\xc0\xaf/\xed\xa0\x80.jpg";
    assert_int_equal(wy_codec_hash_line(ctx, &rec, path, WY_CODEC_JSON, 0, &line, NULL), WY_OK);
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    assert_non_null(o);
    const char *shown = json_string_value(json_object_get(o, "path"));
    assert_non_null(shown);
    assert_non_null(strstr(shown, "caf\xef\xbf\xbd/"));
    char hex[128];
    wy_hex_encode((const uint8_t *)path, strlen(path), hex);
    assert_string_equal(json_string_value(json_object_get(o, "path_hex")), hex);
    assert_null(json_object_get(o, "dihedral"));
    json_decref(o);
    wy_free(ctx, line);
}

/* Regression (found by fuzz_hash_parse): path_hex of a path longer than 64 bytes. */
static void test_json_long_non_utf8_path(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_hash_record rec;
    fill_record(&rec);
    char path[301];
    memset(path, '\xe9', 300);
    path[300] = '\0';
    char *line = NULL;
    assert_int_equal(wy_codec_hash_line(ctx, &rec, path, WY_CODEC_JSON, 0, &line, NULL), WY_OK);
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    assert_non_null(o);
    const char *hex = json_string_value(json_object_get(o, "path_hex"));
    assert_non_null(hex);
    assert_int_equal(strlen(hex), 600);
    assert_memory_equal(hex + 596, "e9e9", 4);
    json_decref(o);
    wy_free(ctx, line);
}

static void test_match_lines(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const struct wy_match_row row = {.query = "found/a\tb.jpg",
                                     .distance = 12,
                                     .variant = "flipy",
                                     .case_ref = "WY-ABC",
                                     .bank = "main"};
    char *line = NULL;
    assert_int_equal(wy_codec_match_line(ctx, &row, WY_CODEC_TSV, &line, NULL), WY_OK);
    assert_string_equal(line, "found/a\\tb.jpg\t12\tflipy\tWY-ABC\tmain\n");
    wy_free(ctx, line);
    assert_string_equal(wy_codec_match_header(), "query\tdistance\tvariant\tcase\tbank\n");
    assert_int_equal(wy_codec_match_line(ctx, &row, WY_CODEC_JSON, &line, NULL), WY_OK);
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "query")), "found/a\tb.jpg");
    assert_int_equal(json_integer_value(json_object_get(o, "distance")), 12);
    assert_string_equal(json_string_value(json_object_get(o, "variant")), "flipy");
    assert_string_equal(json_string_value(json_object_get(o, "case")), "WY-ABC");
    assert_string_equal(json_string_value(json_object_get(o, "bank")), "main");
    json_decref(o);
    wy_free(ctx, line);
    assert_int_equal(wy_codec_match_line(ctx, &row, (enum wy_codec_format)7, &line, NULL),
                     WY_EINVAL);
    assert_int_equal(wy_codec_match_line(ctx, &row, WY_CODEC_TEXT, &line, NULL), WY_OK);
    assert_string_equal(line, "found/a\\tb.jpg: case WY-ABC, bank main, distance 12 (flipy)\n");
    wy_free(ctx, line);
}

/* A video excerpt: six more TSV columns, the segment in JSON, a sentence in text. */
static void test_match_lines_video(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_match_row row = {.query = "clip.mp4",
                               .distance = 7,
                               .variant = "original",
                               .case_ref = "C-1",
                               .bank = "main",
                               .video = true,
                               .query_time = true,
                               .ref_time = true,
                               .q_start_ms = 70000,
                               .q_end_ms = 80000,
                               .r_start_ms = 185000,
                               .r_end_ms = 195500,
                               .frames_matched = 9,
                               .frames_total = 10,
                               .speed = 1.0};
    char *line = NULL;
    assert_int_equal(wy_codec_match_line(ctx, &row, WY_CODEC_TSV, &line, NULL), WY_OK);
    assert_string_equal(line, "clip.mp4\t7\toriginal\tC-1\tmain\t70.000\t80.000\t185.000\t195.500"
                              "\t9\t1.00\n");
    wy_free(ctx, line);
    assert_int_equal(wy_codec_match_line(ctx, &row, WY_CODEC_TEXT, &line, NULL), WY_OK);
    assert_string_equal(line, "clip.mp4 00:01:10-00:01:20 ~ registered 00:03:05-00:03:15, 9/10 "
                              "frames, speed 1.00: case C-1, bank main, distance 7 (original)\n");
    wy_free(ctx, line);
    assert_int_equal(wy_codec_match_line(ctx, &row, WY_CODEC_JSON, &line, NULL), WY_OK);
    json_error_t err;
    json_t *o = json_loads(line, 0, &err);
    assert_non_null(o);
    assert_true(json_real_value(json_object_get(o, "ref_start")) == 185.0);
    assert_int_equal(json_integer_value(json_object_get(o, "frames_total")), 10);
    json_decref(o);
    wy_free(ctx, line);
    /* A registered picture seen in a video: no registered times. */
    row.ref_time = false;
    assert_int_equal(wy_codec_match_line(ctx, &row, WY_CODEC_TSV, &line, NULL), WY_OK);
    assert_string_equal(line, "clip.mp4\t7\toriginal\tC-1\tmain\t70.000\t80.000\t\t\t9\t1.00\n");
    wy_free(ctx, line);
    assert_int_equal(wy_codec_match_line(ctx, &row, WY_CODEC_JSON, &line, NULL), WY_OK);
    o = json_loads(line, 0, &err);
    assert_null(json_object_get(o, "ref_start"));
    json_decref(o);
    wy_free(ctx, line);
}

/* ---- wy_codec_hash_parse_line ---- */

/* Writes `rec` and `path` with the writer, parses the line back and checks every field. */
static void round_trip(struct wy_ctx *ctx, const char *path, enum wy_codec_format format,
                       unsigned flags)
{
    struct wy_hash_record rec;
    fill_record(&rec);
    char *line = NULL;
    size_t len = 0;
    assert_int_equal(wy_codec_hash_line(ctx, &rec, path, format, flags, &line, &len), WY_OK);
    struct wy_hash_record back;
    char got[512];
    struct wy_diag diag;
    assert_int_equal(wy_codec_hash_parse_line(line, len, &back, got, sizeof got, &diag), WY_OK);
    assert_string_equal(diag.msg, "");
    assert_string_equal(got, path);
    assert_memory_equal(&back.pdq, &rec.pdq, sizeof rec.pdq);
    assert_int_equal(back.quality, rec.quality);
    assert_memory_equal(&back.digest, &rec.digest, sizeof rec.digest);
    assert_int_equal(back.info.width_px, rec.info.width_px);
    assert_int_equal(back.info.height_px, rec.info.height_px);
    if (flags & WY_CODEC_DIHEDRAL) {
        assert_memory_equal(back.dihedral, rec.dihedral, sizeof rec.dihedral);
    } else {
        const struct wy_pdq_hash zero[WY_DIH_COUNT] = {{{0}}};
        assert_memory_equal(back.dihedral, zero, sizeof zero);
    }
    wy_free(ctx, line);
}

static void test_parse_round_trip(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    static const char *const paths[] = {"dir/a.jpg", "a\tb\nc\\d\re.jpg", "\\\\t",
                                        "photos/\xc3\xa9t\xc3\xa9.jpg",
                                        "caf\xe9/\xc0\xaf/\xed\xa0\x80.jpg"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        for (unsigned flags = 0; flags <= WY_CODEC_DIHEDRAL; flags++) {
            round_trip(ctx, paths[i], WY_CODEC_TSV, flags);
            round_trip(ctx, paths[i], WY_CODEC_JSON, flags);
        }
    }
}

static const char good_tail[] =
    "\t87\tabababababababababababababababababababababababababababababababab"
    "\tcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\t640\t480\t";

/* Parses `line` expecting `want`; checks that the outputs are untouched and the diag says
 * something containing `why`. */
static void expect_bad(const char *line, enum wy_status want, const char *why)
{
    struct wy_hash_record rec;
    memset(&rec, 0x5a, sizeof rec);
    char path[64] = "untouched";
    struct wy_diag diag;
    assert_int_equal(wy_codec_hash_parse_line(line, strlen(line), &rec, path, sizeof path, &diag),
                     want);
    assert_string_equal(path, "untouched");
    assert_int_equal(((const uint8_t *)&rec)[0], 0x5a);
    if (strstr(diag.msg, why) == NULL) {
        fail_msg("diag \"%s\" lacks \"%s\" for line \"%.80s\"", diag.msg, why, line);
    }
}

static void test_parse_upper_case_and_crlf(void **state)
{
    (void)state;
    char line[512];
    snprintf(line, sizeof line, "%s%sX.JPG\r\n", pdq_hex, good_tail);
    for (char *p = line; *p != '\t'; p++) {
        *p = (char)(*p >= 'a' && *p <= 'f' ? *p - 32 : *p);
    }
    struct wy_hash_record rec;
    char path[16];
    assert_int_equal(wy_codec_hash_parse_line(line, strlen(line), &rec, path, sizeof path, NULL),
                     WY_OK);
    assert_string_equal(path, "X.JPG");
    assert_int_equal(rec.pdq.bytes[31], 0x1f);
    assert_int_equal(rec.file_bytes, 0);
}

static void test_parse_bad_tsv(void **state)
{
    (void)state;
    char line[1024];
    snprintf(line, sizeof line, "%s%s", pdq_hex, good_tail); /* no path column content */
    expect_bad(line, WY_EPARSE, "path is empty");
    snprintf(line, sizeof line, "%s\t87\tx.jpg", pdq_hex);
    expect_bad(line, WY_EPARSE, "3 tab-separated columns");
    snprintf(line, sizeof line, "%s%sa\tb\tc.jpg", pdq_hex, good_tail);
    expect_bad(line, WY_EPARSE, "more than 8");
    expect_bad("", WY_EPARSE, "1 tab-separated column");
    expect_bad("pdq\tquality\tsha256\tmd5\twidth\theight\tpath", WY_EPARSE, "pdq is not");
    snprintf(line, sizeof line, "%.63sg%sx", pdq_hex, good_tail);
    expect_bad(line, WY_EPARSE, "pdq is not 64 hex");
    snprintf(line, sizeof line, "%s\t101%sx", pdq_hex, good_tail + 3);
    expect_bad(line, WY_EPARSE, "quality");
    snprintf(line, sizeof line, "%s\t-1%sx", pdq_hex, good_tail + 3);
    expect_bad(line, WY_EPARSE, "quality");
    snprintf(line, sizeof line, "%s\t87\tab\tcd\t1\t1\tx", pdq_hex);
    expect_bad(line, WY_EPARSE, "sha256");
    snprintf(line, sizeof line, "%s\t87\t%.64s\tcdcd\t1\t1\tx", pdq_hex, good_tail + 4);
    expect_bad(line, WY_EPARSE, "md5");
    snprintf(line, sizeof line, "%s%.103s4294967296\t1\tx", pdq_hex, good_tail);
    expect_bad(line, WY_EPARSE, "width");
    snprintf(line, sizeof line, "%s%.103s1\t1e3\tx", pdq_hex, good_tail);
    expect_bad(line, WY_EPARSE, "height");
    snprintf(line, sizeof line, "%s%s%s\tx", pdq_hex, good_tail, pdq_hex);
    expect_bad(line, WY_EPARSE, "dihedral");
    snprintf(line, sizeof line, "%s%sbad\\escape", pdq_hex, good_tail);
    expect_bad(line, WY_EPARSE, "escape");
    snprintf(line, sizeof line, "%s%strailing\\", pdq_hex, good_tail);
    expect_bad(line, WY_EPARSE, "escape");
    snprintf(line, sizeof line, "%s%sa\nb", pdq_hex, good_tail);
    expect_bad(line, WY_EPARSE, "more than one line");
    snprintf(line, sizeof line, "%s%s%070d", pdq_hex, good_tail, 7);
    expect_bad(line, WY_ETOOBIG, "longer than 63 bytes");
}

static void test_parse_nul_in_path(void **state)
{
    (void)state;
    char line[512];
    const int n = snprintf(line, sizeof line, "%s%sa", pdq_hex, good_tail);
    line[n] = '\0';
    line[n + 1] = 'b';
    struct wy_hash_record rec;
    char path[16] = "";
    struct wy_diag diag;
    assert_int_equal(wy_codec_hash_parse_line(line, (size_t)n + 2, &rec, path, sizeof path, &diag),
                     WY_EPARSE);
    assert_non_null(strstr(diag.msg, "NUL"));
    assert_string_equal(path, "");
}

static void test_parse_too_long(void **state)
{
    (void)state;
    const size_t n = WY_CODEC_HASH_LINE_MAX + 1;
    char *line = malloc(n + 1);
    assert_non_null(line);
    const int head = snprintf(line, n + 1, "%s%s", pdq_hex, good_tail);
    memset(line + head, 'x', n - (size_t)head);
    line[n] = '\0';
    expect_bad(line, WY_ETOOBIG, "longer than 65536 bytes");
    /* At the cap exactly, with CRLF, the line is accepted (given room for the path). */
    line[n - 1] = '\r';
    char *path = malloc(n);
    assert_non_null(path);
    struct wy_hash_record rec;
    assert_int_equal(wy_codec_hash_parse_line(line, n, &rec, path, n, NULL), WY_OK);
    assert_int_equal(strlen(path), n - 1 - (size_t)head);
    free(path);
    free(line);
}

static void test_parse_bad_json(void **state)
{
    (void)state;
    char line[1024];
    const char *digests =
        "\"quality\":87,\"sha256\":\"abababababababababababababababababababababababab"
        "abababababababab\",\"md5\":\"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd\"";
    expect_bad("{\"pdq\":", WY_EPARSE, "JSON");
    expect_bad("[1]", WY_EPARSE, "tab-separated"); /* not '{': taken for TSV */
    snprintf(line, sizeof line, "{\"pdq\":\"%s\",%s,\"width\":1,\"height\":1}", pdq_hex, digests);
    expect_bad(line, WY_EPARSE, "\"path\"");
    snprintf(line, sizeof line,
             "{\"pdq\":\"%s\",%s,\"width\":1,\"height\":1,\"path\":\"a\","
             "\"path\":\"b\"}",
             pdq_hex, digests);
    expect_bad(line, WY_EPARSE, "JSON: duplicate");
    snprintf(line, sizeof line,
             "{\"pdq\":\"%s\",%s,\"width\":1,\"height\":1,\"path\":\"a\","
             "\"Path\":\"b\"}",
             pdq_hex, digests);
    expect_bad(line, WY_EPARSE, "unknown field");
    snprintf(line, sizeof line, "{\"pdq\":\"%.62s\",%s,\"width\":1,\"height\":1,\"path\":\"a\"}",
             pdq_hex, digests);
    expect_bad(line, WY_EPARSE, "\"pdq\"");
    snprintf(line, sizeof line, "{\"pdq\":\"%s\",%s,\"width\":-1,\"height\":1,\"path\":\"a\"}",
             pdq_hex, digests);
    expect_bad(line, WY_EPARSE, "\"width\"");
    snprintf(line, sizeof line,
             "{\"pdq\":\"%s\",\"quality\":\"87\",\"sha256\":\"\",\"md5\":\"\","
             "\"width\":1,\"height\":1,\"path\":\"a\"}",
             pdq_hex);
    expect_bad(line, WY_EPARSE, "\"quality\"");
    snprintf(line, sizeof line,
             "{\"pdq\":\"%s\",%s,\"width\":1,\"height\":1,\"dihedral\":[],"
             "\"path\":\"a\"}",
             pdq_hex, digests);
    expect_bad(line, WY_EPARSE, "\"dihedral\"");
    snprintf(line, sizeof line,
             "{\"pdq\":\"%s\",%s,\"width\":1,\"height\":1,\"path\":\"a\","
             "\"path_hex\":\"616\"}",
             pdq_hex, digests);
    expect_bad(line, WY_EPARSE, "path_hex");
    snprintf(line, sizeof line,
             "{\"pdq\":\"%s\",%s,\"width\":1,\"height\":1,\"path\":\"a\","
             "\"path_hex\":\"610062\"}",
             pdq_hex, digests);
    expect_bad(line, WY_EPARSE, "NUL");
    snprintf(line, sizeof line, "{\"pdq\":\"%s\",%s,\"width\":1,\"height\":1,\"path\":\"%070d\"}",
             pdq_hex, digests, 1);
    expect_bad(line, WY_ETOOBIG, "path is longer");
}

static enum wy_status oom_format(struct wy_ctx *ctx, void *user)
{
    (void)user;
    struct wy_hash_record rec;
    fill_record(&rec);
    char *line = NULL;
    enum wy_status st =
        wy_codec_hash_line(ctx, &rec, "x.jpg", WY_CODEC_TSV, WY_CODEC_DIHEDRAL, &line, NULL);
    wy_free(ctx, line);
    return st;
}

static void test_out_of_memory(void **state)
{
    (void)state;
    tsup_oom_sweep(oom_format, NULL);
}

static void test_bad_format(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_hash_record rec;
    fill_record(&rec);
    char *line = NULL;
    assert_int_equal(wy_codec_hash_line(ctx, &rec, "x", (enum wy_codec_format)9, 0, &line, NULL),
                     WY_EINVAL);
    assert_null(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tsv, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_tsv_dihedral_and_escapes, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_json, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_json_non_utf8_path, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_json_long_non_utf8_path, tsup_setup_ctx,
                                        tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_match_lines, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_match_lines_video, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_bad_format, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test_setup_teardown(test_parse_round_trip, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_parse_upper_case_and_crlf),
        cmocka_unit_test(test_parse_bad_tsv),
        cmocka_unit_test(test_parse_nul_in_path),
        cmocka_unit_test(test_parse_too_long),
        cmocka_unit_test(test_parse_bad_json),
    };
    return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
