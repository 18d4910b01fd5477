/* SPDX-License-Identifier: Apache-2.0 */
/*
 * status.c: names and messages for `enum wy_status`, generated from WY_STATUS_MAP, and the
 * diagnostic helpers every module uses to explain a failure.
 */
#include "wy_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "withyou/status.h"

const char *wy_status_name(enum wy_status status)
{
    switch (status) {
#define WY__STATUS_NAME(name, value, msg)                                                          \
    case WY_##name:                                                                                \
        return #name;
        WY_STATUS_MAP(WY__STATUS_NAME)
#undef WY__STATUS_NAME
    }
    return "EUNKNOWN";
}

const char *wy_strerror(enum wy_status status)
{
    switch (status) {
#define WY__STATUS_MSG(name, value, msg)                                                           \
    case WY_##name:                                                                                \
        return msg;
        WY_STATUS_MAP(WY__STATUS_MSG)
#undef WY__STATUS_MSG
    }
    return "unknown status";
}

const char *wy_version(void)
{
    return WY_VERSION_STRING;
}

void wy_diag_clear(struct wy_diag *diag)
{
    if (diag == NULL) {
        return;
    }
    diag->msg[0] = '\0';
    diag->offset = -1;
    diag->native = 0;
}

static void diag_vset(struct wy_diag *diag, int64_t offset, int native, const char *fmt, va_list ap)
    WY_PRINTF(4, 0);

static void diag_vset(struct wy_diag *diag, int64_t offset, int native, const char *fmt, va_list ap)
{
    if (diag == NULL) {
        return;
    }
    vsnprintf(diag->msg, sizeof diag->msg, fmt, ap);
    diag->offset = offset;
    diag->native = native;
}

void wy__diag_set(struct wy_diag *diag, int64_t offset, int native, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vset(diag, offset, native, fmt, ap);
    va_end(ap);
}

enum wy_status wy__fail(struct wy_diag *diag, enum wy_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vset(diag, -1, 0, fmt, ap);
    va_end(ap);
    return status;
}

void wy__panic(const char *file, int line, const char *what)
{
    /* The one place the library writes to stderr: a broken invariant is a bug, not an error. */
    fprintf(stderr, "withyou: internal error at %s:%d: %s\n", file, line, what);
    abort();
}
