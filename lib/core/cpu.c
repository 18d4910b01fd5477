/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cpu.c: detects, once, which SIMD kernel level the machine supports. A build with
 * WY_DISABLE_SIMD reports scalar only, so the kill switch needs no other code.
 */
#include "wy_setup.h"

#include <pthread.h>
#include <string.h>

#include "core/core_int.h"

static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static enum wy_cpu_level detected = WY_CPU_SCALAR;

static const char *const level_names[] = {"scalar", "popcnt", "avx2", "avx512"};

static void detect(void)
{
#if defined(WY_HAVE_X86_SIMD)
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("popcnt")) {
        return;
    }
    detected = WY_CPU_POPCNT;
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        return;
    }
    detected = WY_CPU_AVX2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vpopcntdq")) {
        detected = WY_CPU_AVX512;
    }
#endif
}

enum wy_cpu_level wy_cpu_detect(void)
{
    pthread_once(&detect_once, detect);
    return detected;
}

const char *wy_cpu_level_name(enum wy_cpu_level level)
{
    if ((unsigned)level >= sizeof level_names / sizeof level_names[0]) {
        return "unknown";
    }
    return level_names[level];
}

enum wy_status wy_cpu_level_parse(const char *name, enum wy_cpu_level *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum wy_cpu_level)i;
            return WY_OK;
        }
    }
    return WY_EINVAL;
}
