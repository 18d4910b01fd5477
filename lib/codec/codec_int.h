/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_int.h: helpers shared by the codec's files (hash records, hash lists, video text).
 */
#ifndef WY_CODEC_CODEC_INT_H
#define WY_CODEC_CODEC_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "withyou/ctx.h"
#include "withyou/status.h"

/*
 * A copy of `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD, for jansson,
 * which accepts only valid UTF-8. Allocated with libc malloc (scratch handed to jansson, released
 * with free()); NULL when out of memory. `*was_valid` tells whether anything was replaced.
 */
char *wy__codec_utf8_lossy(const char *s, bool *was_valid);

/*
 * True when the JSON text nests brackets at most `max_depth` deep (strings are skipped). Run
 * before jansson so that its recursion is bounded by the shape of the record, not the input.
 * This and wy__codec_json_unknown_key() live in codec_list.c.
 */
bool wy__codec_json_depth_ok(const char *text, size_t len, int max_depth);

/* The first key of object `o` that is not among the `count` names of `known`, or NULL. Readers
 * refuse unknown keys rather than ignore them: a misspelt key must not pass unnoticed. */
const char *wy__codec_json_unknown_key(json_t *o, const char *const *known, size_t count);

/*
 * A growing string from the context's allocator (codec_hash.c). An allocation failure is
 * remembered and reported once by wy__codec_buf_finish(), so formatting code stays a straight
 * sequence of appends. Start from {.ctx = ctx}.
 */
struct wy__codec_buf {
    struct wy_ctx *ctx;
    char *ptr;
    size_t len;
    size_t cap;
    bool failed;
};

/* Appends `n` bytes (NUL-terminated after every append). */
void wy__codec_buf_put(struct wy__codec_buf *sb, const char *s, size_t n);

/* Appends a NUL-terminated string. */
void wy__codec_buf_str(struct wy__codec_buf *sb, const char *s);

/*
 * Hands the text to the caller (`*out`, and `*out_len` when not NULL) if `st` is WY_OK and no
 * append failed; otherwise frees it and returns `st`, or WY_ENOMEM for a failed append.
 */
enum wy_status wy__codec_buf_finish(struct wy__codec_buf *sb, enum wy_status st, char **out,
                                    size_t *out_len);

#endif /* WY_CODEC_CODEC_INT_H */
