#!/usr/bin/env bash
# IPAM benchmark: calyx's allocator against raw etcd put-if-absent transactions, in one run, on a private
# etcd (so nothing else disturbs it). Prints allocs/s and p50/p99 per case and the ratio to raw etcd.
#
#   bench/ipam-bench.sh [--count N] [--json FILE]
#
# Cases: concurrency 1 and 16, all on one host and spread over 4 simulated hosts (one allocator each).
#
# Needs the built tree (./mvnw -B -DskipTests package) and the etcd binary (apt-get install etcd-server).
set -euo pipefail
count=3000
json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "usage: $0 [--count N] [--json FILE]" >&2; exit 2 ;;
  esac
done
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
ctl="$repo/dist/target/calyx/bin/calyxctl"
[ -x "$ctl" ] || { echo "bench: build first: ./mvnw -B -DskipTests package" >&2; exit 1; }
command -v etcd >/dev/null || { echo "bench: needs etcd (apt-get install etcd-server)" >&2; exit 1; }

work=$(mktemp -d /tmp/calyx-bench.XXXXXX)
port=$(( 30000 + $$ % 20000 ))
etcd --name bench --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$port" \
  --advertise-client-urls "http://127.0.0.1:$port" --listen-peer-urls "http://127.0.0.1:$((port + 1))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" --initial-cluster "bench=http://127.0.0.1:$((port + 1))" \
  --auto-compaction-mode revision --auto-compaction-retention 1000 >"$work/etcd.log" 2>&1 &
etcd_pid=$!
# (set +e: under set -e the trap would end the script with wait's 143, etcd's SIGTERM.)
trap 'set +e; kill $etcd_pid 2>/dev/null; wait $etcd_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
  "$ctl" --etcd-endpoints "http://127.0.0.1:$port" pool list >/dev/null 2>&1 && break
  sleep 0.1
done

echo "etcd $(etcd --version | head -1 | awk '{print $3}') on 127.0.0.1:$port (private, data in $work), $(nproc) cores, count $count"
results=()
for c in "1 1" "16 1" "1 4" "16 4"; do
  set -- $c
  out=$("$ctl" --etcd-endpoints "http://127.0.0.1:$port" ipam bench --concurrency "$1" --count "$count" --hosts "$2" --raw -o json)
  results+=("$out")
  printf 'concurrency %-2s hosts %s: ' "$1" "$2"
  # (The per-thread breakdown, in the JSON, is left out of this line.)
  printf '%s' "$out" | tr -d ' \n' | sed -E 's/,"client_cpu_us_per_op_by_thread":\{[^}]*\}//g' | sed -E 's/.*"allocs_per_s":([0-9.]+),"p50_ms":([0-9.]+),"p99_ms":([0-9.]+),"client_cpu_us_per_op":([0-9.]+).*"raw_etcd":\{"txns_per_s":([0-9.]+),"p50_ms":([0-9.]+),"p99_ms":([0-9.]+),"client_cpu_us_per_op":([0-9.]+)\},"ratio":([0-9.]+).*/calyx \1 allocs\/s (p50 \2 ms, p99 \3 ms, client CPU \4 µs) | raw etcd \5 txns\/s (p50 \6 ms, p99 \7 ms, client CPU \8 µs) | ratio \9/'
  # The ratio of each pair of alternating rounds: how much the machine swung during the case.
  printf '%s' "$out" | tr -d ' \n' | sed -E 's/.*"ratio_rounds":\[([^]]*)\].*/\1/' | tr ',' '\n' \
    | awk 'NR == 1 || $1 < lo {lo = $1} NR == 1 || $1 > hi {hi = $1} END {if (NR) printf " (rounds %.2f to %.2f)", lo, hi}'
  echo
done
if [ -n "$json" ]; then
  { printf '['; (IFS=,; printf '%s' "${results[*]}"); printf ']\n'; } >"$json"
  echo "wrote $json"
fi
