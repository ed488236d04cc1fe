#!/usr/bin/env bash
# calyx demo: one command, run as root on a Debian/Ubuntu machine.
#
# Brings up a private etcd and a calyx-agent, then launches five "containers" (network namespaces) through
# the calyx CNI plugin exactly as a Mesos agent does for Marathon apps: the checkpointed network config
# with args["org.apache.mesos"]["network_info"] on stdin (compact, sorted keys), an emptied environment.
# Two apps in group "web", two in "db", one in "public", and probes that show the group policy at work.
# Then two more containers through the reference ptp plugin with calyx-ipam. Everything happens in namespaces the demo creates (the agent wires the host
# side in a demo "host" namespace), so this machine's own network is not touched, and everything is
# removed on exit unless --keep is given.
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
# fail_log WHAT LOG FIX: what failed, the end of the log that says why, and how to fix it.
fail_log() {
  printf 'demo: %s\n' "$1" >&2
  if [ -s "$2" ]; then
    printf 'demo: the last lines of %s:\n' "${2##*/}" >&2
    tail -n 12 "$2" | sed 's/^/  | /' >&2
  fi
  printf 'demo: to fix: %s\n' "$3" >&2
  exit 1
}

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

# The tree is stale when a main source file (Java, C, launchers) or a pom changed after it was assembled.
stale_source() {
  find "$repo" -path "$repo/.git" -prune -o -path '*/target' -prune -o -path '*/src/test' -prune -o \
    -type f \( -path '*/src/main/*' -o -name 'pom.xml' \) -newer "$tree/VERSION" -print 2>/dev/null | head -1
}
build_reason=""
if [ ! -x "$tree/bin/calyx" ] || [ ! -x "$tree/bin/calyx-agent" ] || [ ! -x "$tree/bin/calyxctl" ] || [ ! -f "$tree/VERSION" ]; then
  build_reason="no install tree at $tree yet"
elif changed=$(stale_source) && [ -n "$changed" ]; then
  build_reason="the tree is older than ${changed#"$repo"/}"
fi
if [ -n "$build_reason" ]; then
  step "Building calyx: $build_reason (./mvnw -B -DskipTests package; the first build downloads Maven and libraries)"
  (cd "$repo" && ./mvnw -B -q -DskipTests package) \
    || fail "the build failed (see above). It needs JDK 25 under /usr/lib/jvm (or JAVA_HOME) and, the first time, access to Maven Central; fix that and run me again"
  [ -x "$tree/bin/calyx-agent" ] || fail "the build did not leave $tree/bin/calyx-agent: run ./mvnw -B -DskipTests package and look at its output"
else
  step "Using the built tree $tree (up to date with the sources)"
fi

work=$(mktemp -d /tmp/calyx-demo.XXXXXX)
run_id=${work##*.}
containers=(web-1 web-2 db-1 db-2 pub-1)
ptp_containers=(app-1 app-2)
host_ns="calyx-demo-$run_id-host"
host_ip=10.250.0.1
groups_of() { case "$1" in web-*) echo web ;; db-*) echo db ;; *) echo public ;; esac; }
netns_of() { echo "calyx-demo-$run_id-$1"; }
cid_of() { printf 'demo%s-%s' "$run_id" "$1"; }
etcd_pid=""
agent_pid=""
port=""
socket="$work/agent.sock"
ctl() { "$tree/bin/calyxctl" --etcd-endpoints "http://127.0.0.1:$port" "$@"; }

# The checkpointed network.conf Mesos writes for a Marathon 1.4 app with ipAddress.groups: the operator's
# config plus args["org.apache.mesos"]["network_info"], compact, keys sorted at every level.
stdin_for() {
  printf '{"agent_socket":"%s","args":{"org.apache.mesos":{"network_info":{"groups":["%s"],"ip_addresses":[{"protocol":"IPv4"}],"labels":{"labels":[{"key":"app","value":"%s"}]},"name":"calyx"}}},"cniVersion":"0.2.0","ipam":{"pools":["10.244.0.0/16"],"type":"calyx-ipam"},"name":"calyx","type":"calyx"}' \
    "$socket" "$(groups_of "$1")" "${1%-*}"
}
calyx_call() {
  local netns_env=()
  [ -n "${3:-}" ] && netns_env=(CNI_NETNS="/var/run/netns/$(netns_of "$2")")
  stdin_for "$2" | env -i CNI_COMMAND="$1" CNI_CONTAINERID="$(cid_of "$2")" "${netns_env[@]}" CNI_IFNAME=eth0 \
    CNI_PATH="$tree/bin" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$tree/bin/calyx"
}
# A container on a ptp network that uses calyx-ipam; ptp runs in the demo host namespace.
ptp_stdin() {
  printf '{"args":{"org.apache.mesos":{"network_info":{"ip_addresses":[{"protocol":"IPv4"}],"name":"calyx-ptp"}}},"cniVersion":"0.2.0","ipMasq":false,"ipam":{"agent_socket":"%s","pools":["10.245.0.0/16"],"routes":[{"dst":"0.0.0.0/0"}],"type":"calyx-ipam"},"name":"calyx-ptp","type":"ptp"}' "$socket"
}
ptp_call() {
  ptp_stdin | ip netns exec "$host_ns" env -i CNI_COMMAND="$1" CNI_CONTAINERID="$(cid_of "$2")" \
    CNI_NETNS="/var/run/netns/$(netns_of "$2")" CNI_IFNAME=eth0 CNI_PATH="$tree/bin:/usr/lib/cni" \
    PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/lib/cni/ptp
}

keep_info() {
  cat <<EOF
  etcd:   pid $etcd_pid, http://127.0.0.1:$port (log $work/etcd.log)
  agent:  pid $agent_pid, socket $socket, log $work/agent.log
  netns:  $host_ns $(for c in "${containers[@]}" "${ptp_containers[@]}"; do printf '%s ' "$(netns_of "$c")"; done)
  Inspect:
    $tree/bin/calyxctl --etcd-endpoints http://127.0.0.1:$port endpoint list
    $tree/bin/calyxctl --etcd-endpoints http://127.0.0.1:$port ipam show --show-blocks
    ip netns exec $(netns_of web-1) ip addr show eth0
    ip netns exec $host_ns nft list table inet calyx
  Tear down:
    kill $agent_pid $etcd_pid; for n in \$(ip netns list | grep -o 'calyx-demo-$run_id-[a-z0-9-]*'); do ip netns del \$n; done; rm -rf $work
EOF
}

cleanup() {
  local rc=$?
  set +e
  trap - INT TERM
  if [ "$keep" -eq 1 ]; then
    if [ "$rc" -ne 0 ]; then
      step "Left running for inspection (--keep), although the demo failed"
      keep_info
    fi
    return
  fi
  step "Cleaning up"
  for c in "${ptp_containers[@]}"; do
    if [ -e "/var/run/netns/$(netns_of "$c")" ]; then
      ptp_call DEL "$c" >/dev/null 2>&1
      ip netns del "$(netns_of "$c")"
    fi
  done
  for c in "${containers[@]}"; do
    if [ -e "/var/run/netns/$(netns_of "$c")" ]; then
      calyx_call DEL "$c" with-netns >/dev/null 2>&1
      ip netns del "$(netns_of "$c")"
    fi
  done
  [ -e "/var/run/netns/$host_ns" ] && ip netns del "$host_ns"
  [ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
  [ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null
  rm -rf "$work"
  echo "DEL'd every container, removed the namespaces, stopped the agent and etcd, deleted $work"
}
trap cleanup EXIT
# Ctrl-C or kill: leave through the EXIT trap, which removes everything the demo started.
trap 'echo; echo "demo: interrupted"; exit 130' INT
trap 'echo "demo: terminated"; exit 143' TERM

step "Starting a private etcd (auto-compaction on)"
for candidate in $(seq 23790 23890); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[ -n "$port" ] || fail "no free port between 23790 and 23890 for etcd: free one (ss -ltnp shows who holds them) and run me again"
peer=$((port + 1000))
# etcd and the agent get a session of their own (setsid): a Ctrl-C on the terminal reaches only this
# script, whose exit trap then DELs the containers through the still running agent and stops both.
setsid etcd --name calyx-demo --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "calyx-demo=http://127.0.0.1:$peer" \
  --auto-compaction-mode periodic --auto-compaction-retention 1h >"$work/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$etcd_pid" 2>/dev/null || fail_log "etcd did not start" "$work/etcd.log" \
    "check that 'etcd --version' works (apt-get install etcd-server) and that ports $port/$peer are free"
  sleep 0.1
done
echo "etcd on http://127.0.0.1:$port (data in $work/etcd)"

step "Preparing a demo host namespace (the Mesos agent's side; its address is $host_ip)"
ip netns add "$host_ns"
ip -n "$host_ns" link set lo up
ip -n "$host_ns" addr add "$host_ip/32" dev lo

step "Starting calyx-agent"
setsid "$tree/bin/calyx-agent" --etcd-endpoints "http://127.0.0.1:$port" --nodename demo-host --socket "$socket" \
  --state-dir "$work/state" --dataplane-netns "/var/run/netns/$host_ns" --host-ip "$host_ip" --no-reclaim 2>"$work/agent.log" &
agent_pid=$!
for _ in $(seq 1 600); do
  [ -S "$socket" ] && break
  kill -0 "$agent_pid" 2>/dev/null || fail_log "calyx-agent exited instead of starting" "$work/agent.log" \
    "the log names the cause; a missing libnftables.so.1 means apt-get install nftables; a broken tree: rm -rf $tree and run me again"
  sleep 0.1
done
[ -S "$socket" ] || fail_log "calyx-agent did not open $socket within 60 s" "$work/agent.log" \
    "the machine may be overloaded (uptime); run me again, or look for the cause in the log"
echo "calyx-agent serving on $socket (log: $work/agent.log)"

step "Adding IP pools"
for pool in 10.244.0.0/16 10.245.0.0/16; do
  ctl pool add "$pool" | sed 's/^/  /' || fail "calyxctl pool add $pool failed (its message is above): is etcd still running?"
done

mkdir -p "$work/net.d"
cat >"$work/net.d/calyx.conf" <<EOF
{"cniVersion":"0.2.0","name":"calyx","type":"calyx","agent_socket":"$socket","ipam":{"type":"calyx-ipam","pools":["10.244.0.0/16"]}}
EOF
echo "network config (what an operator puts into --network_cni_config_dir):"
sed 's/^/  /' "$work/net.d/calyx.conf"

step "Probing the plugin as a runtime does (VERSION, STATUS)"
env -i CNI_COMMAND=VERSION "$tree/bin/calyx" </dev/null | sed 's/^/  VERSION -> /'
status=$(printf '{"cniVersion":"1.1.0","name":"calyx","type":"calyx","agent_socket":"%s"}' "$socket" \
  | env -i CNI_COMMAND=STATUS "$tree/bin/calyx" || true)
echo "  STATUS  -> ${status:-ready (exit 0)}"

step "Launching five containers the way the Mesos CNI isolator does"
declare -A ip_of
for c in "${containers[@]}"; do
  ns=$(netns_of "$c")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  start=$(date +%s%N)
  out=$(calyx_call ADD "$c" with-netns) || fail_log "the calyx plugin's ADD for $c failed: $out" "$work/agent.log" \
    "the CNI error above (code, msg) and the agent log say why; docs/cni.md lists the codes"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  ip=$(ip -n "$ns" -4 -o addr show dev eth0 | awk '{print $4}')
  ip_of[$c]=${ip%/*}
  printf '  %-6s group %-7s eth0 %-17s ADD %3s ms  result ip4: %s\n' "$c" "$(groups_of "$c")" "$ip" "$ms" \
    "$(printf '%s' "$out" | sed -E 's/.*"ip4":\{"ip":"([^"]*)".*/\1/')"
done

step "calyxctl endpoint list"
ctl endpoint list | sed 's/^/  /'
step "calyxctl ipam show --show-blocks"
ctl ipam show --show-blocks | sed 's/^/  /'

step "Group policy: who may reach whom (nftables table inet calyx, in force before each ADD returned)"
unexpected=0
verdict() {
  local what=$1 got=$2 want=$3
  if [ "$got" = "$want" ]; then mark="as expected"; else mark="UNEXPECTED (wanted: $want)"; unexpected=1; fi
  printf '  %-44s %-12s %s\n' "$what" "$got" "$mark"
}
ns_of() { if [ "$1" = host ]; then echo "$host_ns"; else netns_of "$1"; fi; }
ping_probe() {
  local from=$1 to=$2 to_ip=$3 want=$4 r
  if ip netns exec "$(ns_of "$from")" ping -c 1 -W 1 "$to_ip" >/dev/null 2>&1; then r=reachable; else r=blocked; fi
  verdict "ping $from -> $to ($to_ip)" "$r" "$want"
}
# A TCP SYN to a port nobody listens on is answered (RST) when the firewall lets it through, and gets no
# answer at all when it is dropped.
tcp_probe() {
  local from=$1 to=$2 to_ip=$3 port=$4 want=$5 rc r
  rc=0
  ip netns exec "$(ns_of "$from")" timeout 2 bash -c "exec 3<>/dev/tcp/$to_ip/$port" 2>/dev/null || rc=$?
  if [ "$rc" -eq 124 ]; then r=blocked; else r=reachable; fi
  verdict "tcp $from -> $to:$port" "$r" "$want"
}
ping_probe web-1 web-2 "${ip_of[web-2]}" reachable
ping_probe db-1 db-2 "${ip_of[db-2]}" reachable
ping_probe db-1 web-1 "${ip_of[web-1]}" blocked
ping_probe web-1 db-1 "${ip_of[db-1]}" blocked
ping_probe db-2 pub-1 "${ip_of[pub-1]}" reachable
ping_probe web-2 pub-1 "${ip_of[pub-1]}" reachable
ping_probe host web-1 "${ip_of[web-1]}" reachable
tcp_probe web-1 host "$host_ip" 5051 reachable
tcp_probe web-1 host "$host_ip" 22 blocked
cat <<EOF

  Every container has its own address from etcd (a /32 behind the 169.254.1.1 gateway). A group accepts
  traffic only from its members (web from web, db from db), public from anyone; the host always reaches
  its containers, and a container reaches its host only on the Mesos agent's port (5051). The rules:
  ip netns exec $host_ns nft list table inet calyx   ($(ip netns exec "$host_ns" nft list table inet calyx | grep -c 'chain ') chains, $(ip netns exec "$host_ns" nft list table inet calyx | grep -c 'set ') sets)
EOF
[ "$unexpected" -eq 0 ] || fail_log "a probe did not give what group policy promises (see above)" "$work/agent.log" \
    "run me with --keep and inspect: ip netns exec $host_ns nft list table inet calyx (docs/policy.md explains the layout)"

step "calyx-ipam under the reference ptp plugin"
for c in "${ptp_containers[@]}"; do
  ns=$(netns_of "$c")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  out=$(ptp_call ADD "$c") || fail_log "the ptp plugin's ADD (calyx-ipam inside) for $c failed: $out" "$work/agent.log" \
    "check /usr/lib/cni/ptp (apt-get install containernetworking-plugins); the agent log says what calyx-ipam answered"
  printf '  %-6s eth0 %s\n' "$c" "$(ip -n "$ns" -4 -o addr show dev eth0 | awk '{print $4}')"
done
ctl ipam show | sed 's/^/  /'

step "Agent log (one line per request)"
sed 's/^/  /' "$work/agent.log"

if [ "$keep" -eq 1 ]; then
  step "Left running (--keep)"
  keep_info
else
  step "Done: every step worked"
fi
