#!/usr/bin/env bash
# Runs Runnel's integration tests against the real binary with real clients (boto3, AWS CLI v2).
# Usage: tests/integration/run.sh [path/to/runnel]   (default: build/runnel)
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BIN="${1:-${RUNNEL_BIN:-$ROOT/build/runnel}}"
PATTERN="${RUNNEL_IT_PATTERN:-test_*.py}"   # e.g. RUNNEL_IT_PATTERN=test_records.py
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
if [ ! -x "$BIN" ]; then
  echo "integration: runnel binary not found or not executable: $BIN" >&2
  exit 1
fi
export RUNNEL_BIN="$BIN"

# Python: the one on PATH if it has boto3, else Debian's (python3-boto3).
PY=""
for cand in python3 /usr/bin/python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import boto3' >/dev/null 2>&1; then
    PY="$(command -v "$cand")"
    break
  fi
done
if [ -z "$PY" ]; then
  echo "integration: no python3 with boto3 (install python3-boto3: scripts/install-deps.sh)" >&2
  exit 1
fi

# AWS CLI v2 from Debian's awscli package, for test_awscli.py and test_cli.py.
export AWS_CLI="${AWS_CLI:-/usr/bin/aws}"
if [ ! -x "$AWS_CLI" ]; then
  echo "integration: AWS CLI not found at $AWS_CLI (install awscli: scripts/install-deps.sh)" >&2
  exit 1
fi

# JS SDK v3 for test_js_sdk.py, from package-lock.json into tests/integration/node_modules.
if [ ! -d "$HERE/node_modules/@aws-sdk/client-kinesis" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "integration: npm not found (install nodejs/npm: scripts/install-deps.sh)" >&2
    exit 1
  fi
  echo "integration: installing the JS SDK (npm ci --prefix tests/integration)"
  if ! npm ci --prefix "$HERE" --no-audit --no-fund >/dev/null; then
    echo "integration: npm ci failed (needs the npm registry)" >&2
    exit 1
  fi
fi

# No stray credentials/config from the machine: every client is pointed at the test server.
export AWS_EC2_METADATA_DISABLED=true
export PYTHONDONTWRITEBYTECODE=1
export PYTHONUNBUFFERED=1

echo "integration: runnel=$RUNNEL_BIN python=$PY ($("$PY" -c 'import boto3,sys;print("boto3",boto3.__version__,"python",sys.version.split()[0])')) aws=$AWS_CLI"

LOG="$(mktemp -t runnel-it-XXXXXX.log)"
trap 'rm -f "$LOG"' EXIT
cd "$ROOT"
# The whole suite is bounded; a single stuck test is also aborted by the harness.
timeout -k 10 1100 "$PY" -m unittest discover -s tests/integration -p "$PATTERN" -v 2>&1 \
  | tee "$LOG"
rc=${PIPESTATUS[0]}

ran=$(sed -n 's/^Ran \([0-9]\+\) tests\?.*/\1/p' "$LOG" | tail -1)
ran=${ran:-0}
last=$(grep -E '^(OK|FAILED)' "$LOG" | tail -1)
num() { echo "$last" | grep -o "$1=[0-9]*" | cut -d= -f2; }
failures=$(num failures); errors=$(num errors); skipped=$(num skipped)
failures=${failures:-0}; errors=${errors:-0}; skipped=${skipped:-0}
failed=$((failures + errors))
passed=$((ran - failed - skipped))
if [ "$rc" -eq 0 ] && [ "$ran" -eq 0 ]; then
  echo "integration: no test ran" >&2
  rc=1
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the runner itself failed (timeout, crash, import error)
  [ "$passed" -lt 0 ] && passed=0
fi
echo "integration: $passed passed, $failed failed, $skipped skipped"
exit "$rc"
