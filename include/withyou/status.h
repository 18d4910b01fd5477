/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.h: the one error convention of libwithyou.
 *
 * Every fallible function returns an `enum wy_status`: WY_OK (zero) on success, a negative value
 * on failure. The list below is the single source of truth: it produces the enum, the short
 * names (wy_status_name) and the human messages (wy_strerror). Numbers are ABI: a value, once
 * released, is never reused or renumbered.
 *
 * Functions that parse untrusted bytes also take an optional `struct wy_diag *` which receives a
 * detailed message (for example "JPEG: premature end of data segment") and the byte offset where
 * the problem was found. Thread-safety: everything here is pure or writes only caller storage.
 */
#ifndef WY_WITHYOU_STATUS_H
#define WY_WITHYOU_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "withyou/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message) */
#define WY_STATUS_MAP(X)                                                                           \
    X(OK, 0, "success")                                                                            \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(EIO, -3, "input/output error")                                                               \
    X(ENOENT, -4, "no such file or directory")                                                     \
    X(ETOOBIG, -5, "exceeds a configured limit")                                                   \
    X(EFORMAT, -6, "unrecognised or unsupported file format")                                      \
    X(ECORRUPT, -7, "corrupt or truncated data")                                                   \
    X(ENOTSUP, -8, "feature not supported by this build")                                          \
    X(EPARSE, -9, "malformed text")                                                                \
    X(EISDIR, -10, "is a directory")                                                               \
    X(EEMPTY, -11, "empty input")                                                                  \
    X(EINTERNAL, -12, "internal error")

enum wy_status {
#define WY__STATUS_ENUM(name, value, msg) WY_##name = (value),
    WY_STATUS_MAP(WY__STATUS_ENUM)
#undef WY__STATUS_ENUM
};

/** Longest message a `struct wy_diag` holds, including the terminating NUL. */
#define WY_DIAG_MSG_BYTES 160

/**
 * Optional detail about a failure, filled by functions that take one (a NULL pointer is
 * accepted everywhere and means "no detail wanted").
 * - `msg`: a NUL-terminated sentence without the file name, e.g. "PNG: IHDR CRC mismatch".
 * - `offset`: byte offset in the input where the problem was found, or -1 if unknown.
 * - `native`: the backend's own error code (libjpeg message code, libspng error, ...), or 0.
 */
struct wy_diag {
    char msg[WY_DIAG_MSG_BYTES];
    int64_t offset;
    int native;
};

/**
 * Short constant name of a status, e.g. "ENOMEM". Never NULL: unknown values give "EUNKNOWN".
 */
WY_API const char *wy_status_name(enum wy_status status);

/**
 * Human-readable message for a status, e.g. "out of memory". Never NULL.
 */
WY_API const char *wy_strerror(enum wy_status status);

/**
 * Clears a diag (empty message, offset -1, native 0). Accepts NULL.
 */
WY_API void wy_diag_clear(struct wy_diag *diag);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_STATUS_H */
