/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version.h: library version and the export/attribute macros used by every public header.
 *
 * WY_API marks exported symbols (the library is built with -fvisibility=hidden).
 * WY_NODISCARD warns when a returned status is ignored; WY_NONNULL documents and checks
 * pointer arguments that must not be NULL.
 */
#ifndef WY_WITHYOU_VERSION_H
#define WY_WITHYOU_VERSION_H

#define WY_VERSION_MAJOR 0
#define WY_VERSION_MINOR 1
#define WY_VERSION_PATCH 0
#define WY_VERSION_STRING "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define WY_API __attribute__((visibility("default")))
#define WY_NODISCARD __attribute__((warn_unused_result))
#define WY_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#else
#define WY_API
#define WY_NODISCARD
#define WY_NONNULL(...)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** The library's version string, e.g. "0.1.0" (may differ from the header the caller built
 * against). */
WY_API const char *wy_version(void);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_VERSION_H */
