#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# run_index_bench.sh: issue 3's index benchmark in one run. Builds bench/bench_faiss in Release
# and runs it on N = 10^5, 10^6 and 10^7 random 256-bit codes, 10^4 queries (half with a planted
# neighbour 0..31 bits away), radius 31, 1 and 2 threads, single queries and dihedral pictures,
# for FAISS IndexBinaryFlat and IndexBinaryMultiHash, the plain popcount scan (portable and
# POPCNT) and withyou's index (FLAT, MIH, AUTO). The JSON lines go to a file; a markdown table of
# them is printed on stdout at the end.
#
# usage: bench/run_index_bench.sh [--build DIR] [--out FILE] [--quick] [--no-build] [-- ARGS...]
#   --build DIR   build directory (default: build-rel next to this script's repository); it is
#                 configured as the release preset's cache variables with CMAKE_BUILD_TYPE=Release
#   --out FILE    where the JSON lines go (default: a new folder under ${TMPDIR:-/tmp})
#   --quick       N = 10^5 only, 1,000 queries, 1 s time box: a smoke test of the script (~1 min)
#   --no-build    run the bench_faiss already in the build directory
#   -- ARGS...    passed on to bench_faiss after the defaults (e.g. -- --n 1000000 --threads 1)
#
# Needs Debian's libfaiss-dev (tools/install-deps.sh). The full run takes about 30 minutes and
# 12 GiB of memory at 10^7 (FAISS IndexBinaryMultiHash takes minutes to build there). Run it on an
# idle machine: the 2-thread rows need two otherwise free cores.
set -euo pipefail

die() {
    echo "run_index_bench.sh: $*" >&2
    exit 1
}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="$repo/build-rel"
out=""
quick=0
do_build=1
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=${2:?--build needs a directory}; shift ;;
    --out) out=${2:?--out needs a file}; shift ;;
    --quick) quick=1 ;;
    --no-build) do_build=0 ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) sed -n '3,21p' "$0"; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
    esac
    shift
done

if [ $do_build -eq 1 ]; then
    cmake -S "$repo" -B "$build" -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DWY_WERROR=OFF >"${TMPDIR:-/tmp}/run_index_bench.cmake.log" ||
        die "cmake configure failed, see ${TMPDIR:-/tmp}/run_index_bench.cmake.log"
    cmake --build "$build" -j"${WY_JOBS:-2}" --target bench_faiss >/dev/null ||
        die "building bench_faiss failed (is libfaiss-dev installed? see the cmake output)"
fi
bench="$build/bench/bench_faiss"
[ -x "$bench" ] || die "$bench not found: libfaiss-dev missing? (cmake says why it skipped it)"

if [ -z "$out" ]; then
    out="$(mktemp -d "${TMPDIR:-/tmp}/withyou-index-bench.XXXXXX")/results.jsonl"
fi
args=(--dihedral)
if [ $quick -eq 1 ]; then
    args+=(--n 100000 --queries 1000 --time-box 1)
fi
echo "run_index_bench.sh: JSON lines to $out" >&2
"$bench" "${args[@]}" "${extra[@]+"${extra[@]}"}" >"$out"

# The table: one row per (N, peer, mode), the thread counts side by side.
python3 - "$out" <<'PY'
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
machine = rows[0]
m = machine["machine"]
print(f"Machine: {m['cpu']}, {m['cores']} cores, {m['mem_mib']} MiB, Linux {m['kernel']}, "
      f"load average at start {' '.join(m['load_avg'].split()[0:3])}. FAISS {machine['faiss']}, "
      f"withyou {machine['withyou']} (kernels {machine['wy_cpu']}). Radius {machine['radius']}, "
      f"{machine['queries']} queries, time box {machine['time_box_s']} s.")
print()
print("| N | peer | mode | build s | bytes/code | q/s 1 thread | q/s 2 threads | "
      "queries run (1 t) | recall | false hits | mismatches |")
print("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
table = {}
order = []
for r in rows[1:]:
    key = (r["n"], r["peer"], r["mode"])
    if key not in table:
        table[key] = {}
        order.append(key)
    table[key][r["threads"]] = r
for key in order:
    by_threads = table[key]
    first = next(iter(by_threads.values()))
    rate = "pictures_per_s" if key[2] == "dihedral" else "queries_per_s"

    def cell(t):
        r = by_threads.get(t)
        if r is None:
            return ""
        value = f"{r[rate]:,.0f}" if r[rate] >= 100 else f"{r[rate]:.3g}"
        return value + ("*" if r["time_boxed"] else "")

    one = by_threads.get(1, first)
    recall = min(r["recall"] for r in by_threads.values())
    false_hits = sum(r["false_hits"] + r["distance_mismatches"] for r in by_threads.values())
    print(f"| {key[0]:,} | {key[1]} | {key[2]} | {first['build_s']:.2f} | "
          f"{first['bytes_per_code']:,.0f} | {cell(1)} | {cell(2)} | {one['queries_run']:,} | "
          f"{recall:.4f} | {false_hits} | {first['mismatches']}/{first['verified']} |")
print()
print("\\* time-boxed: the rate over the queries that ran (column \"queries run\"). "
      "False hits: results beyond the radius plus results with a wrong distance, all threads. "
      "Mismatches: of the first queries, those whose result set differs from the reference "
      "scan's.")
PY
