/* SPDX-License-Identifier: Apache-2.0 */
/* decode_bmp.c: placeholder until the BMP backend lands. */
#include "wy_setup.h"

#include "decode/decode_int.h"

static enum wy_status bmp_decode(struct wy__decode_job *job)
{
    return wy__fail(job->diag, WY_ENOTSUP, "BMP: backend not built yet");
}

const struct wy__decoder wy__decoder_bmp = {
    .format = WY_FORMAT_BMP,
    .decode = bmp_decode,
};
