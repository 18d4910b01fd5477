/* SPDX-License-Identifier: Apache-2.0 */
/* dl.c: shared libraries opened on first use (see dl.h). */
#include "wy_setup.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "core/dl.h"

static void close_all(void **handles, size_t n)
{
    while (n-- > 0) {
        if (handles[n] != NULL) {
            dlclose(handles[n]);
            handles[n] = NULL;
        }
    }
}

enum wy_status wy__dl_open(const char *const *sonames, size_t n_libs, const struct wy__dl_sym *syms,
                           size_t n_syms, void *table, size_t table_len, void **handles, char *why,
                           size_t why_len)
{
    memset(table, 0, table_len);
    memset(handles, 0, n_libs * sizeof *handles);
    for (size_t i = 0; i < n_libs; i++) {
        handles[i] = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
        if (handles[i] == NULL) {
            snprintf(why, why_len, "%s not found", sonames[i]);
            close_all(handles, n_libs);
            return WY_ENOTSUP;
        }
    }
    for (size_t i = 0; i < n_syms; i++) {
        const struct wy__dl_sym *s = &syms[i];
        void *sym = s->lib < n_libs ? dlsym(handles[s->lib], s->name) : NULL;
        if (sym == NULL || s->offset + sizeof sym > table_len) {
            snprintf(why, why_len, "%s lacks %s", s->lib < n_libs ? sonames[s->lib] : "?", s->name);
            memset(table, 0, table_len);
            close_all(handles, n_libs);
            return WY_ENOTSUP;
        }
        /* C has no conversion from void * to a function pointer; POSIX guarantees that the
         * representations agree, so the bytes are copied. */
        memcpy((char *)table + s->offset, &sym, sizeof sym);
    }
    return WY_OK;
}
