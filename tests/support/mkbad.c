/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mkbad.c: writes hostile image files for the end-to-end tests, so the tests need no scripting
 * language: `mkbad KIND OUT` with KIND one of
 *   png-bomb   a valid PNG header claiming 100000 x 100000 pixels (10 gigapixels)
 *   png-lying  a PNG whose header says 3000 x 3000 but whose data holds a few bytes
 *   png-crc    a PNG whose IHDR checksum is wrong
 *   gif-bomb   a GIF whose logical screen and frame claim 65535 x 65535
 *   gif-anim   a valid two-frame 1 x 1 animated GIF (not hostile: for animation paths)
 */
#include "wy_setup.h"

#include <stdio.h>
#include <string.h>

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
        }
    }
    return c ^ 0xffffffffu;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Appends a chunk (length, type, data, CRC) to `out` at *len. */
static void chunk(uint8_t *out, size_t *len, const char *type, const uint8_t *data, uint32_t n,
                  int bad_crc)
{
    put32(out + *len, n);
    memcpy(out + *len + 4, type, 4);
    if (n > 0) {
        memcpy(out + *len + 8, data, n);
    }
    put32(out + *len + 8 + n, crc32_of(out + *len + 4, n + 4) ^ (bad_crc ? 1u : 0u));
    *len += 12 + n;
}

static size_t make_png(uint8_t *out, uint32_t w, uint32_t h, int bad_crc)
{
    size_t len = 8;
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    uint8_t ihdr[13] = {0};
    put32(ihdr, w);
    put32(ihdr + 4, h);
    ihdr[8] = 8; /* bit depth */
    ihdr[9] = 2; /* RGB */
    chunk(out, &len, "IHDR", ihdr, 13, bad_crc);
    /* A zlib stream of one empty stored block: far too little for the claimed size. */
    static const uint8_t idat[] = {0x78, 0x01, 0x01, 0x00, 0x00, 0xff,
                                   0xff, 0x00, 0x00, 0x00, 0x01};
    chunk(out, &len, "IDAT", idat, sizeof idat, 0);
    chunk(out, &len, "IEND", NULL, 0, 0);
    return len;
}

static size_t make_gif_bomb(uint8_t *out)
{
    static const uint8_t gif[] = {
        'G',  'I', 'F',  '8',  '9', 'a',  0xff, 0xff, 0xff, 0xff,
        0x80, 0,   0,                                          /* screen, 2-colour map */
        0,    0,   0,    255,  255, 255,                       /* colour map */
        0x2c, 0,   0,    0,    0,   0xff, 0xff, 0xff, 0xff, 0, /* image descriptor */
        2,    2,   0x4c, 0x01, 0,                              /* LZW data */
        0x3b};
    memcpy(out, gif, sizeof gif);
    return sizeof gif;
}

static size_t make_gif_anim(uint8_t *out)
{
    static const uint8_t head[] = {'G',  'I', 'F', '8', '9', 'a', 1,   0,   1,  0,
                                   0x80, 0,   0,   0,   0,   0,   255, 255, 255};
    /* Graphic control (10 cs delay), a 1x1 frame, its LZW data: twice, then the trailer. */
    static const uint8_t frame[] = {0x21, 0xf9, 4, 0, 10, 0, 0, 0, 0x2c, 0, 0, 0,
                                    0,    1,    0, 1, 0,  0, 2, 2, 0x44, 1, 0};
    size_t len = 0;
    memcpy(out, head, sizeof head);
    len += sizeof head;
    for (int i = 0; i < 2; i++) {
        memcpy(out + len, frame, sizeof frame);
        len += sizeof frame;
    }
    out[len++] = 0x3b;
    return len;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: mkbad png-bomb|png-lying|png-crc|gif-bomb|gif-anim OUT\n", stderr);
        return 2;
    }
    uint8_t buf[256];
    size_t len = 0;
    if (strcmp(argv[1], "png-bomb") == 0) {
        len = make_png(buf, 100000, 100000, 0);
    } else if (strcmp(argv[1], "png-lying") == 0) {
        len = make_png(buf, 3000, 3000, 0);
    } else if (strcmp(argv[1], "png-crc") == 0) {
        len = make_png(buf, 16, 16, 1);
    } else if (strcmp(argv[1], "gif-bomb") == 0) {
        len = make_gif_bomb(buf);
    } else if (strcmp(argv[1], "gif-anim") == 0) {
        len = make_gif_anim(buf);
    } else {
        fprintf(stderr, "mkbad: unknown kind %s\n", argv[1]);
        return 2;
    }
    FILE *f = fopen(argv[2], "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(argv[2]);
        return 1;
    }
    return 0;
}
