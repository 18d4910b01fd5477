/* SPDX-License-Identifier: Apache-2.0 */
/*
 * withyou.h: umbrella header for libwithyou, perceptual fingerprints for finding and removing
 * non-consensual intimate images. Include this or the individual module headers.
 */
#ifndef WY_WITHYOU_WITHYOU_H
#define WY_WITHYOU_WITHYOU_H

#include "withyou/version.h"
#include "withyou/status.h"
#include "withyou/ctx.h"
#include "withyou/image.h"
#include "withyou/decode.h"
#include "withyou/digest.h"
#include "withyou/pdq.h"
#include "withyou/pipeline.h"
#include "withyou/codec.h"
#include "withyou/index.h"
#include "withyou/bank.h"
#include "withyou/bank_io.h"
#include "withyou/video.h"
#include "withyou/match.h"

#endif /* WY_WITHYOU_WITHYOU_H */
