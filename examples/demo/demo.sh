#!/usr/bin/env bash
# calyx demo: one command, run as root on a Debian/Ubuntu machine.
#
# Brings up a private etcd and a calyx-agent, then launches five "containers" (network namespaces) through
# the calyx CNI plugin exactly as a Mesos agent does for Marathon apps: the checkpointed network config
# with args["org.apache.mesos"]["network_info"] on stdin (compact, sorted keys), an emptied environment.
# Two apps in group "web", two in group "db", one in "public". Everything is removed on exit unless
# --keep is given.
#
# What it shows depends on what calyx can do in this build; see "Status" in README.md.
set -euo pipefail

usage() {
  echo "usage: $0 [--keep]" >&2
  echo "  --keep   leave etcd, the agent and the namespaces running and print how to inspect and remove them" >&2
}
keep=0
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
tree="$repo/dist/target/calyx"
step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run me as root (sudo $0): I create network namespaces and start services"

step "Checking system packages"
missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
command -v gcc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v ping >/dev/null 2>&1 || missing+=(iputils-ping)
[ -x /usr/lib/cni/ptp ] || missing+=(containernetworking-plugins)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing from the distribution archive: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || fail "apt-get update failed: check the package sources"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "could not install ${missing[*]}: install them by hand and run me again"
else
  echo "etcd, iproute2, nftables, gcc, ping and the reference CNI plugins are present"
fi

if [ ! -x "$tree/bin/calyx" ] || [ ! -x "$tree/bin/calyx-agent" ]; then
  step "Building calyx (./mvnw -B -DskipTests package; the first build downloads Maven and libraries)"
  (cd "$repo" && ./mvnw -B -q -DskipTests package) || fail "the build failed: see the output above"
else
  step "Using the built tree $tree"
fi

work=$(mktemp -d /tmp/calyx-demo.XXXXXX)
run_id=${work##*.}
containers=(web-1 web-2 db-1 db-2 pub-1)
groups_of() { case "$1" in web-*) echo web ;; db-*) echo db ;; *) echo public ;; esac; }
netns_of() { echo "calyx-demo-$run_id-$1"; }
etcd_pid=""
agent_pid=""

ptp_host="calyx-demo-$run_id-host"
ptp_containers=(app-1 app-2 app-3)
# The network.conf Mesos would checkpoint for a container on a ptp network that uses calyx-ipam.
ptp_stdin() {
  printf '{"args":{"org.apache.mesos":{"network_info":{"ip_addresses":[{"protocol":"IPv4"}],"labels":{"labels":[{"key":"app","value":"%s"}]},"name":"calyx-ptp"}}},"cniVersion":"0.2.0","ipMasq":false,"ipam":{"agent_socket":"%s","pools":["10.244.0.0/16"],"routes":[{"dst":"0.0.0.0/0"}],"type":"calyx-ipam"},"name":"calyx-ptp","type":"ptp"}' "$1" "$socket"
}
ptp_call() {
  ptp_stdin "$2" | ip netns exec "$ptp_host" env -i CNI_COMMAND="$1" CNI_CONTAINERID="$(cid_of "$2")" \
    CNI_NETNS="/var/run/netns/$(netns_of "$2")" CNI_IFNAME=eth0 CNI_PATH="$tree/bin:/usr/lib/cni" \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/lib/cni/ptp
}
cleanup() {
  set +e
  if [ "$keep" -eq 1 ]; then return; fi
  step "Cleaning up"
  for c in "${ptp_containers[@]}"; do
    if [ -e "/var/run/netns/$(netns_of "$c")" ]; then
      ptp_call DEL "$c" >/dev/null 2>&1
      ip netns del "$(netns_of "$c")"
    fi
  done
  [ -e "/var/run/netns/$ptp_host" ] && ip netns del "$ptp_host"
  for c in "${containers[@]}"; do
    if [ -e "/var/run/netns/$(netns_of "$c")" ]; then
      printf '%s' "$(stdin_for "$c")" | env -i CNI_COMMAND=DEL CNI_CONTAINERID="$(cid_of "$c")" \
        CNI_NETNS="/var/run/netns/$(netns_of "$c")" CNI_IFNAME=eth0 CNI_PATH="$tree/bin" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        "$tree/bin/calyx" >/dev/null 2>&1
      ip netns del "$(netns_of "$c")"
    fi
  done
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null
  rm -rf "$work"
  echo "removed the namespaces, stopped the agent and etcd, deleted $work"
}
trap cleanup EXIT

step "Starting a private etcd (auto-compaction on)"
port=""
for candidate in $(seq 23790 23890); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || fail "no free port between 23790 and 23890 for etcd"
peer=$((port + 1000))
etcd --name calyx-demo --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "calyx-demo=http://127.0.0.1:$peer" \
  --auto-compaction-mode periodic --auto-compaction-retention 1h >"$work/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$etcd_pid" 2>/dev/null || fail "etcd did not start: $(tail -3 "$work/etcd.log")"
  sleep 0.1
done
echo "etcd on http://127.0.0.1:$port (data in $work/etcd)"

step "Starting calyx-agent"
socket="$work/agent.sock"
"$tree/bin/calyx-agent" --etcd-endpoints "http://127.0.0.1:$port" --nodename demo-host --socket "$socket" \
  --state-dir "$work/state" 2>"$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 600); do
  [ -S "$socket" ] && break
  kill -0 "$agent_pid" 2>/dev/null || fail "calyx-agent did not start: $(tail -3 "$work/agent.log")"
  sleep 0.1
done
[ -S "$socket" ] || fail "calyx-agent did not open $socket within 60 s: $(tail -3 "$work/agent.log")"
echo "calyx-agent serving on $socket (log: $work/agent.log)"

mkdir -p "$work/net.d"
cat >"$work/net.d/calyx.conf" <<EOF
{"cniVersion":"0.2.0","name":"calyx","type":"calyx","agent_socket":"$socket","ipam":{"type":"calyx-ipam","pools":["10.244.0.0/16"]}}
EOF
echo "network config (what an operator puts into --network_cni_config_dir):"
sed 's/^/  /' "$work/net.d/calyx.conf"

cid_of() { printf 'demo%s-%s' "$run_id" "$1"; }
# The checkpointed network.conf Mesos writes for a Marathon 1.4 app with ipAddress.groups: the operator's
# config plus args["org.apache.mesos"]["network_info"], compact, keys sorted at every level.
stdin_for() {
  local c=$1 g
  g=$(groups_of "$c")
  printf '{"agent_socket":"%s","args":{"org.apache.mesos":{"network_info":{"groups":["%s"],"ip_addresses":[{"protocol":"IPv4"}],"labels":{"labels":[{"key":"app","value":"%s"}]},"name":"calyx"}}},"cniVersion":"0.2.0","ipam":{"pools":["10.244.0.0/16"],"type":"calyx-ipam"},"name":"calyx","type":"calyx"}' \
    "$socket" "$g" "${c%-*}"
}

step "Probing the plugin as a runtime does (VERSION, STATUS)"
env -i CNI_COMMAND=VERSION "$tree/bin/calyx" </dev/null | sed 's/^/  VERSION -> /'
status=$(printf '{"cniVersion":"1.1.0","name":"calyx","type":"calyx","agent_socket":"%s"}' "$socket" \
  | env -i CNI_COMMAND=STATUS "$tree/bin/calyx" || true)
echo "  STATUS  -> ${status:-ready (exit 0)}"

step "Launching five containers the way the Mesos CNI isolator does"
added=0
for c in "${containers[@]}"; do
  ns=$(netns_of "$c")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  start=$(date +%s%N)
  if out=$(stdin_for "$c" | env -i CNI_COMMAND=ADD CNI_CONTAINERID="$(cid_of "$c")" CNI_NETNS="/var/run/netns/$ns" \
      CNI_IFNAME=eth0 CNI_PATH="$tree/bin" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$tree/bin/calyx"); then
    added=$((added + 1))
    printf '  %-6s group %-7s ADD ok in %s ms: %s\n' "$c" "$(groups_of "$c")" $(( ($(date +%s%N) - start) / 1000000 )) "$out"
  else
    printf '  %-6s group %-7s ADD refused in %s ms: %s\n' "$c" "$(groups_of "$c")" $(( ($(date +%s%N) - start) / 1000000 )) "$out"
  fi
done

if [ "$added" -eq 0 ]; then
  step "What this shows"
  cat <<EOF
  The forwarders, the agent socket, the CNI protocol and the Mesos contract work end to end: every call
  above got one well-formed CNI answer within milliseconds. This calyx build has no container dataplane
  yet, so the calyx plugin refuses ADD with code 50 (rather than leave a half-configured container) and
  group policy cannot be shown. calyx's IPAM works: the next step runs it under the reference ptp plugin.
  README.md, "Status", says what comes next.
EOF
fi

step "calyx-ipam under the reference ptp plugin: containers get addresses from etcd"
ctl() { "$tree/bin/calyxctl" --etcd-endpoints "http://127.0.0.1:$port" "$@"; }
ctl pool add 10.244.0.0/16
# The ptp plugin runs inside a demo "host" namespace, so this machine's own network is not touched.
ip netns add "$ptp_host"
ip -n "$ptp_host" link set lo up
declare -A ptp_ip
for c in "${ptp_containers[@]}"; do
  ns=$(netns_of "$c")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  start=$(date +%s%N)
  out=$(ptp_call ADD "$c") || fail "ptp ADD for $c failed: $out"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  ip=$(ip -n "$ns" -4 -o addr show dev eth0 | awk '{print $4}')
  ptp_ip[$c]=${ip%/*}
  printf '  %-6s eth0 %-16s (ADD through ptp + calyx-ipam in %s ms)\n' "$c" "$ip" "$ms"
done
echo
ctl ipam show --show-blocks | sed 's/^/  /'
echo
ctl ipam show --ip "${ptp_ip[app-1]}" | sed 's/^/  /'
echo
if ip netns exec "$(netns_of app-1)" ping -c 1 -W 2 "${ptp_ip[app-2]}" >/dev/null 2>&1; then
  echo "  app-1 -> app-2 (${ptp_ip[app-2]}): reachable"
else
  fail "app-1 cannot reach app-2 at ${ptp_ip[app-2]}"
fi
cat <<EOF

  These containers are wired by the reference ptp plugin with addresses from calyx's etcd-backed IPAM
  (per-host blocks, one transaction per allocation). Group policy comes with the calyx plugin's own
  dataplane; until then there is no firewall between them.
EOF

step "Agent log (one line per request)"
sed 's/^/  /' "$work/agent.log"

if [ "$keep" -eq 1 ]; then
  step "Left running (--keep)"
  cat <<EOF
  etcd:   pid $etcd_pid, http://127.0.0.1:$port
  agent:  pid $agent_pid, socket $socket, log $work/agent.log
  netns:  $(for c in "${containers[@]}" "${ptp_containers[@]}"; do printf '%s ' "$(netns_of "$c")"; done)$ptp_host
  Inspect: ip netns exec $(netns_of web-1) ip addr
  Tear down: kill $agent_pid $etcd_pid; for n in \$(ip netns list | grep -o 'calyx-demo-$run_id-[a-z0-9-]*'); do ip netns del \$n; done; rm -rf $work
EOF
fi
