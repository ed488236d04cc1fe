#!/bin/sh
# The fault-injection suite at full size (docs/reliability.md): 4 hosts x 200 concurrent ADD/DEL x 3
# rounds, 100 SIGKILLs of a real agent, etcd outages, a 3-member cluster losing its leader, ambiguous
# commits, 600 hostile inputs; each scenario ends with the invariant audit. Root, real etcd, real
# namespaces. Figures: agent/target/faults-figures.jsonl. CI runs the same tests at reduced size as part of
# ./mvnw verify. Extra arguments go to Maven (e.g. -Dcalyx.faults.seed=42, -Dcalyx.faults.crash.iterations=20).
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then echo "bench/faults.sh: needs root (network namespaces); try: sudo $0" >&2; exit 2; fi
rm -f agent/target/faults-figures.jsonl
status=0
./mvnw -B -o -q -pl agent -am test -Dcalyx.faults=full -Dtest='io.calyx.agent.faults.*Test' -Dsurefire.failIfNoSpecifiedTests=false "$@" \
  || status=$?
cat agent/target/faults-figures.jsonl 2>/dev/null || true
[ "$status" = 0 ] || echo "bench/faults.sh: a scenario failed (agent/target/surefire-reports, agent logs in agent/target/faults-logs)" >&2
exit $status
