/* SPDX-License-Identifier: Apache-2.0 */
/*
 * core_int.h: library-internal services shared by every module: the context layout, the one
 * allocation path, diagnostics, assertions and CPU detection.
 */
#ifndef WY_CORE_CORE_INT_H
#define WY_CORE_CORE_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "withyou/ctx.h"
#include "withyou/status.h"

struct wy_ctx {
    struct wy_allocator allocator;
    enum wy_cpu_level cpu;
    wy_log_fn log_fn;
    void *log_user;
};

/* The only allocation path of the library (the lint rejects raw malloc/free in lib/). */
void *wy__alloc(struct wy_ctx *ctx, size_t size);
void *wy__calloc(struct wy_ctx *ctx, size_t count, size_t size);
void *wy__realloc(struct wy_ctx *ctx, void *ptr, size_t size);
void wy__free(struct wy_ctx *ctx, void *ptr);

/* Multiplies two sizes, returning false on overflow. */
static inline int wy__mul_overflow(size_t a, size_t b, size_t *out)
{
    return __builtin_mul_overflow(a, b, out);
}

/* Fills a diag (NULL is ignored); the message is formatted printf-style and truncated. */
void wy__diag_set(struct wy_diag *diag, int64_t offset, int native, const char *fmt, ...)
    WY_PRINTF(4, 5);

/* Returns `status` after filling the diag: for one-line error exits. */
enum wy_status wy__fail(struct wy_diag *diag, enum wy_status status, const char *fmt, ...)
    WY_PRINTF(3, 4);

/* Logs through the context's callback, if any. */
void wy__log(const struct wy_ctx *ctx, enum wy_log_level level, const char *fmt, ...)
    WY_PRINTF(3, 4);

/* Broken internal invariant: not for bad input, which gets a status. */
WY_NORETURN void wy__panic(const char *file, int line, const char *what);

#ifdef NDEBUG
#define WY_ASSERT(cond) ((void)0)
#else
#define WY_ASSERT(cond) ((cond) ? (void)0 : wy__panic(__FILE__, __LINE__, #cond))
#endif

/* Writes 2*len lower-case hex digits and a NUL into `hex`. */
void wy__hex_encode(const uint8_t *bytes, size_t len, char *hex);

/* Decodes exactly 2*len hex digits of either case from `text` (text_len must be 2*len); `out` is
 * written only when every digit is valid. */
bool wy__hex_decode(const char *text, size_t text_len, uint8_t *out, size_t len);

struct wy_bytes;
/* Maps a regular file of at most max_bytes read-only (large videos are not copied to the heap);
 * an empty file maps to {NULL, 0}. Statuses of wy_file_read(). Release with wy__file_unmap().
 * A file truncated by another process while mapped raises SIGBUS: callers map only files they
 * own or accept that risk, as every mmap reader does. */
enum wy_status wy__file_map(const char *path, uint64_t max_bytes, struct wy_bytes *out,
                            struct wy_diag *diag);
void wy__file_unmap(struct wy_bytes *bytes);

/* Reads up to `cap` bytes from the start of a regular file, for sniffing its format. */
enum wy_status wy__file_head(const char *path, uint8_t *buf, size_t cap, size_t *len,
                             struct wy_diag *diag);

/* Monotonic clock in nanoseconds, for the timings reported to benchmarks. */
uint64_t wy__now_ns(void);

#endif /* WY_CORE_CORE_INT_H */
