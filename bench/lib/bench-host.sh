# Sourced by the bench scripts that run the real plugins against the real agent: a bench "host" network
# namespace holding etcd (on its own loopback), the agent (in that namespace, no --dataplane-netns, as on
# a real host) and a pool; container namespaces on demand; and one cleanup for all of it, on exit, failure
# and Ctrl-C/TERM. Nothing outside the namespaces it creates is touched.
#
#   . "$repo/bench/lib/bench-host.sh"
#   bench_host_init PREFIX        # root, the built tree and ptp checked; $work, $host, $tree set; trap set
#   bench_host_start              # etcd + agent in $host, pool 10.240.0.0/16; $agent_pid, $etcd_pid set
#   bench_netns NAME              # a container namespace (deleted on exit)
#   bench_host_stop_agent         # stops the agent (waits)
#   in_host CMD...                # runs CMD in the host namespace (foreground only)
#
# Writes $work/calyx.conf (the calyx plugin, cniVersion 0.2.0 as Mesos) and $work/ref.conf (ptp +
# host-local, 10.241.0.0/16). CALYX_JAVA_OPTS passes through to the agent; CALYX_BENCH_KEEP_LOG=FILE keeps
# the agent's log; CALYX_BENCH_AGENT=PROGRAM starts PROGRAM (exec-ing a JVM) instead of the tree's calyx-agent
# (profiling on another JVM).

bench_host_init() {
  [ "$(id -u)" -eq 0 ] || { echo "bench: run as root (network namespaces)" >&2; exit 1; }
  repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  tree="$repo/dist/target/calyx"
  [ -x "$tree/bin/calyx" ] && [ -x "$tree/bin/calyx-agent" ] \
    || { echo "bench: no built tree in $tree; build it first: cd $repo && ./mvnw -B -DskipTests package" >&2; exit 1; }
  [ -x /usr/lib/cni/ptp ] && [ -x /usr/lib/cni/host-local ] \
    || { echo "bench: needs /usr/lib/cni/ptp and host-local (apt-get install containernetworking-plugins)" >&2; exit 1; }
  command -v etcd >/dev/null || { echo "bench: needs etcd (apt-get install etcd-server)" >&2; exit 1; }
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  local id=${work##*.}
  host="$1-$id-h"
  bench_namespaces=()
  etcd_pid=""
  agent_pid=""
  trap bench_host_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_host_cleanup() {
  set +e
  bench_host_stop_agent
  [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null
  etcd_pid=""
  [ -n "${CALYX_BENCH_KEEP_LOG:-}" ] && [ -f "$work/agent.log" ] && cp "$work/agent.log" "$CALYX_BENCH_KEEP_LOG"
  local ns
  for ns in "${bench_namespaces[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [ -n "$host" ] && ip netns del "$host" 2>/dev/null
  rm -rf "$work"
}

bench_netns() {
  ip netns add "$1"
  bench_namespaces+=("$1")
  ip -n "$1" link set lo up
}

in_host() { ip netns exec "$host" "$@"; }

bench_host_stop_agent() {
  if [ -n "$agent_pid" ]; then
    kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
    agent_pid=""
  fi
}

bench_host_start() {
  ip netns add "$host"
  ip -n "$host" link set lo up
  # The bench host's etcd listens on its own loopback (2379 is free in a fresh namespace). Background
  # processes start with ip netns exec directly, which execs: $! is then their PID.
  ip netns exec "$host" etcd --name bench --data-dir "$work/etcd" --listen-client-urls http://127.0.0.1:2379 \
    --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
    --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster bench=http://127.0.0.1:2380 \
    --auto-compaction-mode revision --auto-compaction-retention 1000 >"$work/etcd.log" 2>&1 &
  etcd_pid=$!
  ip netns exec "$host" "${CALYX_BENCH_AGENT:-$tree/bin/calyx-agent}" --etcd-endpoints http://127.0.0.1:2379 --nodename bench-host --socket "$work/agent.sock" \
    --state-dir "$work/state" --host-ip 127.0.0.1 --no-reclaim 2>"$work/agent.log" &
  agent_pid=$!
  local i
  for i in $(seq 1 600); do [ -S "$work/agent.sock" ] && break; sleep 0.1; done
  [ -S "$work/agent.sock" ] || { echo "bench: the agent did not start:" >&2; tail -5 "$work/agent.log" >&2; exit 1; }
  for i in $(seq 1 50); do in_host "$tree/bin/calyxctl" pool add 10.240.0.0/16 >/dev/null 2>&1 && break; sleep 0.2; done
  printf '%s' '{"cniVersion":"0.2.0","name":"bench","type":"calyx","agent_socket":"'"$work/agent.sock"'","ipam":{"type":"calyx-ipam","pools":["10.240.0.0/16"]}}' >"$work/calyx.conf"
  printf '%s' '{"cniVersion":"1.0.0","name":"benchref","type":"ptp","ipMasq":false,"ipam":{"type":"host-local","dataDir":"'"$work/host-local"'","ranges":[[{"subnet":"10.241.0.0/16"}]]}}' >"$work/ref.conf"
}

# pct P FILE [FIELD-MATCH...]: nearest-rank percentile of the last column of FILE's lines whose first
# columns equal the given words, in the unit of the data.
pct() {
  local p=$1 file=$2
  shift 2
  awk -v want="$*" '{k=""; for (i=1;i<NF;i++) k=k (i>1?" ":"") $i} k == want {print $NF}' "$file" | sort -n \
    | awk -v p="$p" '{v[NR]=$1} END {if (NR==0) {print "NaN"; exit} i=int(p/100*NR+0.5); if (i<1) i=1; if (i>NR) i=NR; print v[i]}'
}

# ratio A B: A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b == 0) print "NaN"; else printf "%.2f", a/b}'; }
