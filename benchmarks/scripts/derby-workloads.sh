#!/usr/bin/env bash
# TPC-C and pgbench's TPC-B-like transaction on Apache Derby, on hapager (an embedded pair of page servers)
# and on Derby's own disk storage, side by side: for each pair, each client count and each workload, disk
# then hapager with the same seed, clients and duration, so the machine's noise falls on both alike.
# Results: one JSON and one log per run under bench-results/derby-workloads/, a summary
# bench-results/derby-workloads.json (per workload and client count: each pair's figures, the hapager/disk ratio
# of each pair, their mean and spread; the load's rows/s, since every run loads its database afresh; the
# transactions' p99) and the same as a table on stdout.
#
# Usage: benchmarks/scripts/derby-workloads.sh [SECONDS] [CLIENTS] [PAIRS]
#   SECONDS  measured seconds per run (default 60)
#   CLIENTS  comma-separated client counts (default 1,4)
#   PAIRS    disk/hapager pairs per cell (default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
clients_list=${2:-1,4}
pairs=${3:-2}
out=bench-results/derby-workloads
mkdir -p "$out"
command -v python3 >/dev/null || { echo "derby-workloads.sh: python3 is needed for the summary" >&2; exit 2; }

run() { # workload storage clients pair extra-args...
  local workload=$1 storage=$2 clients=$3 pair=$4
  shift 4
  echo "== pair $pair: $workload on $storage, $clients clients, ${seconds}s" >&2
  ./hapager "$workload" --storage "$storage" -c "$clients" -T "${seconds}s" --seed 42 -P 10 \
      --json "$out/$workload-$storage-c$clients-p$pair.json" "$@" 2>&1 | tee "$out/$workload-$storage-c$clients-p$pair.log" >&2
}

IFS=, read -r -a client_counts <<< "$clients_list"
for pair in $(seq 1 "$pairs"); do
  for clients in "${client_counts[@]}"; do
    for storage in disk hapager; do
      run tpcc "$storage" "$clients" "$pair" --reduce 3   # a third of the items and customers, as the demo loads
      run tpcb "$storage" "$clients" "$pair" -s 1         # 100,000 accounts
    done
  done
done

python3 - "$out" "$seconds" "$pairs" "$clients_list" <<'EOF'
import json, os, re, statistics, sys
out, seconds, pairs, clients_list = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def first(obj, key):
    """The first value of key anywhere in the run's JSON (the workload commands nest their totals)."""
    if isinstance(obj, dict):
        if key in obj and not isinstance(obj[key], (dict, list)):
            return obj[key]
        children = obj.values()
    elif isinstance(obj, list):
        children = obj
    else:
        return None
    for child in children:
        found = first(child, key)
        if found is not None:
            return found
    return None

def load_rate(path):
    """rows/s of the run's load, from its log line 'loaded N rows in S s (R rows/s)'."""
    with open(path) as f:
        m = re.search(r"loaded [\d,]+ rows in [\d.]+ s \(([\d,]+) rows/s\)", f.read())
    return float(m.group(1).replace(",", "")) if m else None

def types(obj):
    """Every per-type result object (one with 'type' and 'latency_ms') in the run's JSON."""
    if isinstance(obj, dict):
        if "type" in obj and isinstance(obj.get("latency_ms"), dict):
            yield obj
        for child in obj.values():
            yield from types(child)
    elif isinstance(obj, list):
        for child in obj:
            yield from types(child)

def p99(doc):
    """The p99 (ms) of New-Order for TPC-C, of the one transaction for TPC-B."""
    found = list(types(doc))
    chosen = next((t for t in found if "new" in str(t["type"]).lower()), found[0] if found else None)
    return None if chosen is None else chosen["latency_ms"].get("p99")

cells = []
print(f"{'workload':8} {'clients':>7} {'pair':>4} {'disk':>10} {'hapager':>10} {'ratio':>7}   (tpmC for tpcc, tps for tpcb)")
for workload, metric in (("tpcc", "tpmC"), ("tpcb", "tps")):
    for clients in clients_list.split(","):
        ratios, runs = [], []
        for pair in range(1, pairs + 1):
            figures = {}
            for storage in ("disk", "hapager"):
                with open(os.path.join(out, f"{workload}-{storage}-c{clients}-p{pair}.json")) as f:
                    doc = json.load(f)
                figures[storage] = {"value": first(doc, metric), "failures": first(doc, "failures"), "p99_ms": p99(doc),
                                    "load_rows_per_s": load_rate(os.path.join(out, f"{workload}-{storage}-c{clients}-p{pair}.log"))}
            ratio = figures["hapager"]["value"] / figures["disk"]["value"]
            ratios.append(ratio)
            loads = [figures[s]["load_rows_per_s"] for s in ("disk", "hapager")]
            load_ratio = loads[1] / loads[0] if None not in loads else None
            runs.append({"pair": pair, "disk": figures["disk"], "hapager": figures["hapager"], "ratio": round(ratio, 3),
                         "load_ratio": None if load_ratio is None else round(load_ratio, 3)})
            print(f"{workload:8} {clients:>7} {pair:>4} {figures['disk']['value']:>10.1f} "
                  f"{figures['hapager']['value']:>10.1f} {ratio:>6.2f}x   p99 {figures['disk']['p99_ms'] or 0:.1f} / "
                  f"{figures['hapager']['p99_ms'] or 0:.1f} ms   load {loads[0] or 0:,.0f} / {loads[1] or 0:,.0f} rows/s"
                  + ("" if load_ratio is None else f" ({load_ratio:.2f}x)"))
        cell = {"workload": workload, "metric": metric, "clients": int(clients), "pairs": runs,
                "ratio_mean": round(statistics.mean(ratios), 3),
                "ratio_spread": round(max(ratios) - min(ratios), 3)}
        cells.append(cell)
        print(f"{workload:8} {clients:>7} {'all':>4} {'':>10} {'':>10} {cell['ratio_mean']:>6.2f}x"
              f"  (spread {cell['ratio_spread']:.2f})")
summary = {"bench": "derby-workloads", "seconds": seconds, "cells": cells}
with open(out + ".json", "w") as f:
    json.dump(summary, f, indent=2)
print("summary:", os.path.abspath(out + ".json"))
EOF
