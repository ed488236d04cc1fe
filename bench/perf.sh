#!/usr/bin/env bash
# The performance issue's benchmark: every figure in one run, against a real etcd and the real agent and
# plugins, each part side by side with its reference where there is one, then one summary table (figure,
# target, PASS/MISS) and one JSON file to compare later runs with.
#
#   sudo bench/perf.sh [--quick] [--json FILE] [--compare OLD.json]
#                                       (default FILE: bench/results/<UTC timestamp>.json)
#
# Parts, in this order (each is also a script of its own):
#   1 latency  bench/cni-latency.sh        ADD/DEL p50/p99, calyx vs ptp+host-local alternating (N=200)
#   2 burst    bench/cni-burst.sh          50 ADDs at once on one host until all answered, then 50 DELs
#   3 ipam     bench/ipam-bench.sh         allocations/s at concurrency 1 and 16, 1 and 4 hosts, vs raw etcd
#   4 policy   bench/policy-bench.sh       ADD-time rule application, 1,000 local / 10,000 cluster endpoints
#   5 propagation bench/policy-propagation.sh  remote change -> local set update, 10,000 cluster endpoints
#   6 memory   bench/agent-memory.sh       agent RSS and heap after 1,000 local endpoints
# Before each part it waits, at most 30 s, until the machine is quiet (printed as "settled N s").
# --quick: fewer cycles and rounds (a few minutes; the figures are noisier); the memory part still uses
# 1,000 endpoints. Builds nothing: it needs the built tree (./mvnw -B -DskipTests package). Needs root,
# etcd, containernetworking-plugins, nftables, jq. Everything runs in network namespaces it creates;
# they, the processes and the temporary files are removed on exit, failure and Ctrl-C. --compare adds a
# column with each figure of an earlier run's JSON.
set -euo pipefail
quick=0
json=""
compare=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --json) json=$2; shift 2 ;;
    --compare) compare=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--quick] [--json FILE] [--compare OLD.json]" >&2; exit 2 ;;
  esac
done
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
bench="$repo/bench"
[ "$(id -u)" -eq 0 ] || { echo "perf: run as root (network namespaces): sudo $0" >&2; exit 1; }
build_hint="build it first: cd $repo && ./mvnw -B -DskipTests package"
[ -x "$repo/dist/target/calyx/bin/calyx-agent" ] || { echo "perf: no built tree in $repo/dist/target/calyx; $build_hint" >&2; exit 1; }
for c in policy/target/test-classes/io/calyx/policy/bench/PolicyBench.class agent/target/test-classes/io/calyx/agent/bench/PolicyPropagationBench.class; do
  [ -f "$repo/$c" ] || { echo "perf: $c is missing; $build_hint" >&2; exit 1; }
done
for t in etcd jq nft; do command -v "$t" >/dev/null || { echo "perf: needs $t (apt-get install ${t/etcd/etcd-server} ${t/nft/nftables})" >&2; exit 1; }; done
[ -z "$compare" ] || jq -e .summary "$compare" >/dev/null 2>&1 || { echo "perf: --compare $compare: not a perf.sh JSON" >&2; exit 2; }
[ -x /usr/lib/cni/ptp ] || { echo "perf: needs /usr/lib/cni/ptp (apt-get install containernetworking-plugins)" >&2; exit 1; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)
[ -n "$json" ] || json="$bench/results/$stamp.json"
mkdir -p "$(dirname "$json")"

if [ "$quick" -eq 1 ]; then
  lat=(--cycles 60 --warmup 10); burst=(--rounds 2 --warmup 1); ipam=(--count 600); pol=(--rounds 200); prop=(--rounds 50)
else
  lat=(--cycles 200 --warmup 20); burst=(--rounds 5 --warmup 1); ipam=(--count 3000); pol=(--rounds 1000); prop=(--rounds 200)
fi
mem=(--endpoints 1000 --per-netns 10)

work=$(mktemp -d /tmp/calyx-perf.XXXXXX)
# The parts without a bench host of their own (ipam, policy) run in this namespace: their etcd listens on
# its loopback, not the machine's.
ns="calyx-perf-${work##*.}"
cleanup() {
  set +e
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
ip netns add "$ns"
ip -n "$ns" link set lo up

load() { cut -d' ' -f1-3 /proc/loadavg; }
# settle: waits, at most 30 s, until under 15 % of the machine's CPU is busy over a second, so that one part's
# tail (the burst's veths going, a stopping agent, etcd compacting) is not measured by the next part. Prints
# how long it waited. (The load average cannot tell: it decays over minutes.)
settle() {
  local waited=0 a b busy
  while [ "$waited" -lt 30 ]; do
    read -r -a a </proc/stat
    sleep 1
    read -r -a b </proc/stat
    busy=$(awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
      split(a, x, " "); split(b, y, " "); total = 0
      for (i = 2; i <= 9; i++) total += y[i] - x[i]   # user .. steal (guest is inside user)
      idle = (y[5] - x[5]) + (y[6] - x[6])
      print (total > 0 ? int(100 * (total - idle) / total) : 0) }')
    [ "$busy" -lt 15 ] && break
    waited=$((waited + 1))
  done
  if [ "$waited" -ge 30 ]; then settled="not settled after 30 s, ${busy} % busy"; else settled="settled ${waited} s, ${busy} % busy"; fi
}
failed=()
part() { # part NAME WHAT CMD... : runs one part, its output indented; its JSON in $work/NAME.json
  local name=$1 what=$2 t0 rc=0 l0
  shift 2
  settle
  t0=$(date +%s)
  l0=$(load)
  echo "== $name: $what (load $l0; $settled)"
  "$@" --json "$work/$name.json" 2>"$work/$name.err" | sed -u 's/^/   /' || rc=$?
  if [ "$rc" -ne 0 ] || [ ! -s "$work/$name.json" ]; then
    echo "   FAILED (exit $rc):"
    { grep -v '^SLF4J\|WARNING\|INFO' "$work/$name.err" || true; } | tail -5 | sed 's/^/   /'
    failed+=("$name")
    echo 'null' >"$work/$name.json"
  fi
  echo "   ($(( $(date +%s) - t0 )) s, load $(load))"
  jq -c --arg l0 "$l0" --arg l1 "$(load)" --argjson s "$(( $(date +%s) - t0 ))" \
    '{result: ., load_before: $l0, load_after: $l1, seconds: $s}' "$work/$name.json" >"$work/$name.part"
}

echo "calyx performance run $stamp ($( [ "$quick" -eq 1 ] && echo quick || echo full )): $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, kernel $(uname -r), load $(load)"
part latency "ADD/DEL latency, calyx vs ptp+host-local alternating (${lat[*]})" "$bench/cni-latency.sh" "${lat[@]}"
part burst "50 ADDs at once, then 50 DELs, vs ptp+host-local (${burst[*]})" "$bench/cni-burst.sh" "${burst[@]}"
part ipam "IPAM allocations/s vs raw etcd put-if-absent (${ipam[*]})" ip netns exec "$ns" "$bench/ipam-bench.sh" "${ipam[@]}"
part policy "ADD-time rule application, 1,000 local / 10,000 cluster endpoints (${pol[*]})" \
  ip netns exec "$ns" env CALYX_BENCH_NO_BUILD=1 "$bench/policy-bench.sh" "${pol[@]}"
part propagation "remote change -> local set update, 10,000 cluster endpoints (${prop[*]})" \
  ip netns exec "$ns" env CALYX_BENCH_NO_BUILD=1 "$bench/policy-propagation.sh" "${prop[@]}"
part memory "agent RSS and heap after 1,000 local endpoints" "$bench/agent-memory.sh" "${mem[@]}"

# The summary: figure, value, target, verdict. A target "<= X" or ">= X"; "-" is reported without one.
rows="$work/rows"
: >"$rows"
row() { # row FIGURE VALUE UNIT TARGET
  local verdict="-"
  if [ "$2" = null ] || [ -z "$2" ]; then
    verdict="n/a"
  elif [ "$4" != "-" ]; then
    verdict=$(awk -v v="$2" -v t="$4" 'BEGIN {op=substr(t,1,2); x=substr(t,4)+0; ok=(op=="<=" ? v<=x : v>=x); print ok ? "PASS" : "MISS"}')
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$verdict" >>"$rows"
}
j() { jq -r "$2 // null" "$work/$1.json" 2>/dev/null || echo null; }
row "ADD p50 calyx / reference"            "$(j latency .ratio.add_p50)" "x" "<= 0.6"
row "ADD p99 calyx / reference"            "$(j latency .ratio.add_p99)" "x" "<= 1.0"
row "DEL p50 calyx / reference"            "$(j latency .ratio.del_p50)" "x" "<= 0.5"
row "ADD p50 calyx"                        "$(j latency .calyx.add.p50_ms)" "ms" "-"
row "ADD p50 ptp+host-local"               "$(j latency .reference.add.p50_ms)" "ms" "-"
row "ADD p99 calyx"                        "$(j latency .calyx.add.p99_ms)" "ms" "-"
row "ADD p99 ptp+host-local"               "$(j latency .reference.add.p99_ms)" "ms" "-"
row "DEL p50 calyx"                        "$(j latency .calyx.del.p50_ms)" "ms" "-"
row "DEL p50 ptp+host-local"               "$(j latency .reference.del.p50_ms)" "ms" "-"
row "DEL p99 calyx"                        "$(j latency .calyx.del.p99_ms)" "ms" "-"
row "DEL p99 ptp+host-local"               "$(j latency .reference.del.p99_ms)" "ms" "-"
row "agent CPU per calyx ADD+DEL"          "$(j latency .cpu_ms_per_cycle.agent)" "ms" "-"
row "etcd CPU per calyx ADD+DEL"           "$(j latency .cpu_ms_per_cycle.etcd)" "ms" "-"
row "burst of 50 ADDs calyx / reference"   "$(j burst .ratio.add)" "x" "<= 1.0"
row "burst of 50 ADDs calyx"               "$(j burst .calyx.add_ms)" "ms" "-"
row "burst of 50 ADDs ptp+host-local"      "$(j burst .reference.add_ms)" "ms" "-"
row "burst of 50 DELs calyx / reference"   "$(j burst .ratio.del)" "x" "-"
row "burst of 50 DELs: veths gone (calyx)" "$(j burst .calyx.veths_gone_ms)" "ms" "<= 5000"
for c in "1 1" "16 1" "1 4" "16 4"; do
  set -- $c
  sel=".[] | select(.concurrency == $1 and .hosts == $2)"
  row "IPAM c=$1 hosts=$2 calyx / raw etcd"  "$(j ipam "$sel | .ratio")" "x" ">= 0.8"
  row "IPAM c=$1 hosts=$2 calyx allocs/s"    "$(j ipam "$sel | .allocs_per_s")" "/s" "-"
  row "IPAM c=$1 hosts=$2 raw etcd txns/s"   "$(j ipam "$sel | .raw_etcd.txns_per_s")" "/s" "-"
  row "IPAM c=$1 hosts=$2 calyx client CPU"  "$(j ipam "$sel | .client_cpu_us_per_op")" "us/op" "-"
  row "IPAM c=$1 hosts=$2 raw client CPU"    "$(j ipam "$sel | .raw_etcd.client_cpu_us_per_op")" "us/op" "-"
done
row "policy ADD batch p50 (1k/10k)"        "$(j policy .endpoint_added.p50_ms)" "ms" "-"
row "policy ADD batch p99 (1k/10k)"        "$(j policy .endpoint_added.p99_ms)" "ms" "-"
row "remote change -> set update p50"      "$(j propagation .p50_ms)" "ms" "-"
row "remote change -> set update p99"      "$(j propagation .p99_ms)" "ms" "<= 100"
row "agent RSS, 1,000 local endpoints"     "$(j memory .after_adds.rss_mb)" "MB" "<= 256"
row "agent heap used, 1,000 endpoints"     "$(j memory .after_adds.heap_used_mb)" "MB" "-"
row "agent heap live after full GC"        "$(j memory .after_adds.heap_live_mb)" "MB" "-"

echo
echo "== summary ($(nproc) cores, load $(load); per-part load in the JSON)"
before() { # before FIGURE: its value in the --compare run, if any
  [ -n "$compare" ] && jq -r --arg f "$1" '[.summary[] | select(.figure == $f) | .value][0] // "-"' "$compare"
}
printf '%-40s %10s %-4s %-9s %-7s %s\n' figure value unit target verdict "${compare:+before ($(jq -r .stamp "$compare"))}"
while IFS=$'\t' read -r f v u t verdict; do
  printf '%-40s %10s %-4s %-9s %-7s %s\n' "$f" "$v" "$u" "$t" "$verdict" "$(before "$f")"
done <"$rows"

jq -n --arg stamp "$stamp" --arg commit "$(git -C "$repo" rev-parse HEAD 2>/dev/null || echo unknown)" \
  --argjson quick "$quick" --arg kernel "$(uname -r)" --argjson cores "$(nproc)" --arg load "$(load)" \
  --slurpfile latency "$work/latency.part" --slurpfile burst "$work/burst.part" --slurpfile ipam "$work/ipam.part" \
  --slurpfile policy "$work/policy.part" --slurpfile propagation "$work/propagation.part" --slurpfile memory "$work/memory.part" \
  --rawfile rows "$rows" \
  '{stamp: $stamp, commit: $commit, quick: ($quick == 1), cores: $cores, kernel: $kernel, load_at_end: $load,
    parts: {latency: $latency[0], burst: $burst[0], ipam: $ipam[0], policy: $policy[0], propagation: $propagation[0], memory: $memory[0]},
    summary: [$rows | split("\n")[] | select(length > 0) | split("\t")
      | {figure: .[0], value: (.[1] | tonumber? // null), unit: .[2], target: .[3], verdict: .[4]}]}' >"$json"
echo "wrote $json"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "perf: parts that failed: ${failed[*]}" >&2
  exit 1
fi
