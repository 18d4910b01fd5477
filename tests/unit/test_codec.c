/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_codec.c: hash records as TSV and JSON lines: column order, header, dihedral column,
 * escaping of awkward paths, non-UTF-8 paths in JSON, and allocation failures.
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
    const struct wy_match_row row = {"found/a\tb.jpg", 12, "flipy", "WY-ABC", "main"};
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
        cmocka_unit_test_setup_teardown(test_bad_format, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_out_of_memory),
    };
    return cmocka_run_group_tests_name("codec", tests, NULL, NULL);
}
