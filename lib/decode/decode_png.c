/* SPDX-License-Identifier: Apache-2.0 */
/* decode_png.c: placeholder until the PNG backend lands. */
#include "wy_setup.h"

#include "decode/decode_int.h"

static enum wy_status png_decode(struct wy__decode_job *job)
{
    return wy__fail(job->diag, WY_ENOTSUP, "PNG: backend not built yet");
}

const struct wy__decoder wy__decoder_png = {
    .format = WY_FORMAT_PNG,
    .decode = png_decode,
};
