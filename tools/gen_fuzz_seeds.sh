#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# gen_fuzz_seeds.sh: (re)writes the synthetic seed files of fuzz/corpus/<target>/ (every one is
# named seed-*; crashers and minimised finds kept beside them are left alone). Every image is a
# tiny generated pattern, never a photo. Run from anywhere: tools/gen_fuzz_seeds.sh
#
# Needs (Debian 12): imagemagick (convert), webp (cwebp, img2webp, gif2webp, webpmux),
# libtiff-tools (tiffcp, tiffset), libheif-examples (heif-enc, with its x265 and aom plugins),
# python3 (hand-built chunks that carry a CRC), ffmpeg (video seeds). HEIF seeds are skipped if
# heif-enc is missing, video seeds if ffmpeg is.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
corpus="$root/fuzz/corpus"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for tool in convert cwebp img2webp gif2webp webpmux tiffcp tiffset python3; do
    command -v "$tool" >/dev/null || { echo "gen_fuzz_seeds: $tool is missing" >&2; exit 1; }
done

# No timestamps or software names in the output, so reruns give the same bytes.
export SOURCE_DATE_EPOCH=0
IM=(convert -define png:exclude-chunks=date,time)

out() { mkdir -p "$corpus/$1"; echo "$corpus/$1/seed-$2"; }

# truncate_copy SRC DST: the first half of a file, the commonest corrupt input in the wild.
truncate_copy() { head -c $(( $(stat -c %s "$1") / 2 )) "$1" > "$2"; }

# Base patterns, 8x8 unless named otherwise.
"${IM[@]}" -size 8x8 gradient:black-white -colorspace Gray -strip "$tmp/gray.png"
"${IM[@]}" -size 8x8 gradient:red-blue -strip "$tmp/rgb.png"
"${IM[@]}" -size 12x6 plasma:fractal -seed 1 -strip "$tmp/wide.png" 2>/dev/null ||
    "${IM[@]}" -size 12x6 gradient:yellow-navy -strip "$tmp/wide.png"
"${IM[@]}" -size 8x8 gradient:red-blue \( -size 8x8 gradient:white-black \) \
    -alpha off -compose CopyOpacity -composite -strip "$tmp/rgba.png"
for i in 1 2 3; do
    "${IM[@]}" -size 8x8 "xc:rgb($((i * 80)),40,$((255 - i * 80)))" -strip "$tmp/frame$i.png"
done

# ---- JPEG ----------------------------------------------------------------------------------
d=decode_jpeg
"${IM[@]}" "$tmp/gray.png" -strip -quality 80 "$(out $d gray.jpg)"
"${IM[@]}" "$tmp/rgb.png" -strip -quality 80 -sampling-factor 2x2 "$(out $d rgb420.jpg)"
"${IM[@]}" "$tmp/wide.png" -strip -quality 90 -sampling-factor 1x1 "$(out $d rgb444-12x6.jpg)"
"${IM[@]}" "$tmp/rgb.png" -strip -quality 60 -sampling-factor 2x1 "$(out $d rgb422.jpg)"
"${IM[@]}" "$tmp/rgb.png" -strip -interlace Plane "$(out $d progressive.jpg)"
"${IM[@]}" "$tmp/rgb.png" -strip -colorspace CMYK "$(out $d cmyk.jpg)"
"${IM[@]}" "$tmp/rgb.png" -strip -define jpeg:restart-interval=1 "$(out $d restart.jpg)" ||
    true
"${IM[@]}" -size 1x1 xc:gray50 -strip "$(out $d 1x1.jpg)"
# EXIF orientation 6 (rotate 90 cw): a hand-built APP1 after SOI, big-endian TIFF, one entry.
python3 - "$(out $d rgb420.jpg)" "$(out $d exif-orient6.jpg)" "$(out $d exif-orient8-le.jpg)" <<'PY'
import struct, sys
src = open(sys.argv[1], "rb").read()
def app1(orient, big):
    e = ">" if big else "<"
    tiff = (b"MM\0*" if big else b"II*\0") + struct.pack(e + "I", 8)
    tiff += struct.pack(e + "H", 1) + struct.pack(e + "HHIHH", 0x0112, 3, 1, orient, 0)
    tiff += struct.pack(e + "I", 0)
    body = b"Exif\0\0" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
open(sys.argv[2], "wb").write(src[:2] + app1(6, True) + src[2:])
open(sys.argv[3], "wb").write(src[:2] + app1(8, False) + src[2:])
PY
truncate_copy "$(out $d progressive.jpg)" "$(out $d truncated-progressive.jpg)"
truncate_copy "$(out $d rgb420.jpg)" "$(out $d truncated-baseline.jpg)"

# ---- PNG -----------------------------------------------------------------------------------
d=decode_png
"${IM[@]}" "$tmp/gray.png" -strip PNG8:"$(out $d palette.png)"
"${IM[@]}" "$tmp/gray.png" -strip -depth 8 PNG8:- >/dev/null
"${IM[@]}" "$tmp/gray.png" -strip -define png:color-type=0 -depth 8 "$(out $d gray8.png)"
"${IM[@]}" "$tmp/gray.png" -strip -define png:color-type=0 -depth 1 "$(out $d gray1.png)"
"${IM[@]}" "$tmp/gray.png" -strip -define png:color-type=0 -depth 2 "$(out $d gray2.png)"
"${IM[@]}" "$tmp/gray.png" -strip -define png:color-type=0 -depth 4 "$(out $d gray4.png)"
"${IM[@]}" "$tmp/gray.png" -strip -define png:color-type=0 -depth 16 "$(out $d gray16.png)"
"${IM[@]}" "$tmp/rgba.png" -colorspace Gray -strip -define png:color-type=4 \
    "$(out $d gray-alpha.png)"
"${IM[@]}" "$tmp/rgb.png" -strip -define png:color-type=2 "$(out $d rgb8.png)"
"${IM[@]}" "$tmp/rgb.png" -strip -define png:color-type=2 -depth 16 "$(out $d rgb16.png)"
"${IM[@]}" "$tmp/rgba.png" -strip -define png:color-type=6 "$(out $d rgba8.png)"
"${IM[@]}" "$tmp/rgba.png" -strip -define png:color-type=6 -depth 16 "$(out $d rgba16.png)"
"${IM[@]}" "$tmp/rgba.png" -strip -channel A -threshold 50% +channel PNG8:"$(out $d palette-trns.png)"
"${IM[@]}" "$tmp/wide.png" -strip -interlace PNG -define png:color-type=2 \
    "$(out $d interlaced-12x6.png)"
# eXIf chunk (orientation 6) and a tRNS on a truecolour image, hand-built with their CRCs.
python3 - "$(out $d rgb8.png)" "$(out $d exif-orient6.png)" "$(out $d rgb-trns.png)" <<'PY'
import struct, sys, zlib
src = open(sys.argv[1], "rb").read()
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
ihdr_end = 8 + 25
tiff = b"MM\0*" + struct.pack(">IHHHIHHI", 8, 1, 0x0112, 3, 1, 6, 0, 0)
open(sys.argv[2], "wb").write(src[:ihdr_end] + chunk(b"eXIf", tiff) + src[ihdr_end:])
trns = chunk(b"tRNS", struct.pack(">HHH", 255, 0, 0))
open(sys.argv[3], "wb").write(src[:ihdr_end] + trns + src[ihdr_end:])
PY
truncate_copy "$(out $d rgb16.png)" "$(out $d truncated.png)"

# ---- WebP ----------------------------------------------------------------------------------
d=decode_webp
cwebp -quiet -q 50 "$tmp/rgb.png" -o "$(out $d lossy.webp)"
cwebp -quiet -lossless "$tmp/wide.png" -o "$(out $d lossless-12x6.webp)"
cwebp -quiet -q 50 -alpha_q 50 "$tmp/rgba.png" -o "$(out $d lossy-alpha.webp)"
cwebp -quiet -lossless "$tmp/rgba.png" -o "$(out $d lossless-alpha.webp)"
img2webp -q 40 -lossy "$tmp/frame1.png" -d 100 "$tmp/frame2.png" -d 50 -lossless \
    "$tmp/frame3.png" -o "$(out $d animated-3.webp)" >/dev/null 2>&1
python3 - "$tmp/exif.bin" <<'PY'
import struct, sys
tiff = b"II*\0" + struct.pack("<IHHHIHHI", 8, 1, 0x0112, 3, 1, 6, 0, 0)
open(sys.argv[1], "wb").write(tiff)
PY
webpmux -set exif "$tmp/exif.bin" "$(out $d lossy.webp)" -o "$(out $d exif-orient6.webp)" \
    >/dev/null 2>&1
truncate_copy "$(out $d animated-3.webp)" "$(out $d truncated-animated.webp)"
truncate_copy "$(out $d lossless-12x6.webp)" "$(out $d truncated-lossless.webp)"

# ---- GIF -----------------------------------------------------------------------------------
d=decode_gif
"${IM[@]}" "$tmp/rgb.png" -strip "$(out $d still.gif)"
"${IM[@]}" "$tmp/gray.png" -strip -interlace GIF "$(out $d interlaced.gif)"
"${IM[@]}" "$tmp/rgba.png" -strip -channel A -threshold 50% +channel "$(out $d transparent.gif)"
"${IM[@]}" -delay 10 -dispose Background "$tmp/frame1.png" -delay 20 -dispose Previous \
    "$tmp/frame2.png" -delay 0 -dispose None "$tmp/frame3.png" -loop 0 -strip \
    "$(out $d animated-3.gif)"
# A second frame smaller than the canvas and offset, transparent: exercises compositing.
"${IM[@]}" -delay 10 "$tmp/frame1.png" -delay 10 \( -size 3x3 xc:lime -repage +4+4 \) \
    -strip "$(out $d animated-offset.gif)"
"${IM[@]}" "$tmp/rgb.png" -strip GIF87:"$(out $d gif87a.gif)"
gif2webp -quiet "$(out $d animated-3.gif)" -o "$(out decode_webp animated-from-gif.webp)"
truncate_copy "$(out $d animated-3.gif)" "$(out $d truncated-animated.gif)"

# ---- HEIF / AVIF ---------------------------------------------------------------------------
d=decode_heif
if command -v heif-enc >/dev/null; then
    heif-enc -q 20 "$tmp/rgb.png" -o "$tmp/rgb.heic" >/dev/null 2>&1 &&
        cp "$tmp/rgb.heic" "$(out $d rgb.heic)"
    heif-enc -q 20 "$tmp/rgba.png" -o "$tmp/rgba.heic" >/dev/null 2>&1 &&
        cp "$tmp/rgba.heic" "$(out $d rgba.heic)"
    "${IM[@]}" -size 16x16 gradient:red-blue -define png:color-type=2 "$tmp/rgb16x16.png"
    heif-enc -A -q 20 "$tmp/rgb16x16.png" -o "$tmp/rgb.avif" >/dev/null 2>&1 &&
        cp "$tmp/rgb.avif" "$(out $d rgb-16x16.avif)"
    if [ -f "$tmp/rgb.heic" ]; then
        truncate_copy "$tmp/rgb.heic" "$(out $d truncated.heic)"
    fi
else
    echo "gen_fuzz_seeds: heif-enc missing (apt-get install libheif-examples); HEIF skipped" >&2
fi

# ---- TIFF ----------------------------------------------------------------------------------
d=decode_tiff
"${IM[@]}" "$tmp/gray.png" -strip -compress None "$(out $d gray.tif)"
"${IM[@]}" "$tmp/rgb.png" -strip -compress LZW "$(out $d rgb-lzw.tif)"
"${IM[@]}" "$tmp/rgba.png" -strip -compress Zip "$(out $d rgba-deflate.tif)"
"${IM[@]}" "$tmp/rgb.png" -strip -depth 16 -compress None "$(out $d rgb16.tif)"
"${IM[@]}" "$tmp/rgb.png" -strip -colorspace CMYK -compress None "$(out $d cmyk.tif)"
"${IM[@]}" "$tmp/gray.png" -strip -type Palette -compress RLE "$(out $d palette-packbits.tif)"
"${IM[@]}" "$tmp/gray.png" -strip -monochrome -compress Group4 "$(out $d bilevel-g4.tif)"
"${IM[@]}" "$tmp/rgb.png" -strip -compress JPEG "$(out $d rgb-jpeg.tif)"
tiffcp -t -w 16 -l 16 "$(out $d rgb-lzw.tif)" "$(out $d tiled.tif)"
tiffcp -B "$(out $d rgb-lzw.tif)" "$(out $d big-endian.tif)"
tiffcp "$(out $d gray.tif)" "$(out $d rgb-lzw.tif)" "$(out $d two-pages.tif)"
cp "$(out $d rgb-lzw.tif)" "$(out $d orient6.tif)"
tiffset -s 274 6 "$(out $d orient6.tif)"
truncate_copy "$(out $d rgb-lzw.tif)" "$(out $d truncated.tif)"

# ---- BMP -----------------------------------------------------------------------------------
d=decode_bmp
"${IM[@]}" "$tmp/gray.png" -strip -monochrome BMP3:"$(out $d 1bit.bmp)"
"${IM[@]}" "$tmp/rgb.png" -strip -colors 16 BMP3:"$(out $d 4bit.bmp)"
"${IM[@]}" "$tmp/rgb.png" -strip -type Palette BMP3:"$(out $d 8bit.bmp)"
"${IM[@]}" "$tmp/gray.png" -strip -type Palette -compress RLE BMP3:"$(out $d rle8.bmp)"
"${IM[@]}" "$tmp/wide.png" -strip -type TrueColor BMP3:"$(out $d 24bit-12x6.bmp)"
"${IM[@]}" "$tmp/rgba.png" -strip -type TrueColorAlpha BMP:"$(out $d 32bit-alpha.bmp)"
"${IM[@]}" "$tmp/rgb.png" -strip -define bmp:subtype=RGB565 BMP:"$(out $d 16bit-565.bmp)"
# Top-down (negative height) 24-bit 3x2, written by hand.
python3 - "$(out $d topdown-3x2.bmp)" <<'PY'
import struct, sys
w, h = 3, 2
row = bytes([0, 0, 255, 0, 255, 0, 255, 0, 0]) + b"\0\0\0"
pixels = row * h
hdr = struct.pack("<IiiHHIIiiII", 40, w, -h, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
data = b"BM" + struct.pack("<IHHI", 14 + len(hdr) + len(pixels), 0, 0, 14 + len(hdr)) + hdr
open(sys.argv[1], "wb").write(data + pixels)
PY
truncate_copy "$(out $d 24bit-12x6.bmp)" "$(out $d truncated.bmp)"

# ---- PNM -----------------------------------------------------------------------------------
d=decode_pnm
"${IM[@]}" "$tmp/gray.png" -strip -monochrome -compress None PBM:"$(out $d p1.pbm)"
"${IM[@]}" "$tmp/gray.png" -strip -compress None PGM:"$(out $d p2.pgm)"
"${IM[@]}" "$tmp/rgb.png" -strip -compress None PPM:"$(out $d p3.ppm)"
"${IM[@]}" "$tmp/gray.png" -strip -monochrome PBM:"$(out $d p4.pbm)"
"${IM[@]}" "$tmp/gray.png" -strip PGM:"$(out $d p5.pgm)"
"${IM[@]}" "$tmp/rgb.png" -strip PPM:"$(out $d p6.ppm)"
"${IM[@]}" "$tmp/gray.png" -strip -depth 16 PGM:"$(out $d p5-16bit.pgm)"
"${IM[@]}" "$tmp/rgb.png" -strip -depth 16 PPM:"$(out $d p6-16bit.ppm)"
printf 'P2\n# odd maxval and comments\n3 2\n# here too\n15\n0 7 15\n15 7 0\n' > "$(out $d p2-max15.pgm)"
printf 'P1 2 2 0101' > "$(out $d p1-packed.pbm)"
printf 'P6\n2 1\n255\n\377\000\000\000\377\000' > "$(out $d p6-2x1.ppm)"
truncate_copy "$(out $d p6.ppm)" "$(out $d truncated.ppm)"

# ---- decode_any: one small file of each kind, plus things no backend takes ----------------
d=decode_any
mkdir -p "$corpus/$d"
for f in decode_jpeg/seed-exif-orient6.jpg decode_png/seed-palette-trns.png \
    decode_webp/seed-animated-3.webp decode_gif/seed-animated-3.gif decode_tiff/seed-orient6.tif \
    decode_bmp/seed-rle8.bmp decode_pnm/seed-p6.ppm decode_heif/seed-rgb.heic; do
    [ -f "$corpus/$f" ] && cp "$corpus/$f" "$corpus/$d/seed-$(basename "$f" | sed 's/^seed-//')"
done
: > "$(out $d empty)"
printf 'not an image at all\n' > "$(out $d text.txt)"
printf 'BM' > "$(out $d bm-short)"

# ---- EXIF blocks (TIFF structure, with and without the Exif\0\0 prefix) -------------------
d=exif
mkdir -p "$corpus/$d"
python3 - "$corpus/$d" <<'PY'
import struct, sys
d = sys.argv[1]
def block(orient, big, typ=3, count=1, prefix=False, extra=0):
    e = ">" if big else "<"
    ents = [(0x010f, 2, 4, b"abc\0")] * extra + [(0x0112, typ, count, None)]
    t = (b"MM\0*" if big else b"II*\0") + struct.pack(e + "I", 8) + struct.pack(e + "H", len(ents))
    for tag, ty, cnt, val in ents:
        if val is not None:
            t += struct.pack(e + "HHI", tag, ty, cnt) + val
        elif ty == 3:
            t += struct.pack(e + "HHIHH", tag, ty, cnt, orient, 0)
        else:
            t += struct.pack(e + "HHII", tag, ty, cnt, orient)
    t += struct.pack(e + "I", 0)
    return (b"Exif\0\0" if prefix else b"") + t
seeds = {
    "be-orient6": block(6, True), "le-orient8": block(8, False),
    "le-orient3-prefixed": block(3, False, prefix=True), "be-orient5-prefixed": block(5, True, prefix=True),
    "le-orient2-after-other-tags": block(2, False, extra=3), "be-orient7-long": block(7, True, typ=4),
    "le-orient9-invalid": block(9, False), "le-count2": block(6, False, count=2),
    "ifd-offset-past-end": b"II*\0" + struct.pack("<I", 0xfffffff0) + b"\0" * 8,
    "ifd-offset-max": b"MM\0*" + struct.pack(">I", 0xffffffff),
    "entries-truncated": b"II*\0" + struct.pack("<IH", 8, 200) + b"\x12\x01\x03\x00",
    "not-tiff": b"Exif\0\0XX*\0\0\0\0\0",
}
for name, data in seeds.items():
    open(f"{d}/seed-{name}", "wb").write(data)
PY

# ---- PDQ pixels: width-1, height-1 (LE16, mod 640), format byte, then pixels --------------
d=pdq_pixels
mkdir -p "$corpus/$d"
python3 - "$corpus/$d" <<'PY'
import struct, sys
d = sys.argv[1]
def seed(name, w, h, fmt, pad, payload):
    hdr = struct.pack("<HHB", w - 1, h - 1, (fmt - 1) | (pad << 2))
    open(f"{d}/seed-{name}", "wb").write(hdr + payload)
ramp = bytes(range(256))
seed("gray-8x8", 8, 8, 1, 0, ramp[:64])
seed("graya-16x16-pad3", 16, 16, 2, 3, ramp)
seed("rgb-64x48", 64, 48, 3, 0, bytes((i * 37) & 255 for i in range(997)))
seed("rgba-33x17-pad7", 33, 17, 4, 7, ramp[::3])
seed("rgb-600x520-squash", 600, 520, 3, 1, bytes((i * i) & 255 for i in range(1009)))
seed("gray-4x4-too-small", 4, 4, 1, 0, ramp[:16])
seed("gray-1x640", 1, 640, 1, 0, ramp)
seed("flat", 32, 32, 1, 0, b"\x80")
seed("no-payload", 9, 9, 3, 0, b"")
PY

# ---- PDQ hex and hash records --------------------------------------------------------------
d=hash_parse
hex=f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22
printf '%s' "$hex" > "$(out $d lower)"
printf '%s' "$hex" | tr a-f A-F > "$(out $d upper)"
printf '%s' "${hex:0:63}" > "$(out $d 63-digits)"
printf '%s0' "$hex" > "$(out $d 65-digits)"
printf '%sg' "${hex:0:63}" > "$(out $d non-hex)"
printf '%s' "0000000000000000000000000000000000000000000000000000000000000000" > "$(out $d zero)"
printf '%s%s' "$hex" 'dir/a b.jpg' > "$(out $d with-path)"
printf '%s%b' "$hex" 'tab\there\nnew\rcr\\back' > "$(out $d path-escapes)"
printf '%s%b' "$hex" 'bad-\xff\xfe-utf8-\xc3\xa9' > "$(out $d path-invalid-utf8)"
printf '%s%b' "$hex" 'before\x00after' > "$(out $d path-nul)"
# Whole hash lines as `withyou hash` writes them, for wy_codec_hash_parse_line.
sha=$(printf 'ab%.0s' $(seq 32))
md5=$(printf 'cd%.0s' $(seq 16))
dih=$(printf "$hex,%.0s" $(seq 7))$hex
printf '%s\t87\t%s\t%s\t640\t480\t%s\n' "$hex" "$sha" "$md5" 'a\tb\\c.jpg' > "$(out $d line-tsv)"
printf '%s\t87\t%s\t%s\t640\t480\t%s\t%s\r\n' "$hex" "$sha" "$md5" "$dih" 'x.jpg' \
    > "$(out $d line-tsv-dihedral)"
printf '{"pdq":"%s","quality":87,"sha256":"%s","md5":"%s","width":640,"height":480,"path":"caf\\ufffd.jpg","path_hex":"636166e92e6a7067"}\n' \
    "$hex" "$sha" "$md5" > "$(out $d line-json-path-hex)"
printf '{"pdq":"%s","quality":87,"sha256":"%s","md5":"%s","width":1,"height":1,"dihedral":["%s"],"path":"a"}' \
    "$hex" "$sha" "$md5" "$hex" > "$(out $d line-json-bad-dihedral)"

# ---- video fingerprints as text: vPDQ hash files and video JSON lines ---------------------
d=video_text
h1=$(printf '0%.0s' $(seq 64))
h2=$(printf 'f%.0s' $(seq 64))
# vPDQ as vpdq writes it now (frame,quality,pdq,seconds to 3 decimals), and as older releases
# did (3 significant digits, exponents), with CRLF and a blank last line.
printf '0,87,%s,0.000\n30,100,%s,1.000\n90,100,%s,3.000\n' "$hex" "$h2" "$h1" \
    > "$(out $d vpdq)"
printf '0,100,%s,0\r\n1,99,%s,0.0319\r\n2,99,%s,0.0319\r\n3,99,%s,1.02e+03\r\n\r\n' \
    "$hex" "$hex" "$h2" "$h1" > "$(out $d vpdq-old-format)"
printf '0,87,%s,0.000\n1,87,%s,2.000\n2,87,%s,1.000\n' "$hex" "$hex" "$hex" \
    > "$(out $d vpdq-time-backwards)"
printf '0,87,%s,0.000\n\n1,101,%s,nan\n' "$hex" "$hex" > "$(out $d vpdq-bad-fields)"
# The JSON line of a video, one with a path that is not UTF-8, and one with overlapping frames.
frames='{"t":0.000,"end":0.000,"frame":0,"pdq":"'$hex'","quality":87},'
frames+='{"t":1.000,"end":2.999,"frame":30,"pdq":"'$h2'","quality":100}'
head_json='"sha256":"'$sha'","md5":"'$md5'","width":640,"height":360,"duration":3.500'
printf '{"kind":"video","path":"clips/a.mp4",%s,"frame_rate":29.97002997002997,"codec":"h264","truncated":false,"frames":[%s]}\n' \
    "$head_json" "$frames" > "$(out $d json)"
printf '{"kind":"video","path":"caf\\ufffd.mp4","path_hex":"636166e92e6d7034",%s,"frame_rate":25.0,"codec":"","truncated":true,"frames":[%s]}\r\n' \
    "$head_json" "$frames" > "$(out $d json-path-hex)"
printf '{"kind":"video","path":"a",%s,"frame_rate":0.0,"codec":"vp9","truncated":false,"frames":[%s,{"t":2.000,"end":2.000,"frame":31,"pdq":"%s","quality":5}]}' \
    "$head_json" "$frames" "$h1" > "$(out $d json-overlap)"

# ---- videos: tiny synthetic clips (FFmpeg's test pattern), one per container and codec -------
d=decode_video
if command -v ffmpeg >/dev/null; then
    ff=(ffmpeg -nostdin -v error -y -f lavfi -i "testsrc2=size=48x32:rate=10:duration=1.5"
        -map_metadata -1 -fflags +bitexact -flags:v +bitexact)
    "${ff[@]}" -c:v libx264 -preset ultrafast -g 5 -bf 2 -pix_fmt yuv420p "$tmp/v.mp4"
    cp "$tmp/v.mp4" "$(out $d h264.mp4)"
    truncate_copy "$tmp/v.mp4" "$(out $d h264-truncated.mp4)"
    "${ff[@]}" -c:v libx264 -preset ultrafast -movflags +faststart -metadata:s:v rotate=90 \
        "$(out $d h264-rotated-faststart.mov)"
    "${ff[@]}" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 "$(out $d vp9.webm)"
    "${ff[@]}" -c:v mpeg4 -q:v 8 "$(out $d mpeg4.avi)"
    "${ff[@]}" -c:v mpeg2video -q:v 8 "$(out $d mpeg2.ts)"
    "${ff[@]}" -c:v flv1 "$(out $d flv1.flv)"
    "${ff[@]}" -c:v mjpeg -q:v 8 "$(out $d mjpeg.mkv)"
    "${ff[@]}" -c:v libtheora -q:v 3 "$(out $d theora.ogv)" 2>/dev/null || true
else
    echo "gen_fuzz_seeds: ffmpeg missing, video seeds skipped" >&2
fi

echo "gen_fuzz_seeds: $(find "$corpus" -type f | wc -l) files," \
    "$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s}') bytes in $corpus"
