#!/usr/bin/env bash
# TPC-C and pgbench's TPC-B-like transaction on Apache Derby, on hapager (an embedded pair of page servers)
# and on Derby's own disk storage, in one run: each workload on one storage after the other, same seed, same
# clients, same duration. Results: bench-results/derby-workloads/{tpcc,tpcb}-{disk,hapager}.json and a table
# on stdout. Usage: benchmarks/scripts/derby-workloads.sh [SECONDS] [CLIENTS]   (default 60 s, 4 clients)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
clients=${2:-4}
out=bench-results/derby-workloads
mkdir -p "$out"

run() { # workload storage extra-args...
  local workload=$1 storage=$2
  shift 2
  echo "== $workload on $storage: $clients clients, ${seconds}s" >&2
  ./hapager "$workload" --storage "$storage" -c "$clients" -T "${seconds}s" --seed 42 -P 10 \
      --json "$out/$workload-$storage.json" "$@" >&2
}

for storage in disk hapager; do
  run tpcc "$storage" --reduce 3   # a third of the items and customers, as the demo loads
  run tpcb "$storage" -s 1         # 100,000 accounts
done

field() { grep -o "\"$2\":[0-9.null]*" "$out/$1.json" | sed -n 1p | cut -d: -f2; }
printf '%-6s %-8s %10s %10s %14s %14s\n' workload storage tps tpmC p99_first_ms failures
for workload in tpcc tpcb; do
  for storage in disk hapager; do
    f="$workload-$storage"
    p99=$(grep -o '"p99":[0-9.]*' "$out/$f.json" | sed -n 1p | cut -d: -f2)
    printf '%-6s %-8s %10s %10s %14s %14s\n' "$workload" "$storage" "$(field "$f" tps)" "$(field "$f" tpmC)" \
        "$p99" "$(grep -o '"failures":[0-9]*' "$out/$f.json" | sed -n 1p | cut -d: -f2)"
  done
done
