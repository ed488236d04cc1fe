#!/usr/bin/env bash
# Runs a benchmark main class from a module's test classes with JDK 25:
#
#   bench/lib/run-test-main.sh MODULE MAIN-CLASS [ARGS...]
#
# Builds the module and what it needs (offline, tests skipped), puts every calyx module's own classes
# first on the class path (never a stale calyx jar from ~/.m2), then the module's test-scope dependencies.
# With CALYX_BENCH_NO_BUILD=1 it builds nothing and fails, saying how to build, when the main class is
# missing (the package build, ./mvnw -B -DskipTests package, compiles the test classes too).
# CALYX_BENCH_JAVA_OPTS adds JVM options (e.g. -XX:TieredStopAtLevel=1 to compare JIT settings).
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
cd "$repo"
module=$1
main=$2
shift 2
if [ -n "${CALYX_BENCH_NO_BUILD:-}" ]; then
  [ -f "$module/target/test-classes/${main//.//}.class" ] \
    || { echo "bench: $main is not compiled; build first: cd $repo && ./mvnw -B -DskipTests package" >&2; exit 1; }
else
  ./mvnw -B -q -o -pl "$module" -am test-compile >/dev/null
fi
cp_file=$(mktemp /tmp/calyx-bench-cp.XXXXXX)
trap 'rm -f "$cp_file"' EXIT
./mvnw -B -q -o -pl "$module" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
java_home=""
for candidate in "${JAVA_HOME-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25*; do
  if [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && "$candidate/bin/java" -version 2>&1 | grep -q '"2[5-9]'; then
    java_home=$candidate
    break
  fi
done
[ -n "$java_home" ] || { echo "bench: needs JDK 25 under /usr/lib/jvm" >&2; exit 1; }
own="$module/target/test-classes"
for m in core testkit datastore-etcd ipam netns-native policy cni-plugin agent cli; do
  own="$own:$m/target/classes"
done
"$java_home/bin/java" --enable-native-access=ALL-UNNAMED -Xlog:disable -Xlog:all=warning:stderr \
  ${CALYX_BENCH_JAVA_OPTS:-} -cp "$own:$(cat "$cp_file")" "$main" "$@"
