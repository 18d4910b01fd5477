/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_hash.c: hash records as TSV or JSON lines. JSON goes through jansson so escaping is
 * never hand-rolled; jansson's buffer is copied into one from the context's allocator so callers
 * free everything the same way.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec/codec_int.h"
#include "core/core_int.h"
#include "withyou/codec.h"

static const char tsv_header[] = "pdq\tquality\tsha256\tmd5\twidth\theight\tpath\n";
static const char tsv_header_dih[] = "pdq\tquality\tsha256\tmd5\twidth\theight\tdihedral\tpath\n";

const char *wy_codec_hash_header(unsigned flags)
{
    return (flags & WY_CODEC_DIHEDRAL) ? tsv_header_dih : tsv_header;
}

void wy__codec_buf_put(struct wy__codec_buf *sb, const char *s, size_t n)
{
    if (sb->failed) {
        return;
    }
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 256;
        while (cap < sb->len + n + 1) {
            cap *= 2;
        }
        char *p = wy__realloc(sb->ctx, sb->ptr, cap);
        if (p == NULL) {
            sb->failed = true;
            return;
        }
        sb->ptr = p;
        sb->cap = cap;
    }
    memcpy(sb->ptr + sb->len, s, n);
    sb->len += n;
    sb->ptr[sb->len] = '\0';
}

void wy__codec_buf_str(struct wy__codec_buf *sb, const char *s)
{
    wy__codec_buf_put(sb, s, strlen(s));
}

/* File names may contain any byte but NUL and '/'. Tabs and newlines would split a record, so
 * they are escaped the way PostgreSQL's text COPY format does, which spreadsheet and database
 * importers already understand; the backslash is escaped so the mapping can be undone. */
static void sb_tsv_path(struct wy__codec_buf *sb, const char *path)
{
    for (const char *p = path; *p != '\0'; p++) {
        switch (*p) {
        case '\t':
            wy__codec_buf_str(sb, "\\t");
            break;
        case '\n':
            wy__codec_buf_str(sb, "\\n");
            break;
        case '\r':
            wy__codec_buf_str(sb, "\\r");
            break;
        case '\\':
            wy__codec_buf_str(sb, "\\\\");
            break;
        default:
            wy__codec_buf_put(sb, p, 1);
            break;
        }
    }
}

/* Column order is part of the interface (docs/cli.md): scripts cut by position. */
static void format_tsv(struct wy__codec_buf *sb, const struct wy_hash_record *rec, const char *path,
                       unsigned flags)
{
    char hex[WY_PDQ_HEX_CHARS + 1];
    char sha[2 * WY_SHA256_BYTES + 1];
    char md5[2 * WY_MD5_BYTES + 1];
    char nums[64];
    wy_pdq_to_hex(&rec->pdq, hex);
    wy_hex_encode(rec->digest.sha256, WY_SHA256_BYTES, sha);
    wy_hex_encode(rec->digest.md5, WY_MD5_BYTES, md5);
    wy__codec_buf_str(sb, hex);
    snprintf(nums, sizeof nums, "\t%d\t", rec->quality);
    wy__codec_buf_str(sb, nums);
    wy__codec_buf_str(sb, sha);
    wy__codec_buf_str(sb, "\t");
    wy__codec_buf_str(sb, md5);
    snprintf(nums, sizeof nums, "\t%u\t%u\t", rec->info.width_px, rec->info.height_px);
    wy__codec_buf_str(sb, nums);
    if (flags & WY_CODEC_DIHEDRAL) {
        for (int d = 0; d < WY_DIH_COUNT; d++) {
            wy_pdq_to_hex(&rec->dihedral[d], hex);
            wy__codec_buf_str(sb, hex);
            wy__codec_buf_str(sb, d + 1 < WY_DIH_COUNT ? "," : "\t");
        }
    }
    sb_tsv_path(sb, path);
    wy__codec_buf_str(sb, "\n");
}

/* Rejects overlong forms, surrogates and values past U+10FFFF in a well-framed sequence. */
static bool utf8_scalar_ok(const unsigned char *p, size_t len)
{
    uint32_t cp = p[0] & (0x7fu >> len);
    for (size_t k = 1; k < len; k++) {
        cp = cp << 6 | (p[k] & 0x3fu);
    }
    static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
    return cp >= min_for_len[len] && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff);
}

/* Replaces every byte that is not part of valid UTF-8 with U+FFFD. */
char *wy__codec_utf8_lossy(const char *s, bool *was_valid)
{
    const size_t n = strlen(s);
    char *out = malloc(n * 3 + 1); /* lint: allowed, short-lived scratch for jansson */
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0;
    *was_valid = true;
    for (size_t i = 0; i < n;) {
        const unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++) {
            ok = ((unsigned char)s[i + k] >> 6) == 2;
        }
        if (ok && len > 1) {
            ok = utf8_scalar_ok((const unsigned char *)s + i, len);
        }
        if (!ok) {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            *was_valid = false;
            continue;
        }
        memcpy(out + o, s + i, len);
        o += len;
        i += len;
    }
    out[o] = '\0';
    return out;
}

/* A JSON string holding the hex form of `n` bytes (any length). */
static json_t *hex_string(const uint8_t *bytes, size_t n)
{
    char small[2 * 64 + 1];
    char *hex = n <= 64 ? small : malloc(2 * n + 1); /* lint: allowed, scratch for jansson */
    if (hex == NULL) {
        return NULL;
    }
    wy_hex_encode(bytes, n, hex);
    json_t *s = json_string(hex);
    if (hex != small) {
        free(hex); /* lint: allowed */
    }
    return s;
}

/* Sets o[key] to the path, made valid UTF-8, and o[key + "_hex"] to its exact bytes when it was
 * not valid UTF-8, so that nothing is lost. */
static enum wy_status json_set_path(json_t *o, const char *key, const char *path)
{
    bool valid = true;
    char *clean = wy__codec_utf8_lossy(path, &valid);
    if (clean == NULL) {
        return WY_ENOMEM;
    }
    json_object_set_new(o, key, json_string(clean));
    free(clean); /* lint: allowed */
    if (!valid) {
        char hex_key[64];
        snprintf(hex_key, sizeof hex_key, "%s_hex", key);
        json_object_set_new(o, hex_key, hex_string((const uint8_t *)path, strlen(path)));
    }
    return WY_OK;
}

/* Appends o as one compact line and releases it. */
static enum wy_status sb_json_line(struct wy__codec_buf *sb, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (text == NULL) {
        return WY_ENOMEM;
    }
    wy__codec_buf_str(sb, text);
    wy__codec_buf_str(sb, "\n");
    free(text); /* lint: allowed, jansson's allocator */
    return WY_OK;
}

static enum wy_status format_json(struct wy__codec_buf *sb, const struct wy_hash_record *rec,
                                  const char *path, unsigned flags)
{
    json_t *o = json_object();
    if (o == NULL) {
        return WY_ENOMEM;
    }
    json_object_set_new(o, "pdq", hex_string(rec->pdq.bytes, WY_PDQ_BYTES));
    json_object_set_new(o, "quality", json_integer(rec->quality));
    json_object_set_new(o, "sha256", hex_string(rec->digest.sha256, WY_SHA256_BYTES));
    json_object_set_new(o, "md5", hex_string(rec->digest.md5, WY_MD5_BYTES));
    json_object_set_new(o, "width", json_integer(rec->info.width_px));
    json_object_set_new(o, "height", json_integer(rec->info.height_px));
    if (flags & WY_CODEC_DIHEDRAL) {
        json_t *arr = json_array();
        for (int d = 0; d < WY_DIH_COUNT; d++) {
            json_array_append_new(arr, hex_string(rec->dihedral[d].bytes, WY_PDQ_BYTES));
        }
        json_object_set_new(o, "dihedral", arr);
    }
    if (json_set_path(o, "path", path) != WY_OK) {
        json_decref(o);
        return WY_ENOMEM;
    }
    return sb_json_line(sb, o);
}

/* Hands the finished line to the caller, or frees it on failure. */
enum wy_status wy__codec_buf_finish(struct wy__codec_buf *sb, enum wy_status st, char **out,
                                    size_t *out_len)
{
    if (st == WY_OK && sb->failed) {
        st = WY_ENOMEM;
    }
    if (st != WY_OK) {
        wy__free(sb->ctx, sb->ptr);
        return st;
    }
    *out = sb->ptr;
    if (out_len != NULL) {
        *out_len = sb->len;
    }
    return WY_OK;
}

enum wy_status wy_codec_hash_line(struct wy_ctx *ctx, const struct wy_hash_record *rec,
                                  const char *path, enum wy_codec_format format, unsigned flags,
                                  char **out, size_t *out_len)
{
    struct wy__codec_buf sb = {.ctx = ctx};
    enum wy_status st = WY_OK;
    if (format == WY_CODEC_TSV) {
        format_tsv(&sb, rec, path, flags);
    } else if (format == WY_CODEC_JSON) {
        st = format_json(&sb, rec, path, flags);
    } else {
        return WY_EINVAL;
    }
    return wy__codec_buf_finish(&sb, st, out, out_len);
}

const char *wy_codec_match_header(void)
{
    return "query\tdistance\tvariant\tcase\tbank\n";
}

static bool json_set_seconds(json_t *o, const char *key, int64_t ms)
{
    return json_object_set_new(o, key, json_real((double)ms / 1000.0)) == 0;
}

static bool match_json_video(json_t *o, const struct wy_match_row *row)
{
    bool ok = true;
    if (row->query_time) {
        ok = json_set_seconds(o, "query_start", row->q_start_ms) &&
             json_set_seconds(o, "query_end", row->q_end_ms);
    }
    if (ok && row->ref_time) {
        ok = json_set_seconds(o, "ref_start", row->r_start_ms) &&
             json_set_seconds(o, "ref_end", row->r_end_ms);
    }
    return ok &&
           json_object_set_new(o, "frames_matched",
                               json_integer((json_int_t)row->frames_matched)) == 0 &&
           json_object_set_new(o, "frames_total", json_integer((json_int_t)row->frames_total)) ==
               0 &&
           json_object_set_new(o, "speed", json_real(row->speed)) == 0 &&
           json_object_set_new(o, "score", json_real(row->score)) == 0;
}

static enum wy_status match_json(struct wy__codec_buf *sb, const struct wy_match_row *row)
{
    json_t *o = json_object();
    if (o == NULL || json_set_path(o, "query", row->query) != WY_OK) {
        json_decref(o);
        return WY_ENOMEM;
    }
    json_object_set_new(o, "distance", json_integer(row->distance));
    json_object_set_new(o, "variant", json_string(row->variant));
    if (json_set_path(o, "case", row->case_ref) != WY_OK ||
        json_set_path(o, "bank", row->bank) != WY_OK || (row->video && !match_json_video(o, row))) {
        json_decref(o);
        return WY_ENOMEM;
    }
    return sb_json_line(sb, o);
}

/* "\t12.000\t22.000", or two empty columns for a side without times. */
static void sb_tsv_span(struct wy__codec_buf *sb, bool present, int64_t from_ms, int64_t to_ms)
{
    char num[64];
    if (present) {
        snprintf(num, sizeof num, "\t%.3f\t%.3f", (double)from_ms / 1000.0, (double)to_ms / 1000.0);
        wy__codec_buf_str(sb, num);
    } else {
        wy__codec_buf_str(sb, "\t\t");
    }
}

static void match_tsv(struct wy__codec_buf *sb, const struct wy_match_row *row)
{
    char num[64];
    sb_tsv_path(sb, row->query);
    snprintf(num, sizeof num, "\t%d\t", row->distance);
    wy__codec_buf_str(sb, num);
    wy__codec_buf_str(sb, row->variant);
    wy__codec_buf_str(sb, "\t");
    sb_tsv_path(sb, row->case_ref);
    wy__codec_buf_str(sb, "\t");
    sb_tsv_path(sb, row->bank);
    if (row->video) {
        sb_tsv_span(sb, row->query_time, row->q_start_ms, row->q_end_ms);
        sb_tsv_span(sb, row->ref_time, row->r_start_ms, row->r_end_ms);
        snprintf(num, sizeof num, "\t%zu\t%.2f", row->frames_matched, row->speed);
        wy__codec_buf_str(sb, num);
    }
    wy__codec_buf_str(sb, "\n");
}

/* 00:01:10 (hours grow as needed). */
static void sb_clock(struct wy__codec_buf *sb, int64_t ms)
{
    char num[32];
    const int64_t s = ms / 1000;
    snprintf(num, sizeof num, "%02lld:%02lld:%02lld", (long long)(s / 3600),
             (long long)(s / 60 % 60), (long long)(s % 60));
    wy__codec_buf_str(sb, num);
}

static void sb_clock_span(struct wy__codec_buf *sb, int64_t from_ms, int64_t to_ms)
{
    sb_clock(sb, from_ms);
    wy__codec_buf_str(sb, "-");
    sb_clock(sb, to_ms);
}

static void match_text(struct wy__codec_buf *sb, const struct wy_match_row *row)
{
    char num[96];
    sb_tsv_path(sb, row->query);
    if (row->video) {
        if (row->query_time) {
            wy__codec_buf_str(sb, " ");
            sb_clock_span(sb, row->q_start_ms, row->q_end_ms);
        }
        wy__codec_buf_str(sb, row->ref_time ? " ~ registered " : " ~ registered picture");
        if (row->ref_time) {
            sb_clock_span(sb, row->r_start_ms, row->r_end_ms);
        }
        snprintf(num, sizeof num, ", %zu/%zu frames, speed %.2f", row->frames_matched,
                 row->frames_total, row->speed);
        wy__codec_buf_str(sb, num);
    }
    wy__codec_buf_str(sb, ": case ");
    sb_tsv_path(sb, row->case_ref);
    wy__codec_buf_str(sb, ", bank ");
    sb_tsv_path(sb, row->bank);
    snprintf(num, sizeof num, ", distance %d (", row->distance);
    wy__codec_buf_str(sb, num);
    wy__codec_buf_str(sb, row->variant);
    wy__codec_buf_str(sb, ")\n");
}

enum wy_status wy_codec_match_line(struct wy_ctx *ctx, const struct wy_match_row *row,
                                   enum wy_codec_format format, char **out, size_t *out_len)
{
    struct wy__codec_buf sb = {.ctx = ctx};
    enum wy_status st = WY_OK;
    if (format == WY_CODEC_TSV) {
        match_tsv(&sb, row);
    } else if (format == WY_CODEC_JSON) {
        st = match_json(&sb, row);
    } else if (format == WY_CODEC_TEXT) {
        match_text(&sb, row);
    } else {
        return WY_EINVAL;
    }
    return wy__codec_buf_finish(&sb, st, out, out_len);
}
