/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_common.h: what every libFuzzer target and the gcc regression driver share: the entry
 * point's prototype, the limits the harnesses decode under, and FUZZ_CHECK, which aborts (so
 * libFuzzer records a crash and the replay test fails) when a harness invariant is broken.
 */
#ifndef WY_FUZZ_FUZZ_COMMON_H
#define WY_FUZZ_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "withyou/withyou.h"

/* libFuzzer's entry point; the regression driver calls it once per corpus file. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small limits so the fuzzer explores parsing logic instead of allocating gigabytes. */
#define FUZZ_MAX_PIXELS (4u * 1024u * 1024u)
#define FUZZ_MAX_FRAMES 64u
#define FUZZ_MAX_FILE_BYTES (1u << 20)

/* A broken invariant is a finding: say which one, then abort so the input is kept. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The harnesses' context, with the default (libc) allocator, created on first use. */
struct wy_ctx *fuzz_ctx(void);

#endif /* WY_FUZZ_FUZZ_COMMON_H */
