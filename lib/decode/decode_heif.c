/* SPDX-License-Identifier: Apache-2.0 */
/* decode_heif.c: placeholder until the HEIF backend lands. */
#include "wy_setup.h"

#include "decode/decode_int.h"

static enum wy_status heif_decode(struct wy__decode_job *job)
{
    return wy__fail(job->diag, WY_ENOTSUP, "HEIF: backend not built yet");
}

const struct wy__decoder wy__decoder_heif = {
    .format = WY_FORMAT_HEIF,
    .decode = heif_decode,
};
