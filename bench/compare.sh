#!/usr/bin/env bash
# Side-by-side benchmark: Runnel vs the npm peers kinesalite and kinesis-local.
#
# Starts each server fresh on a free port (Runnel with --sync always on a fresh temp data dir),
# runs the same `runnel bench` scenarios against each ($RUNS runs each), and writes
# docs/benchmarks.md with medians, ratios, the machine, the commands and the issue-5 targets.
#
# Usage: bench/compare.sh            (or: make bench-compare)
# Env:   RUNNEL=build/runnel  RUNS=3  DURATION=10  PREFILL=100000  PEERS="runnel kinesalite kinesis-local"
#        SCENARIOS="put-records put-record get-records fanout fanout-longpoll fanout-push fanout-push100"
#        OUT=docs/benchmarks.md
#
# Scenarios (all run with the same client command against every server):
#   fanout           4 polling consumers, a 10 ms pause after an empty read (issue 5's fan-out row)
#   fanout-longpoll  the same consumers sending `x-runnel-wait-ms: 1000`; servers that do not
#                    know the header (the peers) answer at once and the consumer pauses as above
#   fanout-push      4 SubscribeToShard subscribers (Runnel only: kinesalite has no
#                    SubscribeToShard, and kinesis-local sends no initial-response, so no SDK works)
#   fanout-push100   100 subscribers on one shard (Runnel only)
#        DATA_ROOT=<dir for Runnel's data dir; must be a real disk, not tmpfs>  KEEP_RESULTS=1
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNNEL=${RUNNEL:-$ROOT/build/runnel}
RUNS=${RUNS:-3}
DURATION=${DURATION:-10}
PREFILL=${PREFILL:-100000}
PEERS=${PEERS:-"runnel kinesalite kinesis-local"}
SCENARIOS=${SCENARIOS:-"put-records put-record get-records fanout fanout-longpoll fanout-push fanout-push100"}
OUT=${OUT:-$ROOT/docs/benchmarks.md}
DATA_ROOT=${DATA_ROOT:-$ROOT/build}
# A run that has not finished by then is killed, and the server's remaining runs of that
# scenario are skipped (a slow peer must not stretch the comparison past ~15 minutes).
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
NODE_MODULES=$ROOT/bench/node_modules
WORK=$(mktemp -d "${DATA_ROOT%/}/bench-compare.XXXXXX")
RESULTS=$WORK/results
mkdir -p "$RESULTS"
SERVER_PID=""

log() { echo "[compare] $*" >&2; }

cleanup() {
  stop_server
  if [[ -z "${KEEP_RESULTS:-}" ]]; then rm -rf "$WORK"; else log "results kept in $WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -x "$RUNNEL" ]] || { echo "error: $RUNNEL not found; run 'make build' first" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {  # port timeout_s
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    [[ -n "$SERVER_PID" ]] && ! kill -0 "$SERVER_PID" 2>/dev/null && return 1
    sleep 0.2
  done
  return 1
}

ensure_peers() {
  if [[ ! -d "$NODE_MODULES/kinesalite" || ! -d "$NODE_MODULES/kinesis-local" ]]; then
    log "installing kinesalite and kinesis-local into bench/node_modules"
    npm install --prefix "$ROOT/bench" --no-audit --no-fund kinesalite kinesis-local >&2 || log "npm install failed"
  fi
}

# start_server NAME -> sets PORT, SERVER_PID; returns non-zero when the server cannot start.
start_server() {
  local name=$1
  PORT=$(free_port)
  local logf="$WORK/$name-server.log"
  case $name in
    runnel)
      rm -rf "$WORK/runnel-data"
      # --consumer-limit 100: fanout-push100 registers 100 consumers on one stream (AWS and
      # Runnel's default allow 20); it changes nothing else.
      "$RUNNEL" serve --port "$PORT" --data-dir "$WORK/runnel-data" --sync always \
        --consumer-limit 100 --log-level warn >"$logf" 2>&1 &
      ;;
    kinesalite)
      [[ -f "$NODE_MODULES/kinesalite/cli.js" ]] || return 1
      node "$NODE_MODULES/kinesalite/cli.js" --port "$PORT" --createStreamMs 0 --deleteStreamMs 0 \
        >"$logf" 2>&1 &
      ;;
    kinesis-local)
      [[ -f "$NODE_MODULES/kinesis-local/main.js" ]] || return 1
      # It reads server.json (its TLS key) from the working directory.
      (cd "$NODE_MODULES/kinesis-local" && KINESIS_MOCK_PLAIN_PORT=$PORT KINESIS_MOCK_TLS_PORT=$(free_port) \
        CREATE_STREAM_DURATION=0ms DELETE_STREAM_DURATION=0ms LOG_LEVEL=WARN \
        exec node main.js) >"$logf" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  if ! wait_port "$PORT" 60; then
    log "$name did not start; log: $(tail -5 "$logf" | tr '\n' ' ')"
    stop_server
    return 1
  fi
  sleep 1
}

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
  fi
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# The `runnel bench` scenario behind a scenario id.
bench_of() { case $1 in fanout*) echo fanout ;; *) echo "$1" ;; esac; }

# Scenarios a server cannot run at all (see the header).
unsupported() {
  [[ $1 != runnel && ( $2 == fanout-push || $2 == fanout-push100 ) ]]
}

scenario_args() {  # scenario [peer]
  local fan="--rate 1000 --record-size 100 --duration $DURATION"
  case $1 in
    put-records) echo "--records-per-batch 500 --record-size 1024 --connections 8 --duration $DURATION" ;;
    put-record) echo "--record-size 100 --connections 16 --duration $DURATION" ;;
    # Runnel reads the pre-filled shard 5 times so that the run lasts long enough to measure;
    # the peers read it once (at their speed that already takes 10-60 s).
    get-records) echo "--prefill $PREFILL --record-size 1024 --limit 10000 --passes $([[ ${2:-} == runnel ]] && echo 5 || echo 1)" ;;
    fanout) echo "$fan --consumers 4" ;;
    fanout-longpoll) echo "$fan --consumers 4 --wait-ms 1000" ;;
    fanout-push) echo "$fan --consumers 4 --push" ;;
    fanout-push100) echo "$fan --consumers 100 --push" ;;
  esac
}

# The disk's append + fdatasync latency bounds put-record under --sync always (see
# `runnel bench fsync`); probed before and after the scenarios, since it drifts.
fsync_probe() {
  "$RUNNEL" bench fsync --dir "$WORK" --duration 5 --json >"$RESULTS/fsync-$1.out" 2>>"$RESULTS/fsync.err" ||
    log "fsync probe failed: $(tail -1 "$RESULTS/fsync.err")"
}

ensure_peers
echo "# commands run by bench/compare.sh" >"$WORK/commands.txt"
log "fsync probe (before)"
fsync_probe before
for scenario in $SCENARIOS; do
  for peer in $PEERS; do
    if unsupported "$peer" "$scenario"; then
      echo "$peer $scenario unsupported" >>"$RESULTS/status.txt"
      continue
    fi
    if ! start_server "$peer"; then
      echo "$peer $scenario could-not-start" >>"$RESULTS/status.txt"
      continue
    fi
    if [[ $peer == runnel && ! -f "$RESULTS/runnel-idle-rss.txt" ]]; then
      rss_kb "$SERVER_PID" >"$RESULTS/runnel-idle-rss.txt"
    fi
    for run in $(seq "$RUNS"); do
      if [[ -f "$RESULTS/$peer.$scenario.timed-out" ]]; then
        echo "$peer $scenario $run skipped-after-timeout" >>"$RESULTS/status.txt"
        continue
      fi
      out="$RESULTS/$peer.$scenario.$run.json"
      # shellcheck disable=SC2046
      cmd="runnel bench $(bench_of "$scenario") --endpoint http://127.0.0.1:\$PORT $(scenario_args "$scenario" "$peer") --json"
      [[ $run == 1 ]] && ! grep -qxF "$cmd" "$WORK/commands.txt" && echo "$cmd" >>"$WORK/commands.txt"
      log "$peer $scenario run $run/$RUNS"
      sampler=""
      if [[ $peer == runnel && $scenario == put-records ]]; then
        ( while kill -0 "$SERVER_PID" 2>/dev/null; do rss_kb "$SERVER_PID"; sleep 0.5; done ) \
          >>"$RESULTS/runnel-load-rss.txt" &
        sampler=$!
      fi
      # shellcheck disable=SC2046
      timeout "$RUN_TIMEOUT" "$RUNNEL" bench "$(bench_of "$scenario")" --endpoint "http://127.0.0.1:$PORT" \
        $(scenario_args "$scenario" "$peer") --json >"$out" 2>"$RESULTS/$peer.$scenario.$run.err"
      rc=$?
      [[ -n "$sampler" ]] && { kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; }
      echo "$peer $scenario $run rc=$rc" >>"$RESULTS/status.txt"
      if [[ $rc == 124 || $rc == 137 || $rc == 143 ]]; then
        touch "$RESULTS/$peer.$scenario.timed-out"
        rm -f "$out"
      fi
      if [[ $rc != 0 ]]; then log "  exit $rc: $(tail -2 "$RESULTS/$peer.$scenario.$run.err" | tr '\n' ' ')"; fi
    done
    stop_server
  done
done

log "fsync probe (after)"
fsync_probe after

python3 "$ROOT/bench/report.py" --results "$RESULTS" --out "$OUT" --runs "$RUNS" \
  --duration "$DURATION" --prefill "$PREFILL" --data-dir "$WORK" --commands "$WORK/commands.txt" \
  --peers "$PEERS" --scenarios "$SCENARIOS"
log "wrote $OUT"
