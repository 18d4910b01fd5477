/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dl.h: shared libraries opened on first use.
 *
 * Some dependencies cost every run of withyou at start-up whether or not it needs them:
 * Debian's FFmpeg pulls in about 120 libraries whose symbol lookups took 40 ms before main, and
 * libheif brings its codecs' initialisers. Their users (decode_avlib.c, decode_heif.c) open them
 * with dlopen() the first time they are needed and call them through a table of function
 * pointers whose types come from the libraries' own headers (__typeof__), filled here by name.
 * Libraries are opened RTLD_LOCAL, so their symbols stay out of the application's global scope;
 * an application that links one itself gets its own copy back (same soname).
 */
#ifndef WY_CORE_DL_H
#define WY_CORE_DL_H

#include <stddef.h>

#include "withyou/status.h"

/* One function to resolve: the library it comes from (an index into the sonames), its name, and
 * the offset of its pointer in the caller's table. */
struct wy__dl_sym {
    unsigned lib;
    const char *name;
    size_t offset;
};

/*
 * Opens the `n_libs` libraries in order (each one's dependencies first) and fills `table`
 * (`table_len` bytes) with every symbol. WY_OK, with the handles in `handles` (kept open for the
 * life of the process: the libraries keep global state); WY_ENOTSUP with "NAME not found" or
 * "NAME lacks SYMBOL" in `why`, every library opened closed again and the table zeroed.
 */
enum wy_status wy__dl_open(const char *const *sonames, size_t n_libs, const struct wy__dl_sym *syms,
                           size_t n_syms, void *table, size_t table_len, void **handles, char *why,
                           size_t why_len);

#endif /* WY_CORE_DL_H */
