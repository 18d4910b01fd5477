/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_case.c: `withyou case new|add|withdraw|show`: a survivor's registration. `add` hashes the
 * pictures with the same hasher as `withyou hash` and registers, for each, its PDQ hash and the
 * MD5 and SHA-256 of its bytes, all files in one transaction: either the whole set is registered
 * or nothing is. `add --hashes FILE` registers the output of `withyou hash` instead, so that a
 * survivor can fingerprint on her own device and hand over only the hash file; its records join
 * the same transaction.
 */
#include "wy_setup.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const char cmd_case_help[] =
    "usage: withyou case new --bank NAME [--ref CODE] [--db PATH]\n"
    "       withyou case add [--db PATH] [--hashes FILE] CASE [PATH...]\n"
    "       withyou case withdraw [--db PATH] CASE\n"
    "       withyou case show [--db PATH] CASE\n"
    "\n"
    "new: opens a case in a bank and prints its reference as the last line (generated when\n"
    "--ref is not given). add: fingerprints the pictures and videos (files or directories)\n"
    "and registers their PDQ hashes (a video's: one frame per second, with its time), MD5 and\n"
    "SHA-256 in the case, all or nothing; pictures whose PDQ quality is below the bank's floor\n"
    "are refused with the reason (a video's frames below it are left out). --hashes FILE ('-': "
    "stdin) also\n"
    "registers the records of 'withyou hash' output (TSV with or without header and dihedral\n"
    "column, or --format json lines; videos too) or one video's vPDQ file (withyou hash\n"
    "--format vpdq, or Meta's vpdq tools), each under its path; a malformed line is named as\n"
    "'FILE: line N: reason' and nothing is registered. withdraw: the survivor withdraws;\n"
    "the case's fingerprints stop matching at once. show: the case's bank, status, dates and\n"
    "number of active fingerprints. The store is found as for 'withyou init'.\n"
    "\n"
    "example:\n"
    "  ref=$(withyou case new --bank main | tail -1)\n"
    "  withyou case add \"$ref\" ~/private/photos\n"
    "  withyou hash ~/private/photos > hashes.tsv     # on the survivor's own device\n"
    "  withyou case add --hashes hashes.tsv \"$ref\"\n"
    "  withyou case show \"$ref\"\n";

struct case_args {
    const char *db;
    const char *key_file;
    const char *bank;
    const char *ref;
    const char *hashes;
};

static int parse_case_args(int argc, char **argv, struct case_args *a)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},     {"key-file", required_argument, NULL, 'k'},
        {"bank", required_argument, NULL, 'b'},   {"ref", required_argument, NULL, 'r'},
        {"hashes", required_argument, NULL, 'H'}, {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            a->db = optarg;
            break;
        case 'k':
            a->key_file = optarg;
            break;
        case 'b':
            a->bank = optarg;
            break;
        case 'r':
            a->ref = optarg;
            break;
        case 'H':
            a->hashes = optarg;
            break;
        default:
            fputs("try 'withyou help case'\n", stderr);
            return CLI_EXIT_USAGE;
        }
    }
    return -1;
}

static int fail_status(const char *what, enum wy_status st, const struct wy_diag *diag)
{
    cli_error("%s: %s", what, diag != NULL && diag->msg[0] ? diag->msg : wy_strerror(st));
    return CLI_EXIT_FAILED;
}

static int case_new(struct wy_bank *bank, const struct case_args *a)
{
    if (a->bank == NULL) {
        cli_error("case new: --bank NAME is required");
        return CLI_EXIT_USAGE;
    }
    struct wy_bank_info b;
    enum wy_status st = wy_bank_bank_find(bank, a->bank, &b);
    if (st != WY_OK) {
        return fail_status(a->bank, st, NULL);
    }
    struct wy_case_info info;
    struct wy_diag diag;
    wy_diag_clear(&diag);
    st = wy_bank_case_new(bank, b.id, a->ref, &info, &diag);
    if (st != WY_OK) {
        return fail_status("case new", st, &diag);
    }
    printf("%s\n", info.ref);
    return CLI_EXIT_OK;
}

static const char *status_name(enum wy_case_status s)
{
    return s == WY_CASE_OPEN ? "open" : s == WY_CASE_WITHDRAWN ? "withdrawn" : "closed";
}

static int case_show(struct wy_bank *bank, const char *ref)
{
    struct wy_case_info info;
    const enum wy_status st = wy_bank_case_find(bank, ref, &info);
    if (st != WY_OK) {
        return fail_status(ref, st, NULL);
    }
    char created[32];
    char updated[32];
    const time_t c = (time_t)info.created_s;
    const time_t u = (time_t)info.updated_s;
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&c));
    strftime(updated, sizeof updated, "%Y-%m-%dT%H:%M:%SZ", gmtime(&u));
    printf("case\t%s\nstatus\t%s\ncreated\t%s\nupdated\t%s\nfingerprints\t%zu\n", info.ref,
           status_name(info.status), created, updated, info.fingerprint_count);
    return CLI_EXIT_OK;
}

static int case_withdraw(struct wy_bank *bank, const char *ref)
{
    struct wy_case_info info;
    enum wy_status st = wy_bank_case_find(bank, ref, &info);
    if (st == WY_OK) {
        st = wy_bank_case_set_status(bank, info.id, WY_CASE_WITHDRAWN);
    }
    if (st != WY_OK) {
        return fail_status(ref, st, NULL);
    }
    printf("%s\twithdrawn\t%zu fingerprints deactivated\n", ref, info.fingerprint_count);
    return CLI_EXIT_OK;
}

/* The label kept with a fingerprint: the path, cut to the field (the end of a long path is lost;
 * the label is for people, not for matching). */
static void set_source(struct wy_fingerprint *fp, const char *path)
{
    const size_t n = strnlen(path, sizeof fp->source - 1);
    memcpy(fp->source, path, n);
    fp->source[n] = '\0';
}

/* Where the fingerprints of one registered file go: its case, label and grouping tag. */
struct item {
    int64_t case_id;
    const char *path;
    int64_t tag;
};

/* Appends one fingerprint of the item; frame times -1 for all but video frames. */
static struct wy_fingerprint *push_fp(struct wy_fingerprint *fps, size_t *n, const struct item *it,
                                      enum wy_fp_kind kind, const uint8_t *value, size_t len,
                                      int quality)
{
    struct wy_fingerprint *fp = &fps[(*n)++];
    memset(fp, 0, sizeof *fp);
    fp->kind = kind;
    memcpy(fp->value, value, len);
    fp->quality = quality;
    fp->case_id = it->case_id;
    fp->frame_ms = -1;
    fp->frame_end_ms = -1;
    fp->media_id = it->tag;
    set_source(fp, it->path);
    return fp;
}

/* Appends the exact hashes of a file. */
static void push_digests(struct wy_fingerprint *fps, size_t *n, const struct item *it,
                         const struct wy_digest *d)
{
    push_fp(fps, n, it, WY_FP_MD5, d->md5, WY_MD5_BYTES, -1);
    push_fp(fps, n, it, WY_FP_SHA256, d->sha256, WY_SHA256_BYTES, -1);
}

/* Appends a hashed picture: its PDQ, the PDQ of its views at or above the floor (centred crops:
 * cropped copies match them), then its MD5 and SHA-256, all one item. */
static void push_fingerprints(struct wy_fingerprint *fps, size_t *n, int64_t case_id,
                              const struct wy_hash_record *rec, int floor, const char *path,
                              int64_t tag)
{
    const struct item it = {case_id, path, tag};
    push_fp(fps, n, &it, WY_FP_PDQ, rec->pdq.bytes, WY_PDQ_BYTES, rec->quality);
    for (size_t v = 0; v < rec->view_count; v++) {
        if (rec->views[v].quality >= floor) {
            push_fp(fps, n, &it, WY_FP_PDQ, rec->views[v].pdq.bytes, WY_PDQ_BYTES,
                    rec->views[v].quality);
        }
    }
    push_digests(fps, n, &it, &rec->digest);
}

/* Appends video frames at or above the floor; returns how many. */
static size_t push_frames(struct wy_fingerprint *fps, size_t *n, const struct item *it,
                          const struct wy_video_frame *frames, size_t count, int floor)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        const struct wy_video_frame *f = &frames[i];
        if (f->quality < floor) {
            continue; /* blank or fading frames would match other videos' blank frames */
        }
        struct wy_fingerprint *fp =
            push_fp(fps, n, it, WY_FP_VIDEO_PDQ, f->pdq.bytes, WY_PDQ_BYTES, f->quality);
        fp->frame_ms = f->start_ms;
        fp->frame_end_ms = f->end_ms;
        kept++;
    }
    return kept;
}

/* Appends a video: its frames at or above the floor, their centred crops (opts.zoomed), then
 * its exact hashes. Returns the number of frames kept. */
static size_t push_video(struct wy_fingerprint *fps, size_t *n, int64_t case_id,
                         const struct wy_video_fp *v, int floor, const char *path, int64_t tag)
{
    const struct item it = {case_id, path, tag};
    const size_t kept = push_frames(fps, n, &it, v->frames, v->count, floor);
    if (kept > 0) {
        push_frames(fps, n, &it, v->zoomed, v->zoomed_count, floor);
    }
    push_digests(fps, n, &it, &v->digest);
    return kept;
}

struct bank_lookup {
    int64_t id;
    struct wy_bank_info info;
    bool found;
};

static bool find_bank_by_id(void *user, const struct wy_bank_info *info)
{
    struct bank_lookup *l = user;
    if (info->id == l->id) {
        l->info = *info;
        l->found = true;
    }
    return !l->found;
}

/* A picture below the bank's quality floor is refused here, by path, before the store sees it:
 * its fingerprint would match unrelated pictures. `where` prefixes the message ("FILE: line N: "
 * for a hash file's record, "" for a picture). */
static bool quality_ok(const struct bank_lookup *b, const struct wy_hash_record *rec,
                       const char *where, const char *path)
{
    if (rec->quality >= b->info.min_quality) {
        return true;
    }
    fprintf(stderr, "%s%s: PDQ quality %d is below the floor %d of bank %s\n", where, path,
            rec->quality, b->info.min_quality, b->info.name);
    return false;
}

/* The fingerprints gathered for one transaction; grows by doubling. */
struct fp_list {
    struct wy_fingerprint *items;
    size_t count;
    size_t cap;
    int64_t items_added; /* pictures and videos: also the next grouping tag */
    size_t videos;
    size_t frames;
};

/* Makes room for `more` fingerprints. */
static void fp_reserve(struct fp_list *l, size_t more)
{
    if (l->count + more <= l->cap) {
        return;
    }
    while (l->count + more > l->cap) {
        l->cap = l->cap ? 2 * l->cap : 48;
    }
    l->items = cli_xrealloc(l->items, sizeof *l->items * l->cap);
}

/* A hash file holds at most this many records: more is refused rather than read, so that a
 * mistaken file cannot exhaust memory (STYLE.md section 4). */
#define HASHES_MAX_RECORDS (1024u * 1024u)

/* The most a hash file may hold: videos' JSON lines are long, but not this long. */
#define HASHES_MAX_BYTES (1024u * 1024u * 1024u)

/* Reads all of `f` into a NUL-terminated buffer (caller frees); NULL after saying why. */
static char *slurp(FILE *f, const char *file, size_t *len)
{
    size_t cap = 1 << 16;
    size_t n = 0;
    char *buf = cli_xmalloc(cap + 1);
    for (;;) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        if (cap >= HASHES_MAX_BYTES) {
            cli_error("%s: larger than %u bytes", file, HASHES_MAX_BYTES);
            free(buf);
            return NULL;
        }
        cap *= 2;
        buf = cli_xrealloc(buf, cap + 1);
    }
    if (ferror(f)) {
        cli_error("%s: read error", file);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* True for lines that are not records: blank lines and `withyou hash --header` lines (also in
 * the middle, where outputs were concatenated). */
static bool skip_line(const char *line, size_t n)
{
    if (n > 0 && line[n - 1] == '\r') {
        n--;
    }
    for (unsigned flags = 0; flags <= WY_CODEC_DIHEDRAL; flags++) {
        const char *h = wy_codec_hash_header(flags);
        if (n + 1 == strlen(h) && memcmp(line, h, n) == 0) {
            return true;
        }
    }
    return n == 0;
}

/* Adds one fingerprinted file; false (after saying why) for a picture below the floor or a
 * video without a usable frame. */
static bool push_media(const struct bank_lookup *b, int64_t case_id, struct wy_media_record *rec,
                       const char *path, struct fp_list *fps)
{
    const int64_t tag = ++fps->items_added;
    if (!rec->is_video) {
        if (!quality_ok(b, &rec->image, "", path)) {
            return false;
        }
        fp_reserve(fps, 3 + WY_VIEWS_MAX);
        push_fingerprints(fps->items, &fps->count, case_id, &rec->image, b->info.min_quality, path,
                          tag);
        return true;
    }
    if (rec->video.truncated) {
        fprintf(stderr, "%s: warning: video is damaged; registering what could be decoded\n", path);
    }
    fp_reserve(fps, rec->video.count + rec->video.zoomed_count + 2);
    const size_t kept =
        push_video(fps->items, &fps->count, case_id, &rec->video, b->info.min_quality, path, tag);
    fps->videos++;
    fps->frames += kept;
    if (kept == 0) {
        fprintf(stderr, "%s: no sampled frame reaches the quality floor %d of bank %s\n", path,
                b->info.min_quality, b->info.name);
        return false;
    }
    return true;
}

/* One record of a hash file: parsed, checked against the floor, appended. */
static bool hash_record(const struct bank_lookup *b, int64_t case_id, const char *file,
                        size_t line_no, const char *line, size_t n, struct fp_list *fps)
{
    struct wy_hash_record rec;
    char path[4096];
    struct wy_diag diag;
    const enum wy_status st = wy_codec_hash_parse_line(line, n, &rec, path, sizeof path, &diag);
    if (st != WY_OK) {
        fprintf(stderr, "%s: line %zu: %s\n", file, line_no,
                diag.msg[0] ? diag.msg : wy_strerror(st));
        return false;
    }
    char where[512];
    snprintf(where, sizeof where, "%s: line %zu: ", file, line_no);
    if (!quality_ok(b, &rec, where, path)) {
        return false;
    }
    fp_reserve(fps, 3);
    push_fingerprints(fps->items, &fps->count, case_id, &rec, 101, path, ++fps->items_added);
    return true;
}

/* A video record of `withyou hash --format json`, or a whole vPDQ file (`line_no` 0). */
static bool video_record(struct wy_ctx *ctx, const struct bank_lookup *b, int64_t case_id,
                         const char *file, size_t line_no, const char *text, size_t n,
                         struct fp_list *fps)
{
    struct wy_video_fp v;
    struct wy_diag diag;
    char *path = NULL;
    const enum wy_status st = line_no == 0
                                  ? wy_codec_vpdq_parse(ctx, text, n, &v, &diag)
                                  : wy_codec_video_json_parse(ctx, text, n, &v, &path, &diag);
    if (st != WY_OK) {
        if (line_no == 0) {
            fprintf(stderr, "%s: vPDQ: %s\n", file, diag.msg[0] ? diag.msg : wy_strerror(st));
        } else {
            fprintf(stderr, "%s: line %zu: %s\n", file, line_no,
                    diag.msg[0] ? diag.msg : wy_strerror(st));
        }
        return false;
    }
    struct wy_media_record rec = {.is_video = true, .video = v};
    const bool ok = push_media(b, case_id, &rec, path != NULL ? path : file, fps);
    wy_free(ctx, path);
    wy_video_fp_clear(ctx, &rec.video);
    return ok;
}

/* vPDQ files are "frame,quality,hex,seconds" lines: commas and no tab on the first line. */
static bool looks_like_vpdq(const char *text)
{
    const size_t first = strcspn(text, "\n");
    return memchr(text, ',', first) != NULL && memchr(text, '\t', first) == NULL && text[0] != '{';
}

static bool is_video_json(const char *line, size_t n)
{
    static const char prefix[] = "{\"kind\":\"video\"";
    return n >= sizeof prefix - 1 && memcmp(line, prefix, sizeof prefix - 1) == 0;
}

/* Registers every line of a hash file held in memory. */
static bool read_hash_lines(struct wy_ctx *ctx, const struct bank_lookup *b, int64_t case_id,
                            const char *file, const char *text, size_t len, struct fp_list *fps)
{
    size_t records = 0;
    size_t at = 0;
    for (size_t line_no = 1; at < len; line_no++) {
        const char *nl = memchr(text + at, '\n', len - at);
        const size_t n = nl != NULL ? (size_t)(nl - (text + at)) : len - at;
        const char *line = text + at;
        at += n + 1;
        if (skip_line(line, n)) {
            continue;
        }
        if (++records > HASHES_MAX_RECORDS) {
            fprintf(stderr, "%s: line %zu: more than %u records\n", file, line_no,
                    HASHES_MAX_RECORDS);
            return false;
        }
        const bool ok = is_video_json(line, n)
                            ? video_record(ctx, b, case_id, file, line_no, line, n, fps)
                            : hash_record(b, case_id, file, line_no, line, n, fps);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Reads the hash file `file` ("-": stdin) into `fps`: `withyou hash` output (TSV or JSON lines,
 * pictures and videos) or one video's vPDQ file. Returns false, after saying why, at the first
 * bad line: one error means the file is not what the survivor meant to hand over. */
static bool read_hashes(struct wy_ctx *ctx, const struct bank_lookup *b, int64_t case_id,
                        const char *file, struct fp_list *fps)
{
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (f == NULL) {
        cli_error("%s: cannot open: %s", file, strerror(errno));
        return false;
    }
    size_t len = 0;
    char *text = slurp(f, file, &len);
    if (f != stdin) {
        fclose(f);
    }
    if (text == NULL) {
        return false;
    }
    const bool ok = looks_like_vpdq(text) ? video_record(ctx, b, case_id, file, 0, text, len, fps)
                                          : read_hash_lines(ctx, b, case_id, file, text, len, fps);
    free(text);
    return ok;
}

/* The case and its bank (for the quality floor); false after saying why not. */
static bool find_case(struct wy_bank *bank, const char *ref, struct wy_case_info *info,
                      struct bank_lookup *b)
{
    enum wy_status st = wy_bank_case_find(bank, ref, info);
    if (st == WY_OK) {
        b->id = info->bank_id;
        st = wy_bank_bank_list(bank, find_bank_by_id, b);
    }
    if (st == WY_OK && !b->found) {
        st = WY_ENOENT;
    }
    if (st != WY_OK) {
        fail_status(ref, st, NULL);
        return false;
    }
    return true;
}

/* Fingerprints pictures and videos into `fps`; returns how many could not be used (already
 * reported). */
static size_t hash_media(struct wy_ctx *ctx, const struct bank_lookup *b, int64_t case_id,
                         char **paths_in, int count, struct fp_list *fps)
{
    struct cli_paths paths = {0};
    cli_paths_collect(&paths, paths_in, count);
    struct wy_hasher_opts opts;
    wy_hasher_opts_init(&opts);
    opts.videos = true;
    opts.zoom = true; /* registered crops let cropped copies match */
    opts.video.zoomed = true;
    struct wy_hasher *h = NULL;
    if (wy_hasher_new(ctx, &opts, &h) != WY_OK) {
        cli_error("out of memory");
        exit(CLI_EXIT_FAILED);
    }
    size_t failed = paths.errors;
    for (size_t i = 0; i < paths.count; i++) {
        struct wy_media_record rec;
        struct wy_diag diag;
        const enum wy_status st = wy_hasher_hash_media(h, paths.items[i], &rec, &diag);
        if (st != WY_OK) {
            fprintf(stderr, "%s: %s\n", paths.items[i], diag.msg[0] ? diag.msg : wy_strerror(st));
            failed++;
            continue;
        }
        failed += !push_media(b, case_id, &rec, paths.items[i], fps);
        wy_video_fp_clear(ctx, &rec.video);
    }
    wy_hasher_free(h);
    cli_paths_free(&paths);
    return failed;
}

static int case_add(struct wy_ctx *ctx, struct wy_bank *bank, const char *ref, char **paths_in,
                    int count, const char *hashes)
{
    struct wy_case_info info;
    struct bank_lookup b = {0};
    if (!find_case(bank, ref, &info, &b)) {
        return CLI_EXIT_FAILED;
    }
    struct fp_list fps = {0};
    size_t failed = hash_media(ctx, &b, info.id, paths_in, count, &fps);
    if (hashes != NULL && !read_hashes(ctx, &b, info.id, hashes, &fps)) {
        failed++;
    }
    int rc = CLI_EXIT_FAILED;
    if (failed > 0) {
        cli_error("case add: %zu input(s) could not be fingerprinted; nothing registered", failed);
    } else {
        struct wy_diag diag;
        wy_diag_clear(&diag);
        const enum wy_status st =
            fps.count > 0 ? wy_bank_fp_add(bank, fps.items, fps.count, &diag) : WY_OK;
        if (st == WY_OK) {
            const size_t pictures = (size_t)fps.items_added - fps.videos;
            if (fps.videos == 0) {
                printf("%s\t%zu pictures registered\n", ref, pictures);
            } else {
                printf("%s\t%zu pictures and %zu videos (%zu frames) registered\n", ref, pictures,
                       fps.videos, fps.frames);
            }
            rc = CLI_EXIT_OK;
        } else {
            fail_status("case add", st, &diag);
        }
    }
    free(fps.items);
    return rc;
}

static int case_run(struct wy_ctx *ctx, struct wy_bank *bank, const char *verb, int argc,
                    char **argv, const struct case_args *a)
{
    const int rest = argc - optind;
    if (strcmp(verb, "new") == 0 && rest == 0) {
        return case_new(bank, a);
    }
    if (strcmp(verb, "show") == 0 && rest == 1) {
        return case_show(bank, argv[optind]);
    }
    if (strcmp(verb, "withdraw") == 0 && rest == 1) {
        return case_withdraw(bank, argv[optind]);
    }
    if (strcmp(verb, "add") == 0 && rest >= (a->hashes != NULL ? 1 : 2)) {
        return case_add(ctx, bank, argv[optind], argv + optind + 1, rest - 1, a->hashes);
    }
    fputs(cmd_case_help, stderr);
    return CLI_EXIT_USAGE;
}

int cmd_case(int argc, char **argv)
{
    static const char *const verbs[] = {"new", "add", "withdraw", "show"};
    if (!cli_is_verb(argc, argv, verbs, sizeof verbs / sizeof verbs[0])) {
        fputs(cmd_case_help, stderr);
        return CLI_EXIT_USAGE;
    }
    struct case_args a = {0};
    const int early = parse_case_args(argc - 1, argv + 1, &a);
    if (early >= 0) {
        return early;
    }
    struct wy_ctx *ctx = cli_ctx_new();
    struct wy_bank *bank = cli_store_open(ctx, a.db, a.key_file);
    int rc = CLI_EXIT_FAILED;
    if (bank != NULL) {
        rc = case_run(ctx, bank, argv[1], argc - 1, argv + 1, &a);
        wy_bank_close(bank);
    }
    wy_ctx_free(ctx);
    return rc;
}
