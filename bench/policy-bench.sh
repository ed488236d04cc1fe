#!/usr/bin/env bash
# Policy benchmark: one endpoint's ADD batch, its DEL batch, one remote membership change and one profile
# edit through libnftables, with 1,000 local and 10,000 cluster endpoints in 100 groups already applied, in
# a fresh network namespace (root). Prints p50/p90/p99 in ms.
#
#   sudo bench/policy-bench.sh [--locals N] [--cluster N] [--groups N] [--rounds N]
#
# Needs nftables (libnftables.so.1) and iproute2; builds the policy module's test classes if needed.
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "bench: needs root (creates a network namespace)" >&2; exit 1; }
./mvnw -B -q -o -pl policy -am test-compile >/dev/null
cp_file=$(mktemp /tmp/calyx-policy-cp.XXXXXX)
trap 'rm -f "$cp_file"' EXIT
./mvnw -B -q -o -pl policy dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
java_home=""
for candidate in "${JAVA_HOME-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && "$candidate/bin/java" -version 2>&1 | grep -q '"2[5-9]'; then
    java_home=$candidate
    break
  fi
done
[ -n "$java_home" ] || { echo "bench: needs JDK 25 under /usr/lib/jvm" >&2; exit 1; }
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -Xlog:disable -Xlog:all=warning:stderr \
  -cp "policy/target/test-classes:policy/target/classes:core/target/classes:testkit/target/classes:$(cat "$cp_file")" \
  io.calyx.policy.bench.PolicyBench "$@"
