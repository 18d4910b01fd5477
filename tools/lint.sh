#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# lint.sh: the house rules a compiler does not check (STYLE.md sections 4, 5, 7 and 8). Prints
# one "file:line: rule" per finding and exits 1 if there is any, 0 if the tree is clean.
#
#   - lib/: no raw malloc/calloc/realloc/free/strdup (a line may opt out with the comment
#     "lint: allowed"); all memory goes through wy__alloc and friends;
#   - lib/: no printf/fprintf/vfprintf/puts/fputs/perror: the library never prints, except
#     wy__panic in lib/core/status.c;
#   - <immintrin.h> only in *_avx2.c, *_avx512.c and *_popcnt.c;
#   - C and C++ files: no line longer than 100 columns;
#   - lib/**/*.c: the first line is an SPDX-License-Identifier line;
#   - clang-format-14 --dry-run -Werror accepts every C file of lib/ cli/ include/ tests/ fuzz/
#     bench/, and the C++ benchmark bench/*.cpp (set LINT_NO_FORMAT=1 to skip this step;
#     CLANG_FORMAT picks another binary).
#
# Usage: tools/lint.sh [--no-format]   (from anywhere; it lints the tree it lives in)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
check_format=${LINT_NO_FORMAT:-0}
[ "${1:-}" = "--no-format" ] && check_format=1
clang_format=${CLANG_FORMAT:-clang-format-14}

# Every C source and header of the tree's own code (build trees and corpora excluded), and the
# one C++ program (bench/bench_faiss.cpp, C++ because FAISS is).
mapfile -d '' c_files < <(find lib cli include tests fuzz bench server \
    \( -name 'build*' -o -name corpus \) -prune -o \
    -type f \( -name '*.c' -o -name '*.h' -o -name '*.cpp' \) -print0 2>/dev/null | sort -z)

status=0

python3 - "${c_files[@]}" <<'PY' || status=1
import re
import sys

ALLOC = re.compile(r"(?<![\w.>])(malloc|calloc|realloc|free|strdup)\s*\(")
PRINT = re.compile(r"(?<![\w.>])(printf|fprintf|vfprintf|puts|fputs|perror)\s*\(")
SIMD_FILE = re.compile(r"_(avx2|avx512|popcnt)\.c$")
PANIC_DEF = re.compile(r"^[A-Za-z_].*\bwy__panic\s*\([^;]*$")
MAX_COLUMNS = 100

def code_only(line, in_comment):
    """The line with /* */ comments and string literals blanked; tracks open comments."""
    out = []
    i = 0
    while i < len(line):
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i = end + 2
            in_comment = False
        elif line.startswith("/*", i):
            in_comment = True
            i += 2
        elif line.startswith("//", i):
            break
        elif line[i] == '"':
            j = i + 1
            while j < len(line) and line[j] != '"':
                j += 2 if line[j] == "\\" else 1
            out.append('""')
            i = j + 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out), in_comment

findings = 0
def report(path, lineno, msg):
    global findings
    findings += 1
    print(f"{path}:{lineno}: {msg}")

for path in sys.argv[1:]:
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    except OSError as e:
        report(path, 0, f"unreadable: {e}")
        continue
    in_lib = path.startswith("lib/")
    if in_lib and path.endswith(".c") and "SPDX-License-Identifier:" not in lines[0]:
        report(path, 1, "missing SPDX-License-Identifier on the first line")
    in_comment = False
    in_panic = False
    for n, raw in enumerate(lines, 1):
        if len(raw) > MAX_COLUMNS:
            report(path, n, f"line is {len(raw)} columns, limit {MAX_COLUMNS}")
        if "<immintrin.h>" in raw and not SIMD_FILE.search(path):
            report(path, n, "<immintrin.h> outside *_avx2.c/*_avx512.c/*_popcnt.c")
        code, in_comment = code_only(raw, in_comment)
        if not in_lib:
            continue
        if path == "lib/core/status.c":
            if PANIC_DEF.match(code):
                in_panic = True
            elif in_panic and code.startswith("}"):
                in_panic = False
        m = ALLOC.search(code)
        if m and "lint: allowed" not in raw:
            report(path, n, f"raw {m.group(1)}() in lib/: use wy__alloc/wy__realloc/wy__free")
        m = PRINT.search(code)
        if m and not in_panic:
            report(path, n, f"{m.group(1)}() in lib/: the library never prints")
sys.exit(1 if findings else 0)
PY

if [ "$check_format" = 0 ]; then
    if ! command -v "$clang_format" >/dev/null; then
        echo "lint: $clang_format not found (apt-get install clang-format-14)" >&2
        status=1
    else
        for f in "${c_files[@]}"; do
            if ! "$clang_format" --dry-run -Werror "$f" >/dev/null 2>&1; then
                first=$("$clang_format" --dry-run "$f" 2>&1 | sed -n 's/^[^:]*:\([0-9]*\):.*/\1/p' |
                    head -n 1)
                echo "$f:${first:-1}: not clang-format-14 clean (run $clang_format -i $f)"
                status=1
            fi
        done
    fi
fi

exit "$status"
