/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_common.c: the context shared by all harnesses of one fuzzing process. It is created once
 * and never freed: libFuzzer runs millions of inputs in one process, and a fresh context per
 * input would only slow it down.
 */
#include "fuzz_common.h"

struct wy_ctx *fuzz_ctx(void)
{
    static struct wy_ctx *ctx;
    if (ctx == NULL) {
        FUZZ_CHECK(wy_ctx_new(NULL, &ctx) == WY_OK);
    }
    return ctx;
}
