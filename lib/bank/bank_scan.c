/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bank_scan.c: the values-only scan (wy_bank_fp_scan_values) on two threads.
 *
 * A matcher starts by reading every fingerprint of the store, and half of that time is the
 * decryption of the values (one XChaCha20-Poly1305 opening per row), the other half the
 * backend's stepping through rows. Both are sequential in one thread; they need not be in two.
 * The caller's thread copies the backend's rows (still sealed) into a batch; when a batch is
 * full a worker thread opens it while the caller fills the other one, and the caller then hands
 * the opened batch to `fn`, in order. So `fn` is still called on the caller's thread, one row at
 * a time, in the backend's order; a row that fails to open stops the scan with its error at the
 * same place the one-thread scan would. Plaintext values are wiped as soon as they are handed
 * over. A scan shorter than one batch never starts the worker; a worker that cannot be started
 * leaves the caller's thread to open every batch itself.
 */
#include "wy_setup.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "bank/bank_int.h"
#include "core/core_int.h"

#define SCAN_BATCH 2048

/* One row as the backend gave it, with its sealed bytes copied. */
struct sealed {
    struct wy__fp_row row; /* value_cipher and blind point into this struct once copied */
    uint8_t cipher[WY__BANK_VALUE_SEALED_MAX];
    uint8_t blind[WY__BANK_BLIND_BYTES];
};

struct batch {
    struct sealed rows[SCAN_BATCH];
    struct wy_fingerprint fps[SCAN_BATCH];
    enum wy_status status[SCAN_BATCH];
    size_t count;
};

struct scan {
    const struct wy_bank *bank;
    wy_fingerprint_fn fn;
    void *user;
    struct batch *batches[2];
    unsigned filling; /* the batch the backend's rows go to */
    bool pending;     /* the other batch is (being) opened by the worker */
    bool started;     /* the worker runs */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* worker: a job or quit */
    pthread_cond_t done; /* caller: the job is finished */
    struct batch *job;   /* set by the caller, cleared by the worker when opened */
    bool quit;
    bool stopped; /* fn stopped the scan or a row failed to open: deliver nothing more */
};

/* Opens every row of a batch (value only; labels are not read by this scan). */
static void open_batch(const struct wy_bank *bank, struct batch *b)
{
    for (size_t i = 0; i < b->count; i++) {
        b->status[i] = wy__bank_open_row(bank, &b->rows[i].row, false, &b->fps[i]);
    }
}

static void *worker(void *arg)
{
    struct scan *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (s->job == NULL && !s->quit) {
            pthread_cond_wait(&s->wake, &s->lock);
        }
        if (s->job == NULL) {
            break;
        }
        struct batch *b = s->job;
        pthread_mutex_unlock(&s->lock);
        open_batch(s->bank, b);
        pthread_mutex_lock(&s->lock);
        s->job = NULL;
        pthread_cond_signal(&s->done);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* Waits until the worker has opened the batch it was given. */
static void wait_job(struct scan *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->job != NULL) {
        pthread_cond_wait(&s->done, &s->lock);
    }
    pthread_mutex_unlock(&s->lock);
}

/* Hands a batch to the worker, starting it on first use; false if it cannot run. */
static bool give_job(struct scan *s, struct batch *b)
{
    if (!s->started) {
        if (pthread_mutex_init(&s->lock, NULL) != 0) {
            return false;
        }
        if (pthread_cond_init(&s->wake, NULL) != 0) {
            pthread_mutex_destroy(&s->lock);
            return false;
        }
        if (pthread_cond_init(&s->done, NULL) != 0) {
            pthread_cond_destroy(&s->wake);
            pthread_mutex_destroy(&s->lock);
            return false;
        }
        s->job = NULL;
        s->quit = false;
        if (pthread_create(&s->thread, NULL, worker, s) != 0) {
            pthread_cond_destroy(&s->done);
            pthread_cond_destroy(&s->wake);
            pthread_mutex_destroy(&s->lock);
            return false;
        }
        s->started = true;
    }
    pthread_mutex_lock(&s->lock);
    s->job = b;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    return true;
}

static void stop_worker(struct scan *s)
{
    if (!s->started) {
        return;
    }
    pthread_mutex_lock(&s->lock);
    s->quit = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->done);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    s->started = false;
}

/* Gives an opened batch to fn in order, wiping each plaintext; WY__STOP when fn stops. */
static int deliver(struct scan *s, struct batch *b)
{
    int verdict = WY_OK;
    for (size_t i = 0; i < b->count; i++) {
        if (verdict == WY_OK) {
            if (b->status[i] != WY_OK) {
                verdict = (int)b->status[i];
            } else if (!s->fn(s->user, &b->fps[i])) {
                verdict = WY__STOP;
            }
        }
        /* The value is the only plaintext: this scan never opens labels. */
        wy__bank_wipe(b->fps[i].value, sizeof b->fps[i].value);
    }
    b->count = 0;
    return verdict;
}

/* The batch being filled is full: open it beside the next one, deliver the one before. */
static int rotate(struct scan *s)
{
    struct batch *full = s->batches[s->filling];
    struct batch *other = s->batches[s->filling ^ 1u];
    int verdict = WY_OK;
    if (s->pending) {
        wait_job(s);
        s->pending = false;
        verdict = deliver(s, other);
    }
    if (verdict != WY_OK) {
        full->count = 0;
        s->stopped = true;
        return verdict;
    }
    if (give_job(s, full)) {
        s->pending = true;
    } else {
        open_batch(s->bank, full);
        verdict = deliver(s, full);
        s->stopped = verdict != WY_OK;
    }
    s->filling ^= 1u;
    return verdict;
}

static int take_row(void *user, const struct wy__fp_row *row)
{
    struct scan *s = user;
    struct batch *b = s->batches[s->filling];
    struct sealed *dst = &b->rows[b->count];
    dst->row = *row;
    dst->row.source_cipher = NULL;
    dst->row.source_len = 0;
    if (row->value_len > sizeof dst->cipher) {
        /* Too long to be a value: open_row's length check would refuse it the same way. */
        dst->row.value_len = 0;
    }
    memcpy(dst->cipher, row->value_cipher, dst->row.value_len);
    dst->row.value_cipher = dst->cipher;
    if (row->blind != NULL) {
        memcpy(dst->blind, row->blind, sizeof dst->blind);
        dst->row.blind = dst->blind;
    }
    b->count++;
    return b->count == SCAN_BATCH ? rotate(s) : WY_OK;
}

enum wy_status wy__bank_scan_values(struct wy_bank *bank, const struct wy__fp_filter *filter,
                                    wy_fingerprint_fn fn, void *user)
{
    struct scan s = {.bank = bank, .fn = fn, .user = user};
    s.batches[0] = wy__alloc(bank->ctx, sizeof *s.batches[0]);
    s.batches[1] = wy__alloc(bank->ctx, sizeof *s.batches[1]);
    if (s.batches[0] == NULL || s.batches[1] == NULL) {
        wy__free(bank->ctx, s.batches[0]);
        wy__free(bank->ctx, s.batches[1]);
        return WY_ENOMEM;
    }
    s.batches[0]->count = 0;
    s.batches[1]->count = 0;
    enum wy_status st = bank->backend->fp_scan(bank, filter, take_row, &s);
    /* The batch the worker holds comes before the partial one being filled. */
    int verdict = WY_OK;
    if (s.pending) {
        wait_job(&s);
        s.pending = false;
        verdict = deliver(&s, s.batches[s.filling ^ 1u]);
    }
    struct batch *last = s.batches[s.filling];
    if (st == WY_OK && verdict == WY_OK && !s.stopped && last->count > 0) {
        open_batch(bank, last);
        verdict = deliver(&s, last);
    }
    stop_worker(&s);
    /* Rows copied but never delivered (an early stop) hold only sealed bytes. */
    wy__free(bank->ctx, s.batches[0]);
    wy__free(bank->ctx, s.batches[1]);
    if (st == WY_OK && verdict != WY_OK && verdict != WY__STOP) {
        st = (enum wy_status)verdict;
    }
    return st;
}
