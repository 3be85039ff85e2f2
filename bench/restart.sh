#!/usr/bin/env bash
# Restart benchmark (issue 5): how long a data dir holding GB of records takes to be ready to
# serve again, after a clean stop (SIGTERM) and after kill -9.
#
# Fills a fresh data dir with `runnel bench put-records` (1 KiB records, --sync none for a fast
# fill: durability of the fill is not what is measured), stops the server, starts it again and
# measures the time from exec to the first successful GetRecords at TRIM_HORIZON and at LATEST
# (the server answers only after recovery). Prints a Markdown summary.
#
# Usage: bench/restart.sh              (make bench-restart)
# Env:   RUNNEL=build/runnel  GB=10  SHARDS=4  DATA_ROOT=build  RUNS=3
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNNEL=${RUNNEL:-$ROOT/build/runnel}
GB=${GB:-10}
SHARDS=${SHARDS:-4}
RUNS=${RUNS:-3}
DATA_ROOT=${DATA_ROOT:-$ROOT/build}
WORK=$(mktemp -d "${DATA_ROOT%/}/bench-restart.XXXXXX")
DATA=$WORK/data
SERVER_PID=""
STREAM=restart-bench

cleanup() {
  [[ -n "$SERVER_PID" ]] && kill -9 "$SERVER_PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
EP=http://127.0.0.1:$PORT

start() {
  "$RUNNEL" serve --port "$PORT" --data-dir "$DATA" "$@" --log-level warn >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
}

# Starts the server (from Python, so that the interpreter's own start-up is not timed) and
# prints "<pid> <s to first GetRecords at TRIM_HORIZON> <s to one more at LATEST>".
restart_timed() {
  python3 - "$EP" "$STREAM" "$RUNNEL" "$PORT" "$DATA" "$WORK/server.log" <<'PY'
import json, subprocess, sys, time, urllib.request
ep, stream, runnel, port, data, logf = sys.argv[1:7]
def call(target, body):
    req = urllib.request.Request(ep, data=json.dumps(body).encode(), headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202." + target,
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0"})
    return json.loads(urllib.request.urlopen(req, timeout=5).read())
def first_read(kind, t0):
    while time.monotonic() - t0 < 120:
        try:
            it = call("GetShardIterator", {"StreamName": stream, "ShardId": "shardId-000000000000",
                                           "ShardIteratorType": kind})["ShardIterator"]
            out = call("GetRecords", {"ShardIterator": it, "Limit": 1})
            if kind == "TRIM_HORIZON" and not out["Records"]:
                raise RuntimeError("no records")
            return time.monotonic() - t0
        except Exception:
            time.sleep(0.002)
    return float("nan")
call  # warm the imports before timing
t0 = time.monotonic()
proc = subprocess.Popen([runnel, "serve", "--port", port, "--data-dir", data, "--log-level", "warn"],
                        stdout=open(logf, "a"), stderr=subprocess.STDOUT, start_new_session=True)
trim = first_read("TRIM_HORIZON", t0)
latest = first_read("LATEST", time.monotonic())
print(f"{proc.pid} {trim:.3f} {latest:.3f}")
PY
}

records=$((GB * 1024 * 1024))  # 1 KiB each
echo "[restart] filling $GB GiB ($records records of 1 KiB, $SHARDS shards) into $DATA" >&2
start --sync none
sleep 0.5
fill_start=$SECONDS
"$RUNNEL" bench put-records --endpoint "$EP" --stream "$STREAM" --shards "$SHARDS" --keep \
  --count "$records" --record-size 1024 --connections 8 >/dev/null
fill_s=$((SECONDS - fill_start))
size=$(du -sb "$DATA" | cut -f1)
segments=$(find "$DATA" -name '*.seg' | wc -l)

results=()
for run in $(seq "$RUNS"); do
  for how in term kill9; do
    if [[ $how == term ]]; then kill -TERM "$SERVER_PID"; else kill -9 "$SERVER_PID"; fi
    while kill -0 "$SERVER_PID" 2>/dev/null; do sleep 0.05; done
    sync
    read -r SERVER_PID trim latest < <(restart_timed)
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status")
    results+=("| $run | $how | $trim | $latest | $((rss / 1024)) |")
    echo "[restart] run $run after $how: ready in ${trim}s (TRIM_HORIZON), RSS $((rss / 1024)) MB" >&2
  done
done

echo "Data dir: $((size / 1000000)) MB in $segments segments over $SHARDS shards (filled in ${fill_s}s)."
echo
echo "| run | stop | s from exec to first GetRecords (TRIM_HORIZON) | s for a GetShardIterator + GetRecords at LATEST after that | RSS MB after restart |"
echo "|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
