/* SPDX-License-Identifier: Apache-2.0 */
/*
 * codec_int.h: helpers shared by the codec's files (hash records and hash lists).
 */
#ifndef WY_CODEC_CODEC_INT_H
#define WY_CODEC_CODEC_INT_H

#include <stdbool.h>

/*
 * A copy of `s` with every byte that is not part of valid UTF-8 replaced by U+FFFD, for jansson,
 * which accepts only valid UTF-8. Allocated with libc malloc (scratch handed to jansson, released
 * with free()); NULL when out of memory. `*was_valid` tells whether anything was replaced.
 */
char *wy__codec_utf8_lossy(const char *s, bool *was_valid);

#endif /* WY_CODEC_CODEC_INT_H */
