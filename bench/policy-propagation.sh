#!/usr/bin/env bash
# Policy propagation benchmark: the time from a remote endpoint's record landing in etcd to its address
# being in this host's group set (watch -> policy engine -> libnftables), with a cluster of endpoints
# already applied; a private etcd and a fresh network namespace (root). Prints p50/p99 in ms.
#
#   sudo bench/policy-propagation.sh [--cluster N] [--locals N] [--groups N] [--rounds N]   (defaults 10000, 1000, 100, 200)
#
# Needs etcd, nftables (libnftables.so.1) and iproute2; builds the agent's test classes if needed.
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$repo"
[ "$(id -u)" = 0 ] || { echo "bench: needs root (creates a network namespace)" >&2; exit 1; }
./mvnw -B -q -o -pl agent -am test-compile >/dev/null
cp_file=$(mktemp /tmp/calyx-policy-cp.XXXXXX)
trap 'rm -f "$cp_file"' EXIT
./mvnw -B -q -o -pl agent dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
java_home=""
for candidate in "${JAVA_HOME-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && "$candidate/bin/java" -version 2>&1 | grep -q '"2[5-9]'; then
    java_home=$candidate
    break
  fi
done
[ -n "$java_home" ] || { echo "bench: needs JDK 25 under /usr/lib/jvm" >&2; exit 1; }
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -Xlog:disable -Xlog:all=warning:stderr \
  -cp "agent/target/test-classes:agent/target/classes:core/target/classes:testkit/target/classes:datastore-etcd/target/classes:ipam/target/classes:netns-native/target/classes:cni-plugin/target/classes:policy/target/classes:$(cat "$cp_file")" \
  io.calyx.agent.bench.PolicyPropagationBench "$@"
