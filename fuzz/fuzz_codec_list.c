/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_codec_list.c: libFuzzer target for the hash-list reader (wy_codec_list_parse) and writer
 * (wy_codec_list_line). The first byte picks the format (auto, TE, MD5, JSON lines); the rest is
 * the list.
 *
 * Invariants:
 * - the reader returns WY_OK, WY_EPARSE or WY_ETOOBIG, and on failure the diag says "line N:";
 * - every record it delivers has a known kind and a 1-based line number;
 * - every delivered record, written as a JSON line, reads back as exactly one identical record;
 *   PDQ and MD5 records also round-trip through the TE and MD5 formats.
 */
#include "fuzz_common.h"

#include <string.h>

#define FUZZ_MAX_RECORDS 64u

static void check_same(const struct wy_list_record *a, const struct wy_list_record *b)
{
    FUZZ_CHECK(a->kind == b->kind);
    FUZZ_CHECK(memcmp(a->value, b->value, sizeof a->value) == 0);
    FUZZ_CHECK(a->quality == b->quality);
    FUZZ_CHECK(a->frame_ms == b->frame_ms);
    FUZZ_CHECK(strcmp(a->case_ref, b->case_ref) == 0);
    FUZZ_CHECK(strcmp(a->source, b->source) == 0);
}

static enum wy_status keep_one(void *user, const struct wy_list_record *rec)
{
    struct wy_list_record *out = user;
    FUZZ_CHECK(out->line == 0);
    *out = *rec;
    return WY_OK;
}

static void round_trip(const struct wy_list_record *rec, enum wy_list_format format)
{
    struct wy_ctx *ctx = fuzz_ctx();
    char *line = NULL;
    size_t len = 0;
    FUZZ_CHECK(wy_codec_list_line(ctx, rec, format, &line, &len) == WY_OK);
    FUZZ_CHECK(len == strlen(line) && len > 0 && line[len - 1] == '\n');
    FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
    struct wy_list_record back;
    wy_list_record_init(&back);
    struct wy_diag diag;
    const struct wy_bytes data = {(const uint8_t *)line, len};
    FUZZ_CHECK(wy_codec_list_parse(ctx, data, format, 1, keep_one, &back, &diag) == WY_OK);
    FUZZ_CHECK(back.line == 1);
    struct wy_list_record want = *rec;
    if (format != WY_LIST_JSONL) {
        want.case_ref[0] = '\0';
        want.source[0] = '\0';
    }
    check_same(&want, &back);
    wy_free(ctx, line);
}

static enum wy_status check_record(void *user, const struct wy_list_record *rec)
{
    size_t *count = user;
    (*count)++;
    FUZZ_CHECK(rec->kind >= WY_FP_PDQ && rec->kind <= WY_FP_SHA256);
    FUZZ_CHECK(rec->line >= 1);
    round_trip(rec, WY_LIST_JSONL);
    if (rec->kind == WY_FP_PDQ && rec->case_ref[0] == '\0' && rec->source[0] == '\0') {
        round_trip(rec, WY_LIST_TE_PDQ);
    }
    if (rec->kind == WY_FP_MD5 && rec->case_ref[0] == '\0' && rec->source[0] == '\0') {
        round_trip(rec, WY_LIST_MD5);
    }
    return WY_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const enum wy_list_format format = (enum wy_list_format)(data[0] % 4u);
    const struct wy_bytes list = {data + 1, size - 1};
    size_t count = 0;
    struct wy_diag diag;
    const enum wy_status st = wy_codec_list_parse(fuzz_ctx(), list, format, FUZZ_MAX_RECORDS,
                                                  check_record, &count, &diag);
    FUZZ_CHECK(st == WY_OK || st == WY_EPARSE || st == WY_ETOOBIG);
    FUZZ_CHECK(count <= FUZZ_MAX_RECORDS);
    if (st != WY_OK) {
        FUZZ_CHECK(strncmp(diag.msg, "line ", 5) == 0);
    }
    return 0;
}
