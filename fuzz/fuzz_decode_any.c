/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_decode_any.c: libFuzzer target for decoding whatever the bytes are: sniffing picks the
 * backend (or rejects the input), and a successful decode is also PDQ-hashed.
 */
#include "fuzz_decode_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decode_input(WY_FORMAT_UNKNOWN, data, size);
}
