#!/usr/bin/env bash
# ADD/DEL latency of the calyx plugin against the reference ptp + host-local plugins, alternating in one
# run, each cycle a fresh container id in one of four reused container namespaces per plugin; wall time around each plugin
# exec (what a runtime waits for: one fork+exec, config on stdin from a file). Everything runs inside a
# bench "host" namespace, as on a real host: etcd, the agent (in that namespace, no --dataplane-netns) and
# the timing loop, so the machine's own network is not touched and no `ip netns exec` is timed.
# Prints p50/p90/p99 of each and their ratio; with --json FILE also writes them as JSON.
#
#   sudo bench/cni-latency.sh [--cycles N] [--warmup N] [--json FILE]
#
# Needs root, the built tree (./mvnw -B -DskipTests package), etcd and containernetworking-plugins.
set -euo pipefail
cycles=200
warmup=20
json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cycles) cycles=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "usage: $0 [--cycles N] [--warmup N] [--json FILE]" >&2; exit 2 ;;
  esac
done
. "$(dirname "$(readlink -f "$0")")/lib/bench-host.sh"
bench_host_init calyx-lat
bench_host_start
ctr="${host%-h}"
for i in 0 1 2 3; do bench_netns "$ctr-c$i"; bench_netns "$ctr-r$i"; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, clock ticks
agent_cpu0=$(cpu_ticks "$agent_pid"); etcd_cpu0=$(cpu_ticks "$etcd_pid")
in_host env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$repo/bench/lib/cni-cycles.sh" "$cycles" "$warmup" "$ctr" "$tree/bin/calyx" "$work/calyx.conf" /usr/lib/cni/ptp "$work/ref.conf" >"$work/samples"

# CPU the agent and etcd spent per calyx ADD+DEL cycle (warm-up included; ptp+host-local use neither).
hz=$(getconf CLK_TCK)
per_cycle() { awk -v t="$1" -v hz="$hz" -v n=$((cycles + warmup)) 'BEGIN {printf "%.2f", t * 1000 / hz / n}'; }
agent_cpu=$(per_cycle $(( $(cpu_ticks "$agent_pid") - agent_cpu0 )))
etcd_cpu=$(per_cycle $(( $(cpu_ticks "$etcd_pid") - etcd_cpu0 )))
ms() { awk -v v="$(pct "$1" "$work/samples" "$2" "$3")" 'BEGIN {printf "%.2f", v/1000}'; } # ms P NAME CMD
row() { printf '%-22s p50 %6s  p90 %6s  p99 %6s ms\n' "$1" "$(ms 50 "$2" "$3")" "$(ms 90 "$2" "$3")" "$(ms 99 "$2" "$3")"; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "cycles $cycles (after $warmup warm-up), alternating, load $load, $(nproc) cores"
row "calyx ADD" calyx ADD
row "ptp+host-local ADD" ref ADD
row "calyx DEL" calyx DEL
row "ptp+host-local DEL" ref DEL
add_ratio=$(ratio "$(ms 50 calyx ADD)" "$(ms 50 ref ADD)")
add99_ratio=$(ratio "$(ms 99 calyx ADD)" "$(ms 99 ref ADD)")
del_ratio=$(ratio "$(ms 50 calyx DEL)" "$(ms 50 ref DEL)")
del99_ratio=$(ratio "$(ms 99 calyx DEL)" "$(ms 99 ref DEL)")
echo "ratio p50 ADD $add_ratio, DEL $del_ratio; p99 ADD $add99_ratio, DEL $del99_ratio (calyx / reference)"
echo "CPU per calyx ADD+DEL cycle: agent $agent_cpu ms, etcd $etcd_cpu ms"
if [ -n "$json" ]; then
  stats() { printf '{"p50_ms":%s,"p90_ms":%s,"p99_ms":%s}' "$(ms 50 "$1" "$2")" "$(ms 90 "$1" "$2")" "$(ms 99 "$1" "$2")"; }
  printf '{"cycles":%d,"warmup":%d,"load":"%s","calyx":{"add":%s,"del":%s},"reference":{"add":%s,"del":%s},"ratio":{"add_p50":%s,"add_p99":%s,"del_p50":%s,"del_p99":%s},"cpu_ms_per_cycle":{"agent":%s,"etcd":%s}}\n' \
    "$cycles" "$warmup" "$load" "$(stats calyx ADD)" "$(stats calyx DEL)" "$(stats ref ADD)" "$(stats ref DEL)" \
    "$add_ratio" "$add99_ratio" "$del_ratio" "$del99_ratio" "$agent_cpu" "$etcd_cpu" >"$json"
fi
