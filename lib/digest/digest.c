/* SPDX-License-Identifier: Apache-2.0 */
/*
 * digest.c: SHA-256 and MD5 through OpenSSL's one-shot EVP_Digest, which picks the CPU's SHA
 * extensions or AVX2 code by itself. Errors from libcrypto stay in this file.
 */
#include "wy_setup.h"

#include <openssl/evp.h>

#include "core/core_int.h"
#include "withyou/digest.h"

enum wy_status wy_digest_bytes(struct wy_bytes data, struct wy_digest *out)
{
    static const uint8_t empty = 0;
    const void *ptr = data.len > 0 ? (const void *)data.ptr : (const void *)&empty;
    unsigned int n = 0;
    if (EVP_Digest(ptr, data.len, out->sha256, &n, EVP_sha256(), NULL) != 1 ||
        n != WY_SHA256_BYTES) {
        return WY_EINTERNAL;
    }
    if (EVP_Digest(ptr, data.len, out->md5, &n, EVP_md5(), NULL) != 1 || n != WY_MD5_BYTES) {
        return WY_EINTERNAL;
    }
    return WY_OK;
}

void wy_hex_encode(const uint8_t *bytes, size_t len, char *hex)
{
    wy__hex_encode(bytes, len, hex);
}
