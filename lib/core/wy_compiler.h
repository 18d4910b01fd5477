/* SPDX-License-Identifier: Apache-2.0 */
/*
 * wy_compiler.h: the only place where compiler attributes and builtins are spelled out.
 */
#ifndef WY_CORE_WY_COMPILER_H
#define WY_CORE_WY_COMPILER_H

#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define WY_LIKELY(x) __builtin_expect(!!(x), 1)
#define WY_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WY_PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#define WY_NORETURN __attribute__((noreturn))
#define WY_ALIGNED(n) __attribute__((aligned(n)))
#define WY_TARGET(isa) __attribute__((target(isa)))
#define WY_UNUSED __attribute__((unused))
#define WY_POPCOUNT64(x) __builtin_popcountll(x)
#else
#error "withyou needs gcc or clang"
#endif

/* Static except in test builds, so unit tests can reach file-local helpers. */
#ifdef WY_TESTING
#define WY_TESTABLE
#else
#define WY_TESTABLE static
#endif

#endif /* WY_CORE_WY_COMPILER_H */
