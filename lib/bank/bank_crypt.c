/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bank_crypt.c: the store's keys and everything done with them, the only file of the library
 * that includes sodium.h.
 *
 * The 32-byte master key never touches data directly. crypto_kdf (BLAKE2b) derives one subkey
 * per purpose: sealing (XChaCha20-Poly1305 IETF AEAD with a random 24-byte nonce per value, so
 * nonces never need a counter), the blind index (keyed BLAKE2b of kind and value) and the key
 * check value stored in the database. Key files hold 64 hex digits and must not be readable by
 * anyone but their owner. Secrets on the stack are wiped with sodium_memzero before returning.
 */
#include "wy_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "bank/bank_int.h"
#include "core/core_int.h"

/* The KDF context: exactly crypto_kdf_CONTEXTBYTES (8) characters, fixed forever. */
static const char kdf_context[crypto_kdf_CONTEXTBYTES + 1] = "wy_bank_";
enum { SUBKEY_SEAL = 1, SUBKEY_BLIND = 2, SUBKEY_CHECK = 3 };
static const char check_message[] = "withyou bank key check v1";
#define KEY_HEX_DIGITS (2 * WY_BANK_KEY_BYTES)
/* A key file is 64 digits and an optional line ending; anything much longer is not a key. */
#define KEY_FILE_MAX 80

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

static void sodium_start(void)
{
    sodium_status = sodium_init();
}

enum wy_status wy__bank_crypto_init(void)
{
    /* sodium_init is thread-safe itself, but pthread_once keeps the cost to one check. */
    pthread_once(&sodium_once, sodium_start);
    return sodium_status < 0 ? WY_EINTERNAL : WY_OK;
}

void wy__bank_keys_derive(const struct wy_bank_key *master, struct wy__bank_keys *keys)
{
    crypto_kdf_derive_from_key(keys->seal, sizeof keys->seal, SUBKEY_SEAL, kdf_context,
                               master->bytes);
    crypto_kdf_derive_from_key(keys->blind, sizeof keys->blind, SUBKEY_BLIND, kdf_context,
                               master->bytes);
    crypto_kdf_derive_from_key(keys->check, sizeof keys->check, SUBKEY_CHECK, kdf_context,
                               master->bytes);
}

void wy__bank_keys_wipe(struct wy__bank_keys *keys)
{
    sodium_memzero(keys, sizeof *keys);
}

void wy__bank_key_check(const struct wy__bank_keys *keys, uint8_t out[WY__BANK_CHECK_BYTES])
{
    crypto_generichash(out, WY__BANK_CHECK_BYTES, (const uint8_t *)check_message,
                       sizeof check_message - 1, keys->check, sizeof keys->check);
}

bool wy__bank_key_check_equal(const uint8_t *a, const uint8_t *b)
{
    return sodium_memcmp(a, b, WY__BANK_CHECK_BYTES) == 0;
}

void wy__bank_blind(const struct wy__bank_keys *keys, enum wy_fp_kind kind, const uint8_t *value,
                    size_t len, uint8_t out[WY__BANK_BLIND_BYTES])
{
    /* The kind is hashed in so an MD5 and a PDQ sharing bytes never share a blind value. */
    const uint8_t kind_byte = (uint8_t)kind;
    crypto_generichash_state st;
    crypto_generichash_init(&st, keys->blind, sizeof keys->blind, WY__BANK_BLIND_BYTES);
    crypto_generichash_update(&st, &kind_byte, 1);
    crypto_generichash_update(&st, value, len);
    crypto_generichash_final(&st, out, WY__BANK_BLIND_BYTES);
    sodium_memzero(&st, sizeof st);
}

void wy__bank_seal(const struct wy__bank_keys *keys, const uint8_t *msg, size_t len,
                   const uint8_t *ad, size_t ad_len, uint8_t *out)
{
    uint8_t *const nonce = out;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                               NULL, msg, len, ad, ad_len, NULL, nonce, keys->seal);
}

enum wy_status wy__bank_unseal(const struct wy__bank_keys *keys, const uint8_t *cipher, size_t clen,
                               const uint8_t *ad, size_t ad_len, uint8_t *out, size_t out_cap,
                               size_t *out_len)
{
    if (clen < WY__BANK_SEAL_OVERHEAD || clen - WY__BANK_SEAL_OVERHEAD > out_cap) {
        return WY_ECORRUPT;
    }
    const size_t npub = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    unsigned long long plain_len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plain_len, NULL, cipher + npub,
                                                   clen - npub, ad, ad_len, cipher,
                                                   keys->seal) != 0) {
        return WY_ECORRUPT;
    }
    *out_len = (size_t)plain_len;
    return WY_OK;
}

bool wy__bank_pad(uint8_t *buf, size_t len, size_t cap, size_t *padded_len)
{
    return sodium_pad(padded_len, buf, len, WY__BANK_PAD_BLOCK, cap) == 0;
}

bool wy__bank_unpad(const uint8_t *buf, size_t len, size_t *unpadded_len)
{
    return sodium_unpad(unpadded_len, buf, len, WY__BANK_PAD_BLOCK) == 0;
}

void wy__bank_random(void *buf, size_t len)
{
    randombytes_buf(buf, len);
}

void wy__bank_wipe(void *buf, size_t len)
{
    sodium_memzero(buf, len);
}

/* ---- public key handling ---- */

enum wy_status wy_bank_key_generate(struct wy_bank_key *key)
{
    if (wy__bank_crypto_init() != WY_OK) {
        return WY_EINTERNAL;
    }
    crypto_kdf_keygen(key->bytes);
    return WY_OK;
}

void wy_bank_key_wipe(struct wy_bank_key *key)
{
    sodium_memzero(key, sizeof *key);
}

/* 64 hex digits, then at most a line ending and nothing else. */
/* sodium_hex2bin runs in constant time for the digits, so a key is not leaked through timing
 * while it is parsed. The parsed copy is wiped on every path. */
static enum wy_status parse_key_text(const char *text, size_t len, struct wy_bank_key *key,
                                     struct wy_diag *diag)
{
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r')) {
        len--;
    }
    size_t bin_len = 0;
    const char *end = NULL;
    struct wy_bank_key parsed;
    const int rc =
        sodium_hex2bin(parsed.bytes, sizeof parsed.bytes, text, len, NULL, &bin_len, &end);
    if (len != KEY_HEX_DIGITS || rc != 0 || bin_len != WY_BANK_KEY_BYTES || end != text + len) {
        sodium_memzero(&parsed, sizeof parsed);
        return wy__fail(diag, WY_EPARSE, "a key is 64 hexadecimal digits");
    }
    *key = parsed;
    sodium_memzero(&parsed, sizeof parsed);
    return WY_OK;
}

static enum wy_status errno_status(int err, const char *what, struct wy_diag *diag)
{
    const enum wy_status st = err == ENOENT || err == ENOTDIR ? WY_ENOENT : WY_EIO;
    wy__diag_set(diag, -1, err, "%s: %s", what, strerror(err));
    return st;
}

/* Refuses a key file that anyone but its owner could read: the key opens every survivor's
 * fingerprints, so a too-open file is an error, not a warning. */
static enum wy_status check_key_file(int fd, struct wy_diag *diag)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        return errno_status(errno, "key file", diag);
    }
    if (!S_ISREG(sb.st_mode)) {
        return wy__fail(diag, WY_EINVAL, "key file is not a regular file");
    }
    if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return wy__fail(diag, WY_EINVAL,
                        "key file is accessible by group or others (mode %03o); "
                        "run chmod 600 on it",
                        (unsigned)(sb.st_mode & 0777));
    }
    return WY_OK;
}

/* The file is checked through the open descriptor (fstat), so it cannot be swapped between the
 * permission check and the read. */
static enum wy_status load_key_file(const char *path, struct wy_bank_key *key, struct wy_diag *diag)
{
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno_status(errno, "key file", diag);
    }
    char text[KEY_FILE_MAX + 1];
    enum wy_status st = check_key_file(fd, diag);
    ssize_t n = 0;
    if (st == WY_OK) {
        n = read(fd, text, sizeof text);
        st = n < 0 ? errno_status(errno, "key file", diag) : WY_OK;
    }
    if (st == WY_OK && (size_t)n > KEY_FILE_MAX) {
        st = wy__fail(diag, WY_EPARSE, "key file is too long: a key is 64 hexadecimal digits");
    }
    if (st == WY_OK) {
        st = parse_key_text(text, (size_t)n, key, diag);
    }
    sodium_memzero(text, sizeof text);
    close(fd);
    return st;
}

enum wy_status wy_bank_key_load(const char *path, struct wy_bank_key *key, struct wy_diag *diag)
{
    if (wy__bank_crypto_init() != WY_OK) {
        return wy__fail(diag, WY_EINTERNAL, "libsodium failed to initialise");
    }
    if (path != NULL) {
        return load_key_file(path, key, diag);
    }
    const char *env = getenv("WITHYOU_KEY");
    if (env == NULL) {
        return wy__fail(diag, WY_ENOENT, "WITHYOU_KEY is not set");
    }
    return parse_key_text(env, strlen(env), key, diag);
}

static enum wy_status write_all(int fd, const char *buf, size_t len, struct wy_diag *diag)
{
    size_t done = 0;
    while (done < len) {
        const ssize_t n = write(fd, buf + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return errno_status(errno, "key file", diag);
        }
        done += (size_t)n;
    }
    return fsync(fd) == 0 ? WY_OK : errno_status(errno, "key file", diag);
}

/* A new file's name is durable only once its folder is synced: without this, a power cut could
 * lose the key of a store just created, or just re-keyed, with it. */
static enum wy_status sync_folder_of(const char *path, struct wy_diag *diag)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t len = slash == NULL ? 0 : (size_t)(slash - path);
    if (slash == path) {
        len = 1; /* a file in the root folder */
    }
    if (len >= sizeof dir) {
        return errno_status(ENAMETOOLONG, "key file folder", diag);
    }
    if (len == 0) {
        dir[len++] = '.';
    } else {
        memcpy(dir, path, len);
    }
    dir[len] = '\0';
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return errno_status(errno, "key file folder", diag);
    }
    /* EINVAL: a file system that cannot sync folders (and so keeps no journal to lose). */
    const enum wy_status st =
        fsync(fd) == 0 || errno == EINVAL ? WY_OK : errno_status(errno, "key file folder", diag);
    close(fd);
    return st;
}

enum wy_status wy_bank_key_save(const char *path, const struct wy_bank_key *key,
                                struct wy_diag *diag)
{
    if (wy__bank_crypto_init() != WY_OK) {
        return wy__fail(diag, WY_EINTERNAL, "libsodium failed to initialise");
    }
    /* O_EXCL: never overwrite a key, which would orphan the store it opens. */
    const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        return wy__fail(diag, WY_EINVAL, "key file already exists; refusing to overwrite it");
    }
    if (fd < 0) {
        return errno_status(errno, "key file", diag);
    }
    char text[KEY_HEX_DIGITS + 2];
    sodium_bin2hex(text, sizeof text, key->bytes, sizeof key->bytes);
    text[KEY_HEX_DIGITS] = '\n';
    /* fchmod: a umask cannot widen 0600, but a pre-set ACL default could; be explicit. */
    enum wy_status st = fchmod(fd, 0600) == 0 ? WY_OK : errno_status(errno, "key file", diag);
    if (st == WY_OK) {
        st = write_all(fd, text, KEY_HEX_DIGITS + 1, diag);
    }
    sodium_memzero(text, sizeof text);
    close(fd);
    if (st == WY_OK) {
        st = sync_folder_of(path, diag);
    }
    if (st != WY_OK) {
        unlink(path);
    }
    return st;
}
