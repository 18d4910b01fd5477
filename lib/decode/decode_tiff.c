/* SPDX-License-Identifier: Apache-2.0 */
/* decode_tiff.c: placeholder until the TIFF backend lands. */
#include "wy_setup.h"

#include "decode/decode_int.h"

static enum wy_status tiff_decode(struct wy__decode_job *job)
{
    return wy__fail(job->diag, WY_ENOTSUP, "TIFF: backend not built yet");
}

const struct wy__decoder wy__decoder_tiff = {
    .format = WY_FORMAT_TIFF,
    .decode = tiff_decode,
};
