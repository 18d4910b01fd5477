#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# run_bench.sh: the benchmark of docs/benchmarks.md in one run. It times `withyou bench hash`
# (1 and 2 jobs, fast and --full-decode) on four image sets, times the decoders' own plain
# decode of the same files with bench_decode_peers (in-process, no withyou) and with djpeg,
# then prints a markdown table with the ratios withyou/peer, ready to paste.
#
# Sets: the corpus originals (80 JPEGs, 1024 px), the large wallpapers (up to 24 JPEGs of
# 8-17 MP from Debian's wallpaper packages, installed with apt-get when missing), the corpus PNGs
# and WebPs. Every run is repeated until it lasts about --seconds (a first run of each calibrates
# the repeat count and warms the caches).
#
# usage: bench/run_bench.sh [--quick] [--build DIR] [--seconds S] [--rounds N] [--no-install]
#                           [--out DIR]
#   --quick       one pass of everything, no calibration: a smoke test of the script
#   --rounds N    measure every set N times, withyou and its peer in turn, and keep each run's
#                 fastest (default 3): this VM drifts 10-30% within a minute, which one sequential
#                 pass turned into ratios off by as much
#   --build DIR   build directory holding withyou and bench/bench_decode_peers (default: build)
#   --seconds S   wanted length of each timed run (default 3)
#   --no-install  never call apt-get; use whatever wallpapers are installed
#   --out DIR     where the raw JSON lines go (default: a new folder under ${TMPDIR:-/tmp})
# environment: WY_SHARED (default: ../shared next to the repository), WY_WALLPAPER_MIN_MP (8),
#   WY_WALLPAPER_MAX_MP (17), WY_WALLPAPER_COUNT (24).
#
# Build first:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && make -C build withyou bench_decode_peers
# Run it on an idle machine: the jobs=1 figures assume one otherwise free core.
set -euo pipefail

die() {
    echo "run_bench.sh: $*" >&2
    exit 1
}

note() {
    echo "run_bench.sh: $*" >&2
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build"
target_s=3
rounds=3
quick=0
install=1
out=""
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) quick=1 ;;
    --build) build=$(cd "${2:?--build needs a directory}" && pwd); shift ;;
    --seconds) target_s=${2:?--seconds needs a number}; shift ;;
    --rounds) rounds=${2:?--rounds needs a number}; shift ;;
    --no-install) install=0 ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    -h | --help) sed -n '3,28p' "$0"; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
    esac
    shift
done
[[ "$target_s" =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--seconds: not a number: $target_s"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || die "--rounds: not a positive integer: $rounds"
[ $quick -eq 0 ] || rounds=1

withyou="$build/withyou"
peers="$build/bench/bench_decode_peers"
[ -x "$withyou" ] || die "$withyou not found: build it first (make -C $build withyou)"
[ -x "$peers" ] || die "$peers not found: build it first (make -C $build bench_decode_peers)"
command -v djpeg >/dev/null || die "djpeg not found (apt-get install libjpeg-turbo-progs)"

shared=${WY_SHARED:-$repo/../shared}
corpus="$shared/corpus"
[ -d "$corpus/orig" ] || die "no corpus at $corpus (set WY_SHARED)"
min_mp=${WY_WALLPAPER_MIN_MP:-8}
max_mp=${WY_WALLPAPER_MAX_MP:-17}
want_walls=${WY_WALLPAPER_COUNT:-24}

if [ -z "$out" ]; then
    out=$(mktemp -d "${TMPDIR:-/tmp}/withyou-bench.XXXXXX")
fi
mkdir -p "$out"
raw="$out/results.jsonl"
: >"$raw"

# ---- JSON lines: the two programs print flat objects, so sed is enough -----------------------

# jget FIELD: the value of FIELD in the one JSON line on stdin (strings lose their quotes).
jget() {
    sed -n -e "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" -e "t" -e "s/.*\"$1\":\\([^,}]*\\).*/\\1/p"
}

# calc EXPR: floating-point arithmetic.
calc() {
    awk "BEGIN { printf \"%s\", $1 }"
}

# ---- the wallpapers ----------------------------------------------------------------------------

wall_pkgs=(gnome-backgrounds desktop-base plasma-workspace-wallpapers)
missing=()
for p in "${wall_pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ $install -eq 0 ]; then
        note "not installed, skipped (--no-install): ${missing[*]}"
    else
        sudo=()
        [ "$(id -u)" -eq 0 ] || sudo=(sudo)
        note "installing ${missing[*]}"
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            "${missing[@]}" >"$out/apt.log" 2>&1 ||
            die "apt-get install ${missing[*]} failed, see $out/apt.log (or use --no-install)"
    fi
fi

# Every regular *.jpg of the packages, read by libjpeg's header parser (no ImageMagick needed).
mapfile -t jpgs < <(for p in "${wall_pkgs[@]}"; do dpkg -L "$p" 2>/dev/null || true; done |
    grep -iE '\.jpe?g$' | sort -u | while read -r f; do [ -f "$f" ] && [ ! -L "$f" ] && echo "$f"; done)
walls=()
if [ ${#jpgs[@]} -gt 0 ]; then
    # pixels, bytes, path of each JPEG within the size range; the largest first.
    mapfile -t walls < <("$peers" libjpeg --info --scale auto "${jpgs[@]}" | grep '"ok":true' |
        while read -r line; do
            w=$(jget width <<<"$line")
            h=$(jget height <<<"$line")
            echo "$((w * h)) $(jget bytes <<<"$line") $(jget file <<<"$line")"
        done | awk -v lo="$min_mp" -v hi="$max_mp" '$1 >= lo * 1e6 && $1 <= hi * 1e6' |
        sort -k1,1nr -k2,2nr | head -n "$want_walls" | cut -d' ' -f3-)
fi
if [ ${#walls[@]} -lt "$want_walls" ]; then
    note "only ${#walls[@]} wallpaper JPEGs of $min_mp-$max_mp MP found (wanted $want_walls)"
fi

# ---- the machine -------------------------------------------------------------------------------

cpu=$(LC_ALL=C lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)
machine="${cpu:-unknown CPU}, $(nproc) cores online, Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
versions="libjpeg-turbo $(pkg-config --modversion libjpeg 2>/dev/null || echo ?), libspng $(pkg-config --modversion spng 2>/dev/null || echo ?), libwebp $(pkg-config --modversion libwebp 2>/dev/null || echo ?)"
echo "machine: $machine" >&2
echo "libraries: $versions" >&2
echo "raw results: $raw" >&2

# ---- timing helpers ----------------------------------------------------------------------------

# repeat_for SECONDS_OF_ONE_PASS: how many passes last about target_s.
repeat_for() {
    if [ $quick -eq 1 ]; then
        echo 1
        return
    fi
    awk -v one="$1" -v want="$target_s" 'BEGIN { r = (one > 0) ? int(want / one + 0.999) : 1;
        if (r < 1) r = 1; print r }'
}

# cpu_run CMD...: runs CMD, prints its last stdout line with "cpu_s" (user + system seconds of
# the whole process, file loading included) added in front unless the line has its own. CPU time is what a busy machine
# disturbs least; the programs' own "seconds" are wall time.
cpu_run() {
    local TIMEFORMAT='%U %S' line
    { time "$@" >"$out/run.out" 2>&3; } 3>&2 2>"$out/run.time"
    line=$(tail -n1 "$out/run.out")
    if [[ "$line" == *'"cpu_s":'* ]]; then
        echo "$line" # bench_decode_peers times its timed loop itself
    else
        echo "{\"cpu_s\":$(awk '{ printf "%.3f", $1 + $2 }' "$out/run.time"),${line#\{}"
    fi
}

# run_calibrated SET LABEL CMD... (--repeat R is added at the end): one untimed pass to
# calibrate, then the timed run; its JSON line goes to the raw file, tagged.
run_calibrated() {
    local set=$1 label=$2
    shift 2
    local line secs rep
    if [ $quick -eq 1 ]; then
        rep=1
    else
        line=$("$@" --repeat 1 | tail -n1)
        secs=$(jget seconds <<<"$line")
        rep=$(repeat_for "$secs")
    fi
    line=$(cpu_run "$@" --repeat "$rep")
    echo "{\"set\":\"$set\",\"run\":\"$label\",${line#\{}" >>"$raw"
    echo "$line"
}

# ---- the runs ----------------------------------------------------------------------------------

declare -A set_files
set_files[orig]="$(printf '%s\n' "$corpus"/orig/*.jpg)"
set_files[walls]="$(printf '%s\n' "${walls[@]+"${walls[@]}"}")"
set_files[png]="$(printf '%s\n' "$corpus"/alt/png/*.png)"
set_files[webp]="$(printf '%s\n' "$corpus"/alt/webp/*.webp)"
sets=(orig walls png webp)

declare -A res # res[set/run] = the fastest JSON line of the rounds

# keep_best KEY LINE: res[KEY] = LINE unless a faster run of KEY is already kept.
keep_best() {
    local old=${res[$1]:-}
    if [ -z "$old" ] || awk -v a="$(jget seconds <<<"$2")" -v b="$(jget seconds <<<"$old")" \
        'BEGIN { exit !(a * 1 < b * 1) }'; then
        res[$1]=$2
    fi
}

# measure_set SET FILE...: one round of every withyou run of the set, each followed by its peer.
measure_set() {
    local set=$1
    shift
    local peer_fast=() peer_full=()
    case $set in
    orig | walls)
        # What withyou fast mode decodes (its scale per file, luminance) and what full mode does.
        peer_fast=(libjpeg-auto-gray "$peers" libjpeg --scale auto --gray)
        peer_full=(libjpeg-8-rgb "$peers" libjpeg --scale 8)
        ;;
    png) peer_fast=(spng "$peers" spng) ;;
    webp) peer_fast=(libwebp "$peers" libwebp) ;;
    esac
    for mode in fast full; do
        flag=()
        [ $mode = full ] && flag=(--full-decode)
        for jobs in 1 2; do
            keep_best "$set/$mode/j$jobs" "$(run_calibrated "$set" "withyou-$mode-j$jobs" \
                "$withyou" bench hash --jobs "$jobs" "${flag[@]+"${flag[@]}"}" "$@")"
        done
        local peer=("${peer_fast[@]}")
        [ $mode = full ] && [ ${#peer_full[@]} -gt 0 ] && peer=("${peer_full[@]}")
        keep_best "$set/peer/$mode" "$(run_calibrated "$set" "${peer[0]}" "${peer[@]:1}" "$@")"
    done
}

for round in $(seq "$rounds"); do
    for set in "${sets[@]}"; do
        mapfile -t files < <(grep -v '^$' <<<"${set_files[$set]}" || true)
        if [ ${#files[@]} -eq 0 ]; then
            [ "$round" -gt 1 ] || note "set $set: no files, skipped"
            continue
        fi
        note "round $round of $rounds, set $set: ${#files[@]} files"
        measure_set "$set" "${files[@]}"
    done
done

# The wallpapers file by file: the scale withyou picks, libjpeg in-process at that scale, and the
# djpeg program (process start-up and PPM writing included) at that scale and at 1/8.
wall_rows=""
djpeg_same_total=0
djpeg_8_total=0
if [ ${#walls[@]} -gt 0 ]; then
    per_rep=3
    [ $quick -eq 1 ] && per_rep=1
    while read -r line; do
        [[ "$line" == *'"file"'* ]] || continue
        echo "{\"set\":\"walls\",\"run\":\"libjpeg-auto-gray-per-file\",${line#\{}" >>"$raw"
        f=$(jget file <<<"$line")
        m=$(jget scale_num <<<"$line")
        t0=$(date +%s%N)
        for _ in $(seq "$per_rep"); do djpeg -scale "$m/8" -grayscale -outfile /dev/null "$f"; done
        t1=$(date +%s%N)
        for _ in $(seq "$per_rep"); do djpeg -scale 1/8 -outfile /dev/null "$f"; done
        t2=$(date +%s%N)
        same_ms=$(calc "($t1 - $t0) / 1e6 / $per_rep")
        eighth_ms=$(calc "($t2 - $t1) / 1e6 / $per_rep")
        djpeg_same_total=$(calc "$djpeg_same_total + $same_ms")
        djpeg_8_total=$(calc "$djpeg_8_total + $eighth_ms")
        echo "{\"set\":\"walls\",\"run\":\"djpeg-wall\",\"file\":\"$f\",\"scale_num\":$m,\"same_scale_gray_ms\":$same_ms,\"scale_1_8_rgb_ms\":$eighth_ms}" >>"$raw"
        prog=$(jget progressive <<<"$line")
        name=${f#/usr/share/}
        name=${name#wallpapers/}
        name=${name/contents\//}
        wall_rows+="| $name | $(jget width <<<"$line")x$(jget height <<<"$line") | $(calc "$(jget bytes <<<"$line") / 1e6" | awk '{printf "%.1f", $1}') | $([ "$prog" = true ] && echo progressive || echo baseline) | $m/8 | $(jget out_width <<<"$line")x$(jget out_height <<<"$line") | $(jget per_file_ms <<<"$line" | awk '{printf "%.1f", $1}') | $(awk -v v="$same_ms" 'BEGIN{printf "%.1f", v}') | $(awk -v v="$eighth_ms" 'BEGIN{printf "%.1f", v}') |"$'\n'
    done < <("$peers" libjpeg --scale auto --gray --per-file --repeat "$per_rep" "${walls[@]}")
fi

# ---- the table ---------------------------------------------------------------------------------

# ms per image on one core, from a withyou line: wall seconds x jobs / images.
ms_per_image() {
    local line=$1
    awk -v s="$(jget seconds <<<"$line")" -v j="$(jget jobs <<<"$line")" \
        -v n="$(jget files <<<"$line")" -v r="$(jget repeat <<<"$line")" \
        'BEGIN { printf "%.2f", s * j * 1000 / (n * r) }'
}

# cpu_ms_per_image LINE: CPU ms per image (all workers, file loading included).
cpu_ms_per_image() {
    awk -v c="$(jget cpu_s <<<"$1")" -v n="$(jget files <<<"$1")" -v r="$(jget repeat <<<"$1")" \
        'BEGIN { printf "%.2f", c * 1000 / (n * r) }'
}

# stage_ms LINE FIELD: that stage's ms per image (summed over workers).
stage_ms() {
    awk -v s="$(jget "$2" <<<"$1")" -v n="$(jget files <<<"$1")" -v r="$(jget repeat <<<"$1")" \
        'BEGIN { printf "%.2f", s * 1000 / (n * r) }'
}

declare -A set_name=([orig]="corpus originals, 1024 px JPEG" [walls]="wallpapers, ${min_mp}-${max_mp} MP JPEG"
    [png]="corpus PNG" [webp]="corpus WebP")
declare -A peer_name=([orig/fast]="libjpeg, withyou's scale, gray" [orig/full]="libjpeg 8/8 RGB"
    [walls/fast]="libjpeg, withyou's scale, gray" [walls/full]="libjpeg 8/8 RGB"
    [png/fast]="libspng RGB(A)8" [png/full]="libspng RGB(A)8"
    [webp/fast]="libwebp RGB(A)" [webp/full]="libwebp RGB(A)")

echo
echo "Machine: $machine."
echo "Libraries: $versions. Kernels: $(jget kernels <<<"${res[orig/fast/j1]:-}")."
echo "Raw JSON lines: \`$raw\`."
echo
echo "| set | files | mode | jobs | images/s | images/s per core | ms/image (1 core) | CPU ms/image | digest ms | decode ms | hash ms | peer | peer ms/image | peer CPU ms/image | withyou/peer, end to end | same, CPU time | withyou/peer, decode only |"
echo "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|"
for set in "${sets[@]}"; do
    [ -n "${res[$set/fast/j1]:-}" ] || continue
    for mode in fast full; do
        peer=${res[$set/peer/$mode]}
        peer_ms=$(jget per_file_ms <<<"$peer")
        peer_cpu=$(cpu_ms_per_image "$peer")
        for jobs in 1 2; do
            line=${res[$set/$mode/j$jobs]}
            ips=$(jget images_per_s <<<"$line")
            ms=$(ms_per_image "$line")
            dec=$(stage_ms "$line" decode_s)
            if [ $jobs -eq 1 ]; then
                e2e=$(awk -v a="$ms" -v b="$peer_ms" 'BEGIN { printf "%.2f", a / b }')
                cpu_ratio=$(awk -v a="$(cpu_ms_per_image "$line")" -v b="$peer_cpu" \
                    'BEGIN { printf "%.2f", a / b }')
                dratio=$(awk -v a="$dec" -v b="$peer_ms" 'BEGIN { printf "%.2f", a / b }')
                peer_cell="${peer_name[$set/$mode]}"
                peer_ms_cell=$(awk -v v="$peer_ms" 'BEGIN { printf "%.2f", v }')
            else
                e2e="" cpu_ratio="" dratio="" peer_cell="" peer_ms_cell="" peer_cpu=""
            fi
            echo "| ${set_name[$set]} | $(jget files <<<"$line") | $mode | $jobs | $ips | $(calc "$ips / $jobs" | awk '{printf "%.1f", $1}') | $ms | $(cpu_ms_per_image "$line") | $(stage_ms "$line" digest_s) | $dec | $(stage_ms "$line" hash_s) | $peer_cell | $peer_ms_cell | $peer_cpu | $e2e | $cpu_ratio | $dratio |"
        done
    done
done

if [ -n "$wall_rows" ]; then
    echo
    echo "Wallpapers file by file (djpeg columns: wall time of the program, start-up and output included):"
    echo
    echo "| file | size | MB | coding | withyou's scale | decoded to | libjpeg in-process ms (that scale, gray) | djpeg ms (that scale, -grayscale) | djpeg ms (-scale 1/8, RGB) |"
    echo "|---|---|---:|---|---|---|---:|---:|---:|"
    printf '%s' "$wall_rows"
    n=${#walls[@]}
    echo
    echo "djpeg mean per file: $(calc "$djpeg_same_total / $n" | awk '{printf "%.1f", $1}') ms at withyou's scale (gray), $(calc "$djpeg_8_total / $n" | awk '{printf "%.1f", $1}') ms at 1/8 (RGB)."
fi

# ---- targets -------------------------------------------------------------------------------------

verdict() { # verdict VALUE OP LIMIT
    awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= l : v >= l;
        print ok ? "met" : "MISSED" }'
}
echo
echo "Targets (one core, fast mode):"
echo
if [ -n "${res[walls/fast/j1]:-}" ]; then
    r=$(awk -v a="$(ms_per_image "${res[walls/fast/j1]}")" -v b="$(jget per_file_ms <<<"${res[walls/peer/fast]}")" 'BEGIN { printf "%.2f", a / b }')
    rc=$(awk -v a="$(cpu_ms_per_image "${res[walls/fast/j1]}")" -v b="$(cpu_ms_per_image "${res[walls/peer/fast]}")" 'BEGIN { printf "%.2f", a / b }')
    echo "- wallpapers: withyou / libjpeg at the same scale = $r by wall time, $rc by CPU time (target <= 1.15): $(verdict "$r" "<=" 1.15)"
fi
ips=$(jget images_per_s <<<"${res[orig/fast/j1]}")
cpu_ips=$(awk -v m="$(cpu_ms_per_image "${res[orig/fast/j1]}")" 'BEGIN { printf "%.1f", 1000 / m }')
echo "- corpus originals: $ips images/s by wall time, $cpu_ips per CPU second (target >= 450, 3x the reference's 150): $(verdict "$ips" ">=" 450)"
for set in png webp; do
    [ -n "${res[$set/fast/j1]:-}" ] || continue
    r=$(awk -v a="$(ms_per_image "${res[$set/fast/j1]}")" -v b="$(jget per_file_ms <<<"${res[$set/peer/fast]}")" 'BEGIN { printf "%.2f", a / b }')
    rc=$(awk -v a="$(cpu_ms_per_image "${res[$set/fast/j1]}")" -v b="$(cpu_ms_per_image "${res[$set/peer/fast]}")" 'BEGIN { printf "%.2f", a / b }')
    echo "- $set: withyou / ${peer_name[$set/fast]%% *} = $r by wall time, $rc by CPU time (target <= 1.15): $(verdict "$r" "<=" 1.15)"
done
