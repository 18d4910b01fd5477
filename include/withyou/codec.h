/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec.h: machine-readable text for fingerprints: TSV and JSON lines.
 *
 * TSV columns of a hash record: pdq, quality, sha256, md5, width, height, [dihedral,] path. The
 * dihedral column holds the 8 hashes comma-separated in the reference's order. A path containing
 * a tab, newline, carriage return or backslash is escaped as \t, \n, \r, \\ so that every record
 * stays one line. JSON lines carry the same fields; a path that is not valid UTF-8 is written
 * with U+FFFD replacements in "path" and exactly in "path_hex".
 *
 * Hash lists (wy_codec_list_*) are the interchange formats of fingerprint banks: ThreatExchange
 * style PDQ lists ("hex" or "hex,quality" per line), MD5 lists (one hex digest per line) and
 * withyou's own JSON lines, which carry kinds, cases and source labels. The reader is line by
 * line with caps on line length and record count, and names the 1-based line of the first bad
 * line in its diag. Lists hold plaintext fingerprints: see wy_bank_export().
 *
 * Video fingerprints (wy_codec_vpdq_*, wy_codec_video_*) are written as Meta ThreatExchange's
 * vPDQ hash files, as one withyou JSON line per video, or as a one-line TSV summary with the
 * columns of a hash record. Times are whole milliseconds in memory and seconds with three
 * decimals in text, so every writer's output reads back to the same fingerprint.
 *
 * Thread-safety: pure; buffers come from the context's allocator.
 */
#ifndef WY_WITHYOU_CODEC_H
#define WY_WITHYOU_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/bank.h"
#include "withyou/pipeline.h"
#include "withyou/video.h"

#ifdef __cplusplus
extern "C" {
#endif

enum wy_codec_format {
    WY_CODEC_TSV = 0,
    WY_CODEC_JSON = 1,
    WY_CODEC_TEXT = 2, /* match lines only: one sentence per match, for people */
};

/** Flags for wy_codec_hash_line(). */
#define WY_CODEC_DIHEDRAL 1u /* include the dihedral column / field */

/** The TSV header line (with trailing newline) matching `flags`. */
WY_API const char *wy_codec_hash_header(unsigned flags);

/**
 * Formats one record as a line ending in '\n'.
 * @param out      receives a NUL-terminated string; caller owns it, release with wy_free().
 * @param out_len  optional, receives strlen(*out).
 * @return WY_OK; WY_ENOMEM; WY_EINVAL for an unknown format.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3, 6) enum wy_status
    wy_codec_hash_line(struct wy_ctx *ctx, const struct wy_hash_record *rec, const char *path,
                       enum wy_codec_format format, unsigned flags, char **out, size_t *out_len);

/** The longest hash line wy_codec_hash_parse_line() accepts, in bytes, without its line ending. */
#define WY_CODEC_HASH_LINE_MAX (64u * 1024u)

/**
 * Parses one line written by wy_codec_hash_line(): the inverse of the writer, so that the output
 * of `withyou hash` can be registered without the pictures. A line starting with '{' is a JSON
 * object, anything else a TSV record.
 *
 * TSV: 7 tab-separated columns (pdq, quality, sha256, md5, width, height, path) or 8 (the
 * dihedral column before the path: 8 PDQ hashes separated by commas). The path's escapes \t \n
 * \r \\ are undone; any other backslash escape is an error. The header line is not a record:
 * callers skip it (it parses as a malformed line). JSON: keys pdq, quality, sha256, md5, width,
 * height and path are required, dihedral (an array of 8 hex strings) and path_hex optional;
 * duplicate or unknown keys are errors. When path_hex is present it gives the path's exact bytes
 * and "path" (with U+FFFD replacements) is ignored.
 *
 * Hex digits may be of either case; quality is 0..100; width and height fit uint32_t. One
 * trailing LF or CRLF is allowed. A path must be non-empty and free of NUL bytes. A record
 * without a dihedral column or field has all-zero `rec->dihedral`; every field of `*rec` other
 * than pdq, dihedral, quality, digest and info.width_px/height_px is zero. The caller caps the
 * number of lines it reads.
 *
 * @param line      the line's bytes; need not be NUL-terminated. Borrowed.
 * @param len       its length, at most WY_CODEC_HASH_LINE_MAX plus the line ending.
 * @param rec       receives the record; written only on success.
 * @param path      receives the path, NUL-terminated; written only on success.
 * @param path_cap  size of `path` in bytes, the NUL included.
 * @param diag      nullable; on failure the reason and, for a TSV column, its byte offset.
 * @return WY_OK; WY_EPARSE (malformed line: column count, hex, numbers, quality out of range,
 *         escapes, JSON syntax or types); WY_ETOOBIG (the line is longer than
 *         WY_CODEC_HASH_LINE_MAX, or the path does not fit in `path_cap`).
 */
WY_API WY_NODISCARD WY_NONNULL(3, 4) enum wy_status
    wy_codec_hash_parse_line(const char *line, size_t len, struct wy_hash_record *rec, char *path,
                             size_t path_cap, struct wy_diag *diag);

/** One match of a query picture against a registered fingerprint (all strings borrowed). */
struct wy_match_row {
    const char *query;    /* the query's path */
    int distance;         /* PDQ Hamming distance; 0 for exact (MD5) matches */
    const char *variant;  /* dihedral variant name (wy_dihedral_name) or "md5" */
    const char *case_ref; /* the case's reference */
    const char *bank;     /* the bank's name */
    /* Video matches (`video` set): the query's and the registered video's segments. A side
     * that is a picture has no times (query_time / ref_time false). */
    bool video;
    bool query_time;
    bool ref_time;
    int64_t q_start_ms;
    int64_t q_end_ms;
    int64_t r_start_ms;
    int64_t r_end_ms;
    size_t frames_matched;
    size_t frames_total;
    double speed;
    double score; /* 0..1 (JSON only) */
};

/**
 * The TSV header of match lines: query, distance, variant, case, bank. A match involving a video
 * has six more columns: query_start, query_end, ref_start, ref_end (seconds, 3 decimals, empty
 * for a picture's side), frames_matched, speed.
 */
WY_API const char *wy_codec_match_header(void);

/**
 * Formats one match as a TSV, JSON or text line ending in '\n' (paths and names escaped as for
 * hash lines). The text form reads "QUERY 00:01:10-00:01:20 ~ registered 00:03:05-00:03:15,
 * 9/10 frames, speed 1.00: case C-1, bank main, distance 4 (original)". Caller owns `*out`;
 * release with wy_free().
 * @return WY_OK; WY_ENOMEM; WY_EINVAL for an unknown format.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4) enum wy_status
    wy_codec_match_line(struct wy_ctx *ctx, const struct wy_match_row *row,
                        enum wy_codec_format format, char **out, size_t *out_len);

/* ---- hash lists ---- */

/** Formats of hash lists. */
enum wy_list_format {
    WY_LIST_AUTO = 0,   /* reading only: sniffed from the first line that is not a comment */
    WY_LIST_TE_PDQ = 1, /* ThreatExchange style: "hex64" or "hex64,quality[,ignored...]" */
    WY_LIST_MD5 = 2,    /* one 32-hex-digit MD5 per line */
    WY_LIST_JSONL = 3,  /* withyou's JSON lines (see docs/internals/codec.md) */
};

/** The longest line a list reader accepts, in bytes, without its line ending. */
#define WY_LIST_LINE_MAX (64u * 1024u)

/** One fingerprint of a list. Strings are NUL-terminated; "" when absent. */
struct wy_list_record {
    enum wy_fp_kind kind;
    uint8_t value[32]; /* 16 bytes used for MD5 */
    int quality;       /* 0..100; -1 when the line gave none or the kind has none */
    char case_ref[WY_CASE_REF_BYTES];
    char source[128];     /* a label; JSON lines only */
    int64_t frame_ms;     /* video frames; -1 otherwise */
    int64_t frame_end_ms; /* video frames standing for a span; -1 when not given */
    int64_t media;        /* JSON lines: the item (picture, video) it belongs to; 0 if not given */
    size_t line;          /* 1-based line number in the list (reading only) */
};

/** Receives each record; a status other than WY_OK stops the reader, which returns it. */
typedef enum wy_status (*wy_list_record_fn)(void *user, const struct wy_list_record *rec);

/**
 * Reads a hash list and calls `fn` for each record, in order. Lines may end in LF or CRLF; blank
 * lines and lines whose first non-blank character is '#' are skipped in every format. Hex digits
 * may be of either case. A JSON line is one flat object (duplicate keys, unknown keys, nesting
 * and wrong types are errors). Records already handed to `fn` stay handed: callers that want
 * all or nothing collect first (as wy_bank_import does).
 * @param max_records  more records than this is an error (WY_ETOOBIG).
 * @param diag         nullable; on failure "line N: reason", with the line's byte offset.
 * @return WY_OK; WY_EPARSE (malformed line, or AUTO could not tell the format); WY_ETOOBIG (a
 *         line over WY_LIST_LINE_MAX, or too many records); WY_EINVAL (unknown format); or the
 *         first status other than WY_OK returned by `fn`.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 5) enum wy_status
    wy_codec_list_parse(struct wy_ctx *ctx, struct wy_bytes data, enum wy_list_format format,
                        size_t max_records, wy_list_record_fn fn, void *user, struct wy_diag *diag);

/**
 * Formats one record as a list line ending in '\n': "hex,quality" (or "hex" when quality is -1)
 * for WY_LIST_TE_PDQ, which takes WY_FP_PDQ records only; "hex" for WY_LIST_MD5, which takes
 * WY_FP_MD5 records only; a JSON object for WY_LIST_JSONL (a source label that is not valid
 * UTF-8 is written with U+FFFD replacements). `rec->line` is ignored.
 * @param out      receives a NUL-terminated string; caller owns it, release with wy_free().
 * @param out_len  optional, receives strlen(*out).
 * @return WY_OK; WY_ENOMEM; WY_EINVAL (the format cannot hold this kind, or unknown format).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4) enum wy_status
    wy_codec_list_line(struct wy_ctx *ctx, const struct wy_list_record *rec,
                       enum wy_list_format format, char **out, size_t *out_len);

/** Sets a record to "nothing given": kind 0, zero value, quality and frame times -1, empty
 *  strings, line 0. */
WY_API WY_NONNULL(1) void wy_list_record_init(struct wy_list_record *rec);

/* ---- video fingerprints ---- */

/** Most frames a video fingerprint read from text may hold (vPDQ lines, JSON "frames"). */
#define WY_CODEC_VIDEO_MAX_FRAMES (10u * 1000u * 1000u)

/** Times in video text are below this many milliseconds (10^9 seconds). */
#define WY_CODEC_VIDEO_MAX_MS INT64_C(1000000000000)

/** The longest video JSON line wy_codec_video_json_parse() accepts, without its line ending. */
#define WY_CODEC_VIDEO_JSON_MAX (64u * 1024u * 1024u)

/**
 * Writes a fingerprint as a vPDQ hash file, the text ThreatExchange's vpdq tools write and read:
 * one line per frame, `frame_number,quality,pdq_hex,seconds` with the seconds to three decimals
 * ("17,93,<64 hex>,0.567"), each line ending in '\n', no header. A collapsed frame is one line
 * at its start_ms: vPDQ has no place for end_ms, nor for the digests, size, codec or path.
 * @param out  receives the NUL-terminated text; caller owns it, release with wy_free().
 * @param len  optional, receives strlen(*out).
 * @return WY_OK; WY_ENOMEM; WY_EINVAL when `fp` could not be read back: no frames, more than
 *         WY_CODEC_VIDEO_MAX_FRAMES, a quality outside 0..100, a negative frame number, a time
 *         outside 0..WY_CODEC_VIDEO_MAX_MS, end_ms before start_ms, frames out of time order or
 *         frame numbers not increasing.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3) enum wy_status
    wy_codec_vpdq_write(struct wy_ctx *ctx, const struct wy_video_fp *fp, char **out, size_t *len);

/**
 * Reads a vPDQ hash file (see wy_codec_vpdq_write()). Strict: every line has exactly four
 * comma-separated fields without blanks: a frame number (decimal digits), a quality 0..100, a
 * PDQ hash of 64 hex digits of either case, and a time in seconds (digits with an optional
 * fraction and exponent, "12.345", "0.0319" or "1.02e+03" as older vpdq releases wrote; rounded
 * to the millisecond; no sign, NaN or infinity). Frame numbers increase strictly and times never
 * go backwards. Lines end in LF or CRLF; blank lines are allowed only at the end.
 *
 * `*out` gets one frame per line with end_ms = start_ms, duration_ms = the last frame's time,
 * and everything vPDQ does not carry zeroed (size, frame rate, codec, digest, dihedral, flags).
 * Its frames come from the context's allocator: release them with wy_video_fp_clear().
 * @param text  the file's bytes; need not be NUL-terminated. Borrowed.
 * @param out   written only on success.
 * @param diag  nullable; on failure "line N: reason" (1-based) with the line's byte offset.
 * @return WY_OK; WY_EPARSE (a malformed line); WY_EEMPTY (no frames); WY_ETOOBIG (more than
 *         WY_CODEC_VIDEO_MAX_FRAMES lines, blank ones included: refused before any allocation);
 *         WY_ENOMEM.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4) enum wy_status
    wy_codec_vpdq_parse(struct wy_ctx *ctx, const char *text, size_t len, struct wy_video_fp *out,
                        struct wy_diag *diag);

/**
 * Formats a video fingerprint as one JSON line ending in '\n':
 * {"kind":"video","path":...,["path_hex":...,]"sha256":hex,"md5":hex,"width":N,"height":N,
 *  "duration":s,"frame_rate":x,"codec":"h264","truncated":false,
 *  "frames":[{"t":s,"end":s,"frame":N,"pdq":hex,"quality":Q},...]}
 * Times are seconds with exactly three decimals (t is start_ms, end is end_ms); frame_rate is
 * the shortest decimal that reads back to the same double. A path that is not valid UTF-8 is
 * written with U+FFFD replacements in "path" and exactly in "path_hex". fp->dihedral is not
 * written.
 * @param line  receives the NUL-terminated line; caller owns it, release with wy_free().
 * @return WY_OK; WY_ENOMEM; WY_EINVAL (an empty path, a frame rate that is negative or not
 *         finite, a codec name that is not valid UTF-8 or has no NUL in its array, duration_ms
 *         outside 0..WY_CODEC_VIDEO_MAX_MS, or frames that wy_codec_vpdq_write() refuses).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3, 4) enum wy_status
    wy_codec_video_json(struct wy_ctx *ctx, const struct wy_video_fp *fp, const char *path,
                        char **line);

/**
 * Reads one line written by wy_codec_video_json(): the exact inverse (times to the
 * millisecond). Every key is required except path_hex, which when present gives the path's
 * bytes (and "path" is ignored); unknown or duplicate keys, wrong types and values out of range
 * are errors: kind is "video", hex digits of either case, width and height fit uint32_t, times
 * and frame_rate are numbers >= 0 (times below WY_CODEC_VIDEO_MAX_MS ms), codec has at most 31
 * bytes, 1..WY_CODEC_VIDEO_MAX_FRAMES frames with quality 0..100, end >= t, a frame's t not
 * before the previous frame's end and frame numbers increasing. The path is non-empty and free
 * of NUL bytes. One trailing LF or CRLF is allowed.
 * @param line      the line's bytes; need not be NUL-terminated. Borrowed.
 * @param out       written only on success; frames from the context's allocator, release with
 *                  wy_video_fp_clear(); dihedral is NULL.
 * @param path_out  written only on success: the NUL-terminated path; caller owns it, release
 *                  with wy_free().
 * @param diag      nullable; on failure the reason (for a frame, its 0-based index) and, for
 *                  JSON syntax, the byte offset.
 * @return WY_OK; WY_EPARSE; WY_ETOOBIG (a line over WY_CODEC_VIDEO_JSON_MAX bytes); WY_ENOMEM.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4, 5) enum wy_status
    wy_codec_video_json_parse(struct wy_ctx *ctx, const char *line, size_t len,
                              struct wy_video_fp *out, char **path_out, struct wy_diag *diag);

/**
 * Formats a one-line TSV summary of a video with the 7 columns of an image's hash record
 * (wy_codec_hash_line()): pdq and quality of the frame with the highest quality (the first of
 * equals), sha256, md5, width, height, path (escaped the same way).
 * @param line  receives the NUL-terminated line ending in '\n'; release with wy_free().
 * @return WY_OK; WY_ENOMEM; WY_EINVAL (no frames).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 3, 4) enum wy_status
    wy_codec_video_tsv(struct wy_ctx *ctx, const struct wy_video_fp *fp, const char *path,
                       char **line);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_CODEC_H */
