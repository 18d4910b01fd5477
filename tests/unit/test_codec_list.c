/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_codec_list.c: the hash-list reader and writers (lib/codec/codec_list.c): every format,
 * comments and blank lines, CRLF, optional quality, the caps, the line number of a bad line, JSON
 * strictness, and writer -> reader round trips.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#define MAX_RECS 16

struct got {
    struct wy_list_record recs[MAX_RECS];
    size_t count;
};

static enum wy_status keep(void *user, const struct wy_list_record *rec)
{
    struct got *g = user;
    if (g->count == MAX_RECS) {
        return WY_ETOOBIG;
    }
    g->recs[g->count++] = *rec;
    return WY_OK;
}

static enum wy_status parse(struct wy_ctx *ctx, const char *text, enum wy_list_format fmt,
                            struct got *g, struct wy_diag *diag)
{
    memset(g, 0, sizeof *g);
    const struct wy_bytes data = {(const uint8_t *)text, strlen(text)};
    return wy_codec_list_parse(ctx, data, fmt, MAX_RECS, keep, g, diag);
}

static const char pdq_a[] = "f8f8f0cce0f4a84f06370a22038f33b2b6bc5b1a3bc3bd7ab2c86f2cb1e0ddf4";
static const char md5_a[] = "d41d8cd98f00b204e9800998ecf8427e";

static void test_te(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct got g;
    struct wy_diag diag;
    char text[512];
    snprintf(text, sizeof text, "# comment\r\n\r\n%s,87\r\n  %s  \n%s,90,2026-01-01,tag", pdq_a,
             pdq_a, pdq_a);
    assert_int_equal(parse(ctx, text, WY_LIST_TE_PDQ, &g, &diag), WY_OK);
    assert_int_equal(g.count, 3);
    assert_int_equal(g.recs[0].kind, WY_FP_PDQ);
    assert_int_equal(g.recs[0].quality, 87);
    assert_int_equal(g.recs[0].line, 3);
    assert_int_equal(g.recs[1].quality, -1);
    assert_int_equal(g.recs[2].quality, 90);
    assert_int_equal(g.recs[0].value[0], 0xf8);
    assert_int_equal(g.recs[0].frame_ms, -1);
    assert_int_equal(parse(ctx, text, WY_LIST_AUTO, &g, &diag), WY_OK);
    assert_int_equal(g.count, 3);
}

static void expect_bad(struct wy_ctx *ctx, const char *text, enum wy_list_format fmt,
                       enum wy_status want, const char *msg)
{
    struct got g;
    struct wy_diag diag;
    assert_int_equal(parse(ctx, text, fmt, &g, &diag), want);
    if (strstr(diag.msg, msg) == NULL) {
        fail_msg("diag '%s' lacks '%s'", diag.msg, msg);
    }
}

static void test_te_bad(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    char text[512];
    snprintf(text, sizeof text, "%s\n%s\n%.63sg\n", pdq_a, pdq_a, pdq_a);
    expect_bad(ctx, text, WY_LIST_TE_PDQ, WY_EPARSE, "line 3: a PDQ hash is 64 hex digits");
    snprintf(text, sizeof text, "%s\n%.62s\n", pdq_a, pdq_a);
    expect_bad(ctx, text, WY_LIST_TE_PDQ, WY_EPARSE, "line 2:");
    snprintf(text, sizeof text, "%s,101\n", pdq_a);
    expect_bad(ctx, text, WY_LIST_TE_PDQ, WY_EPARSE, "line 1: the quality");
    snprintf(text, sizeof text, "%s,\n", pdq_a);
    expect_bad(ctx, text, WY_LIST_TE_PDQ, WY_EPARSE, "line 1: the quality");
    snprintf(text, sizeof text, "%s,-1\n", pdq_a);
    expect_bad(ctx, text, WY_LIST_TE_PDQ, WY_EPARSE, "line 1: the quality");
    expect_bad(ctx, "xyz\n", WY_LIST_AUTO, WY_EPARSE, "line 1: cannot tell");
    expect_bad(ctx, "x", (enum wy_list_format)9, WY_EINVAL, "unknown list format");
}

static void test_md5(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct got g;
    struct wy_diag diag;
    char text[256];
    snprintf(text, sizeof text, "%s\r\n#x\nD41D8CD98F00B204E9800998ECF8427E\n", md5_a);
    assert_int_equal(parse(ctx, text, WY_LIST_AUTO, &g, &diag), WY_OK);
    assert_int_equal(g.count, 2);
    assert_int_equal(g.recs[1].kind, WY_FP_MD5);
    assert_memory_equal(g.recs[0].value, g.recs[1].value, 16);
    assert_int_equal(g.recs[1].line, 3);
    snprintf(text, sizeof text, "%s\n%s0\n", md5_a, md5_a);
    expect_bad(ctx, text, WY_LIST_MD5, WY_EPARSE, "line 2: an MD5 is 32 hex digits");
    snprintf(text, sizeof text, "%s,87\n", pdq_a);
    expect_bad(ctx, text, WY_LIST_MD5, WY_EPARSE, "line 1:");
}

static void test_jsonl(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct got g;
    struct wy_diag diag;
    char text[1024];
    snprintf(text, sizeof text,
             "{\"kind\":\"pdq\",\"value\":\"%s\",\"quality\":80,\"case\":\"C-1\","
             "\"source\":\"a b.jpg\"}\n"
             "# note\n"
             "{\"kind\":\"video_pdq\",\"value\":\"%s\",\"frame_ms\":1500}\r\n"
             "{\"kind\":\"md5\",\"value\":\"%s\"}\n",
             pdq_a, pdq_a, md5_a);
    assert_int_equal(parse(ctx, text, WY_LIST_AUTO, &g, &diag), WY_OK);
    assert_int_equal(g.count, 3);
    assert_int_equal(g.recs[0].quality, 80);
    assert_string_equal(g.recs[0].case_ref, "C-1");
    assert_string_equal(g.recs[0].source, "a b.jpg");
    assert_int_equal(g.recs[1].kind, WY_FP_VIDEO_PDQ);
    assert_int_equal(g.recs[1].frame_ms, 1500);
    assert_int_equal(g.recs[1].line, 3);
    assert_int_equal(g.recs[2].kind, WY_FP_MD5);
    assert_int_equal(g.recs[2].quality, -1);
}

/* Appends `tmpl` to `text` with each "%s" replaced by an MD5 in hex. */
static void expand(char *text, const char *tmpl)
{
    size_t o = strlen(text);
    for (const char *p = tmpl; *p != '\0'; p++) {
        if (p[0] == '%' && p[1] == 's') {
            memcpy(text + o, md5_a, 32);
            o += 32;
            p++;
        } else {
            text[o++] = *p;
        }
    }
    text[o] = '\0';
}

static void test_jsonl_bad(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    char text[1024];
    const struct {
        const char *fmt;
        const char *msg;
    } cases[] = {
        {"{\"kind\":\"md5\",\"value\":\"%s\",\"kind\":\"md5\"}", "line 2: JSON: "},
        {"{\"kind\":\"md5\",\"value\":5}", "line 2: \"value\" of a md5"},
        {"{\"kind\":\"md4\",\"value\":\"%s\"}", "line 2: unknown kind"},
        {"{\"kind\":3,\"value\":\"%s\"}", "line 2: \"kind\" is missing"},
        {"{\"kind\":\"md5\",\"value\":\"%s\",\"quality\":50}", "line 2: only PDQ"},
        {"{\"kind\":\"md5\",\"value\":\"%s\",\"cas\":\"C\"}", "line 2: unknown field"},
        {"{\"kind\":\"md5\",\"value\":\"%s\",\"case\":7}", "line 2: \"case\""},
        {"{\"kind\":\"md5\",\"value\":\"%s\",\"source\":{\"a\":1}}", "line 2: JSON nested"},
        {"[\"%s\"]", "line 2: a record is a JSON object"},
        {"{\"kind\":\"md5\",\"value\":\"%s\"} x", "line 2: JSON: "},
        {"{\"kind\":\"video_pdq\",\"value\":\"%s%s\"}", "line 2: \"frame_ms\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "{\"kind\":\"md5\",\"value\":\"%s\"}\n", md5_a);
        expand(text, cases[i].fmt);
        expect_bad(ctx, text, WY_LIST_JSONL, WY_EPARSE, cases[i].msg);
    }
}

static void test_caps(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    const size_t n = WY_LIST_LINE_MAX + 2;
    char *text = malloc(n + 1);
    assert_non_null(text);
    memset(text, '#', n);
    text[n] = '\0';
    text[0] = '\n';
    expect_bad(ctx, text, WY_LIST_TE_PDQ, WY_ETOOBIG, "line 2: longer than 65536 bytes");
    text[WY_LIST_LINE_MAX + 1] = '\n'; /* exactly the cap: accepted (a comment) */
    struct got g;
    struct wy_diag diag;
    assert_int_equal(parse(ctx, text, WY_LIST_TE_PDQ, &g, &diag), WY_OK);
    free(text);
    char list[40 * (MAX_RECS + 2)] = "";
    for (size_t i = 0; i < MAX_RECS + 1; i++) {
        strcat(list, md5_a);
        strcat(list, "\n");
    }
    expect_bad(ctx, list, WY_LIST_MD5, WY_ETOOBIG, "line 17: more than 16 records");
}

static void round_trip(struct wy_ctx *ctx, const struct wy_list_record *rec,
                       enum wy_list_format fmt)
{
    char *line = NULL;
    size_t len = 0;
    assert_int_equal(wy_codec_list_line(ctx, rec, fmt, &line, &len), WY_OK);
    assert_int_equal(len, strlen(line));
    assert_int_equal(line[len - 1], '\n');
    struct got g;
    struct wy_diag diag;
    assert_int_equal(parse(ctx, line, fmt, &g, &diag), WY_OK);
    wy_free(ctx, line);
    assert_int_equal(g.count, 1);
    assert_int_equal(g.recs[0].kind, rec->kind);
    assert_memory_equal(g.recs[0].value, rec->value, rec->kind == WY_FP_MD5 ? 16 : 32);
    assert_int_equal(g.recs[0].quality, rec->quality);
    assert_int_equal(g.recs[0].frame_ms, rec->frame_ms);
    assert_string_equal(g.recs[0].case_ref, rec->case_ref);
    assert_string_equal(g.recs[0].source, rec->source);
}

static void test_writers(void **state)
{
    struct wy_ctx *ctx = tsup_state_ctx(state);
    struct wy_list_record rec;
    wy_list_record_init(&rec);
    rec.kind = WY_FP_PDQ;
    for (size_t i = 0; i < 32; i++) {
        rec.value[i] = (uint8_t)(i * 37);
    }
    rec.quality = 77;
    round_trip(ctx, &rec, WY_LIST_TE_PDQ);
    rec.quality = -1;
    round_trip(ctx, &rec, WY_LIST_TE_PDQ);
    snprintf(rec.case_ref, sizeof rec.case_ref, "SC-2026-001");
    snprintf(rec.source, sizeof rec.source, "dir/\"quoted\"\tname.jpg");
    round_trip(ctx, &rec, WY_LIST_JSONL);
    rec.kind = WY_FP_VIDEO_PDQ;
    rec.frame_ms = 123456789012;
    rec.quality = 100;
    round_trip(ctx, &rec, WY_LIST_JSONL);
    rec.kind = WY_FP_SHA256;
    rec.quality = -1;
    rec.frame_ms = -1;
    round_trip(ctx, &rec, WY_LIST_JSONL);
    rec.kind = WY_FP_MD5;
    round_trip(ctx, &rec, WY_LIST_JSONL);
    rec.case_ref[0] = '\0';
    rec.source[0] = '\0';
    round_trip(ctx, &rec, WY_LIST_MD5);
    char *line = NULL;
    assert_int_equal(wy_codec_list_line(ctx, &rec, WY_LIST_TE_PDQ, &line, NULL), WY_EINVAL);
    rec.kind = WY_FP_PDQ;
    assert_int_equal(wy_codec_list_line(ctx, &rec, WY_LIST_MD5, &line, NULL), WY_EINVAL);
    assert_int_equal(wy_codec_list_line(ctx, &rec, WY_LIST_AUTO, &line, NULL), WY_EINVAL);
    rec.quality = 101;
    assert_int_equal(wy_codec_list_line(ctx, &rec, WY_LIST_TE_PDQ, &line, NULL), WY_EINVAL);
    assert_null(line);
}

struct oom_rec {
    struct wy_list_record rec;
};

static enum wy_status write_json_oom(struct wy_ctx *ctx, void *user)
{
    const struct oom_rec *o = user;
    char *line = NULL;
    const enum wy_status st = wy_codec_list_line(ctx, &o->rec, WY_LIST_JSONL, &line, NULL);
    if (st == WY_OK) {
        wy_free(ctx, line);
    }
    return st;
}

static void test_writer_oom(void **state)
{
    (void)state;
    struct oom_rec o;
    wy_list_record_init(&o.rec);
    o.rec.kind = WY_FP_PDQ;
    o.rec.quality = 60;
    tsup_oom_sweep(write_json_oom, &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_te, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_te_bad, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_md5, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_jsonl, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_jsonl_bad, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_caps, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test_setup_teardown(test_writers, tsup_setup_ctx, tsup_teardown_ctx),
        cmocka_unit_test(test_writer_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
