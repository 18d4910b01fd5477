/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_list.c: hash lists, the files banks exchange: ThreatExchange-style PDQ lists, MD5 lists
 * and withyou's own JSON lines. The reader walks the bytes line by line without copying them,
 * caps line length and record count before doing any work on a line, and reports the first bad
 * line by its 1-based number so that a caseworker can fix the file. JSON goes through jansson
 * (duplicate keys rejected); since every record is one flat object, anything nested is refused
 * by a bracket scan before jansson sees it, which also bounds jansson's recursion.
 */
#include "wy_setup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec/codec_int.h"
#include "core/core_int.h"
#include "withyou/codec.h"

/* The reader's state: where it is and what it has delivered. */
struct list_reader {
    enum wy_list_format format;
    size_t max_records;
    size_t count;
    wy_list_record_fn fn;
    void *user;
    struct wy_diag *diag;
    size_t line_no;
    size_t line_offset;
};

/* A borrowed slice of the input. */
struct span {
    const char *p;
    size_t n;
};

/* Fills the diag with "line N: reason" and returns `st`. */
static enum wy_status line_fail(const struct list_reader *r, enum wy_status st, const char *fmt,
                                ...) WY_PRINTF(3, 4);

static enum wy_status line_fail(const struct list_reader *r, enum wy_status st, const char *fmt,
                                ...)
{
    char reason[WY_DIAG_MSG_BYTES];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    wy__diag_set(r->diag, (int64_t)r->line_offset, 0, "line %zu: %s", r->line_no, reason);
    return st;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static struct span trim(struct span s)
{
    while (s.n > 0 && is_blank(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && is_blank(s.p[s.n - 1])) {
        s.n--;
    }
    return s;
}

/* Splits `s` at the first comma: returns the part before it and leaves the rest in `s` (empty
 * with p == NULL when there was no comma). */
static struct span next_field(struct span *s)
{
    const char *comma = s->n > 0 ? memchr(s->p, ',', s->n) : NULL;
    struct span field = {s->p, comma != NULL ? (size_t)(comma - s->p) : s->n};
    if (comma == NULL) {
        *s = (struct span){NULL, 0};
    } else {
        s->n -= field.n + 1;
        s->p = comma + 1;
    }
    return trim(field);
}

/* Decodes exactly 2 * len hex digits; `out` is written only when all of them are valid. */
static bool hex_decode(struct span s, size_t len, uint8_t *out)
{
    return wy__hex_decode(s.p, s.n, out, len);
}

/* A PDQ quality: 1 to 3 decimal digits, 0..100. */
static bool parse_quality(struct span s, int *out)
{
    if (s.n == 0 || s.n > 3) {
        return false;
    }
    int v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') {
            return false;
        }
        v = v * 10 + (s.p[i] - '0');
    }
    *out = v;
    return v <= 100;
}

/* "hex64" or "hex64,quality" with any further fields ignored: ThreatExchange exports append
 * columns (timestamps, tags) that mean nothing to a bank. */
static enum wy_status read_te(const struct list_reader *r, struct span s,
                              struct wy_list_record *rec)
{
    const struct span hash = next_field(&s);
    if (!hex_decode(hash, WY_PDQ_BYTES, rec->value)) {
        return line_fail(r, WY_EPARSE, "a PDQ hash is 64 hex digits (got %zu characters)", hash.n);
    }
    rec->kind = WY_FP_PDQ;
    if (s.p != NULL) {
        const struct span quality = next_field(&s);
        if (!parse_quality(quality, &rec->quality)) {
            return line_fail(r, WY_EPARSE, "the quality is not a whole number 0..100");
        }
    }
    return WY_OK;
}

static enum wy_status read_md5(const struct list_reader *r, struct span s,
                               struct wy_list_record *rec)
{
    if (!hex_decode(s, WY_MD5_BYTES, rec->value)) {
        return line_fail(r, WY_EPARSE, "an MD5 is 32 hex digits (got %zu characters)", s.n);
    }
    rec->kind = WY_FP_MD5;
    return WY_OK;
}

/* ---- JSON lines ---- */

static const struct {
    const char *name;
    enum wy_fp_kind kind;
    size_t bytes;
} kinds[] = {{"pdq", WY_FP_PDQ, 32},
             {"video_pdq", WY_FP_VIDEO_PDQ, 32},
             {"md5", WY_FP_MD5, 16},
             {"sha256", WY_FP_SHA256, 32}};

#define KIND_COUNT (sizeof kinds / sizeof kinds[0])

static size_t kind_index(enum wy_fp_kind kind)
{
    for (size_t i = 0; i < KIND_COUNT; i++) {
        if (kinds[i].kind == kind) {
            return i;
        }
    }
    return KIND_COUNT;
}

static bool kind_is_pdq(enum wy_fp_kind kind)
{
    return kind == WY_FP_PDQ || kind == WY_FP_VIDEO_PDQ;
}

/* True when brackets nest at most `max_depth` deep, looking past strings. List records are
 * flat (depth one), so this refuses nothing valid and bounds jansson's recursion. */
bool wy__codec_json_depth_ok(const char *text, size_t len, int max_depth)
{
    const struct span s = {text, len};
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < s.n; i++) {
        const char c = s.p[i];
        if (in_string) {
            i += c == '\\';
            in_string = c != '"';
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth) {
                return false;
            }
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return true;
}

const char *wy__codec_json_unknown_key(json_t *o, const char *const *known, size_t count)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        size_t i = 0;
        while (i < count && strcmp(known[i], key) != 0) {
            i++;
        }
        if (i == count) {
            return key;
        }
    }
    return NULL;
}

/* Copies a JSON string into `dst` (`cap` bytes with the NUL); false if not a string, empty or
 * too long. */
static bool json_copy_string(const json_t *v, char *dst, size_t cap)
{
    if (!json_is_string(v)) {
        return false;
    }
    const size_t n = json_string_length(v);
    if (n == 0 || n >= cap) {
        return false;
    }
    memcpy(dst, json_string_value(v), n + 1);
    return true;
}

static enum wy_status json_kind_value(const struct list_reader *r, json_t *o,
                                      struct wy_list_record *rec)
{
    const char *name = json_string_value(json_object_get(o, "kind"));
    if (name == NULL) {
        return line_fail(r, WY_EPARSE, "\"kind\" is missing or not a string");
    }
    size_t k = 0;
    while (k < KIND_COUNT && strcmp(kinds[k].name, name) != 0) {
        k++;
    }
    if (k == KIND_COUNT) {
        return line_fail(r, WY_EPARSE, "unknown kind (pdq, video_pdq, md5 or sha256)");
    }
    rec->kind = kinds[k].kind;
    const json_t *value = json_object_get(o, "value");
    const struct span hex = {json_string_value(value), json_string_length(value)};
    if (hex.p == NULL || !hex_decode(hex, kinds[k].bytes, rec->value)) {
        return line_fail(r, WY_EPARSE, "\"value\" of a %s is %zu hex digits", kinds[k].name,
                         2 * kinds[k].bytes);
    }
    return WY_OK;
}

/* Reads an optional integer field within [lo, hi]; *out is untouched when absent. */
static bool json_int_field(json_t *o, const char *key, json_int_t lo, json_int_t hi, int64_t *out,
                           bool *present)
{
    const json_t *v = json_object_get(o, key);
    *present = v != NULL;
    if (v == NULL) {
        return true;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        return false;
    }
    *out = (int64_t)json_integer_value(v);
    return true;
}

static enum wy_status json_numbers(const struct list_reader *r, json_t *o,
                                   struct wy_list_record *rec)
{
    int64_t quality = -1;
    bool has_quality = false;
    bool has_frame = false;
    if (!json_int_field(o, "quality", 0, 100, &quality, &has_quality)) {
        return line_fail(r, WY_EPARSE, "\"quality\" is not a whole number 0..100");
    }
    if (has_quality && !kind_is_pdq(rec->kind)) {
        return line_fail(r, WY_EPARSE, "only PDQ hashes have a quality");
    }
    rec->quality = (int)quality;
    if (!json_int_field(o, "frame_ms", 0, INT64_MAX, &rec->frame_ms, &has_frame)) {
        return line_fail(r, WY_EPARSE, "\"frame_ms\" is not a whole number >= 0");
    }
    if (has_frame != (rec->kind == WY_FP_VIDEO_PDQ)) {
        return line_fail(r, WY_EPARSE, "\"frame_ms\" is required for video_pdq, else refused");
    }
    bool has_end = false;
    if (!json_int_field(o, "frame_end_ms", 0, INT64_MAX, &rec->frame_end_ms, &has_end) ||
        (has_end && rec->frame_end_ms < rec->frame_ms)) {
        return line_fail(r, WY_EPARSE, "\"frame_end_ms\" is not a whole number >= frame_ms");
    }
    if (has_end && !has_frame) {
        return line_fail(r, WY_EPARSE, "\"frame_end_ms\" belongs to video_pdq only");
    }
    bool has_media = false;
    if (!json_int_field(o, "media", 1, INT64_MAX, &rec->media, &has_media)) {
        return line_fail(r, WY_EPARSE, "\"media\" is not a whole number >= 1");
    }
    return WY_OK;
}

static enum wy_status json_strings(const struct list_reader *r, json_t *o,
                                   struct wy_list_record *rec)
{
    const json_t *c = json_object_get(o, "case");
    if (c != NULL && !json_copy_string(c, rec->case_ref, sizeof rec->case_ref)) {
        return line_fail(r, WY_EPARSE, "\"case\" is not a string of 1 to %zu bytes",
                         sizeof rec->case_ref - 1);
    }
    const json_t *src = json_object_get(o, "source");
    if (src != NULL && !json_copy_string(src, rec->source, sizeof rec->source)) {
        return line_fail(r, WY_EPARSE, "\"source\" is not a string of 1 to %zu bytes",
                         sizeof rec->source - 1);
    }
    return WY_OK;
}

/* An unknown key is refused rather than ignored: a misspelt "case" would otherwise send the
 * fingerprint silently to the default case. */
static enum wy_status json_known_keys(const struct list_reader *r, json_t *o)
{
    static const char *const known[] = {"kind",   "value",    "quality",      "case",
                                        "source", "frame_ms", "frame_end_ms", "media"};
    const char *unknown = wy__codec_json_unknown_key(o, known, sizeof known / sizeof known[0]);
    return unknown == NULL ? WY_OK : line_fail(r, WY_EPARSE, "unknown field \"%.40s\"", unknown);
}

static enum wy_status read_jsonl(const struct list_reader *r, struct span s,
                                 struct wy_list_record *rec)
{
    if (!wy__codec_json_depth_ok(s.p, s.n, 1)) {
        return line_fail(r, WY_EPARSE, "JSON nested too deep (a record is one flat object)");
    }
    json_error_t err;
    json_t *o = json_loadb(s.p, s.n, JSON_REJECT_DUPLICATES, &err);
    if (o == NULL) {
        return line_fail(r, WY_EPARSE, "JSON: %s", err.text);
    }
    enum wy_status st = WY_OK;
    if (!json_is_object(o)) {
        st = line_fail(r, WY_EPARSE, "a record is a JSON object");
    }
    if (st == WY_OK) {
        st = json_known_keys(r, o);
    }
    if (st == WY_OK) {
        st = json_kind_value(r, o, rec);
    }
    if (st == WY_OK) {
        st = json_numbers(r, o, rec);
    }
    if (st == WY_OK) {
        st = json_strings(r, o, rec);
    }
    json_decref(o);
    return st;
}

/* ---- the line loop ---- */

/* Tells the format from the first line that holds a record. */
static enum wy_status sniff(struct list_reader *r, struct span s)
{
    if (s.p[0] == '{') {
        r->format = WY_LIST_JSONL;
        return WY_OK;
    }
    struct span rest = s;
    const struct span first = next_field(&rest);
    if (first.n == 2 * WY_PDQ_BYTES) {
        r->format = WY_LIST_TE_PDQ;
    } else if (first.n == 2 * WY_MD5_BYTES && rest.p == NULL) {
        r->format = WY_LIST_MD5;
    } else {
        return line_fail(r, WY_EPARSE, "cannot tell the list's format (PDQ, MD5 or JSON lines)");
    }
    return WY_OK;
}

static enum wy_status read_line(struct list_reader *r, struct span s)
{
    s = trim(s);
    if (s.n == 0 || s.p[0] == '#') {
        return WY_OK;
    }
    if (r->format == WY_LIST_AUTO) {
        const enum wy_status sniffed = sniff(r, s);
        if (sniffed != WY_OK) {
            return sniffed;
        }
    }
    if (r->count == r->max_records) {
        return line_fail(r, WY_ETOOBIG, "more than %zu records", r->max_records);
    }
    struct wy_list_record rec;
    wy_list_record_init(&rec);
    rec.line = r->line_no;
    enum wy_status st = WY_OK;
    if (r->format == WY_LIST_TE_PDQ) {
        st = read_te(r, s, &rec);
    } else if (r->format == WY_LIST_MD5) {
        st = read_md5(r, s, &rec);
    } else {
        st = read_jsonl(r, s, &rec);
    }
    if (st != WY_OK) {
        return st;
    }
    r->count++;
    return r->fn(r->user, &rec);
}

void wy_list_record_init(struct wy_list_record *rec)
{
    memset(rec, 0, sizeof *rec);
    rec->quality = -1;
    rec->frame_ms = -1;
    rec->frame_end_ms = -1;
}

enum wy_status wy_codec_list_parse(struct wy_ctx *ctx, struct wy_bytes data,
                                   enum wy_list_format format, size_t max_records,
                                   wy_list_record_fn fn, void *user, struct wy_diag *diag)
{
    (void)ctx; /* the reader allocates nothing of its own; kept for symmetry and future use */
    wy_diag_clear(diag);
    if (format != WY_LIST_AUTO && format != WY_LIST_TE_PDQ && format != WY_LIST_MD5 &&
        format != WY_LIST_JSONL) {
        return wy__fail(diag, WY_EINVAL, "unknown list format %d", (int)format);
    }
    struct list_reader r = {
        .format = format, .max_records = max_records, .fn = fn, .user = user, .diag = diag};
    size_t pos = 0;
    while (pos < data.len) {
        const char *start = (const char *)data.ptr + pos;
        const char *nl = memchr(start, '\n', data.len - pos);
        size_t n = nl != NULL ? (size_t)(nl - start) : data.len - pos;
        r.line_no++;
        r.line_offset = pos;
        pos += n + (nl != NULL);
        if (n > 0 && start[n - 1] == '\r') {
            n--;
        }
        if (n > WY_LIST_LINE_MAX) {
            return line_fail(&r, WY_ETOOBIG, "longer than %u bytes", WY_LIST_LINE_MAX);
        }
        const enum wy_status st = read_line(&r, (struct span){start, n});
        if (st != WY_OK) {
            return st;
        }
    }
    return WY_OK;
}

/* ---- writers ---- */

/* Hands `n` bytes plus a newline to the caller in a buffer from the context's allocator. */
static enum wy_status emit(struct wy_ctx *ctx, const char *s, size_t n, char **out, size_t *out_len)
{
    char *line = wy__alloc(ctx, n + 2);
    if (line == NULL) {
        return WY_ENOMEM;
    }
    memcpy(line, s, n);
    line[n] = '\n';
    line[n + 1] = '\0';
    *out = line;
    if (out_len != NULL) {
        *out_len = n + 1;
    }
    return WY_OK;
}

/* Sets o[key] to a string made valid UTF-8 (file names from a device may not be). */
static bool json_set_lossy(json_t *o, const char *key, const char *s)
{
    bool valid = true;
    char *clean = wy__codec_utf8_lossy(s, &valid);
    if (clean == NULL) {
        return false;
    }
    const int rc = json_object_set_new(o, key, json_string(clean));
    free(clean); /* lint: allowed, scratch from wy__codec_utf8_lossy */
    return rc == 0;
}

static json_t *record_json(const struct wy_list_record *rec, size_t k)
{
    char hex[2 * 32 + 1];
    wy_hex_encode(rec->value, kinds[k].bytes, hex);
    json_t *o = json_object();
    bool ok = o != NULL && json_object_set_new(o, "kind", json_string(kinds[k].name)) == 0 &&
              json_object_set_new(o, "value", json_string(hex)) == 0;
    if (ok && kind_is_pdq(rec->kind) && rec->quality >= 0) {
        ok = json_object_set_new(o, "quality", json_integer(rec->quality)) == 0;
    }
    if (ok && rec->case_ref[0] != '\0') {
        ok = json_set_lossy(o, "case", rec->case_ref);
    }
    if (ok && rec->source[0] != '\0') {
        ok = json_set_lossy(o, "source", rec->source);
    }
    if (ok && rec->kind == WY_FP_VIDEO_PDQ) {
        ok = json_object_set_new(o, "frame_ms", json_integer(rec->frame_ms)) == 0;
    }
    if (ok && rec->kind == WY_FP_VIDEO_PDQ && rec->frame_end_ms > rec->frame_ms) {
        ok = json_object_set_new(o, "frame_end_ms", json_integer(rec->frame_end_ms)) == 0;
    }
    if (ok && rec->media > 0) {
        ok = json_object_set_new(o, "media", json_integer(rec->media)) == 0;
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static enum wy_status write_jsonl(struct wy_ctx *ctx, const struct wy_list_record *rec, size_t k,
                                  char **out, size_t *out_len)
{
    if (memchr(rec->case_ref, '\0', sizeof rec->case_ref) == NULL ||
        memchr(rec->source, '\0', sizeof rec->source) == NULL ||
        (rec->kind == WY_FP_VIDEO_PDQ && rec->frame_ms < 0)) {
        return WY_EINVAL;
    }
    json_t *o = record_json(rec, k);
    if (o == NULL) {
        return WY_ENOMEM;
    }
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (text == NULL) {
        return WY_ENOMEM;
    }
    const enum wy_status st = emit(ctx, text, strlen(text), out, out_len);
    free(text); /* lint: allowed, jansson's allocator */
    return st;
}

enum wy_status wy_codec_list_line(struct wy_ctx *ctx, const struct wy_list_record *rec,
                                  enum wy_list_format format, char **out, size_t *out_len)
{
    const size_t k = kind_index(rec->kind);
    if (k == KIND_COUNT || (kind_is_pdq(rec->kind) && (rec->quality < -1 || rec->quality > 100))) {
        return WY_EINVAL;
    }
    char text[2 * 32 + 16];
    if (format == WY_LIST_TE_PDQ && rec->kind == WY_FP_PDQ) {
        wy_hex_encode(rec->value, WY_PDQ_BYTES, text);
        if (rec->quality >= 0) {
            snprintf(text + 2 * WY_PDQ_BYTES, sizeof text - 2 * WY_PDQ_BYTES, ",%d", rec->quality);
        }
        return emit(ctx, text, strlen(text), out, out_len);
    }
    if (format == WY_LIST_MD5 && rec->kind == WY_FP_MD5) {
        wy_hex_encode(rec->value, WY_MD5_BYTES, text);
        return emit(ctx, text, 2 * WY_MD5_BYTES, out, out_len);
    }
    if (format == WY_LIST_JSONL) {
        return write_jsonl(ctx, rec, k, out, out_len);
    }
    return WY_EINVAL;
}
