#!/usr/bin/env bash
# Policy propagation benchmark: the time from a remote endpoint's record landing in etcd to its address
# being in this host's group set (watch -> policy engine -> libnftables), with a cluster of endpoints
# already applied; a private etcd and a fresh network namespace (root). Prints p50/p99 in ms.
#
#   sudo bench/policy-propagation.sh [--cluster N] [--locals N] [--groups N] [--rounds N] [--json FILE]   (defaults 10000, 1000, 100, 200)
#
# Needs etcd, nftables (libnftables.so.1) and iproute2; builds the agent's test classes if needed.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "bench: needs root (creates a network namespace)" >&2; exit 1; }
exec "$(dirname "$(readlink -f "$0")")/lib/run-test-main.sh" agent io.calyx.agent.bench.PolicyPropagationBench "$@"
