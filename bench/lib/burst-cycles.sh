#!/usr/bin/env bash
# The timing loop of bench/cni-burst.sh, run INSIDE the bench host's network namespace (started with
# `env -i PATH=...`): per round, SIZE ADDs of one plugin started at once (one fork+exec each, container
# i in namespace PREFIX-i, config on stdin from a file), the wall time until the last one answered; then
# SIZE DELs at once, likewise; then the time until the last veth of the round is gone from this namespace
# (calyx's reaper deletes them after DEL answered). calyx and the reference alternate, order flipped each
# round. Prints "<name> <ADD|DEL|GONE> <microseconds>" per round after WARMUP rounds.
#
#   burst-cycles.sh ROUNDS WARMUP SIZE CALYX_PLUGIN CALYX_CONF CALYX_NS_PREFIX REF_PLUGIN REF_CONF REF_NS_PREFIX
set -euo pipefail
rounds=$1 warmup=$2 size=$3 calyx=$4 calyx_conf=$5 calyx_ns=$6 ref=$7 ref_conf=$8 ref_ns=$9
now_us() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000000 + 10#${t#*.} )); }
out=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$out"' EXIT
burst() { # burst PLUGIN COMMAND CONF NS_PREFIX CID_PREFIX -> elapsed microseconds until all answered
  local plugin=$1 cmd=$2 conf=$3 ns=$4 cid=$5 t0 i failed=0
  pids=()
  t0=$(now_us)
  for ((i = 0; i < size; i++)); do
    CNI_COMMAND="$cmd" CNI_CONTAINERID="$cid-$i" CNI_NETNS="/var/run/netns/$ns$i" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
      "$plugin" <"$conf" >"$out/$i" 2>&1 &
    pids+=($!)
  done
  for ((i = 0; i < size; i++)); do
    wait "${pids[$i]}" || { failed=1; echo "bench: $plugin $cmd $cid-$i failed: $(cat "$out/$i")" >&2; }
  done
  local t1
  t1=$(now_us)
  pids=()
  [ "$failed" -eq 0 ] || exit 1
  echo $(( t1 - t0 ))
}
veths() { ip -o link show type veth 2>/dev/null | wc -l; } # a dump interrupted by a deletion may undercount
gone() { # gone SINCE_US -> microseconds from SINCE_US until this namespace holds no veth (at most 10 s)
  local since=$1 i
  for ((i = 0; i < 1000; i++)); do
    [ "$(veths)" -eq 0 ] && [ "$(veths)" -eq 0 ] && break # gone only when two dumps in a row agree
    sleep 0.01
  done
  [ "$(veths)" -eq 0 ] || { echo "bench: veths still present 10 s after the DEL burst" >&2; exit 1; }
  echo $(( $(now_us) - since ))
}
[ "$(veths)" -eq 0 ] || { echo "bench: the bench host namespace already holds veths" >&2; exit 1; }
for ((r = -warmup; r < rounds; r++)); do
  for order in 0 1; do
    if [ $(( (r + order + 100) % 2 )) -eq 0 ]; then
      name=calyx plugin=$calyx conf=$calyx_conf ns=$calyx_ns
    else
      name=ref plugin=$ref conf=$ref_conf ns=$ref_ns
    fi
    a=$(burst "$plugin" ADD "$conf" "$ns" "$name-r$r")
    d0=$(now_us)
    d=$(burst "$plugin" DEL "$conf" "$ns" "$name-r$r")
    g=$(gone "$d0")
    if [ "$r" -ge 0 ]; then
      echo "$name ADD $a"
      echo "$name DEL $d"
      echo "$name GONE $g"
    fi
  done
done
