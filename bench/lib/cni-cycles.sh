#!/usr/bin/env bash
# The timing loop of bench/cni-latency.sh, run INSIDE the bench host's network namespace so each plugin call
# costs what a container runtime pays: one fork+exec of the plugin with a cleared environment plus the CNI_*
# variables, the network config on stdin from a file (as Mesos does). Start it with `env -i PATH=...`. Alternates calyx and the reference each
# cycle (order flipped every cycle) and prints one line per call: "<name> <ADD|DEL> <microseconds>".
# Each plugin has its own container namespaces, CTR_PREFIX-c0..3 and CTR_PREFIX-r0..3, used in turn: calyx
# answers DEL before its reaper deletes the veth, so the next ADD goes to another namespace than the
# last DEL (a runtime gives every container a fresh one).
#
#   cni-cycles.sh CYCLES WARMUP CTR_PREFIX CALYX_PLUGIN CALYX_CONF REF_PLUGIN REF_CONF
set -euo pipefail
cycles=$1 warmup=$2 ctr=$3 calyx=$4 calyx_conf=$5 ref=$6 ref_conf=$7
now_us() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000000 + 10#${t#*.} )); }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
call() { # call PLUGIN COMMAND CONTAINER CONF NETNS -> prints elapsed microseconds; fails loudly
  local plugin=$1 cmd=$2 cid=$3 conf=$4 ns=$5 t0 t1
  t0=$(now_us)
  # One fork+exec; the caller started this script with a cleared environment (env -i PATH=...), so the
  # plugin sees little more than the CNI variables.
  if ! CNI_COMMAND="$cmd" CNI_CONTAINERID="$cid" CNI_NETNS="/var/run/netns/$ns" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
      "$plugin" <"$conf" >"$out"; then
    echo "bench: $plugin $cmd $cid failed: $(cat "$out")" >&2
    exit 1
  fi
  t1=$(now_us)
  echo $(( t1 - t0 ))
}
for ((i = -warmup; i < cycles; i++)); do
  for order in 0 1; do
    if [ $(( (i + order) % 2 )) -eq 0 ]; then
      ns="$ctr-c$(( (i % 4 + 4) % 4 ))"
      a=$(call "$calyx" ADD "c$i" "$calyx_conf" "$ns"); d=$(call "$calyx" DEL "c$i" "$calyx_conf" "$ns")
      [ "$i" -ge 0 ] && echo "calyx ADD $a" && echo "calyx DEL $d"
    else
      ns="$ctr-r$(( (i % 4 + 4) % 4 ))"
      a=$(call "$ref" ADD "r$i" "$ref_conf" "$ns"); d=$(call "$ref" DEL "r$i" "$ref_conf" "$ns")
      [ "$i" -ge 0 ] && echo "ref ADD $a" && echo "ref DEL $d"
    fi
  done
done
