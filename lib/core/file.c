/* SPDX-License-Identifier: Apache-2.0 */
/*
 * file.c: bounded whole-file reads and the monotonic clock. A file is sized with fstat before
 * anything is allocated, so an over-limit file costs one system call.
 */
#include "wy_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/core_int.h"
#include "withyou/decode.h"

/* The system's own words (strerror) go in the diag so the user sees "Permission denied", not a
 * generic I/O error. */
static enum wy_status status_from_errno(int err, struct wy_diag *diag)
{
    wy__diag_set(diag, -1, err, "%s", strerror(err));
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return WY_ENOENT;
    case EISDIR:
        return WY_EISDIR;
    case ENOMEM:
        return WY_ENOMEM;
    default:
        return WY_EIO;
    }
}

static enum wy_status read_all(int fd, uint8_t *buf, size_t len, struct wy_diag *diag)
{
    size_t done = 0;
    while (done < len) {
        const ssize_t n = read(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return status_from_errno(errno, diag);
        }
        if (n == 0) {
            /* The file shrank after fstat: report rather than hash a prefix. */
            return wy__fail(diag, WY_EIO, "file changed while being read");
        }
        done += (size_t)n;
    }
    return WY_OK;
}

/* Opens a regular file no larger than max_bytes: *fd_out and *len_out are set on WY_OK. */
static enum wy_status open_bounded(const char *path, uint64_t max_bytes, int *fd_out,
                                   size_t *len_out, struct wy_diag *diag)
{
    /* O_CLOEXEC: the server will fork helpers later; descriptors must not leak into them. */
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return status_from_errno(errno, diag);
    }
    enum wy_status st = WY_OK;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = status_from_errno(errno, diag);
    } else if (S_ISDIR(sb.st_mode)) {
        st = wy__fail(diag, WY_EISDIR, "is a directory");
    } else if (!S_ISREG(sb.st_mode)) {
        /* A FIFO or a device may block forever or never end; only regular files have a size
         * to check against the limit before reading. */
        st = wy__fail(diag, WY_EIO, "not a regular file");
    } else if ((uint64_t)sb.st_size > max_bytes || (uint64_t)sb.st_size > SIZE_MAX) {
        st = wy__fail(diag, WY_ETOOBIG, "file is %lld bytes, limit %llu", (long long)sb.st_size,
                      (unsigned long long)max_bytes);
    }
    if (st != WY_OK) {
        close(fd);
        return st;
    }
    *fd_out = fd;
    *len_out = (size_t)sb.st_size;
    return WY_OK;
}

enum wy_status wy_file_read(struct wy_ctx *ctx, const char *path, uint64_t max_bytes,
                            struct wy_bytes *out, struct wy_diag *diag)
{
    int fd = -1;
    size_t len = 0;
    enum wy_status st = open_bounded(path, max_bytes, &fd, &len, diag);
    if (st != WY_OK) {
        return st;
    }
    uint8_t *buf = wy__alloc(ctx, len);
    if (buf == NULL) {
        st = WY_ENOMEM;
    } else {
        st = read_all(fd, buf, len, diag);
    }
    close(fd);
    if (st != WY_OK) {
        wy__free(ctx, buf);
        return st;
    }
    out->ptr = buf;
    out->len = len;
    return WY_OK;
}

enum wy_status wy__file_map(const char *path, uint64_t max_bytes, struct wy_bytes *out,
                            struct wy_diag *diag)
{
    int fd = -1;
    size_t len = 0;
    const enum wy_status st = open_bounded(path, max_bytes, &fd, &len, diag);
    if (st != WY_OK) {
        return st;
    }
    if (len == 0) {
        close(fd);
        out->ptr = NULL;
        out->len = 0;
        return WY_OK;
    }
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    close(fd); /* the mapping keeps the file open */
    if (map == MAP_FAILED) {
        return status_from_errno(err, diag);
    }
    out->ptr = map;
    out->len = len;
    return WY_OK;
}

void wy__file_unmap(struct wy_bytes *bytes)
{
    if (bytes->len > 0) {
        munmap((void *)(uintptr_t)bytes->ptr, bytes->len);
    }
    bytes->ptr = NULL;
    bytes->len = 0;
}

enum wy_status wy__file_head(const char *path, uint8_t *buf, size_t cap, size_t *len,
                             struct wy_diag *diag)
{
    int fd = -1;
    size_t size = 0;
    const enum wy_status st = open_bounded(path, UINT64_MAX, &fd, &size, diag);
    if (st != WY_OK) {
        return st;
    }
    ssize_t n;
    do {
        n = pread(fd, buf, cap, 0);
    } while (n < 0 && errno == EINTR);
    const int err = errno;
    close(fd);
    if (n < 0) {
        return status_from_errno(err, diag);
    }
    *len = (size_t)n;
    return WY_OK;
}

uint64_t wy__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
