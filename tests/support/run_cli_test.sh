#!/usr/bin/env bash
# run_cli_test.sh SCRIPT WITHYOU SHARED_DIR SOURCE_DIR MKBAD
# Runs one end-to-end test script in a fresh temporary directory with these variables set:
#   WITHYOU  the binary under test     SHARED  ../shared      SRC  the source tree
#   MKBAD    writes hostile image files (tests/support/mkbad.c)
# and the helpers below. The script fails the test by exiting non-zero.
set -euo pipefail
script=$1
export WITHYOU=$2 SHARED=$3 SRC=$4 MKBAD=$5
if [ ! -d "$SHARED" ]; then
  echo "FAIL: shared data folder $SHARED is missing" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# expect_exit CODE CMD...: runs CMD, saving stdout/stderr in ./out and ./err, checks its status.
expect_exit() {
  local want=$1; shift
  local got=0
  "$@" >out 2>err || got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL: '$*' exited $got, expected $want" >&2
    echo "--- stdout"; head -20 out; echo "--- stderr"; head -20 err
    exit 1
  fi
}
# fail MSG: stops the test with a message.
fail() { echo "FAIL: $*" >&2; exit 1; }
export -f expect_exit fail
# shellcheck source=/dev/null
source "$script"
echo "PASS: $(basename "$script")"
