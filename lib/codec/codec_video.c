/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_video.c: video fingerprints as text. Three forms: the vPDQ hash file of Meta's
 * ThreatExchange (vpdq/cpp/vpdq/cpp/io/vpdqio.cpp writes "frame,quality,hex,seconds" lines with
 * the seconds fixed to three decimals), so that hashes can be exchanged with tools built on
 * vpdq; withyou's own JSON line, which keeps everything a fingerprint holds; and a TSV summary
 * with the columns of an image's hash record, for spreadsheets and `cut`.
 *
 * Times are whole milliseconds in memory and seconds with three decimals in text. They are
 * printed and read digit by digit, never through printf's or strtod's floating point, so the
 * text is exact and does not depend on the locale's decimal point. Readers are strict, since
 * their input comes from outside: the first bad line or field is named in the diag, and nothing
 * is handed out unless the whole input was accepted. Writers refuse a fingerprint that their
 * reader would refuse, so whatever is written reads back.
 */
#include "wy_setup.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec/codec_int.h"
#include "core/core_int.h"
#include "withyou/codec.h"

/* A borrowed slice of the input. */
struct span {
    const char *p;
    size_t n;
};

/* ---- shared by the writers ---- */

static bool frame_ok(const struct wy_video_frame *f)
{
    return f->quality >= 0 && f->quality <= 100 && f->frame_no >= 0 && f->start_ms >= 0 &&
           f->end_ms >= f->start_ms && f->end_ms < WY_CODEC_VIDEO_MAX_MS;
}

/* The frames satisfy what both readers check: in time order without overlap, frame numbers
 * increasing, every value in range. */
static bool frames_ok(const struct wy_video_fp *fp)
{
    if (fp->count == 0 || fp->count > WY_CODEC_VIDEO_MAX_FRAMES || fp->frames == NULL) {
        return false;
    }
    for (size_t i = 0; i < fp->count; i++) {
        const struct wy_video_frame *f = &fp->frames[i];
        if (!frame_ok(f) ||
            (i > 0 && (f->start_ms < f[-1].end_ms || f->frame_no <= f[-1].frame_no))) {
            return false;
        }
    }
    return true;
}

/* Milliseconds (0..WY_CODEC_VIDEO_MAX_MS) as seconds with three decimals: 12345 -> "12.345". */
static void format_seconds(int64_t ms, char out[32])
{
    snprintf(out, 32, "%" PRId64 ".%03d", ms / 1000, (int)(ms % 1000));
}

/* ---- vPDQ ---- */

enum wy_status wy_codec_vpdq_write(struct wy_ctx *ctx, const struct wy_video_fp *fp, char **out,
                                   size_t *len)
{
    if (!frames_ok(fp)) {
        return WY_EINVAL;
    }
    struct wy__codec_buf sb = {.ctx = ctx};
    for (size_t i = 0; i < fp->count && !sb.failed; i++) {
        const struct wy_video_frame *f = &fp->frames[i];
        char hex[WY_PDQ_HEX_CHARS + 1];
        char seconds[32];
        char line[160];
        wy_pdq_to_hex(&f->pdq, hex);
        format_seconds(f->start_ms, seconds);
        snprintf(line, sizeof line, "%" PRId64 ",%d,%s,%s\n", f->frame_no, f->quality, hex,
                 seconds);
        wy__codec_buf_str(&sb, line);
    }
    return wy__codec_buf_finish(&sb, WY_OK, out, len);
}

/* No valid vPDQ line comes near this: 19 digits, 3, 64 and a time. */
#define VPDQ_LINE_MAX 256

/* A decimal number without sign or blanks, at most `max`. */
static bool parse_uint(struct span s, uint64_t max, uint64_t *out)
{
    if (s.n == 0) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9') {
            return false;
        }
        const uint64_t digit = (uint64_t)(s.p[i] - '0');
        if (digit > max || v > (max - digit) / 10) {
            return false;
        }
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

/* An exponent after 'e' or 'E': an optional sign and 1 to 3 digits. */
static bool parse_exponent(struct span s, int *out)
{
    const bool negative = s.n > 0 && s.p[0] == '-';
    if (s.n > 0 && (s.p[0] == '-' || s.p[0] == '+')) {
        s.p++;
        s.n--;
    }
    uint64_t v = 0;
    if (s.n > 3 || !parse_uint(s, 999, &v)) {
        return false;
    }
    *out = negative ? -(int)v : (int)v;
    return true;
}

/*
 * Seconds as vpdq writes them ("12.345"; releases before the fixed format wrote three
 * significant digits: "0.0319", "1.02e+03") to whole milliseconds, rounded half up: digits, an
 * optional '.' followed by digits, an optional exponent. Each digit is added at its place value,
 * so the result is exact; a value of WY_CODEC_VIDEO_MAX_MS or more is refused.
 */
static bool parse_seconds(struct span s, int64_t *out)
{
    static const int64_t pow10[13] = {
        1,        10,        100,        1000,        10000,        100000,       1000000,
        10000000, 100000000, 1000000000, 10000000000, 100000000000, 1000000000000};
    size_t mantissa_n = 0;
    while (mantissa_n < s.n && s.p[mantissa_n] != 'e' && s.p[mantissa_n] != 'E') {
        mantissa_n++;
    }
    int exp10 = 0;
    if (mantissa_n < s.n &&
        !parse_exponent((struct span){s.p + mantissa_n + 1, s.n - mantissa_n - 1}, &exp10)) {
        return false;
    }
    const char *dot = memchr(s.p, '.', mantissa_n);
    const size_t int_digits = dot != NULL ? (size_t)(dot - s.p) : mantissa_n;
    if (int_digits == 0 || (dot != NULL && dot + 1 == s.p + mantissa_n)) {
        return false;
    }
    /* The place (power of ten, in milliseconds) of the first digit; each further digit is one
     * place lower. The digit at place -1 decides the rounding; lower ones cannot change it. */
    long place = (long)int_digits - 1 + exp10 + 3;
    int64_t ms = 0;
    bool round_up = false;
    for (size_t i = 0; i < mantissa_n; i++) {
        const char c = s.p[i];
        if (s.p + i == dot) {
            continue;
        }
        if (c < '0' || c > '9') {
            return false;
        }
        if (c != '0' && place > 12) {
            return false;
        }
        if (place >= 0 && c != '0') {
            ms += (c - '0') * pow10[place];
        }
        round_up = place == -1 ? c >= '5' : round_up;
        place--;
    }
    ms += round_up;
    if (ms >= WY_CODEC_VIDEO_MAX_MS) {
        return false;
    }
    *out = ms;
    return true;
}

/* Splits a line at its commas into exactly four fields; false for any other count. */
static bool split_fields(struct span line, struct span fields[4])
{
    size_t count = 0;
    const char *end = line.p + line.n;
    for (const char *p = line.p;; count++) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        if (count == 4) {
            return false;
        }
        fields[count] = (struct span){p, (size_t)((comma != NULL ? comma : end) - p)};
        if (comma == NULL) {
            return count == 3;
        }
        p = comma + 1;
    }
}

/* One line's frame; NULL, or why the line is refused. */
static const char *vpdq_frame(struct span line, struct wy_video_frame *f)
{
    struct span fields[4];
    uint64_t frame_no = 0;
    uint64_t quality = 0;
    int64_t ms = 0;
    if (line.n > VPDQ_LINE_MAX) {
        return "longer than any vPDQ line (256 bytes)";
    }
    if (!split_fields(line, fields)) {
        return "not 4 comma-separated fields (frame,quality,pdq,seconds)";
    }
    if (!parse_uint(fields[0], INT64_MAX, &frame_no)) {
        return "the frame number is not a whole number";
    }
    if (!parse_uint(fields[1], 100, &quality)) {
        return "the quality is not a whole number 0..100";
    }
    if (wy_pdq_from_hex(fields[2].p, fields[2].n, &f->pdq) != WY_OK) {
        return "the PDQ hash is not 64 hex digits";
    }
    if (!parse_seconds(fields[3], &ms)) {
        return "the time is not a number of seconds >= 0 (below 10^9)";
    }
    f->frame_no = (int64_t)frame_no;
    f->quality = (int)quality;
    f->start_ms = ms;
    f->end_ms = ms;
    return NULL;
}

/* Where the reader is in the text. */
struct vpdq_reader {
    const char *text;
    size_t len;
    size_t pos;
    size_t line_no;     /* 1-based number of the line last returned */
    size_t line_offset; /* its byte offset */
    struct wy_diag *diag;
};

/* The next line without its LF or CRLF; false at the end of the text. */
static bool next_line(struct vpdq_reader *r, struct span *line)
{
    if (r->pos >= r->len) {
        return false;
    }
    const char *start = r->text + r->pos;
    const char *nl = memchr(start, '\n', r->len - r->pos);
    size_t n = nl != NULL ? (size_t)(nl - start) : r->len - r->pos;
    r->line_no++;
    r->line_offset = r->pos;
    r->pos += n + (nl != NULL);
    if (n > 0 && start[n - 1] == '\r') {
        n--;
    }
    *line = (struct span){start, n};
    return true;
}

static enum wy_status line_fail(const struct vpdq_reader *r, const char *why)
{
    wy__diag_set(r->diag, (int64_t)r->line_offset, 0, "line %zu: %s", r->line_no, why);
    return WY_EPARSE;
}

/* Reads every line into `frames` (room for one per line) and sets `*count`. */
static enum wy_status vpdq_frames(struct vpdq_reader *r, struct wy_video_frame *frames,
                                  size_t *count)
{
    size_t n = 0;
    bool blank_seen = false;
    struct span line;
    while (next_line(r, &line)) {
        if (line.n == 0) {
            blank_seen = true;
            continue;
        }
        if (blank_seen) {
            return line_fail(r, "a frame after a blank line (blank lines may only end the file)");
        }
        struct wy_video_frame *f = &frames[n];
        const char *why = vpdq_frame(line, f);
        if (why != NULL) {
            return line_fail(r, why);
        }
        if (n > 0 && f->frame_no <= f[-1].frame_no) {
            return line_fail(r, "the frame number does not increase");
        }
        if (n > 0 && f->start_ms < f[-1].start_ms) {
            return line_fail(r, "the time goes backwards");
        }
        n++;
    }
    *count = n;
    return WY_OK;
}

/* Lines in the text, a final line without LF included; stops counting past `max`. */
static size_t count_lines(const char *text, size_t len, size_t max)
{
    size_t lines = 0;
    for (size_t pos = 0; pos < len && lines <= max; lines++) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        pos = nl != NULL ? (size_t)(nl - text) + 1 : len;
    }
    return lines;
}

enum wy_status wy_codec_vpdq_parse(struct wy_ctx *ctx, const char *text, size_t len,
                                   struct wy_video_fp *out, struct wy_diag *diag)
{
    wy_diag_clear(diag);
    /* The line count bounds the frames, so the array is sized (and refused) before any work. */
    const size_t lines = count_lines(text, len, WY_CODEC_VIDEO_MAX_FRAMES);
    if (lines > WY_CODEC_VIDEO_MAX_FRAMES) {
        return wy__fail(diag, WY_ETOOBIG, "line %u: more than %u lines",
                        WY_CODEC_VIDEO_MAX_FRAMES + 1, WY_CODEC_VIDEO_MAX_FRAMES);
    }
    if (lines == 0) {
        return wy__fail(diag, WY_EEMPTY, "no frames");
    }
    struct wy_video_frame *frames = wy__calloc(ctx, lines, sizeof *frames);
    if (frames == NULL) {
        return WY_ENOMEM;
    }
    struct vpdq_reader r = {.text = text, .len = len, .diag = diag};
    size_t count = 0;
    enum wy_status st = vpdq_frames(&r, frames, &count);
    if (st == WY_OK && count == 0) {
        st = wy__fail(diag, WY_EEMPTY, "no frames");
    }
    if (st != WY_OK) {
        wy__free(ctx, frames);
        return st;
    }
    memset(out, 0, sizeof *out);
    out->frames = frames;
    out->count = count;
    out->duration_ms = frames[count - 1].start_ms;
    return WY_OK;
}

/* ---- JSON: writing ---- */

/* Appends "key": and s as a JSON string (jansson escapes it), made valid UTF-8 first;
 * `*was_valid` tells whether it already was. False when out of memory. */
static bool buf_json_string(struct wy__codec_buf *sb, const char *key, const char *s,
                            bool *was_valid)
{
    char *clean = wy__codec_utf8_lossy(s, was_valid);
    json_t *str = clean != NULL ? json_string(clean) : NULL;
    free(clean); /* lint: allowed, scratch from wy__codec_utf8_lossy */
    char *text = str != NULL ? json_dumps(str, JSON_ENCODE_ANY) : NULL;
    json_decref(str);
    if (text == NULL) {
        return false;
    }
    wy__codec_buf_str(sb, ",\"");
    wy__codec_buf_str(sb, key);
    wy__codec_buf_str(sb, "\":");
    wy__codec_buf_str(sb, text);
    free(text); /* lint: allowed, jansson's allocator */
    return true;
}

/* Appends "key":"hex of the bytes", in pieces so that no length needs a large buffer. */
static void buf_json_hex(struct wy__codec_buf *sb, const char *key, const uint8_t *bytes, size_t n)
{
    char hex[2 * 64 + 1];
    wy__codec_buf_str(sb, ",\"");
    wy__codec_buf_str(sb, key);
    wy__codec_buf_str(sb, "\":\"");
    for (size_t i = 0; i < n; i += 64) {
        wy__hex_encode(bytes + i, n - i < 64 ? n - i : 64, hex);
        wy__codec_buf_str(sb, hex);
    }
    wy__codec_buf_str(sb, "\"");
}

/* The frame rate as the shortest of 15, 16 or 17 significant digits that reads back to the
 * same double (17 always does). jansson prints it, so the decimal point is '.' in any locale.
 * Returns jansson's string (free() it), or NULL when out of memory. */
static char *frame_rate_text(double rate)
{
    for (unsigned digits = 15; digits <= 17; digits++) {
        json_t *v = json_real(rate);
        char *text =
            v != NULL ? json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(digits)) : NULL;
        json_decref(v);
        if (text == NULL || digits == 17) {
            return text;
        }
        json_t *back = json_loads(text, JSON_DECODE_ANY, NULL);
        const bool same = back != NULL && json_number_value(back) == rate;
        json_decref(back);
        if (same) {
            return text;
        }
        free(text); /* lint: allowed, jansson's allocator */
    }
    return NULL;
}

/* Everything before "frames": the file's identity and stream facts. WY_EINVAL for a codec name
 * that is not valid UTF-8 (it would not read back the same). */
static enum wy_status json_head(struct wy__codec_buf *sb, const struct wy_video_fp *fp,
                                const char *path)
{
    bool path_valid = true;
    bool codec_valid = true;
    char nums[128];
    char duration[32];
    char *rate = frame_rate_text(fp->frame_rate);
    if (rate == NULL) {
        return WY_ENOMEM;
    }
    wy__codec_buf_str(sb, "{\"kind\":\"video\"");
    bool ok = buf_json_string(sb, "path", path, &path_valid);
    if (ok && !path_valid) {
        buf_json_hex(sb, "path_hex", (const uint8_t *)path, strlen(path));
    }
    buf_json_hex(sb, "sha256", fp->digest.sha256, WY_SHA256_BYTES);
    buf_json_hex(sb, "md5", fp->digest.md5, WY_MD5_BYTES);
    format_seconds(fp->duration_ms, duration);
    snprintf(nums, sizeof nums, ",\"width\":%" PRIu32 ",\"height\":%" PRIu32 ",\"duration\":%s",
             fp->width_px, fp->height_px, duration);
    wy__codec_buf_str(sb, nums);
    wy__codec_buf_str(sb, ",\"frame_rate\":");
    wy__codec_buf_str(sb, rate);
    free(rate); /* lint: allowed, jansson's allocator */
    ok = ok && buf_json_string(sb, "codec", fp->codec, &codec_valid);
    wy__codec_buf_str(sb, fp->truncated ? ",\"truncated\":true" : ",\"truncated\":false");
    if (!ok) {
        return WY_ENOMEM;
    }
    return codec_valid ? WY_OK : WY_EINVAL;
}

static void json_frame(struct wy__codec_buf *sb, const struct wy_video_frame *f, bool first)
{
    char hex[WY_PDQ_HEX_CHARS + 1];
    char start[32];
    char end[32];
    char text[256];
    wy_pdq_to_hex(&f->pdq, hex);
    format_seconds(f->start_ms, start);
    format_seconds(f->end_ms, end);
    snprintf(text, sizeof text,
             "%s{\"t\":%s,\"end\":%s,\"frame\":%" PRId64 ",\"pdq\":\"%s\",\"quality\":%d}",
             first ? "" : ",", start, end, f->frame_no, hex, f->quality);
    wy__codec_buf_str(sb, text);
}

enum wy_status wy_codec_video_json(struct wy_ctx *ctx, const struct wy_video_fp *fp,
                                   const char *path, char **line)
{
    if (!frames_ok(fp) || path[0] == '\0' || !isfinite(fp->frame_rate) || fp->frame_rate < 0 ||
        memchr(fp->codec, '\0', sizeof fp->codec) == NULL || fp->duration_ms < 0 ||
        fp->duration_ms >= WY_CODEC_VIDEO_MAX_MS) {
        return WY_EINVAL;
    }
    struct wy__codec_buf sb = {.ctx = ctx};
    const enum wy_status st = json_head(&sb, fp, path);
    if (st != WY_OK) {
        return wy__codec_buf_finish(&sb, st, line, NULL);
    }
    wy__codec_buf_str(&sb, ",\"frames\":[");
    for (size_t i = 0; i < fp->count && !sb.failed; i++) {
        json_frame(&sb, &fp->frames[i], i == 0);
    }
    wy__codec_buf_str(&sb, "]}\n");
    return wy__codec_buf_finish(&sb, WY_OK, line, NULL);
}

/* ---- JSON: reading ---- */

/* A time in seconds: a number >= 0 below WY_CODEC_VIDEO_MAX_MS ms, rounded to the millisecond
 * (the writer's three decimals read back exactly). */
static bool json_ms(const json_t *v, int64_t *ms)
{
    if (!json_is_number(v)) {
        return false;
    }
    const double scaled = json_number_value(v) * 1000.0;
    if (!(scaled >= 0.0) || scaled >= (double)WY_CODEC_VIDEO_MAX_MS) {
        return false;
    }
    *ms = (int64_t)llround(scaled);
    return *ms < WY_CODEC_VIDEO_MAX_MS;
}

/* An integer member within 0..max. */
static bool json_uint(json_t *o, const char *key, json_int_t max, json_int_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max) {
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

/* A string member of exactly `bytes` bytes in hex. */
static bool json_hex(json_t *o, const char *key, uint8_t *bytes, size_t n)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) &&
           wy__hex_decode(json_string_value(v), json_string_length(v), bytes, n);
}

/* One element of "frames"; NULL, or why it is refused. */
static const char *json_frame_read(json_t *o, struct wy_video_frame *f)
{
    static const char *const keys[] = {"t", "end", "frame", "pdq", "quality"};
    json_int_t frame_no = 0;
    json_int_t quality = 0;
    if (!json_is_object(o)) {
        return "not an object";
    }
    if (wy__codec_json_unknown_key(o, keys, sizeof keys / sizeof keys[0]) != NULL) {
        return "a key other than t, end, frame, pdq, quality";
    }
    if (!json_ms(json_object_get(o, "t"), &f->start_ms) ||
        !json_ms(json_object_get(o, "end"), &f->end_ms)) {
        return "\"t\" or \"end\" is not a number of seconds >= 0 (below 10^9)";
    }
    if (f->end_ms < f->start_ms) {
        return "\"end\" is before \"t\"";
    }
    if (!json_uint(o, "frame", INT64_MAX, &frame_no)) {
        return "\"frame\" is not a whole number >= 0";
    }
    if (!json_uint(o, "quality", 100, &quality)) {
        return "\"quality\" is not a whole number 0..100";
    }
    if (!json_hex(o, "pdq", f->pdq.bytes, WY_PDQ_BYTES)) {
        return "\"pdq\" is not a string of 64 hex digits";
    }
    f->frame_no = (int64_t)frame_no;
    f->quality = (int)quality;
    return NULL;
}

/* "frames" into `fp->frames`, allocated here (and freed here on failure). */
static enum wy_status json_frames(struct wy_ctx *ctx, json_t *o, struct wy_video_fp *fp,
                                  struct wy_diag *diag)
{
    const json_t *arr = json_object_get(o, "frames");
    const size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > WY_CODEC_VIDEO_MAX_FRAMES) {
        return wy__fail(diag, WY_EPARSE, "\"frames\" is not an array of 1 to %u frames",
                        WY_CODEC_VIDEO_MAX_FRAMES);
    }
    struct wy_video_frame *frames = wy__calloc(ctx, n, sizeof *frames);
    if (frames == NULL) {
        return WY_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        struct wy_video_frame *f = &frames[i];
        const char *why = json_frame_read(json_array_get(arr, i), f);
        if (why == NULL && i > 0 && f->start_ms < f[-1].end_ms) {
            why = "\"t\" is before the previous frame's \"end\"";
        }
        if (why == NULL && i > 0 && f->frame_no <= f[-1].frame_no) {
            why = "the frame number does not increase";
        }
        if (why != NULL) {
            wy__free(ctx, frames);
            return wy__fail(diag, WY_EPARSE, "\"frames\"[%zu]: %s", i, why);
        }
    }
    fp->frames = frames;
    fp->count = n;
    return WY_OK;
}

/* Size, duration, frame rate, codec and flags. */
static enum wy_status json_stream(json_t *o, struct wy_video_fp *fp, struct wy_diag *diag)
{
    json_int_t width = 0;
    json_int_t height = 0;
    const json_t *rate = json_object_get(o, "frame_rate");
    const json_t *codec = json_object_get(o, "codec");
    const json_t *truncated = json_object_get(o, "truncated");
    if (!json_uint(o, "width", UINT32_MAX, &width) ||
        !json_uint(o, "height", UINT32_MAX, &height)) {
        return wy__fail(diag, WY_EPARSE, "\"width\" and \"height\" are whole numbers");
    }
    if (!json_ms(json_object_get(o, "duration"), &fp->duration_ms)) {
        return wy__fail(diag, WY_EPARSE, "\"duration\" is not a number of seconds >= 0");
    }
    if (!json_is_number(rate) || !(json_number_value(rate) >= 0.0)) {
        return wy__fail(diag, WY_EPARSE, "\"frame_rate\" is not a number >= 0");
    }
    if (!json_is_string(codec) || json_string_length(codec) >= sizeof fp->codec) {
        return wy__fail(diag, WY_EPARSE, "\"codec\" is not a string of at most %zu bytes",
                        sizeof fp->codec - 1);
    }
    if (!json_is_boolean(truncated)) {
        return wy__fail(diag, WY_EPARSE, "\"truncated\" is not true or false");
    }
    fp->width_px = (uint32_t)width;
    fp->height_px = (uint32_t)height;
    fp->frame_rate = json_number_value(rate);
    memcpy(fp->codec, json_string_value(codec), json_string_length(codec) + 1);
    fp->truncated = json_is_true(truncated);
    return WY_OK;
}

/* The path: path_hex's bytes when present, else "path"; non-empty and without NUL. */
static enum wy_status json_path(struct wy_ctx *ctx, json_t *o, char **path, struct wy_diag *diag)
{
    const json_t *plain = json_object_get(o, "path");
    const json_t *hex = json_object_get(o, "path_hex");
    if (!json_is_string(plain) || (hex != NULL && !json_is_string(hex))) {
        return wy__fail(diag, WY_EPARSE, "\"path\" (or \"path_hex\") is missing or not a string");
    }
    const json_t *src = hex != NULL ? hex : plain;
    const size_t src_n = json_string_length(src);
    const size_t n = hex != NULL ? src_n / 2 : src_n;
    char *p = wy__alloc(ctx, n + 1);
    if (p == NULL) {
        return WY_ENOMEM;
    }
    bool decoded = true;
    if (hex != NULL) {
        decoded = wy__hex_decode(json_string_value(src), src_n, (uint8_t *)p, n);
    } else {
        memcpy(p, json_string_value(src), n);
    }
    p[n] = '\0';
    if (!decoded || n == 0 || memchr(p, '\0', n) != NULL) {
        wy__free(ctx, p);
        return wy__fail(diag, WY_EPARSE, "the path is empty, holds a NUL or is not hex");
    }
    *path = p;
    return WY_OK;
}

/* Everything but the frames and the path. */
static enum wy_status json_fields(json_t *o, struct wy_video_fp *fp, struct wy_diag *diag)
{
    static const char *const keys[] = {"kind",       "path",  "path_hex",  "sha256",
                                       "md5",        "width", "height",    "duration",
                                       "frame_rate", "codec", "truncated", "frames"};
    if (!json_is_object(o)) {
        return wy__fail(diag, WY_EPARSE, "a video record is a JSON object");
    }
    const char *unknown = wy__codec_json_unknown_key(o, keys, sizeof keys / sizeof keys[0]);
    if (unknown != NULL) {
        return wy__fail(diag, WY_EPARSE, "unknown field \"%.40s\"", unknown);
    }
    const char *kind = json_string_value(json_object_get(o, "kind"));
    if (kind == NULL || strcmp(kind, "video") != 0) {
        return wy__fail(diag, WY_EPARSE, "\"kind\" is not \"video\"");
    }
    if (!json_hex(o, "sha256", fp->digest.sha256, WY_SHA256_BYTES) ||
        !json_hex(o, "md5", fp->digest.md5, WY_MD5_BYTES)) {
        return wy__fail(diag, WY_EPARSE, "\"sha256\" or \"md5\" is not a hex digest");
    }
    return json_stream(o, fp, diag);
}

/* Parses the object and hands out the fingerprint and the path, all or nothing. */
static enum wy_status json_video(struct wy_ctx *ctx, json_t *o, struct wy_video_fp *out,
                                 char **path_out, struct wy_diag *diag)
{
    struct wy_video_fp fp;
    memset(&fp, 0, sizeof fp);
    char *path = NULL;
    enum wy_status st = json_fields(o, &fp, diag);
    if (st == WY_OK) {
        st = json_path(ctx, o, &path, diag);
    }
    if (st == WY_OK) {
        st = json_frames(ctx, o, &fp, diag);
    }
    if (st != WY_OK) {
        wy__free(ctx, path);
        return st;
    }
    *out = fp;
    *path_out = path;
    return WY_OK;
}

enum wy_status wy_codec_video_json_parse(struct wy_ctx *ctx, const char *line, size_t len,
                                         struct wy_video_fp *out, char **path_out,
                                         struct wy_diag *diag)
{
    wy_diag_clear(diag);
    /* One line ending, LF or CRLF, belongs to the line. */
    if (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }
    if (len > WY_CODEC_VIDEO_JSON_MAX) {
        return wy__fail(diag, WY_ETOOBIG, "longer than %u bytes", WY_CODEC_VIDEO_JSON_MAX);
    }
    if (len > 0 && memchr(line, '\n', len) != NULL) {
        return wy__fail(diag, WY_EPARSE, "more than one line");
    }
    /* Object, "frames" array, frame objects: nothing valid nests deeper. */
    if (!wy__codec_json_depth_ok(line, len, 3)) {
        return wy__fail(diag, WY_EPARSE, "JSON nested deeper than a video record");
    }
    json_error_t err;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
    if (o == NULL) {
        wy__diag_set(diag, (int64_t)err.position, 0, "JSON: %s", err.text);
        return WY_EPARSE;
    }
    const enum wy_status st = json_video(ctx, o, out, path_out, diag);
    json_decref(o);
    return st;
}

/* ---- TSV summary ---- */

enum wy_status wy_codec_video_tsv(struct wy_ctx *ctx, const struct wy_video_fp *fp,
                                  const char *path, char **line)
{
    if (fp->count == 0 || fp->frames == NULL) {
        return WY_EINVAL;
    }
    size_t best = 0;
    for (size_t i = 1; i < fp->count; i++) {
        if (fp->frames[i].quality > fp->frames[best].quality) {
            best = i;
        }
    }
    /* An image record with the best frame as its picture: the image writer does the rest. */
    struct wy_hash_record rec;
    memset(&rec, 0, sizeof rec);
    rec.pdq = fp->frames[best].pdq;
    rec.quality = fp->frames[best].quality;
    rec.digest = fp->digest;
    rec.info.width_px = fp->width_px;
    rec.info.height_px = fp->height_px;
    return wy_codec_hash_line(ctx, &rec, path, WY_CODEC_TSV, 0, line, NULL);
}
