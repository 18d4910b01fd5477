/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctx.h: the library context.
 *
 * A `struct wy_ctx` carries what every module needs and nothing else: the allocator, the CPU
 * kernel level chosen for SIMD code, and an optional log callback. The library never prints;
 * anything worth telling the user goes through the log callback or a returned status.
 *
 * Thread-safety: configure a context (wy_ctx_set_*) before sharing it. After that it is only read,
 * so one context may be used by many threads at once, provided its allocator is thread-safe (the
 * default, libc's, is). Objects created from a context (images, hashers) belong to one thread at a
 * time unless their own header says otherwise.
 */
#ifndef WY_WITHYOU_CTX_H
#define WY_WITHYOU_CTX_H

#include <stdbool.h>
#include <stddef.h>

#include "withyou/status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wy_ctx;

/**
 * A custom allocator. All four members are required when one is given. `alloc` and `realloc`
 * return NULL on failure; `free` accepts NULL. `opaque` is passed back unchanged.
 */
struct wy_allocator {
    void *(*alloc)(void *opaque, size_t size);
    void *(*realloc)(void *opaque, void *ptr, size_t size);
    void (*free)(void *opaque, void *ptr);
    void *opaque;
};

/**
 * Kernel levels for the SIMD-accelerated loops (PDQ's box filter and DCT, Hamming distance).
 * Each level includes the ones before it. The scalar code is the specification: every other
 * level gives bit-identical results.
 */
enum wy_cpu_level {
    WY_CPU_SCALAR = 0,
    WY_CPU_POPCNT = 1,
    WY_CPU_AVX2 = 2,
    WY_CPU_AVX512 = 3,
};

/** Severity of a log message. */
enum wy_log_level {
    WY_LOG_DEBUG = 0,
    WY_LOG_INFO = 1,
    WY_LOG_WARN = 2,
};

/** Log callback: `msg` is a NUL-terminated line without a trailing newline. */
typedef void (*wy_log_fn)(void *user, enum wy_log_level level, const char *msg);

/**
 * Creates a context.
 * @param allocator  NULL for libc's allocator, else copied into the context.
 * @param out        receives the context; caller owns it, release with wy_ctx_free().
 * @return WY_OK; WY_EINVAL if `allocator` is incomplete; WY_ENOMEM.
 * The CPU level starts at the best the machine supports (see wy_cpu_detect()).
 */
WY_API WY_NODISCARD WY_NONNULL(2) enum wy_status
    wy_ctx_new(const struct wy_allocator *allocator, struct wy_ctx **out);

/** Frees a context. NULL is a no-op. Every object created from it must be freed first. */
WY_API void wy_ctx_free(struct wy_ctx *ctx);

/**
 * Sets the kernel level. A level above what the machine supports is lowered to the best supported
 * one, so tests can ask for "the best" with WY_CPU_AVX512 and programs can honour WY_CPU=scalar.
 * Call before the context is shared between threads.
 */
WY_API WY_NONNULL(1) void wy_ctx_set_cpu(struct wy_ctx *ctx, enum wy_cpu_level level);

/** The kernel level in force for this context. */
WY_API WY_NONNULL(1) enum wy_cpu_level wy_ctx_cpu(const struct wy_ctx *ctx);

/** Sets (or with NULL clears) the log callback. Call before the context is shared. */
WY_API WY_NONNULL(1) void wy_ctx_set_log(struct wy_ctx *ctx, wy_log_fn fn, void *user);

/** The best kernel level this machine (and this build) supports. Thread-safe. */
WY_API enum wy_cpu_level wy_cpu_detect(void);

/** Name of a level: "scalar", "popcnt", "avx2" or "avx512". */
WY_API const char *wy_cpu_level_name(enum wy_cpu_level level);

/**
 * Parses a level name as written by wy_cpu_level_name().
 * @return WY_OK and `*out` set; WY_EINVAL for an unknown name (then `*out` is untouched).
 */
WY_API WY_NODISCARD WY_NONNULL(1, 2) enum wy_status
    wy_cpu_level_parse(const char *name, enum wy_cpu_level *out);

/**
 * Allocates through the context's allocator. For callers that hand buffers to the library (or
 * free buffers it returned, such as those of wy_codec_*); returns NULL on failure.
 */
WY_API WY_NONNULL(1) void *wy_alloc(struct wy_ctx *ctx, size_t size);

/** Frees memory from wy_alloc() or from a library function documented to return such memory. */
WY_API WY_NONNULL(1) void wy_free(struct wy_ctx *ctx, void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_CTX_H */
