/* SPDX-License-Identifier: Apache-2.0 */
/* decode_webp.c: placeholder until the WEBP backend lands. */
#include "wy_setup.h"

#include "decode/decode_int.h"

static enum wy_status webp_decode(struct wy__decode_job *job)
{
    return wy__fail(job->diag, WY_ENOTSUP, "WEBP: backend not built yet");
}

const struct wy__decoder wy__decoder_webp = {
    .format = WY_FORMAT_WEBP,
    .decode = webp_decode,
};
