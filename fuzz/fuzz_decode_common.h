/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_decode_common.h: the one decoding harness behind every fuzz_decode_<format> target.
 */
#ifndef WY_FUZZ_FUZZ_DECODE_COMMON_H
#define WY_FUZZ_FUZZ_DECODE_COMMON_H

#include "fuzz_common.h"

/*
 * Decodes `data` with wy_decode_memory() and wy_decode_frames() and checks the invariants listed
 * in fuzz_decode_common.c. With `format` other than WY_FORMAT_UNKNOWN the input is first forced
 * to sniff as that format by writing the format's magic bytes over its first bytes, so every
 * mutation reaches that backend; WY_FORMAT_UNKNOWN passes the bytes through untouched.
 * Always returns 0 (libFuzzer's "keep going").
 */
int fuzz_decode_input(enum wy_format format, const uint8_t *data, size_t size);

#endif /* WY_FUZZ_FUZZ_DECODE_COMMON_H */
