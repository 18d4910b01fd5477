/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli_util.c: the program's small services: aborting allocation, error printing, context set-up,
 * option parsing, progress display and the ordered worker pool.
 */
#include "wy_setup.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

void *cli_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fputs("withyou: out of memory\n", stderr);
        exit(CLI_EXIT_FAILED);
    }
    return p;
}

void *cli_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fputs("withyou: out of memory\n", stderr);
        exit(CLI_EXIT_FAILED);
    }
    return q;
}

char *cli_xstrdup(const char *s)
{
    const size_t n = strlen(s) + 1;
    return memcpy(cli_xmalloc(n), s, n);
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("withyou: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

struct wy_ctx *cli_ctx_new(void)
{
    struct wy_ctx *ctx = NULL;
    if (wy_ctx_new(NULL, &ctx) != WY_OK) {
        cli_error("cannot create a context: out of memory");
        exit(CLI_EXIT_FAILED);
    }
    const char *cpu = getenv("WY_CPU");
    if (cpu != NULL && *cpu != '\0') {
        enum wy_cpu_level level;
        if (wy_cpu_level_parse(cpu, &level) != WY_OK) {
            cli_error("WY_CPU=%s: expected scalar, popcnt, avx2 or avx512", cpu);
            exit(CLI_EXIT_USAGE);
        }
        wy_ctx_set_cpu(ctx, level);
    }
    return ctx;
}

bool cli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    const unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < min || v > max) {
        cli_error("%s: expected a number from %llu to %llu, got '%s'", opt, (unsigned long long)min,
                  (unsigned long long)max, text);
        return false;
    }
    *out = v;
    return true;
}

bool cli_parse_seconds_ms(const char *opt, const char *text, uint32_t *out_ms)
{
    /* Digits, then optionally '.' and up to three digits: exact, and free of locale. */
    uint64_t ms = 0;
    const char *p = text;
    while (*p >= '0' && *p <= '9' && ms <= 3600000) {
        ms = ms * 10 + (uint64_t)(*p++ - '0');
    }
    bool ok = p != text;
    ms *= 1000;
    if (ok && *p == '.') {
        p++;
        uint64_t scale = 100;
        for (; *p >= '0' && *p <= '9' && scale > 0; p++, scale /= 10) {
            ms += (uint64_t)(*p - '0') * scale;
        }
    }
    if (!ok || *p != '\0' || ms < 1 || ms > 3600000) {
        cli_error("%s: expected seconds from 0.001 to 3600 (at most 3 decimals), got '%s'", opt,
                  text);
        return false;
    }
    *out_ms = (uint32_t)ms;
    return true;
}

unsigned cli_cpu_count(void)
{
    const long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1u;
}

uint64_t cli_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void cli_progress_init(struct cli_progress *p, const char *label, size_t total)
{
    p->enabled = isatty(STDERR_FILENO) == 1;
    p->label = label;
    p->total = total;
    p->start_ns = cli_now_ns();
    p->last_ns = 0;
}

void cli_progress_update(struct cli_progress *p, size_t done)
{
    if (!p->enabled) {
        return;
    }
    const uint64_t now = cli_now_ns();
    if (done != p->total && now - p->last_ns < 100000000u) {
        return;
    }
    p->last_ns = now;
    const double secs = (double)(now - p->start_ns) / 1e9;
    const double rate = secs > 0 ? (double)done / secs : 0.0;
    const int width = 30;
    const int filled = p->total ? (int)((double)width * (double)done / (double)p->total) : width;
    fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu  %.1f/s ", p->label, filled,
            "##############################", width - filled, "", done, p->total, rate);
    fflush(stderr);
}

void cli_progress_done(struct cli_progress *p)
{
    if (p->enabled) {
        cli_progress_update(p, p->total);
        fputc('\n', stderr);
    }
}

bool cli_is_verb(int argc, char **argv, const char *const *verbs, size_t count)
{
    for (size_t i = 0; argc >= 2 && i < count; i++) {
        if (strcmp(argv[1], verbs[i]) == 0) {
            return true;
        }
    }
    return false;
}

void *cli_hasher_new(struct wy_ctx *ctx, const struct wy_hasher_opts *opts)
{
    struct wy_hasher *h = NULL;
    return wy_hasher_new(ctx, opts, &h) == WY_OK ? h : NULL;
}

void cli_hasher_free(void *hasher)
{
    wy_hasher_free(hasher);
}

/* Shared state of one cli_pool_run: workers claim indices, the caller emits them in order. */
struct pool {
    const struct cli_pool_ops *ops;
    void *user;
    size_t count;
    size_t next; /* next index to claim */
    bool *done;
    pthread_mutex_t lock;
    pthread_cond_t ready;
};

static void *pool_worker(void *arg)
{
    struct pool *pool = arg;
    void *state = pool->ops->worker_new(pool->user);
    if (state == NULL) {
        cli_error("cannot start a worker: out of memory");
        exit(CLI_EXIT_FAILED);
    }
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        const size_t i = pool->next < pool->count ? pool->next++ : pool->count;
        pthread_mutex_unlock(&pool->lock);
        if (i == pool->count) {
            break;
        }
        pool->ops->work(state, i, pool->user);
        pthread_mutex_lock(&pool->lock);
        pool->done[i] = true;
        pthread_cond_signal(&pool->ready);
        pthread_mutex_unlock(&pool->lock);
    }
    pool->ops->worker_free(state);
    return NULL;
}

void cli_pool_run(size_t count, unsigned threads, const struct cli_pool_ops *ops, void *user)
{
    struct pool pool = {.ops = ops, .user = user, .count = count};
    pool.done = calloc(count ? count : 1, sizeof *pool.done);
    if (pool.done == NULL) {
        cli_error("out of memory");
        exit(CLI_EXIT_FAILED);
    }
    pthread_mutex_init(&pool.lock, NULL);
    pthread_cond_init(&pool.ready, NULL);
    if (threads < 1) {
        threads = 1;
    }
    if (threads > count && count > 0) {
        threads = (unsigned)count;
    }
    pthread_t *tids = cli_xmalloc(sizeof *tids * threads);
    for (unsigned t = 0; t < threads; t++) {
        if (pthread_create(&tids[t], NULL, pool_worker, &pool) != 0) {
            cli_error("cannot create thread %u", t);
            exit(CLI_EXIT_FAILED);
        }
    }
    for (size_t i = 0; i < count; i++) {
        pthread_mutex_lock(&pool.lock);
        while (!pool.done[i]) {
            pthread_cond_wait(&pool.ready, &pool.lock);
        }
        pthread_mutex_unlock(&pool.lock);
        ops->emit(i, user);
    }
    for (unsigned t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
    }
    free(tids);
    pthread_cond_destroy(&pool.ready);
    pthread_mutex_destroy(&pool.lock);
    free(pool.done);
}
