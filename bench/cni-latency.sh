#!/usr/bin/env bash
# ADD/DEL latency of the calyx plugin against the reference ptp + host-local plugins, alternating in one
# run, each cycle a fresh container id in one reused container namespace; wall time around each exec (what
# a runtime waits for). Both run inside a bench "host" namespace (ip netns exec), so the machine's network is
# not touched. Prints p50/p90/p99 of each and their ratio.
#
#   sudo bench/cni-latency.sh [--cycles N] [--warmup N]
#
# Needs root, the built tree (./mvnw -B -DskipTests package), etcd and containernetworking-plugins.
set -euo pipefail
cycles=200
warmup=20
while [ $# -gt 0 ]; do
  case "$1" in
    --cycles) cycles=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    *) echo "usage: $0 [--cycles N] [--warmup N]" >&2; exit 2 ;;
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
port=$(( 30000 + $$ % 20000 ))
etcd_pid=""
agent_pid=""
cleanup() {
  set +e
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null
  ip netns del "$ctr" 2>/dev/null
  ip netns del "$host" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

etcd --name lat --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$port" \
  --advertise-client-urls "http://127.0.0.1:$port" --listen-peer-urls "http://127.0.0.1:$((port + 1))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" --initial-cluster "lat=http://127.0.0.1:$((port + 1))" \
  --auto-compaction-mode revision --auto-compaction-retention 1000 >"$work/etcd.log" 2>&1 &
etcd_pid=$!
ip netns add "$host"
ip -n "$host" link set lo up
ip netns add "$ctr"
ip -n "$ctr" link set lo up
"$tree/bin/calyx-agent" --etcd-endpoints "http://127.0.0.1:$port" --nodename lat-host --socket "$work/agent.sock" \
  --state-dir "$work/state" --dataplane-netns "/var/run/netns/$host" 2>"$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 600); do [ -S "$work/agent.sock" ] && break; sleep 0.1; done
for _ in $(seq 1 50); do "$tree/bin/calyxctl" --etcd-endpoints "http://127.0.0.1:$port" pool add 10.240.0.0/16 >/dev/null 2>&1 && break; sleep 0.2; done

calyx_conf='{"cniVersion":"0.2.0","name":"lat","type":"calyx","agent_socket":"'"$work/agent.sock"'","ipam":{"type":"calyx-ipam","pools":["10.240.0.0/16"]}}'
ref_conf='{"cniVersion":"1.0.0","name":"latref","type":"ptp","ipMasq":false,"ipam":{"type":"host-local","dataDir":"'"$work/host-local"'","ranges":[[{"subnet":"10.241.0.0/16"}]]}}'

declare -a calyx_add calyx_del ref_add ref_del
now_us() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000000 + 10#${t#*.} )); }
run() { # run PLUGIN COMMAND CONTAINER CONF -> prints elapsed microseconds; fails loudly
  local plugin=$1 cmd=$2 cid=$3 conf=$4 t0 t1 out
  t0=$(now_us)
  if ! out=$(printf '%s' "$conf" | ip netns exec "$host" env -i CNI_COMMAND="$cmd" CNI_CONTAINERID="$cid" \
      CNI_NETNS="/var/run/netns/$ctr" CNI_IFNAME=eth0 CNI_PATH="/usr/lib/cni" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$plugin"); then
    echo "bench: $plugin $cmd $cid failed: $out" >&2; exit 1
  fi
  t1=$(now_us)
  echo $(( t1 - t0 ))
}
for ((i = -warmup; i < cycles; i++)); do
  for order in 0 1; do
    if [ $(( (i + order) % 2 )) -eq 0 ]; then
      a=$(run "$tree/bin/calyx" ADD "c$i" "$calyx_conf"); d=$(run "$tree/bin/calyx" DEL "c$i" "$calyx_conf")
      [ "$i" -ge 0 ] && { calyx_add+=("$a"); calyx_del+=("$d"); }
    else
      a=$(run /usr/lib/cni/ptp ADD "r$i" "$ref_conf"); d=$(run /usr/lib/cni/ptp DEL "r$i" "$ref_conf")
      [ "$i" -ge 0 ] && { ref_add+=("$a"); ref_del+=("$d"); }
    fi
  done
done

pct() { # pct P values... (microseconds in) -> milliseconds, nearest rank
  local p=$1; shift
  printf '%s\n' "$@" | sort -n | awk -v p="$p" '{v[NR]=$1} END {i=int(p/100*NR+0.5); if (i<1) i=1; if (i>NR) i=NR; printf "%.2f", v[i]/1000}'
}
row() {
  printf '%-22s p50 %6s  p90 %6s  p99 %6s ms\n' "$1" "$(pct 50 "${@:2}")" "$(pct 90 "${@:2}")" "$(pct 99 "${@:2}")"
}
echo "cycles $cycles (after $warmup warm-up), alternating, load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
row "calyx ADD" "${calyx_add[@]}"
row "ptp+host-local ADD" "${ref_add[@]}"
row "calyx DEL" "${calyx_del[@]}"
row "ptp+host-local DEL" "${ref_del[@]}"
awk -v a="$(pct 50 "${calyx_add[@]}")" -v b="$(pct 50 "${ref_add[@]}")" -v c="$(pct 50 "${calyx_del[@]}")" -v d="$(pct 50 "${ref_del[@]}")" \
  'BEGIN {printf "ratio p50 ADD %.2f, DEL %.2f (calyx / reference)\n", a/b, c/d}'
