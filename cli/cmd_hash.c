/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_hash.c: `withyou hash`: fingerprints of pictures and videos, one line per file, in input
 * order. Files that fail are reported on stderr as "path: reason" and the rest are still hashed.
 */
#include "wy_setup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_hash_help[] =
    "usage: withyou hash [options] PATH...\n"
    "\n"
    "Computes the PDQ perceptual hash, its quality (0-100), SHA-256 and MD5 of each picture,\n"
    "and of each video the PDQ of one frame per second with its time. A PATH may be a file,\n"
    "a directory (walked recursively, in name order) or '-' to read one path per line from\n"
    "standard input. Formats are recognised by content: JPEG, PNG, WebP, GIF, HEIC/AVIF, TIFF,\n"
    "BMP, PNM; MP4/MOV/3GP, MKV/WebM, AVI, FLV, MPEG-TS/PS, Ogg (any codec FFmpeg decodes).\n"
    "Output is one line per file, in input order.\n"
    "\n"
    "options:\n"
    "  --format tsv|json|vpdq\n"
    "                      output format (default tsv); TSV columns: pdq quality sha256 md5\n"
    "                      width height [dihedral] path (a video's line shows its\n"
    "                      best-quality frame; JSON lists every frame); vpdq writes one\n"
    "                      video's frames as Meta's vPDQ hash file (one PATH only)\n"
    "  --header            print a TSV header line first\n"
    "  --dihedral          add the 8 dihedral hashes (original, rot90, rot180, rot270, flipx,\n"
    "                      flipy, flipplus1, flipminus1), comma-separated\n"
    "  --jobs N            worker threads (default: all cores)\n"
    "  --full-decode       decode every pixel (bit-exact with Meta's reference); the default\n"
    "                      decodes JPEG at the smallest sufficient DCT scale, a few bits away\n"
    "  --fast-size PX      fast decoding keeps each side at least PX (default 384): larger is\n"
    "                      closer to --full-decode, smaller is faster\n"
    "  --raw-orientation   hash pixels as stored, ignoring EXIF orientation (as the reference)\n"
    "  --jpeg-idct islow|float|ifast\n"
    "                      JPEG inverse DCT (default islow; ImageMagick uses float)\n"
    "  --max-pixels N      refuse images with more pixels (default 100000000)\n"
    "  --max-file-size N   refuse files larger than N bytes (default 268435456)\n"
    "  --max-frames N      refuse animations with more frames (default 10000)\n"
    "  --interval SECONDS  videos: time between sampled frames (default 1)\n"
    "  --collapse N        videos: merge consecutive frames within PDQ distance N into one\n"
    "                      with a time span (default: keep every frame)\n"
    "  --decode-all        videos: decode every frame (the default skips frames no sample\n"
    "                      needs; the sampled frames are the same)\n"
    "\n"
    "exit status: 0 all hashed, 1 some file failed, 2 usage error\n"
    "\n"
    "examples:\n"
    "  withyou hash --header samples/orig\n"
    "  withyou hash --format vpdq clip.mp4 > clip.vpdq.txt\n"
    "  find photos -name '*.jpg' | withyou hash --format json -\n";

struct hash_run {
    struct wy_ctx *ctx;
    struct wy_hasher_opts opts;
    enum wy_codec_format format;
    unsigned flags;
    struct cli_paths paths;
    char **lines;    /* per input: formatted output line, or NULL */
    char **errors;   /* per input: "path: reason" line, or NULL */
    char **warnings; /* per input: "path: warning: ..." beside a line, or NULL */
    size_t failed;
    struct cli_progress progress;
};

static void *hash_worker_new(void *user)
{
    struct hash_run *run = user;
    return cli_hasher_new(run->ctx, &run->opts);
}

static char *format_error(const char *path, enum wy_status st, const struct wy_diag *diag)
{
    const char *why = diag->msg[0] != '\0' ? diag->msg : wy_strerror(st);
    const size_t n = strlen(path) + strlen(why) + 4;
    char *line = cli_xmalloc(n);
    snprintf(line, n, "%s: %s\n", path, why);
    return line;
}

#define FORMAT_VPDQ ((enum wy_codec_format)100) /* not a line format: whole vPDQ files */

static enum wy_status video_text(struct hash_run *run, const struct wy_video_fp *fp,
                                 const char *path, char **out, struct wy_diag *diag)
{
    if (run->format == FORMAT_VPDQ) {
        return wy_codec_vpdq_write(run->ctx, fp, out, NULL);
    }
    if (fp->count == 0) {
        snprintf(diag->msg, sizeof diag->msg, "video: no frame sampled");
        return WY_EEMPTY;
    }
    return run->format == WY_CODEC_JSON ? wy_codec_video_json(run->ctx, fp, path, out)
                                        : wy_codec_video_tsv(run->ctx, fp, path, out);
}

static void hash_work(void *worker, size_t i, void *user)
{
    struct hash_run *run = user;
    const char *path = run->paths.items[i];
    struct wy_media_record rec;
    struct wy_diag diag;
    wy_diag_clear(&diag);
    enum wy_status st = wy_hasher_hash_media(worker, path, &rec, &diag);
    if (st == WY_OK && rec.is_video) {
        if (rec.video.truncated) {
            run->warnings[i] = format_error(path, WY_ECORRUPT, &diag);
        }
        wy_diag_clear(&diag);
        st = video_text(run, &rec.video, path, &run->lines[i], &diag);
        wy_video_fp_clear(run->ctx, &rec.video);
    } else if (st == WY_OK && run->format == FORMAT_VPDQ) {
        st = WY_EFORMAT;
        snprintf(diag.msg, sizeof diag.msg, "not a video: vPDQ holds video frames only");
    } else if (st == WY_OK) {
        /* The line stays in the library's buffer until emitted (released with wy_free). */
        st = wy_codec_hash_line(run->ctx, &rec.image, path, run->format, run->flags, &run->lines[i],
                                NULL);
        wy_diag_clear(&diag);
    }
    if (st != WY_OK) {
        run->errors[i] = format_error(path, st, &diag);
    }
}

static void hash_emit(size_t i, void *user)
{
    struct hash_run *run = user;
    if (run->warnings[i] != NULL) {
        /* A damaged video: its decodable part is printed, the run still ends in failure. */
        fputs("warning: ", stderr);
        fputs(run->warnings[i], stderr);
        free(run->warnings[i]);
        run->failed++;
    }
    if (run->lines[i] != NULL) {
        fputs(run->lines[i], stdout);
        wy_free(run->ctx, run->lines[i]);
    } else {
        if (run->progress.enabled) {
            fputc('\r', stderr);
        }
        fflush(stdout);
        fputs(run->errors[i], stderr);
        free(run->errors[i]);
        run->failed++;
    }
    cli_progress_update(&run->progress, i + 1);
}

static bool parse_idct(const char *text, enum wy_jpeg_idct *out)
{
    static const char *const names[] = {"islow", "float", "ifast"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(text, names[i]) == 0) {
            *out = (enum wy_jpeg_idct)i;
            return true;
        }
    }
    cli_error("--jpeg-idct: expected islow, float or ifast, got '%s'", text);
    return false;
}

enum {
    OPT_FORMAT = 256,
    OPT_HEADER,
    OPT_DIHEDRAL,
    OPT_JOBS,
    OPT_FULL,
    OPT_FAST_SIZE,
    OPT_RAW,
    OPT_IDCT,
    OPT_MAX_PIXELS,
    OPT_MAX_FILE,
    OPT_MAX_FRAMES,
    OPT_INTERVAL,
    OPT_COLLAPSE,
    OPT_DECODE_ALL,
    OPT_HELP,
};

static const struct option hash_options[] = {
    {"format", required_argument, NULL, OPT_FORMAT},
    {"header", no_argument, NULL, OPT_HEADER},
    {"dihedral", no_argument, NULL, OPT_DIHEDRAL},
    {"jobs", required_argument, NULL, OPT_JOBS},
    {"full-decode", no_argument, NULL, OPT_FULL},
    {"fast-size", required_argument, NULL, OPT_FAST_SIZE},
    {"raw-orientation", no_argument, NULL, OPT_RAW},
    {"jpeg-idct", required_argument, NULL, OPT_IDCT},
    {"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
    {"max-file-size", required_argument, NULL, OPT_MAX_FILE},
    {"max-frames", required_argument, NULL, OPT_MAX_FRAMES},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"collapse", required_argument, NULL, OPT_COLLAPSE},
    {"decode-all", no_argument, NULL, OPT_DECODE_ALL},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

/* Parses options into `run`; returns -1 to go on, else the exit status. */
static int parse_hash_args(int argc, char **argv, struct hash_run *run, bool *header,
                           uint64_t *jobs)
{
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", hash_options, NULL)) != -1) {
        switch (c) {
        case OPT_FORMAT:
            if (strcmp(optarg, "tsv") == 0) {
                run->format = WY_CODEC_TSV;
            } else if (strcmp(optarg, "json") == 0) {
                run->format = WY_CODEC_JSON;
            } else if (strcmp(optarg, "vpdq") == 0) {
                run->format = FORMAT_VPDQ;
            } else {
                cli_error("--format: expected tsv, json or vpdq, got '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_HEADER:
            *header = true;
            break;
        case OPT_DIHEDRAL:
            run->opts.dihedral = true;
            run->flags |= WY_CODEC_DIHEDRAL;
            break;
        case OPT_JOBS:
            if (!cli_parse_u64("--jobs", optarg, 1, 1024, jobs)) {
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_FULL:
            run->opts.full_decode = true;
            break;
        case OPT_FAST_SIZE: {
            uint64_t px;
            if (!cli_parse_u64("--fast-size", optarg, 16, 65535, &px)) {
                return CLI_EXIT_USAGE;
            }
            run->opts.fast_size_px = (uint32_t)px;
            break;
        }
        case OPT_RAW:
            run->opts.decode.raw_orientation = true;
            break;
        case OPT_IDCT:
            if (!parse_idct(optarg, &run->opts.decode.jpeg_idct)) {
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_MAX_PIXELS:
            if (!cli_parse_u64("--max-pixels", optarg, 1, UINT64_MAX,
                               &run->opts.decode.max_pixels)) {
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_MAX_FILE:
            if (!cli_parse_u64("--max-file-size", optarg, 1, UINT64_MAX,
                               &run->opts.decode.max_file_bytes)) {
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_MAX_FRAMES: {
            uint64_t frames;
            if (!cli_parse_u64("--max-frames", optarg, 1, UINT32_MAX, &frames)) {
                return CLI_EXIT_USAGE;
            }
            run->opts.decode.max_frames = (uint32_t)frames;
            break;
        }
        case OPT_INTERVAL:
            if (!cli_parse_seconds_ms("--interval", optarg, &run->opts.video.interval_ms)) {
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_COLLAPSE: {
            uint64_t d;
            if (!cli_parse_u64("--collapse", optarg, 0, 256, &d)) {
                return CLI_EXIT_USAGE;
            }
            run->opts.video.collapse_distance = (int)d;
            break;
        }
        case OPT_DECODE_ALL:
            run->opts.video.decode = WY_VIDEO_DECODE_ALL;
            break;
        case OPT_HELP:
            fputs(cmd_hash_help, stdout);
            return CLI_EXIT_OK;
        default:
            fputs("try 'withyou help hash'\n", stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_error("hash: no PATH given (use '-' to read paths from stdin)");
        return CLI_EXIT_USAGE;
    }
    if (run->format == FORMAT_VPDQ && argc - optind != 1) {
        cli_error("--format vpdq: give one video (a vPDQ file holds one video's frames)");
        return CLI_EXIT_USAGE;
    }
    return -1;
}

int cmd_hash(int argc, char **argv)
{
    struct hash_run run;
    memset(&run, 0, sizeof run);
    wy_hasher_opts_init(&run.opts);
    run.opts.videos = true;
    bool header = false;
    uint64_t jobs = cli_cpu_count();
    const int early = parse_hash_args(argc, argv, &run, &header, &jobs);
    if (early >= 0) {
        return early;
    }
    run.ctx = cli_ctx_new();
    cli_paths_collect(&run.paths, argv + optind, argc - optind);
    run.lines = calloc(run.paths.count + 1, sizeof *run.lines);
    run.errors = calloc(run.paths.count + 1, sizeof *run.errors);
    run.warnings = calloc(run.paths.count + 1, sizeof *run.warnings);
    if (run.lines == NULL || run.errors == NULL || run.warnings == NULL) {
        cli_error("out of memory");
        return CLI_EXIT_FAILED;
    }
    if (header && run.format == WY_CODEC_TSV) {
        fputs(wy_codec_hash_header(run.flags), stdout);
    }
    cli_progress_init(&run.progress, "hash", run.paths.count);
    static const struct cli_pool_ops ops = {hash_worker_new, cli_hasher_free, hash_work, hash_emit};
    cli_pool_run(run.paths.count, (unsigned)jobs, &ops, &run);
    cli_progress_done(&run.progress);
    const bool failed = run.failed > 0 || run.paths.errors > 0;
    free(run.lines);
    free(run.errors);
    free(run.warnings);
    cli_paths_free(&run.paths);
    wy_ctx_free(run.ctx);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("error writing output");
        return CLI_EXIT_FAILED;
    }
    return failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}
