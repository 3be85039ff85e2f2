#!/usr/bin/env bash
# Memory soak (issue 5): RSS of the server under the put-records load of the comparison
# (500 x 1 KiB records per PutRecords, 8 connections, --sync always) for 10 minutes.
#
# At that rate the disk would fill, so the server runs with --enable-test-clock and the
# script moves the clock forward 25 h every 30 s: retention then deletes the sealed segments,
# as it would on a long-running server, and the data dir stays a few GB. RSS is sampled every
# 5 s; the summary compares the first and the last minute.
#
# Usage: bench/soak.sh                 (make bench-soak)
# Env:   RUNNEL=build/runnel  SECONDS_TOTAL=600  DATA_ROOT=build
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNNEL=${RUNNEL:-$ROOT/build/runnel}
TOTAL=${SECONDS_TOTAL:-600}
DATA_ROOT=${DATA_ROOT:-$ROOT/build}
WORK=$(mktemp -d "${DATA_ROOT%/}/bench-soak.XXXXXX")
SERVER_PID=""
LOAD_PID=""
cleanup() {
  [[ -n "$LOAD_PID" ]] && kill "$LOAD_PID" 2>/dev/null
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
EP=http://127.0.0.1:$PORT
"$RUNNEL" serve --port "$PORT" --data-dir "$WORK/data" --sync always --enable-test-clock \
  --log-level warn >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
sleep 1
rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER_PID/status"; }
advance() {
  curl -s -o /dev/null -X POST "$EP" -H 'Content-Type: application/x-amz-json-1.1' \
    -H 'X-Amz-Target: Runnel_20240101.AdvanceClock' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0' \
    -d '{"Milliseconds": 90000000}'
}
idle=$(rss_mb)
"$RUNNEL" bench put-records --endpoint "$EP" --records-per-batch 500 --record-size 1024 \
  --connections 8 --duration "$TOTAL" --json >"$WORK/load.json" 2>/dev/null &
LOAD_PID=$!
samples=()
for ((t = 5; t <= TOTAL; t += 5)); do
  sleep 5
  kill -0 "$LOAD_PID" 2>/dev/null || break
  samples+=("$t $(rss_mb) $(du -sm "$WORK/data" | cut -f1)")
  ((t % 30 == 0)) && advance
  echo "[soak] t=${t}s RSS $(rss_mb) MB" >&2
done
wait "$LOAD_PID" || true
LOAD_PID=""
python3 - "$idle" "$WORK/load.json" "${samples[@]}" <<'PY'
import json, sys
idle = float(sys.argv[1]); load = json.load(open(sys.argv[2]))
rows = [tuple(float(x) for x in s.split()) for s in sys.argv[3:]]
first = [r[1] for r in rows if r[0] <= 60]; last = [r[1] for r in rows if r[0] > rows[-1][0] - 60]
print(f"Idle RSS {idle:.1f} MB. Load: {load['records_per_s']:,.0f} records/s for {load['duration_s']:.0f} s, "
      f"{load['errors']['total']} errors.")
print()
print("| | RSS MB |")
print("|---|---|")
print(f"| max in the first minute | {max(first):.1f} |")
print(f"| max in the last minute | {max(last):.1f} |")
print(f"| max overall | {max(r[1] for r in rows):.1f} |")
print(f"| data dir at the end | {rows[-1][2]:.0f} MB |")
print()
print("RSS every 60 s: " + ", ".join(f"{r[1]:.0f}" for r in rows if r[0] % 60 == 0))
PY
