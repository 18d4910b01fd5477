/* SPDX-License-Identifier: Apache-2.0 */
/*
 * digest.h: exact hashes of file bytes.
 *
 * SHA-256 identifies a file for evidence; MD5 is what deployed hash lists (StopNCII's, NCMEC's)
 * exchange, so both are computed in one call. Backed by OpenSSL's libcrypto, which uses the CPU's
 * SHA extensions where present. Thread-safety: pure, reentrant.
 */
#ifndef WY_WITHYOU_DIGEST_H
#define WY_WITHYOU_DIGEST_H

#include <stdint.h>

#include "withyou/decode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WY_SHA256_BYTES 32
#define WY_MD5_BYTES 16

/** Exact digests of one byte string. */
struct wy_digest {
    uint8_t sha256[WY_SHA256_BYTES];
    uint8_t md5[WY_MD5_BYTES];
};

/**
 * Computes SHA-256 and MD5 of `data` (which may be empty).
 * @return WY_OK; WY_EINTERNAL if libcrypto fails (it does not on supported systems).
 */
WY_API WY_NODISCARD WY_NONNULL(2) enum wy_status
    wy_digest_bytes(struct wy_bytes data, struct wy_digest *out);

/** Writes 2*len lower-case hex digits and a NUL into `hex` (2*len+1 bytes). */
WY_API WY_NONNULL(1, 3) void wy_hex_encode(const uint8_t *bytes, size_t len, char *hex);

#ifdef __cplusplus
}
#endif

#endif /* WY_WITHYOU_DIGEST_H */
