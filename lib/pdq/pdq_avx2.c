/* SPDX-License-Identifier: Apache-2.0 */
/* pdq_avx2.c: scaffolding, replaced by the AVX2 kernels. */
#include "wy_setup.h"

#include "pdq/pdq_int.h"

const struct wy__pdq_impl wy__pdq_impl_avx2 = {
    .name = "scalar",
    .box_rows = wy__pdq_box_rows_scalar,
    .box_cols = wy__pdq_box_cols_scalar,
    .dct = wy__pdq_dct_scalar,
};
