/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_decode_heif.c: libFuzzer target for the HEIF backend. The input is forced to carry HEIF's
 * magic bytes (see fuzz_decode_common.c) so every mutation reaches that backend.
 */
#include "fuzz_decode_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decode_input(WY_FORMAT_HEIF, data, size);
}
