/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode_exif.c: finds the Orientation tag (0x0112) in an EXIF block. EXIF is a small TIFF
 * structure; only IFD0 is read, every offset is bounds-checked, and anything odd yields 1
 * (upright), because orientation is a display hint and never a reason to reject a picture.
 */
#include "wy_setup.h"

#include <string.h>

#include "decode/decode_int.h"

static uint32_t get16(const uint8_t *p, bool little)
{
    return little ? (uint32_t)p[0] | (uint32_t)p[1] << 8 : (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p, bool little)
{
    return little ? get16(p, true) | get16(p + 2, true) << 16
                  : get16(p, false) << 16 | get16(p + 2, false);
}

uint8_t wy__exif_orientation(struct wy_bytes exif)
{
    const uint8_t *p = exif.ptr;
    size_t len = exif.len;
    if (len >= 6 && memcmp(p, "Exif\0\0", 6) == 0) {
        p += 6;
        len -= 6;
    }
    if (len < 8) {
        return 1;
    }
    bool little;
    if (memcmp(p, "II*\0", 4) == 0) {
        little = true;
    } else if (memcmp(p, "MM\0*", 4) == 0) {
        little = false;
    } else {
        return 1;
    }
    const uint32_t ifd = get32(p + 4, little);
    if (ifd > len - 2) {
        return 1;
    }
    const uint32_t count = get16(p + ifd, little);
    for (uint32_t i = 0; i < count; i++) {
        const size_t entry = (size_t)ifd + 2 + (size_t)i * 12;
        if (entry + 12 > len) {
            return 1;
        }
        if (get16(p + entry, little) != 0x0112) {
            continue;
        }
        /* Type SHORT (3), count 1: the value sits in the first two bytes of the value field. */
        if (get16(p + entry + 2, little) != 3 || get32(p + entry + 4, little) != 1) {
            return 1;
        }
        const uint32_t v = get16(p + entry + 8, little);
        return v >= 1 && v <= 8 ? (uint8_t)v : 1;
    }
    return 1;
}
