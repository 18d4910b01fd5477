/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc.c: the library's single allocation path. Every heap block of libwithyou comes from the
 * allocator given to wy_ctx_new(), so tests can count blocks and fail the Nth allocation.
 */
#include "wy_setup.h"

#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"

void *wy__alloc(struct wy_ctx *ctx, size_t size)
{
    if (size == 0) {
        size = 1;
    }
    return ctx->allocator.alloc(ctx->allocator.opaque, size);
}

void *wy__calloc(struct wy_ctx *ctx, size_t count, size_t size)
{
    size_t total;
    if (wy__mul_overflow(count, size, &total)) {
        return NULL;
    }
    void *p = wy__alloc(ctx, total);
    if (p != NULL) {
        memset(p, 0, total);
    }
    return p;
}

void *wy__realloc(struct wy_ctx *ctx, void *ptr, size_t size)
{
    if (size == 0) {
        size = 1;
    }
    return ctx->allocator.realloc(ctx->allocator.opaque, ptr, size);
}

void wy__free(struct wy_ctx *ctx, void *ptr)
{
    if (ptr != NULL) {
        ctx->allocator.free(ctx->allocator.opaque, ptr);
    }
}

void *wy_alloc(struct wy_ctx *ctx, size_t size)
{
    return wy__alloc(ctx, size);
}

void wy_free(struct wy_ctx *ctx, void *ptr)
{
    wy__free(ctx, ptr);
}
