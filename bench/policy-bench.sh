#!/usr/bin/env bash
# Policy benchmark: one endpoint's ADD batch, its DEL batch, one remote membership change and one profile
# edit through libnftables, with 1,000 local and 10,000 cluster endpoints in 100 groups already applied, in
# a fresh network namespace (root). Prints p50/p90/p99 in ms.
#
#   sudo bench/policy-bench.sh [--locals N] [--cluster N] [--groups N] [--rounds N] [--json FILE]
#
# Needs nftables (libnftables.so.1) and iproute2; builds the policy module's test classes if needed.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "bench: needs root (creates a network namespace)" >&2; exit 1; }
exec "$(dirname "$(readlink -f "$0")")/lib/run-test-main.sh" policy io.calyx.policy.bench.PolicyBench "$@"
