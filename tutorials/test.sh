#!/usr/bin/env bash
# Runs the shell blocks of the tutorials, in order, in one throw-away sandbox, as a reader following them on
# one machine would. Run as root from anywhere: sudo tutorials/test.sh [tutorials/N-*.md ...]
#
# Fences (the word after ``` says what the test does with a block):
#   ```sh                run
#   ```sh cluster        needs real hosts, systemd or a Mesos cluster: shown, not run; the next shell block
#                        must be its "```sh local" equivalent, which runs
#   ```sh local          the single-machine equivalent of the cluster block before it: run
#   ```sh ... needs=F    run only when this calyx build has feature F (etcd-tls, ipam-check, profile-cli);
#                        otherwise reported as skipped with the reason
# Any other shell-like fence (bash, shell, console) is an error: every shell block is either run or paired.
#
# The sandbox is new PID, mount, network and UTS namespaces (unshare): copy-on-write overlays over /etc,
# /opt, /usr, /var and /tmp, empty /root and /home, a fresh /run (so /run/netns and /run/calyx are private), host
# name agent-1 and only a loopback interface. The machine's files, network and namespaces are untouched;
# every process the blocks start dies with the sandbox. Blocks run with the repository as the working
# directory (they read examples/ and dist/target/calyx) and must not write there.
#
# Output: what the blocks print, and for every block one line
#   @@result FILE:LINE ran|failed|skipped|cluster|not-run [reason]
# Exit status 0 when no block failed or was left unrun, 1 otherwise, 2 for malformed tutorials or setup,
# 3 when this machine cannot give the sandbox (no overlayfs, no namespaces): nothing was tested.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
tree=${CALYX_TREE:-$repo/dist/target/calyx}
die() { printf 'tutorials/test.sh: %s\n' "$*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, mounts): sudo $0"
[ -x "$tree/bin/calyxctl" ] || die "no install tree at $tree: build it first (./mvnw -B -DskipTests package)"
command -v unshare >/dev/null || die "needs unshare (util-linux)"
if [ $# -eq 0 ]; then set -- "$repo"/tutorials/[0-9]*.md; fi

work=$(mktemp -d /tmp/calyx-tutorials.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. The blocks: one generated script, each block between markers; the list of block ids.
IDS="$work/ids" awk -v repo="$repo/" '
  function id() { f = FILENAME; sub("^" repo, "", f); return f ":" FNR }
  function q(s) { gsub(/\x27/, "\x27\\\x27\x27", s); return "\x27" s "\x27" }
  FNR == 1 { if (open) { print "unclosed fence in " prev > "/dev/stderr"; exit 2 } pending = "" }
  !open && /^```(bash|shell|console|zsh)/ { print id() ": use ```sh (with cluster/local/needs=) so the test runs it" > "/dev/stderr"; exit 2 }
  !open && /^```sh( |$)/ {
    open = 1; prev = id(); kind = "run"; needs = ""
    n = split(substr($0, 6), words, " ")
    for (i = 1; i <= n; i++) {
      if (words[i] == "cluster") kind = "cluster"
      else if (words[i] == "local") kind = "local"
      else if (words[i] ~ /^needs=[a-z-]+$/) needs = substr(words[i], 7)
      else { print id() ": unknown fence word \"" words[i] "\"" > "/dev/stderr"; exit 2 }
    }
    if (pending != "" && kind != "local") { print pending ": a ```sh cluster block must be followed by its ```sh local equivalent" > "/dev/stderr"; exit 2 }
    if (kind == "local" && pending == "") { print id() ": ```sh local must follow a ```sh cluster block" > "/dev/stderr"; exit 2 }
    pending = (kind == "cluster") ? id() : ""
    print id() > ENVIRON["IDS"]
    if (kind == "cluster") { print "__result " q(id()) " cluster \"shown only; its local equivalent runs\""; skip = 1; next }
    skip = 0
    if (needs != "") print "if __has " q(needs) "; then"
    print "__begin " q(id())
    next
  }
  open && /^```[ \t]*$/ {
    open = 0
    if (!skip) {
      print "__end"
      if (needs != "") print "else __result " q(prev) " skipped \"$(__why " q(needs) ")\"; fi"
    }
    next
  }
  open && !skip { print }
  END {
    if (open) { print "unclosed fence in " prev > "/dev/stderr"; exit 2 }
    if (pending != "") { print pending ": a ```sh cluster block must be followed by its ```sh local equivalent" > "/dev/stderr"; exit 2 }
  }
' "$@" >"$work/blocks.sh" 2>"$work/errors" || die "$(cat "$work/errors")"

cat >"$work/script.sh" <<'EOF'
set -Eeuo pipefail
__id=""
__begin() { __id=$1; printf '\n@@begin %s\n' "$1"; }
__end() { printf '\n@@result %s ran\n' "$__id"; __id=""; }
__result() { printf '\n@@result %s %s %s\n' "$1" "$2" "${3:-}"; }
trap '__rc=$?; printf "\n@@result %s failed exit status %s (line %s of the generated script)\n" "$__id" "$__rc" "$LINENO"; exit "$__rc"' ERR
# True when this build's calyxctl has the command "$*": it then names itself in the usage error an unknown
# option gives ("Try 'calyxctl ipam check --help'"); otherwise the parent complains about the arguments.
__command() {
  __out=$("$CALYX_TREE/bin/calyxctl" "$@" --calyx-probe-no-such-option 2>&1 || true)
  case "$__out" in *"Try 'calyxctl $* --help'"*) return 0 ;; *) return 1 ;; esac
}
# Features a block may need (needs=F): what this build's calyxctl can do.
__has() {
  case "$1" in
    etcd-tls) # this build's calyxctl says so when it has no TLS yet
      __out=$("$CALYX_TREE/bin/calyxctl" --etcd-endpoints https://127.0.0.1:9 --etcd-cacert /dev/null --etcd-cert /dev/null \
        --etcd-key /dev/null pool list 2>&1 || true)
      case "$__out" in *"not supported"*) return 1 ;; *) return 0 ;; esac ;;
    ipam-check) __command ipam check && __command ipam release ;;
    profile-cli) __command profile list && __command profile show ;;
    *) return 1 ;;
  esac
}
__why() {
  case "$1" in
    etcd-tls) echo "needs etcd TLS in calyxctl and calyx-agent (--etcd-cacert/--etcd-cert/--etcd-key), not in this build" ;;
    ipam-check) echo "needs calyxctl ipam check / ipam release, not in this build" ;;
    profile-cli) echo "needs calyxctl profile list/show, not in this build" ;;
    *) echo "needs unknown feature $1" ;;
  esac
}
EOF
cat "$work/blocks.sh" >>"$work/script.sh"

# 2. The sandbox: private mounts over everything the tutorials write, a fresh network stack.
cat >"$work/sandbox.sh" <<'EOF'
set -euo pipefail
upper=$1; shift
unavailable() { printf '@@sandbox-unavailable %s\n' "$*"; exit 3; }
mount -t tmpfs calyx-tutorials "$upper" || unavailable "cannot mount a tmpfs"
for d in etc opt usr var tmp; do
  mkdir -p "$upper/$d.up" "$upper/$d.work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$upper/$d.up,workdir=$upper/$d.work" "/$d" \
    || unavailable "cannot mount an overlay over /$d (needs overlayfs)"
done
for d in /run /root /home; do mount -t tmpfs tmpfs "$d" || unavailable "cannot mount a tmpfs on $d"; done
mkdir -p /run/lock
hostname agent-1
ip link set lo up
cd "$CALYX_REPO"
exec bash "$@"
EOF
mkdir "$work/upper"
set +e
CALYX_TREE=$tree CALYX_REPO=$repo unshare --pid --fork --kill-child --mount-proc --mount --net --uts \
  bash "$work/sandbox.sh" "$work/upper" "$work/script.sh" 2>&1 | tee "$work/out"
set -e
if grep -q '^@@sandbox-unavailable' "$work/out" || ! grep -q '^@@' "$work/out"; then
  exit 3 # no sandbox on this machine (the reason is above): nothing was tested
fi

# 3. One result line per block; a block without one was never reached.
status=0
while read -r id; do
  if ! grep -q "^@@result $id " "$work/out"; then
    printf '@@result %s not-run an earlier block failed\n' "$id"
    status=1
  fi
done <"$work/ids"
grep -q '^@@result [^ ]* failed' "$work/out" && status=1
exit "$status"
