#!/usr/bin/env bash
# check_symbols.sh LIBWITHYOU_SO SYMBOLS_TXT: the exported symbols of the shared library must be
# exactly the list in tests/abi/symbols.txt (public API only: wy_ functions, nothing internal).
# After an intended API change, regenerate the list with:
#   nm -D --defined-only build/lib/libwithyou.so | awk '$2=="T"{print $3}' | sort > tests/abi/symbols.txt
set -euo pipefail
got=$(nm -D --defined-only "$1" | awk '$2=="T"{print $3}' | sort)
if ! diff <(printf '%s\n' "$got") "$2"; then
  echo "FAIL: exported symbols differ from $2 (< exported now, > expected)" >&2
  exit 1
fi
if grep -v '^wy_[a-z]' <<<"$got"; then
  echo "FAIL: symbols above are exported but are not public wy_ API" >&2
  exit 1
fi
echo "PASS: $(wc -l <<<"$got") exported symbols"
