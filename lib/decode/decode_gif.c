/* SPDX-License-Identifier: Apache-2.0 */
/* decode_gif.c: placeholder until the GIF backend lands. */
#include "wy_setup.h"

#include "decode/decode_int.h"

static enum wy_status gif_decode(struct wy__decode_job *job)
{
    return wy__fail(job->diag, WY_ENOTSUP, "GIF: backend not built yet");
}

const struct wy__decoder wy__decoder_gif = {
    .format = WY_FORMAT_GIF,
    .decode = gif_decode,
};
