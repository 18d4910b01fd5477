/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_exif.c: libFuzzer target for the EXIF orientation reader, wy__exif_orientation().
 * Invariants: the result is always 1..8, and an optional "Exif\0\0" prefix changes nothing,
 * so the same block read bare and prefixed gives the same orientation.
 */
#include "wy_setup.h"

#include <string.h>

#include "decode/decode_int.h"
#include "fuzz_common.h"

#define EXIF_PREFIX "Exif\0\0"
#define EXIF_PREFIX_BYTES 6u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t bare = wy__exif_orientation((struct wy_bytes){data, size});
    FUZZ_CHECK(bare >= 1 && bare <= 8);
    if (size >= EXIF_PREFIX_BYTES && memcmp(data, EXIF_PREFIX, EXIF_PREFIX_BYTES) == 0) {
        return 0; /* already prefixed: a second prefix is rightly not stripped */
    }
    /* An exact-size heap copy, so a read past the end is caught here too. */
    uint8_t *prefixed = malloc(size + EXIF_PREFIX_BYTES);
    FUZZ_CHECK(prefixed != NULL);
    memcpy(prefixed, EXIF_PREFIX, EXIF_PREFIX_BYTES);
    if (size > 0) {
        memcpy(prefixed + EXIF_PREFIX_BYTES, data, size);
    }
    const uint8_t with_prefix =
        wy__exif_orientation((struct wy_bytes){prefixed, size + EXIF_PREFIX_BYTES});
    free(prefixed);
    FUZZ_CHECK(with_prefix == bare);
    return 0;
}
