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
 * Thread-safety: pure; buffers come from the context's allocator.
 */
#ifndef WY_WITHYOU_CODEC_H
#define WY_WITHYOU_CODEC_H

#include <stdbool.h>
#include <stddef.h>

#include "withyou/pipeline.h"

#ifdef __cplusplus
extern "C" {
#endif

enum wy_codec_format {
    WY_CODEC_TSV = 0,
    WY_CODEC_JSON = 1,
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

/** One match of a query picture against a registered fingerprint (all strings borrowed). */
struct wy_match_row {
    const char *query;    /* the query's path */
    int distance;         /* PDQ Hamming distance; 0 for exact (MD5) matches */
    const char *variant;  /* dihedral variant name (wy_dihedral_name) or "md5" */
    const char *case_ref; /* the case's reference */
    const char *bank;     /* the bank's name */
};

/** The TSV header of match lines: query, distance, variant, case, bank. */
WY_API const char *wy_codec_match_header(void);

/**
 * Formats one match as a TSV or JSON line ending in '\n' (paths and names escaped as for hash
 * lines). Caller owns `*out`; release with wy_free().
 * @return WY_OK; WY_ENOMEM; WY_EINVAL for an unknown format.
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2, 4) enum wy_status
    wy_codec_match_line(struct wy_ctx *ctx, const struct wy_match_row *row,
                        enum wy_codec_format format, char **out, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_CODEC_H */
