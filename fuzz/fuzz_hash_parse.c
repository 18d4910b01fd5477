/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_hash_parse.c: libFuzzer target for PDQ hex parsing (wy_pdq_from_hex), for formatting
 * hash records (wy_codec_hash_line) with a hostile path, and for reading hash lines back
 * (wy_codec_hash_parse_line).
 *
 * Invariants:
 * - wy_pdq_from_hex accepts exactly 64 hex digits of either case, else WY_EPARSE with `*out`
 *   untouched;
 * - hex -> hash -> hex gives the input in lower case, and hash -> hex -> hash is the identity;
 * - wy_pdq_bit(k) is bit k of the 256-bit big-endian number the hex spells;
 * - when the input is 64 hex digits followed by more bytes, those bytes (up to a NUL) are a path:
 *   the TSV line is one line whose last column unescapes to the path, and the JSON line parses
 *   back to the same hash and, for valid UTF-8, the same path;
 * - the whole input, taken as one line, either is refused by wy_codec_hash_parse_line with its
 *   outputs untouched, or gives a record that, written back as TSV and as JSON (with and without
 *   the dihedral column) and parsed again, is identical, path bytes included.
 */
#include "fuzz_common.h"

#include <ctype.h>
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

static bool all_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit(p[i])) {
            return false;
        }
    }
    return true;
}

static void check_parse(const uint8_t *data, size_t size)
{
    struct wy_pdq_hash hash;
    memset(&hash, 0xa5, sizeof hash);
    const struct wy_pdq_hash untouched = hash;
    const enum wy_status st = wy_pdq_from_hex((const char *)data, size, &hash);
    const bool valid = size == WY_PDQ_HEX_CHARS && all_hex(data, size);
    if (!valid) {
        FUZZ_CHECK(st == WY_EPARSE);
        FUZZ_CHECK(memcmp(&hash, &untouched, sizeof hash) == 0);
        return;
    }
    FUZZ_CHECK(st == WY_OK);
    char hex[WY_PDQ_HEX_CHARS + 1];
    wy_pdq_to_hex(&hash, hex);
    FUZZ_CHECK(hex[WY_PDQ_HEX_CHARS] == '\0');
    for (size_t i = 0; i < WY_PDQ_HEX_CHARS; i++) {
        FUZZ_CHECK(isxdigit((unsigned char)hex[i]) && !isupper((unsigned char)hex[i]));
        FUZZ_CHECK(hex[i] == tolower(data[i]));
    }
    struct wy_pdq_hash again;
    FUZZ_CHECK(wy_pdq_from_hex(hex, WY_PDQ_HEX_CHARS, &again) == WY_OK);
    FUZZ_CHECK(memcmp(&again, &hash, sizeof hash) == 0);
    FUZZ_CHECK(wy_pdq_distance(&again, &hash) == 0);
    for (unsigned k = 0; k < 256; k++) {
        const bool bit = (hash.bytes[WY_PDQ_BYTES - 1 - k / 8] >> (k % 8)) & 1u;
        FUZZ_CHECK(wy_pdq_bit(&hash, k) == bit);
    }
}

/* The last TSV column with \t \n \r \\ undone; NULL if an escape is malformed. */
static char *tsv_unescape_last(const char *line, size_t len)
{
    const char *col = strrchr(line, '\t');
    FUZZ_CHECK(col != NULL);
    col++;
    const size_t n = (size_t)(line + len - 1 - col); /* without the final '\n' */
    char *out = malloc(n + 1);
    FUZZ_CHECK(out != NULL);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (col[i] != '\\') {
            out[o++] = col[i];
            continue;
        }
        FUZZ_CHECK(i + 1 < n);
        i++;
        const char *const from = "tnr\\";
        const char *const to = "\t\n\r\\";
        const char *hit = strchr(from, col[i]);
        FUZZ_CHECK(hit != NULL && *hit != '\0');
        out[o++] = to[hit - from];
    }
    out[o] = '\0';
    return out;
}

static void check_one_line(const char *line, size_t len)
{
    FUZZ_CHECK(len == strlen(line));
    FUZZ_CHECK(len > 0 && line[len - 1] == '\n');
    FUZZ_CHECK(memchr(line, '\n', len - 1) == NULL);
    FUZZ_CHECK(memchr(line, '\r', len) == NULL);
}

static void check_records(const struct wy_pdq_hash *hash, const char *path, unsigned flags)
{
    struct wy_ctx *ctx = fuzz_ctx();
    struct wy_hash_record rec;
    memset(&rec, 0, sizeof rec);
    rec.pdq = *hash;
    for (int d = 0; d < WY_DIH_COUNT; d++) {
        rec.dihedral[d] = *hash;
    }
    char hex[WY_PDQ_HEX_CHARS + 1];
    wy_pdq_to_hex(hash, hex);

    char *line = NULL;
    size_t len = 0;
    FUZZ_CHECK(wy_codec_hash_line(ctx, &rec, path, WY_CODEC_TSV, flags, &line, &len) == WY_OK);
    check_one_line(line, len);
    FUZZ_CHECK(strncmp(line, hex, WY_PDQ_HEX_CHARS) == 0 && line[WY_PDQ_HEX_CHARS] == '\t');
    char *back = tsv_unescape_last(line, len);
    FUZZ_CHECK(strcmp(back, path) == 0);
    free(back);
    wy_free(ctx, line);

    line = NULL;
    FUZZ_CHECK(wy_codec_hash_line(ctx, &rec, path, WY_CODEC_JSON, flags, &line, &len) == WY_OK);
    check_one_line(line, len);
    json_error_t err;
    json_t *obj = json_loadb(line, len, 0, &err);
    FUZZ_CHECK(obj != NULL && json_is_object(obj));
    const char *pdq = json_string_value(json_object_get(obj, "pdq"));
    FUZZ_CHECK(pdq != NULL && strcmp(pdq, hex) == 0);
    json_t *as_json = json_string(path); /* NULL when the path is not valid UTF-8 */
    const char *parsed_path = json_string_value(json_object_get(obj, "path"));
    FUZZ_CHECK(parsed_path != NULL);
    if (as_json != NULL) {
        FUZZ_CHECK(strcmp(parsed_path, path) == 0);
    } else {
        FUZZ_CHECK(json_object_get(obj, "path_hex") != NULL);
    }
    json_decref(as_json);
    json_decref(obj);
    wy_free(ctx, line);
}

static void check_same(const struct wy_hash_record *a, const struct wy_hash_record *b,
                       bool dihedral)
{
    FUZZ_CHECK(memcmp(&a->pdq, &b->pdq, sizeof a->pdq) == 0);
    FUZZ_CHECK(a->quality == b->quality && a->quality >= 0 && a->quality <= 100);
    FUZZ_CHECK(memcmp(&a->digest, &b->digest, sizeof a->digest) == 0);
    FUZZ_CHECK(a->info.width_px == b->info.width_px && a->info.height_px == b->info.height_px);
    if (dihedral) {
        FUZZ_CHECK(memcmp(a->dihedral, b->dihedral, sizeof a->dihedral) == 0);
    }
}

/* Writes the parsed record back and parses it again. An escaped path can outgrow the line cap
 * (backslashes double, path_hex doubles every byte); then the parser must say so. */
static void check_rewrite(const struct wy_hash_record *rec, const char *path, char *again_path,
                          size_t cap)
{
    struct wy_ctx *ctx = fuzz_ctx();
    for (int format = WY_CODEC_TSV; format <= WY_CODEC_JSON; format++) {
        for (unsigned flags = 0; flags <= WY_CODEC_DIHEDRAL; flags++) {
            char *line = NULL;
            size_t len = 0;
            FUZZ_CHECK(wy_codec_hash_line(ctx, rec, path, (enum wy_codec_format)format, flags,
                                          &line, &len) == WY_OK);
            struct wy_hash_record again;
            const enum wy_status st =
                wy_codec_hash_parse_line(line, len, &again, again_path, cap, NULL);
            if (len - 1 > WY_CODEC_HASH_LINE_MAX) {
                FUZZ_CHECK(st == WY_ETOOBIG);
            } else {
                FUZZ_CHECK(st == WY_OK);
                FUZZ_CHECK(strcmp(again_path, path) == 0);
                check_same(rec, &again, flags != 0);
            }
            wy_free(ctx, line);
        }
    }
}

static void check_line_parse(const uint8_t *data, size_t size)
{
    const size_t cap = WY_CODEC_HASH_LINE_MAX + 1;
    char *path = malloc(cap);
    char *again_path = malloc(cap);
    FUZZ_CHECK(path != NULL && again_path != NULL);
    struct wy_hash_record rec;
    memset(&rec, 0xa5, sizeof rec);
    path[0] = 'U';
    struct wy_diag diag;
    const enum wy_status st =
        wy_codec_hash_parse_line((const char *)data, size, &rec, path, cap, &diag);
    if (st != WY_OK) {
        FUZZ_CHECK(st == WY_EPARSE || st == WY_ETOOBIG);
        FUZZ_CHECK(diag.msg[0] != '\0');
        FUZZ_CHECK(path[0] == 'U' && ((const uint8_t *)&rec)[0] == 0xa5);
    } else {
        FUZZ_CHECK(path[0] != '\0' && strlen(path) < cap);
        check_rewrite(&rec, path, again_path, cap);
    }
    free(again_path);
    free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parse(data, size);
    check_line_parse(data, size);
    struct wy_pdq_hash hash;
    if (size <= WY_PDQ_HEX_CHARS ||
        wy_pdq_from_hex((const char *)data, WY_PDQ_HEX_CHARS, &hash) != WY_OK) {
        return 0;
    }
    const uint8_t *rest = data + WY_PDQ_HEX_CHARS;
    const size_t rest_len = size - WY_PDQ_HEX_CHARS;
    const uint8_t *nul = memchr(rest, '\0', rest_len);
    const size_t path_len = nul != NULL ? (size_t)(nul - rest) : rest_len;
    char *path = malloc(path_len + 1);
    FUZZ_CHECK(path != NULL);
    memcpy(path, rest, path_len);
    path[path_len] = '\0';
    check_records(&hash, path, (size & 1u) != 0 ? WY_CODEC_DIHEDRAL : 0u);
    free(path);
    return 0;
}
