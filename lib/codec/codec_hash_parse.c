/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_hash_parse.c: reads back one line written by wy_codec_hash_line(), TSV or JSON, so that
 * a survivor can fingerprint on her own device and hand over only the hash file. It is the exact
 * inverse of the writer: the same columns and keys, the same path escapes, and path_hex
 * preferred over path in JSON because only it carries non-UTF-8 file names byte for byte. The
 * input is untrusted, so every field is checked and the first bad one is named in the diag with
 * its byte offset; the outputs are written only once the whole line has been accepted.
 */
#include "wy_setup.h"

#include <string.h>

#include <jansson.h>

#include "codec/codec_int.h"
#include "core/core_int.h"
#include "withyou/codec.h"

/* A borrowed slice of the line. */
struct field {
    const char *p;
    size_t n;
};

/* What a line holds before it is handed out: the path stays a slice of the line (TSV, still
 * escaped) or of jansson's string, and is decoded into the caller's buffer last. */
struct parsed {
    struct wy_hash_record rec;
    struct field path;
    bool path_is_hex;  /* JSON path_hex: hex digits of the exact bytes */
    bool path_escaped; /* TSV: \t \n \r \\ still to undo */
};

/* Decodes exactly 2 * len hex digits of either case; `out` is written only when all are valid. */
static bool hex_bytes(struct field f, size_t len, uint8_t *out)
{
    return wy__hex_decode(f.p, f.n, out, len);
}

/* A decimal number without sign, at most `max`. Ten digits bound the work and fit uint64. */
static bool decimal(struct field f, uint32_t max, uint32_t *out)
{
    if (f.n == 0 || f.n > 10) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < f.n; i++) {
        if (f.p[i] < '0' || f.p[i] > '9') {
            return false;
        }
        v = v * 10 + (uint64_t)(f.p[i] - '0');
    }
    if (v > max) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* ---- the path ---- */

/* The byte an escape stands for, or -1 for an escape the writer never produces. */
static int unescape(char c)
{
    switch (c) {
    case 't':
        return '\t';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case '\\':
        return '\\';
    default:
        return -1;
    }
}

/* Measures the decoded path (and checks it) when `out` is NULL, else writes it. Returns the
 * decoded length, or SIZE_MAX with `*why` set for a malformed path. */
static size_t path_decode(const struct parsed *ps, char *out, const char **why)
{
    const struct field f = ps->path;
    size_t o = 0;
    for (size_t i = 0; i < f.n; i++) {
        int c = (unsigned char)f.p[i];
        if (ps->path_is_hex) {
            uint8_t byte = 0;
            if (!hex_bytes((struct field){f.p + i, f.n - i >= 2 ? 2 : 1}, 1, &byte)) {
                *why = "\"path_hex\" is not an even number of hex digits";
                return SIZE_MAX;
            }
            c = byte;
            i++;
        } else if (ps->path_escaped && c == '\\') {
            c = i + 1 < f.n ? unescape(f.p[i + 1]) : -1;
            if (c < 0) {
                *why = "the path has an escape other than \\t \\n \\r \\\\";
                return SIZE_MAX;
            }
            i++;
        }
        /* A NUL would silently cut the file name short in every C string that carries it. */
        if (c == '\0') {
            *why = "the path contains a NUL byte";
            return SIZE_MAX;
        }
        if (out != NULL) {
            out[o] = (char)c;
        }
        o++;
    }
    return o;
}

/* ---- TSV ---- */

#define TSV_COLS_MAX 8

/* Splits at tabs; returns the number of columns, or TSV_COLS_MAX + 1 when there are more. */
static size_t tsv_split(struct field line, struct field cols[TSV_COLS_MAX])
{
    size_t count = 0;
    const char *p = line.p;
    const char *end = line.p + line.n;
    for (;;) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        const char *stop = tab != NULL ? tab : end;
        if (count == TSV_COLS_MAX) {
            return TSV_COLS_MAX + 1;
        }
        cols[count++] = (struct field){p, (size_t)(stop - p)};
        if (tab == NULL) {
            return count;
        }
        p = tab + 1;
    }
}

/* The dihedral column: WY_DIH_COUNT hashes separated by commas. */
static bool tsv_dihedral(struct field f, struct wy_pdq_hash dihedral[WY_DIH_COUNT])
{
    if (f.n != WY_DIH_COUNT * (WY_PDQ_HEX_CHARS + 1) - 1) {
        return false;
    }
    for (size_t d = 0; d < WY_DIH_COUNT; d++) {
        const char *h = f.p + d * (WY_PDQ_HEX_CHARS + 1);
        if (d + 1 < WY_DIH_COUNT && h[WY_PDQ_HEX_CHARS] != ',') {
            return false;
        }
        if (wy_pdq_from_hex(h, WY_PDQ_HEX_CHARS, &dihedral[d]) != WY_OK) {
            return false;
        }
    }
    return true;
}

static enum wy_status col_fail(struct wy_diag *diag, struct field line, struct field col,
                               const char *what)
{
    wy__diag_set(diag, (int64_t)(col.p - line.p), 0, "%s", what);
    return WY_EPARSE;
}

/* Columns pdq, quality, sha256, md5, width, height: the same in both TSV layouts. */
static enum wy_status tsv_fixed(struct field line, const struct field *cols, struct parsed *ps,
                                struct wy_diag *diag)
{
    struct wy_hash_record *rec = &ps->rec;
    uint32_t quality = 0;
    if (wy_pdq_from_hex(cols[0].p, cols[0].n, &rec->pdq) != WY_OK) {
        return col_fail(diag, line, cols[0], "pdq is not 64 hex digits");
    }
    if (!decimal(cols[1], 100, &quality)) {
        return col_fail(diag, line, cols[1], "quality is not a whole number 0..100");
    }
    rec->quality = (int)quality;
    if (!hex_bytes(cols[2], WY_SHA256_BYTES, rec->digest.sha256)) {
        return col_fail(diag, line, cols[2], "sha256 is not 64 hex digits");
    }
    if (!hex_bytes(cols[3], WY_MD5_BYTES, rec->digest.md5)) {
        return col_fail(diag, line, cols[3], "md5 is not 32 hex digits");
    }
    if (!decimal(cols[4], UINT32_MAX, &rec->info.width_px)) {
        return col_fail(diag, line, cols[4], "width is not a whole number");
    }
    if (!decimal(cols[5], UINT32_MAX, &rec->info.height_px)) {
        return col_fail(diag, line, cols[5], "height is not a whole number");
    }
    return WY_OK;
}

static enum wy_status parse_tsv(struct field line, struct parsed *ps, struct wy_diag *diag)
{
    struct field cols[TSV_COLS_MAX];
    const size_t count = tsv_split(line, cols);
    if (count != 7 && count != 8) {
        return count > TSV_COLS_MAX
                   ? wy__fail(diag, WY_EPARSE, "more than 8 tab-separated columns")
                   : wy__fail(diag, WY_EPARSE, "%zu tab-separated columns (7 or 8 expected)",
                              count);
    }
    const enum wy_status st = tsv_fixed(line, cols, ps, diag);
    if (st != WY_OK) {
        return st;
    }
    if (count == 8 && !tsv_dihedral(cols[6], ps->rec.dihedral)) {
        return col_fail(diag, line, cols[6], "dihedral is not 8 comma-separated PDQ hashes");
    }
    ps->path = cols[count - 1];
    ps->path_escaped = true;
    return WY_OK;
}

/* ---- JSON ---- */

/* A string member as a slice of jansson's storage; false when absent or not a string. */
static bool json_field(json_t *o, const char *key, struct field *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v)) {
        return false;
    }
    *out = (struct field){json_string_value(v), json_string_length(v)};
    return true;
}

static bool json_uint(json_t *o, const char *key, json_int_t max, uint32_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        return false;
    }
    *out = (uint32_t)json_integer_value(v);
    return true;
}

/* A misspelt key is refused rather than ignored, as in hash lists. */
static enum wy_status json_known_keys(json_t *o, struct wy_diag *diag)
{
    static const char *const known[] = {"pdq",    "quality",  "sha256", "md5",     "width",
                                        "height", "dihedral", "path",   "path_hex"};
    const char *unknown = wy__codec_json_unknown_key(o, known, sizeof known / sizeof known[0]);
    return unknown == NULL ? WY_OK : wy__fail(diag, WY_EPARSE, "unknown field \"%.40s\"", unknown);
}

static enum wy_status json_digests(json_t *o, struct wy_hash_record *rec, struct wy_diag *diag)
{
    struct field f;
    uint32_t quality = 0;
    if (!json_field(o, "pdq", &f) || wy_pdq_from_hex(f.p, f.n, &rec->pdq) != WY_OK) {
        return wy__fail(diag, WY_EPARSE, "\"pdq\" is not a string of 64 hex digits");
    }
    if (!json_uint(o, "quality", 100, &quality)) {
        return wy__fail(diag, WY_EPARSE, "\"quality\" is not a whole number 0..100");
    }
    rec->quality = (int)quality;
    if (!json_field(o, "sha256", &f) || !hex_bytes(f, WY_SHA256_BYTES, rec->digest.sha256)) {
        return wy__fail(diag, WY_EPARSE, "\"sha256\" is not a string of 64 hex digits");
    }
    if (!json_field(o, "md5", &f) || !hex_bytes(f, WY_MD5_BYTES, rec->digest.md5)) {
        return wy__fail(diag, WY_EPARSE, "\"md5\" is not a string of 32 hex digits");
    }
    if (!json_uint(o, "width", UINT32_MAX, &rec->info.width_px) ||
        !json_uint(o, "height", UINT32_MAX, &rec->info.height_px)) {
        return wy__fail(diag, WY_EPARSE, "\"width\" and \"height\" are whole numbers");
    }
    return WY_OK;
}

static enum wy_status json_dihedral(json_t *o, struct wy_hash_record *rec, struct wy_diag *diag)
{
    const json_t *arr = json_object_get(o, "dihedral");
    if (arr == NULL) {
        return WY_OK;
    }
    bool ok = json_is_array(arr) && json_array_size(arr) == WY_DIH_COUNT;
    for (size_t d = 0; ok && d < WY_DIH_COUNT; d++) {
        const json_t *v = json_array_get(arr, d);
        ok = json_is_string(v) && wy_pdq_from_hex(json_string_value(v), json_string_length(v),
                                                  &rec->dihedral[d]) == WY_OK;
    }
    return ok ? WY_OK
              : wy__fail(diag, WY_EPARSE, "\"dihedral\" is not an array of 8 PDQ hex strings");
}

static enum wy_status json_path(json_t *o, struct parsed *ps, struct wy_diag *diag)
{
    struct field f;
    if (!json_field(o, "path", &f)) {
        return wy__fail(diag, WY_EPARSE, "\"path\" is missing or not a string");
    }
    ps->path = f;
    if (json_object_get(o, "path_hex") == NULL) {
        return WY_OK;
    }
    if (!json_field(o, "path_hex", &ps->path)) {
        return wy__fail(diag, WY_EPARSE, "\"path_hex\" is not a string");
    }
    ps->path_is_hex = true;
    return WY_OK;
}

static enum wy_status json_members(json_t *o, struct parsed *ps, struct wy_diag *diag)
{
    if (!json_is_object(o)) {
        return wy__fail(diag, WY_EPARSE, "a record is a JSON object");
    }
    enum wy_status st = json_known_keys(o, diag);
    if (st == WY_OK) {
        st = json_digests(o, &ps->rec, diag);
    }
    if (st == WY_OK) {
        st = json_dihedral(o, &ps->rec, diag);
    }
    return st == WY_OK ? json_path(o, ps, diag) : st;
}

/* ---- the line ---- */

/* Hands the record and the decoded path to the caller, all or nothing. */
static enum wy_status finish(const struct parsed *ps, struct wy_hash_record *rec, char *path,
                             size_t path_cap, struct wy_diag *diag)
{
    const char *why = NULL;
    const size_t n = path_decode(ps, NULL, &why);
    if (n == SIZE_MAX) {
        return wy__fail(diag, WY_EPARSE, "%s", why);
    }
    if (n == 0) {
        return wy__fail(diag, WY_EPARSE, "the path is empty");
    }
    if (n >= path_cap) {
        return wy__fail(diag, WY_ETOOBIG, "the path is longer than %zu bytes", path_cap - 1);
    }
    (void)path_decode(ps, path, &why);
    path[n] = '\0';
    *rec = ps->rec;
    return WY_OK;
}

enum wy_status wy_codec_hash_parse_line(const char *line, size_t len, struct wy_hash_record *rec,
                                        char *path, size_t path_cap, struct wy_diag *diag)
{
    wy_diag_clear(diag);
    struct field f = {line, len};
    /* One line ending, LF or CRLF, belongs to the line; a raw CR never occurs in a record. */
    if (f.n > 0 && f.p[f.n - 1] == '\n') {
        f.n--;
    }
    if (f.n > 0 && f.p[f.n - 1] == '\r') {
        f.n--;
    }
    if (f.n > WY_CODEC_HASH_LINE_MAX) {
        return wy__fail(diag, WY_ETOOBIG, "longer than %u bytes", WY_CODEC_HASH_LINE_MAX);
    }
    if (f.n > 0 && memchr(f.p, '\n', f.n) != NULL) {
        return wy__fail(diag, WY_EPARSE, "more than one line");
    }
    struct parsed ps;
    memset(&ps, 0, sizeof ps);
    if (f.n == 0 || f.p[0] != '{') {
        const enum wy_status st = parse_tsv(f, &ps, diag);
        return st == WY_OK ? finish(&ps, rec, path, path_cap, diag) : st;
    }
    json_error_t err;
    json_t *o = json_loadb(f.p, f.n, JSON_REJECT_DUPLICATES, &err);
    if (o == NULL) {
        return wy__fail(diag, WY_EPARSE, "JSON: %s", err.text);
    }
    enum wy_status st = json_members(o, &ps, diag);
    if (st == WY_OK) {
        st = finish(&ps, rec, path, path_cap, diag);
    }
    json_decref(o);
    return st;
}
