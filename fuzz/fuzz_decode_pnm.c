/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_decode_pnm.c: libFuzzer target for the PNM backend. The input is forced to carry PNM's
 * magic bytes (see fuzz_decode_common.c) so every mutation reaches that backend.
 */
#include "fuzz_decode_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_decode_input(WY_FORMAT_PNM, data, size);
}
