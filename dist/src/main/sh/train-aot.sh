#!/bin/sh
# Creates the AOT caches (JEP 483/514) of the agent and the CLI inside an assembled tree by running each
# once the way it is used: the CLI for a few commands, the agent serving the real forwarders. Run by the
# build after the tree is assembled; the caches are tied to this tree's jars and runtime.
set -eu
tree=$(readlink -f "$1")
work=$(mktemp -d /tmp/calyx-aot.XXXXXX)
agent_pid=""
etcd_pid=""
scratch_ns=""
cleanup() {
  if [ -n "$agent_pid" ]; then kill "$agent_pid" 2>/dev/null || true; wait "$agent_pid" 2>/dev/null || true; fi
  if [ -n "$scratch_ns" ]; then ip netns del "$scratch_ns" 2>/dev/null || true; fi
  if [ -n "$etcd_pid" ]; then kill "$etcd_pid" 2>/dev/null || true; wait "$etcd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT


# A private etcd when the machine has one, so the cache holds the datastore paths too; without it the
# agent answers "datastore unavailable", which still trains the rest.
endpoint=http://127.0.0.1:1
if command -v etcd >/dev/null 2>&1; then
  port=$(( 20000 + $$ % 20000 ))
  etcd --name aot --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$port" \
    --advertise-client-urls "http://127.0.0.1:$port" --listen-peer-urls "http://127.0.0.1:$((port + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" --initial-cluster "aot=http://127.0.0.1:$((port + 1))" \
    --auto-compaction-mode revision --auto-compaction-retention 1000 >"$work/etcd.log" 2>&1 &
  etcd_pid=$!
  endpoint="http://127.0.0.1:$port"
  # Adding the training pool doubles as the readiness wait (and trains the CLI's datastore path too).
  i=0
  until "$tree/bin/calyxctl" --etcd-endpoints "$endpoint" pool add 10.99.0.0/16 >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -gt 40 ] && break; sleep 0.25
  done
fi

echo "train-aot: calyxctl"
if [ "$endpoint" = http://127.0.0.1:1 ]; then datastore=""; else datastore="--with-datastore"; fi
CALYX_AOT_OUTPUT="$tree/lib/calyxctl.aot" "$tree/bin/calyxctl" --etcd-endpoints "$endpoint" aot-training $datastore \
  >"$work/cli.log" 2>&1 || { cat "$work/cli.log" >&2; exit 1; }

echo "train-aot: calyx-agent"
sock="$work/agent.sock"
# The training agent claims a block, and an agent routes its blocks: as root it does so in a scratch
# namespace, so building never changes the machine's routing table (without root it cannot anyway).
dataplane=""
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 && ip netns add "calyx-aot-$$" 2>/dev/null; then
  scratch_ns="calyx-aot-$$"
  dataplane="--dataplane-netns /var/run/netns/$scratch_ns"
fi
# shellcheck disable=SC2086 # $dataplane is two words or none
CALYX_AOT_OUTPUT="$tree/lib/calyx-agent.aot" "$tree/bin/calyx-agent" --etcd-endpoints "$endpoint" \
  --nodename aot-training --socket "$sock" --state-dir "$work/state" $dataplane >"$work/agent.log" 2>&1 &
agent_pid=$!
i=0
until [ -S "$sock" ]; do
  i=$((i + 1))
  if [ "$i" -gt 600 ] || ! kill -0 "$agent_pid" 2>/dev/null; then
    echo "train-aot: calyx-agent did not start:" >&2; cat "$work/agent.log" >&2; exit 1
  fi
  sleep 0.1
done
conf='{"cniVersion":"0.2.0","name":"training","type":"calyx","timeout_seconds":2,"agent_socket":"'"$sock"'","ipam":{"type":"calyx-ipam","pools":["10.99.0.0/16"]},"args":{"org.apache.mesos":{"network_info":{"groups":["g1"],"labels":{"labels":[{"key":"calyx.groups","value":"a,b"},{"key":"k","value":"v/w"}]},"name":"training","port_mappings":[{"container_port":80,"host_port":31080,"protocol":"udp,tcp"}],"ip_addresses":[{"protocol":"IPv4"}]}}}}'
n=0
while [ "$n" -lt 8 ]; do
  for cmd in ADD DEL CHECK STATUS GC; do
    printf '%s' "$conf" | env -i CNI_COMMAND=$cmd CNI_CONTAINERID=train-$n CNI_NETNS=/var/run/netns/none CNI_IFNAME=eth0 \
      "$tree/bin/calyx" >/dev/null 2>&1 || true
    printf '%s' "$conf" | env -i CNI_COMMAND=$cmd CNI_CONTAINERID=train-$n CNI_NETNS=/var/run/netns/none CNI_IFNAME=eth0 \
      "$tree/bin/calyx-ipam" >/dev/null 2>&1 || true
  done
  printf '{"name":' | env -i CNI_COMMAND=ADD CNI_CONTAINERID=x CNI_NETNS=/x CNI_IFNAME=eth0 "$tree/bin/calyx" >/dev/null 2>&1 || true
  n=$((n + 1))
done
kill -TERM "$agent_pid"
wait "$agent_pid" || true
agent_pid=""
for cache in calyxctl.aot calyx-agent.aot; do
  if [ ! -s "$tree/lib/$cache" ]; then
    echo "train-aot: $cache was not created:" >&2; cat "$work/agent.log" >&2; exit 1
  fi
done
echo "train-aot: done"
