/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pipeline_int.h: what pipeline_image.c hands to pipeline_views.c.
 */
#ifndef WY_PIPELINE_PIPELINE_INT_H
#define WY_PIPELINE_PIPELINE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "withyou/pipeline.h"

/* A decoded picture to take views of: the decoder's (maybe scaled) image and its full size. */
struct wy__views {
    struct wy_ctx *ctx; /* for the scratch of turned views */
    struct wy_pdq_ws *ws;
    const struct wy_image *img;
    uint32_t full_w;
    uint32_t full_h;
    bool dihedral;
};

/* Appends the views asked for to rec->views (the unframed one only when there is a border). */
enum wy_status wy__pipeline_views(struct wy__views *v, bool unframe, bool zoom,
                                  struct wy_hash_record *rec);

#endif /* WY_PIPELINE_PIPELINE_INT_H */
