/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctx.c: context creation and configuration. The default allocator is libc's; the context is
 * itself allocated through the allocator it will hold, so a checking allocator sees every block.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/core_int.h"

static void *libc_alloc(void *opaque, size_t size)
{
    (void)opaque;
    return malloc(size); /* lint: allowed, this is the default allocator */
}

static void *libc_realloc(void *opaque, void *ptr, size_t size)
{
    (void)opaque;
    return realloc(ptr, size); /* lint: allowed */
}

static void libc_free(void *opaque, void *ptr)
{
    (void)opaque;
    free(ptr); /* lint: allowed */
}

enum wy_status wy_ctx_new(const struct wy_allocator *allocator, struct wy_ctx **out)
{
    struct wy_allocator a = {libc_alloc, libc_realloc, libc_free, NULL};
    if (allocator != NULL) {
        if (allocator->alloc == NULL || allocator->realloc == NULL || allocator->free == NULL) {
            return WY_EINVAL;
        }
        a = *allocator;
    }
    struct wy_ctx *ctx = a.alloc(a.opaque, sizeof *ctx);
    if (ctx == NULL) {
        return WY_ENOMEM;
    }
    ctx->allocator = a;
    ctx->cpu = wy_cpu_detect();
    ctx->log_fn = NULL;
    ctx->log_user = NULL;
    *out = ctx;
    return WY_OK;
}

void wy_ctx_free(struct wy_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    struct wy_allocator a = ctx->allocator;
    a.free(a.opaque, ctx);
}

/* Clamping rather than failing lets callers ask for "the best" or pass a user's WY_CPU through
 * without probing the machine themselves. */
void wy_ctx_set_cpu(struct wy_ctx *ctx, enum wy_cpu_level level)
{
    const enum wy_cpu_level best = wy_cpu_detect();
    ctx->cpu = level > best ? best : level;
}

enum wy_cpu_level wy_ctx_cpu(const struct wy_ctx *ctx)
{
    return ctx->cpu;
}

void wy_ctx_set_log(struct wy_ctx *ctx, wy_log_fn fn, void *user)
{
    ctx->log_fn = fn;
    ctx->log_user = user;
}

/* Formats into a stack line: logging must work when the allocator has just failed. */
void wy__log(const struct wy_ctx *ctx, enum wy_log_level level, const char *fmt, ...)
{
    if (ctx->log_fn == NULL) {
        return;
    }
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ctx->log_fn(ctx->log_user, level, line);
}
