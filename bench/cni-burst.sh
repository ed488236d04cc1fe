#!/usr/bin/env bash
# Burst: SIZE (default 50) ADDs started at once on one host, the wall time until all of them answered,
# calyx (the real plugin, the real agent, etcd) against the reference ptp + host-local, alternating in one
# run; then SIZE DELs at once, timed likewise, and the time until every veth of the burst is gone (calyx
# deletes them in its reaper after DEL answered). Each container has its own network namespace. Runs
# inside a bench host namespace (see cni-latency.sh). Prints the medians over the rounds and the ratios;
# with --json FILE also writes them as JSON.
#
#   sudo bench/cni-burst.sh [--size N] [--rounds N] [--warmup N] [--json FILE]
#
# Needs root, the built tree (./mvnw -B -DskipTests package), etcd and containernetworking-plugins.
set -euo pipefail
size=50
rounds=5
warmup=1
json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "usage: $0 [--size N] [--rounds N] [--warmup N] [--json FILE]" >&2; exit 2 ;;
  esac
done
. "$(dirname "$(readlink -f "$0")")/lib/bench-host.sh"
bench_host_init calyx-burst
bench_host_start
prefix=${host%-h}
for ((i = 0; i < size; i++)); do
  bench_netns "$prefix-c$i"
  bench_netns "$prefix-r$i"
done

in_host env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$repo/bench/lib/burst-cycles.sh" "$rounds" "$warmup" "$size" \
  "$tree/bin/calyx" "$work/calyx.conf" "$prefix-c" /usr/lib/cni/ptp "$work/ref.conf" "$prefix-r" >"$work/samples"

ms() { awk -v v="$(pct 50 "$work/samples" "$1" "$2")" 'BEGIN {printf "%.1f", v/1000}'; } # median, ms
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "burst of $size, $rounds rounds (after $warmup warm-up), alternating, medians; load $load, $(nproc) cores"
printf '%-20s ADD all answered %7s ms   DEL all answered %7s ms   veths gone %7s ms\n' calyx "$(ms calyx ADD)" "$(ms calyx DEL)" "$(ms calyx GONE)"
printf '%-20s ADD all answered %7s ms   DEL all answered %7s ms   veths gone %7s ms\n' ptp+host-local "$(ms ref ADD)" "$(ms ref DEL)" "$(ms ref GONE)"
add_ratio=$(ratio "$(ms calyx ADD)" "$(ms ref ADD)")
del_ratio=$(ratio "$(ms calyx DEL)" "$(ms ref DEL)")
echo "ratio ADD burst $add_ratio, DEL burst $del_ratio (calyx / reference)"
if [ -n "$json" ]; then
  side() { printf '{"add_ms":%s,"del_ms":%s,"veths_gone_ms":%s}' "$(ms "$1" ADD)" "$(ms "$1" DEL)" "$(ms "$1" GONE)"; }
  printf '{"size":%d,"rounds":%d,"warmup":%d,"load":"%s","calyx":%s,"reference":%s,"ratio":{"add":%s,"del":%s}}\n' \
    "$size" "$rounds" "$warmup" "$load" "$(side calyx)" "$(side ref)" "$add_ratio" "$del_ratio" >"$json"
fi
