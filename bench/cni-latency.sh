#!/usr/bin/env bash
# ADD/DEL latency of the calyx plugin against the reference ptp + host-local plugins, alternating in one
# run, each cycle a fresh container id in one reused container namespace; wall time around each plugin
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
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
tree="$repo/dist/target/calyx"
[ -x "$tree/bin/calyx" ] || { echo "bench: build first: ./mvnw -B -DskipTests package" >&2; exit 1; }
[ -x /usr/lib/cni/ptp ] || { echo "bench: needs /usr/lib/cni/ptp (apt-get install containernetworking-plugins)" >&2; exit 1; }

work=$(mktemp -d /tmp/calyx-lat.XXXXXX)
id=${work##*.}
host="calyx-lat-$id-host"
ctr="calyx-lat-$id-c"
etcd_pid=""
agent_pid=""
cleanup() {
  set +e
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null
  [ -n "${CALYX_BENCH_KEEP_LOG:-}" ] && cp "$work/agent.log" "$CALYX_BENCH_KEEP_LOG"
  ip netns del "$ctr" 2>/dev/null
  ip netns del "$host" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# (Background processes are started with ip netns exec directly, which execs: $! is then their PID.)
in_host() { ip netns exec "$host" "$@"; }

ip netns add "$host"
ip -n "$host" link set lo up
ip netns add "$ctr"
ip -n "$ctr" link set lo up
# The bench host's etcd listens on its own loopback (2379 is free in a fresh namespace).
ip netns exec "$host" etcd --name lat --data-dir "$work/etcd" --listen-client-urls http://127.0.0.1:2379 \
  --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
  --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster lat=http://127.0.0.1:2380 \
  --auto-compaction-mode revision --auto-compaction-retention 1000 >"$work/etcd.log" 2>&1 &
etcd_pid=$!
ip netns exec "$host" "$tree/bin/calyx-agent" --etcd-endpoints http://127.0.0.1:2379 --nodename lat-host --socket "$work/agent.sock" \
  --state-dir "$work/state" --host-ip 127.0.0.1 --no-reclaim 2>"$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 600); do [ -S "$work/agent.sock" ] && break; sleep 0.1; done
[ -S "$work/agent.sock" ] || { echo "bench: the agent did not start:" >&2; tail -5 "$work/agent.log" >&2; exit 1; }
for _ in $(seq 1 50); do in_host "$tree/bin/calyxctl" pool add 10.240.0.0/16 >/dev/null 2>&1 && break; sleep 0.2; done

printf '%s' '{"cniVersion":"0.2.0","name":"lat","type":"calyx","agent_socket":"'"$work/agent.sock"'","ipam":{"type":"calyx-ipam","pools":["10.240.0.0/16"]}}' >"$work/calyx.conf"
printf '%s' '{"cniVersion":"1.0.0","name":"latref","type":"ptp","ipMasq":false,"ipam":{"type":"host-local","dataDir":"'"$work/host-local"'","ranges":[[{"subnet":"10.241.0.0/16"}]]}}' >"$work/ref.conf"

in_host env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$repo/bench/lib/cni-cycles.sh" "$cycles" "$warmup" "$ctr" "$tree/bin/calyx" "$work/calyx.conf" /usr/lib/cni/ptp "$work/ref.conf" >"$work/samples"

pct() { # pct P NAME CMD -> milliseconds, nearest rank
  awk -v n="$2" -v c="$3" '$1 == n && $2 == c {print $3}' "$work/samples" | sort -n \
    | awk -v p="$1" '{v[NR]=$1} END {i=int(p/100*NR+0.5); if (i<1) i=1; if (i>NR) i=NR; printf "%.2f", v[i]/1000}'
}
row() { printf '%-22s p50 %6s  p90 %6s  p99 %6s ms\n' "$1" "$(pct 50 "$2" "$3")" "$(pct 90 "$2" "$3")" "$(pct 99 "$2" "$3")"; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "cycles $cycles (after $warmup warm-up), alternating, load $load, $(nproc) cores"
row "calyx ADD" calyx ADD
row "ptp+host-local ADD" ref ADD
row "calyx DEL" calyx DEL
row "ptp+host-local DEL" ref DEL
add_ratio=$(awk -v a="$(pct 50 calyx ADD)" -v b="$(pct 50 ref ADD)" 'BEGIN {printf "%.2f", a/b}')
add99_ratio=$(awk -v a="$(pct 99 calyx ADD)" -v b="$(pct 99 ref ADD)" 'BEGIN {printf "%.2f", a/b}')
del_ratio=$(awk -v a="$(pct 50 calyx DEL)" -v b="$(pct 50 ref DEL)" 'BEGIN {printf "%.2f", a/b}')
echo "ratio p50 ADD $add_ratio, DEL $del_ratio; p99 ADD $add99_ratio (calyx / reference)"
if [ -n "$json" ]; then
  stats() { printf '{"p50_ms":%s,"p90_ms":%s,"p99_ms":%s}' "$(pct 50 "$1" "$2")" "$(pct 90 "$1" "$2")" "$(pct 99 "$1" "$2")"; }
  printf '{"cycles":%d,"load":"%s","calyx":{"add":%s,"del":%s},"reference":{"add":%s,"del":%s},"ratio":{"add_p50":%s,"add_p99":%s,"del_p50":%s}}\n' \
    "$cycles" "$load" "$(stats calyx ADD)" "$(stats calyx DEL)" "$(stats ref ADD)" "$(stats ref DEL)" "$add_ratio" "$add99_ratio" "$del_ratio" >"$json"
fi
