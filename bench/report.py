#!/usr/bin/env python3
"""Turns the JSON results of bench/compare.sh into docs/benchmarks.md.

Everything from the line MARKER on in the existing output file (the hand-written analysis:
profiles, what would close a gap) is kept; the part above it is regenerated.
"""
import argparse
import glob
import json
import os
import platform
import statistics
import subprocess
from datetime import datetime, timezone

MARKER = "<!-- analysis: everything below is kept by bench/compare.sh -->"

NAMES = {"runnel": "Runnel", "kinesalite": "kinesalite", "kinesis-local": "kinesis-local"}
TITLES = {
    "put-records": "PutRecords, 500 x 1 KiB, 8 connections",
    "put-record": "PutRecord, 100 B, 16 connections",
    "get-records": "GetRecords, 1 shard, 1 KiB records, Limit 10000",
    "fanout": "Fan-out, 1 producer at 1,000 rec/s of 100 B, 4 polling consumers",
    "fanout-longpoll": "Fan-out as above, consumers send x-runnel-wait-ms: 1000 (long poll)",
    "fanout-push": "Fan-out as above, 4 SubscribeToShard subscribers (push)",
    "fanout-push100": "Fan-out as above, 100 SubscribeToShard subscribers on one shard",
}
FANOUTS = ["fanout", "fanout-longpoll", "fanout-push", "fanout-push100"]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""


def machine(data_dir):
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    fs = sh(f"df -T {data_dir} | tail -1 | awk '{{print $1\" \"$2}}'")
    return [
        ("CPU", f"{os.cpu_count()} x {cpu}"),
        ("Memory", f"{mem_kb / 1024 / 1024:.1f} GiB"),
        ("Kernel", platform.release()),
        ("Disk / fs of the data dir", fs),
        ("Load average at report time", sh("cut -d' ' -f1-3 /proc/loadavg")),
        ("node", sh("node --version")),
        ("Runnel commit", sh("git -C %s rev-parse --short HEAD" % os.path.dirname(os.path.abspath(__file__)))),
    ]


def load_fsync(results):
    """The `runnel bench fsync` probes compare.sh ran before and after the scenarios."""
    probes = []
    for name in ("fsync-before.out", "fsync-after.out"):
        try:
            with open(os.path.join(results, name)) as f:
                probes.append(json.loads(f.read().strip().splitlines()[-1]))
        except Exception:
            probes.append(None)
    return probes


def fsync_cell(p):
    if not p or not p.get("fsyncs"):
        return "not measured"
    lat = p["latency_us"]
    return (f"p50 {lat['p50']} µs, p99 {lat['p99']} µs ({p['fsyncs_per_s']:,.0f}/s); "
            f"put-record ceiling with {p['connections']} connections: {p['put_record_ceiling_per_s']:,.0f} records/s")


def load(results):
    runs = {}
    for path in sorted(glob.glob(os.path.join(results, "*.json"))):
        peer, scenario, _run, _ = os.path.basename(path).split(".")
        try:
            with open(path) as f:
                data = json.loads(f.read().strip().splitlines()[-1])
        except Exception:
            continue
        runs.setdefault((peer, scenario), []).append(data)
    return runs


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_num(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def summarize(rs, scenario):
    ok = [r for r in rs if r["errors"]["total"] == 0 and (not scenario.startswith("fanout") or r.get("verified"))]
    s = {
        "runs": len(rs),
        "ok_runs": len(ok),
        "rps": med([r["records_per_s"] for r in rs]),
        "mbps": med([r["mb_per_s"] for r in rs]),
        "p50": med([r["latency_ms"]["p50"] for r in rs]),
        "p99": med([r["latency_ms"]["p99"] for r in rs]),
        "max": med([r["latency_ms"]["max"] for r in rs]),
        "errors": sum(r["errors"]["total"] for r in rs),
        "cpu": med([r["generator_cpu"]["percent_of_one_core"] for r in rs]),
        "first_error": next((r["errors"].get("first") for r in rs if r["errors"].get("first")), ""),
    }
    if scenario.startswith("fanout"):
        s["missing"] = max(r.get("missing", 0) for r in rs)
        s["duplicates"] = max(r.get("duplicates", 0) for r in rs)
        s["e2e_p50"] = med([r["e2e_latency_ms"]["p50"] for r in rs])
        s["e2e_p99"] = med([r["e2e_latency_ms"]["p99"] for r in rs])
        s["e2e_max"] = med([r["e2e_latency_ms"]["max"] for r in rs])
        s["verified"] = all(r.get("verified") for r in rs)
    return s


def main():
    ap = argparse.ArgumentParser()
    for a in ["results", "out", "runs", "duration", "prefill", "data-dir", "commands", "peers", "scenarios"]:
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    peers = args.peers.split()
    scenarios = args.scenarios.split()
    runs = load(args.results)
    status = open(os.path.join(args.results, "status.txt")).read().split("\n") \
        if os.path.exists(os.path.join(args.results, "status.txt")) else []
    not_started = sorted({l.split()[0] for l in status if "could-not-start" in l})
    unsupported = {(l.split()[0], l.split()[1]) for l in status if l.endswith(" unsupported")}
    summary = {k: summarize(v, k[1]) for k, v in runs.items()}

    def rss(name):
        p = os.path.join(args.results, name)
        if not os.path.exists(p):
            return None
        vals = [int(x) for x in open(p).read().split() if x.strip().isdigit() and int(x) > 0]
        return (max(vals) / 1024) if vals else None

    idle_rss = rss("runnel-idle-rss.txt")
    load_rss = rss("runnel-load-rss.txt")

    L = []
    L.append("# Benchmarks: Runnel vs kinesalite vs kinesis-local")
    L.append("")
    L.append(f"Generated by `bench/compare.sh` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC. "
             f"Medians of {args.runs} runs per scenario and server; every server was started fresh "
             "on a free port for each scenario and measured in the same run. The load generator "
             "(`runnel bench`) runs on the same machine.")
    L.append("")
    L.append("Reproduce: `make build && make bench-compare` (or `bench/compare.sh`; see bench/README.md).")
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    for k, v in machine(args.data_dir):
        L.append(f"| {k} | {v} |")
    fsync_before, fsync_after = load_fsync(args.results)
    L.append(f"| Append {fsync_before['append_bytes'] if fsync_before else ''} B + fdatasync in the data dir, before the scenarios | {fsync_cell(fsync_before)} |")
    L.append(f"| ... and after them | {fsync_cell(fsync_after)} |")
    L.append("")
    L.append("The fdatasync rows come from `runnel bench fsync --dir <the data dir's parent> --duration 5 --json`. "
             "With `--sync always` a PutRecord is answered only after an fdatasync that started after its "
             "append, so 16 connections with one request in flight each get at most 16 / (fdatasync "
             "latency) answers per second from any server that keeps that promise.")
    L.append("")
    L.append("## Commands")
    L.append("")
    L.append("Servers:")
    L.append("")
    L.append("```")
    L.append("build/runnel serve --port $PORT --data-dir <fresh temp dir> --sync always --consumer-limit 100 --log-level warn")
    L.append("node bench/node_modules/kinesalite/cli.js --port $PORT --createStreamMs 0 --deleteStreamMs 0")
    L.append("KINESIS_MOCK_PLAIN_PORT=$PORT KINESIS_MOCK_TLS_PORT=$OTHER CREATE_STREAM_DURATION=0ms "
             "DELETE_STREAM_DURATION=0ms LOG_LEVEL=WARN node main.js  # cwd: bench/node_modules/kinesis-local")
    L.append("```")
    L.append("")
    L.append("Load (each run creates its own stream and deletes it at the end):")
    L.append("")
    L.append("```")
    for line in open(args.commands).read().splitlines():
        if not line.startswith("#"):
            L.append(line)
    L.append("```")
    L.append("")
    if not_started:
        L.append("**Could not be started:** " + ", ".join(not_started) + " (see the compare log).")
        L.append("")
    L.append("## Results (medians)")
    L.append("")
    L.append("| scenario | server | records/s | MB/s | req p50 ms | req p99 ms | req max ms | errors | generator CPU % | good runs |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sc in scenarios:
        for p in peers:
            s = summary.get((p, sc))
            timed_out = os.path.exists(os.path.join(args.results, f"{p}.{sc}.timed-out"))
            if not s:
                why = "timed out" if timed_out else (
                    "not supported" if (p, sc) in unsupported else "not run")
                L.append(f"| {sc} | {NAMES.get(p, p)} | {why} | | | | | | | |")
                continue
            if timed_out:
                s = dict(s, ok_runs=f"{s['ok_runs']} (then a run timed out)")
            L.append(f"| {sc} | {NAMES.get(p, p)} | {fmt_num(s['rps'])} | {fmt_num(s['mbps'], 1)} | "
                     f"{fmt_num(s['p50'], 2)} | {fmt_num(s['p99'], 2)} | {fmt_num(s['max'], 2)} | "
                     f"{s['errors']} | {fmt_num(s['cpu'])} | {s['ok_runs']}/{s['runs']} |")
    L.append("")
    fanouts = [sc for sc in scenarios if sc.startswith("fanout")]
    if fanouts:
        L.append("Fan-out end-to-end latency (producer send -> consumer received), medians:")
        L.append("")
        L.append("| scenario | server | e2e p50 ms | e2e p99 ms | e2e max ms | every consumer got every record once, in order |")
        L.append("|---|---|---:|---:|---:|---|")
        for sc in fanouts:
            for p in peers:
                s = summary.get((p, sc))
                if s:
                    L.append(f"| {sc} | {NAMES.get(p, p)} | {fmt_num(s['e2e_p50'], 2)} | "
                             f"{fmt_num(s['e2e_p99'], 2)} | {fmt_num(s['e2e_max'], 2)} | "
                             f"{'yes' if s['verified'] else 'NO'} (missing {s['missing']}, "
                             f"duplicates {s['duplicates']}) |")
        L.append("")
        L.append("Scenario titles: " + "; ".join(f"`{sc}`: {TITLES.get(sc, sc)}" for sc in fanouts) + ".")
        L.append("")
    errs = [(p, sc, s["first_error"]) for (p, sc), s in summary.items() if s["errors"] and s["first_error"]]
    if errs:
        L.append("Errors seen (first of each):")
        L.append("")
        for p, sc, e in sorted(errs):
            L.append(f"- {NAMES.get(p, p)} / {sc}: `{e[:200]}`")
        L.append("")
    L.append("## Ratios (Runnel / peer, records/s medians)")
    L.append("")
    others = [p for p in peers if p != "runnel"]
    L.append("| scenario | " + " | ".join(f"vs {NAMES.get(p, p)}" for p in others) + " |")
    L.append("|---|" + "---:|" * len(others))
    for sc in scenarios:
        if sc.startswith("fanout"):
            continue
        r = summary.get(("runnel", sc))
        cells = []
        for p in others:
            o = summary.get((p, sc))
            if r and o and o["rps"]:
                cells.append(f"{r['rps'] / o['rps']:.1f}x")
            else:
                cells.append("n/a")
        L.append(f"| {sc} | " + " | ".join(cells) + " |")
    L.append("")
    L.append("## Targets (issue 5)")
    L.append("")
    L.append("| target | measured (Runnel) | status |")
    L.append("|---|---|---|")

    def target(label, key, threshold, unit, higher=True, field="rps"):
        s = summary.get(("runnel", key))
        v = s[field] if s else None
        if v is None:
            L.append(f"| {label} | n/a | not measured |")
            return
        ok = v >= threshold if higher else v <= threshold
        note = ""
        if not ok and key == "put-record":
            ceilings = [p["put_record_ceiling_per_s"] for p in (fsync_before, fsync_after) if p and p.get("fsyncs")]
            if ceilings and max(ceilings) < threshold:
                note = (f" (this disk's fdatasync latency allows at most {max(ceilings):,.0f} records/s "
                        "with 16 connections: see Machine)")
        L.append(f"| {label} | {fmt_num(v, 0 if unit == 'records/s' else 2)} {unit} | {'**met**' if ok else '**not met**'}{note} |")

    target("PutRecords 500 x 1 KiB, 8 conns, --sync always: >= 300,000 records/s", "put-records", 300000, "records/s")
    target("PutRecord 100 B, 16 conns: >= 60,000 records/s", "put-record", 60000, "records/s")
    target("GetRecords 1 shard, 1 KiB: >= 500,000 records/s", "get-records", 500000, "records/s")
    def fanout_target(label, key, p99_max):
        s = summary.get(("runnel", key))
        if not s:
            L.append(f"| {label} | n/a | not measured |")
            return
        ok = s["e2e_p99"] is not None and s["e2e_p99"] <= p99_max and s["verified"]
        L.append(f"| {label} | e2e p99 {fmt_num(s['e2e_p99'], 2)} ms, every record once in order: "
                 f"{'yes' if s['verified'] else 'NO'} | {'**met**' if ok else '**not met**'} |")

    fanout_target("Fan-out 1,000 rec/s, 4 polling consumers (10 ms pause after an empty read): e2e p99 <= 5 ms",
                  "fanout", 5)
    fanout_target("... the same consumers with long polling (x-runnel-wait-ms; `runnel consume`'s default)",
                  "fanout-longpoll", 5)
    fanout_target("Issue 7: long-poll GetRecords, 4 consumers: p99 <= 2 ms", "fanout-longpoll", 2)
    fanout_target("Issue 7: push, 4 subscribers at 1,000 rec/s: e2e p99 <= 2 ms, every record once in order",
                  "fanout-push", 2)
    s = summary.get(("runnel", "fanout-push100"))
    if s:
        L.append(f"| Issue 7: 100 subscribers on one shard at 1,000 rec/s: none loses a record | "
                 f"missing {s['missing']}, duplicates {s['duplicates']}, e2e p99 {fmt_num(s['e2e_p99'], 2)} ms | "
                 f"{'**met**' if s['verified'] and not s['missing'] else '**not met**'} |")
    if idle_rss is not None:
        L.append(f"| Idle RSS <= 30 MB | {idle_rss:.1f} MB | {'**met**' if idle_rss <= 30 else '**not met**'} |")
    if load_rss is not None:
        L.append(f"| RSS under put-records load <= 300 MB | peak {load_rss:.1f} MB over {args.runs} x {args.duration} s "
                 f"| {'**met**' if load_rss <= 300 else '**not met**'} (10-minute soak: see Soak below) |")
    L.append("| Restart with 10 GB of records ready in <= 2 s | see Restart below (`make bench-restart`) | see below |")
    L.append("")

    old_tail = ""
    if os.path.exists(args.out):
        text = open(args.out).read()
        if MARKER in text:
            old_tail = text[text.index(MARKER):]
    if not old_tail:
        old_tail = MARKER + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(L) + "\n" + old_tail)


if __name__ == "__main__":
    main()
