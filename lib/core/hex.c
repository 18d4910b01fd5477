/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hex.c: hexadecimal text for fingerprints and digests, in one place for every module (PDQ's hex
 * form, digests, hash lists and hash lines). Secrets do not come through here: keys use
 * libsodium's constant-time conversions.
 */
#include "wy_setup.h"

#include "core/core_int.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

void wy__hex_encode(const uint8_t *bytes, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[bytes[i] >> 4];
        hex[2 * i + 1] = digits[bytes[i] & 15];
    }
    hex[2 * len] = '\0';
}

bool wy__hex_decode(const char *text, size_t text_len, uint8_t *out, size_t len)
{
    if (text_len != 2 * len) {
        return false;
    }
    for (size_t i = 0; i < text_len; i++) {
        if (hex_value(text[i]) < 0) {
            return false;
        }
    }
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(hex_value(text[2 * i]) << 4 | hex_value(text[2 * i + 1]));
    }
    return true;
}
