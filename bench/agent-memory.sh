#!/usr/bin/env bash
# The agent's memory with many local endpoints: ADDs ENDPOINTS containers through the real calyx plugin into
# the real agent (NETNS namespaces with PER interfaces eth0.. each, one burst of PER ADDs per namespace),
# then reads the agent JVM's resident set (VmRSS, VmHWM from /proc) and its heap (jcmd GC.heap_info from
# the tree's runtime: used now, and live after a full GC); then DELs them all and reads again. Runs inside
# a bench host namespace (see cni-latency.sh). With --json FILE also writes the figures as JSON.
#
#   sudo bench/agent-memory.sh [--endpoints N] [--per-netns N] [--json FILE]    (defaults 1000, 10)
#
# Needs root, the built tree (./mvnw -B -DskipTests package) and etcd.
set -euo pipefail
endpoints=1000
per=10
json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --endpoints) endpoints=$2; shift 2 ;;
    --per-netns) per=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "usage: $0 [--endpoints N] [--per-netns N] [--json FILE]" >&2; exit 2 ;;
  esac
done
. "$(dirname "$(readlink -f "$0")")/lib/bench-host.sh"
bench_host_init calyx-mem
bench_host_start
exec 3>&1 # progress and figures; stdout of the helpers below is their value
jcmd="$tree/runtime/bin/jcmd"
[ -x "$jcmd" ] || { echo "bench: $jcmd missing from the tree" >&2; exit 1; }
prefix=${host%-h}
namespaces=$(( (endpoints + per - 1) / per ))
for ((n = 0; n < namespaces; n++)); do bench_netns "$prefix-c$n"; done

now_ms() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000 + 10#${t#*.} / 1000 )); }
pids=()
calls() { # calls COMMAND NS_INDEX COUNT: COUNT calls at once into namespace NS_INDEX, eth0..; fails loudly
  local cmd=$1 n=$2 count=$3 j failed=0
  pids=()
  for ((j = 0; j < count; j++)); do
    ip netns exec "$host" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND="$cmd" CNI_CONTAINERID="m$n" \
      CNI_NETNS="/var/run/netns/$prefix-c$n" CNI_IFNAME="eth$j" CNI_PATH=/usr/lib/cni "$tree/bin/calyx" <"$work/calyx.conf" >"$work/out.$j" 2>&1 &
    pids+=($!)
  done
  for ((j = 0; j < count; j++)); do
    wait "${pids[$j]}" || { failed=1; echo "bench: calyx $cmd m$n eth$j failed: $(cat "$work/out.$j")" >&2; }
  done
  pids=()
  [ "$failed" -eq 0 ] || exit 1
}
all() { # all COMMAND: every endpoint, one namespace after the other; prints the first and last burst's ms
  local n left=$endpoints t0 first=0 last=0
  for ((n = 0; n < namespaces; n++)); do
    t0=$(now_ms)
    calls "$1" "$n" $(( left < per ? left : per ))
    last=$(( $(now_ms) - t0 ))
    [ "$n" -eq 0 ] && first=$last
    left=$(( left - per ))
    [ $(( (n + 1) % 20 )) -eq 0 ] && echo "  $1: $(( (n + 1) * per < endpoints ? (n + 1) * per : endpoints )) of $endpoints" >&3
  done
  echo "$first $last"
}
rss_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$agent_pid/status"; }
heap_kb() { # heap_kb: "used committed" of the young and old generations, KiB
  "$jcmd" "$agent_pid" GC.heap_info | awk '/ total [0-9]+K, used [0-9]+K/ {for (i=1;i<NF;i++) {v=$(i+1); gsub(/[K,]/,"",v); if ($i=="total") t+=v; if ($i=="used") u+=v}} END {printf "%d %d", u, t}'
}
memory() { # memory LABEL -> one JSON object, and a line on fd 3
  local rss hwm heap live
  rss=$(rss_kb VmRSS); hwm=$(rss_kb VmHWM)
  read -r heap committed < <(heap_kb)
  "$jcmd" "$agent_pid" GC.run >/dev/null
  read -r live _ < <(heap_kb)
  printf '  %-26s RSS %4d MB (peak %4d MB), heap used %4d MB of %4d MB committed, live after full GC %4d MB\n' \
    "$1" $((rss / 1024)) $((hwm / 1024)) $((heap / 1024)) $((committed / 1024)) $((live / 1024)) >&3
  printf '{"rss_mb":%.1f,"rss_peak_mb":%.1f,"heap_used_mb":%.1f,"heap_committed_mb":%.1f,"heap_live_mb":%.1f}' \
    "$(ratio "$rss" 1024)" "$(ratio "$hwm" 1024)" "$(ratio "$heap" 1024)" "$(ratio "$committed" 1024)" "$(ratio "$live" 1024)"
}
# The agent's JVM: calyx-agent execs java, and ip netns exec execs calyx-agent, so $agent_pid is the JVM.
grep -q java "/proc/$agent_pid/cmdline" || { echo "bench: PID $agent_pid is not the agent's JVM" >&2; exit 1; }
echo "agent JVM PID $agent_pid; $endpoints endpoints in $namespaces namespaces, $per at once; load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
start_json=$(memory "started, no endpoints")
read -r add_first add_last < <(all ADD)
records=$(in_host "$tree/bin/calyxctl" endpoint list --node bench-host -o json | grep -c '"container_id"' || true)
full_json=$(memory "after $endpoints ADDs")
read -r del_first del_last < <(all DEL)
# (A dump taken while the reaper deletes links may be interrupted: it counts only when two in a row agree.)
veths() { in_host ip -o link show type veth 2>/dev/null | wc -l; }
for _ in $(seq 1 500); do [ "$(veths)" -eq 0 ] && [ "$(veths)" -eq 0 ] && break; sleep 0.02; done
after_json=$(memory "after all DELs")
echo "  endpoint records in etcd after the ADDs: $records; burst of $per ADDs: ${add_first} ms at 0 endpoints, ${add_last} ms at $((endpoints - per))"
rss_full=$(printf '%s' "$full_json" | sed -E 's/.*"rss_mb":([0-9.]+).*/\1/')
echo "agent RSS after $endpoints local endpoints: $rss_full MB (target <= 256 MB)"
if [ -n "$json" ]; then
  printf '{"endpoints":%d,"per_netns":%d,"records":%d,"load":"%s","started":%s,"after_adds":%s,"after_dels":%s,"burst_ms":{"add_first":%d,"add_last":%d,"del_first":%d,"del_last":%d}}\n' \
    "$endpoints" "$per" "$records" "$(cut -d' ' -f1-3 /proc/loadavg)" "$start_json" "$full_json" "$after_json" \
    "$add_first" "$add_last" "$del_first" "$del_last" >"$json"
fi
