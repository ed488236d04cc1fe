#!/usr/bin/env bash
# Calls the calyx CNI plugin for one "container" the way the Mesos CNI isolator does (network/cni): the
# operator's network config with args["org.apache.mesos"]["network_info"] added on stdin, an emptied
# environment with only the CNI variables and PATH, the container's network namespace as CNI_NETNS.
# The container is a network namespace: ADD creates /var/run/netns/NAME first; the DEL of its last
# interface removes it.
# Tutorials 4-7 use it on one machine where they show a Marathon app on a real cluster.
#
# usage: mesos-cni.sh ADD|DEL NAME CONFIG NETWORK_INFO [IFNAME]
#   NAME          the container (CNI_CONTAINERID and the namespace name): letters, digits, _ . -
#   CONFIG        a network config file, as in the Mesos agent's --network_cni_config_dir
#   NETWORK_INFO  the NetworkInfo (JSON) Mesos builds from the Marathon app, e.g.
#                 '{"groups":["web"],"ip_addresses":[{"protocol":"IPv4"}],"name":"calyx"}'
#   IFNAME        default eth0 (a second network of the same container is eth1)
# environment: PLUGINS_DIR (default /usr/libexec/cni, the --network_cni_plugins_dir), PLUGIN (default calyx)
set -euo pipefail

usage() { sed -n '9,17s/^# \{0,1\}//p' "$0" >&2; exit 2; }
[ $# -ge 4 ] && [ $# -le 5 ] || usage
command=$1 name=$2 config=$3 network_info=$4 ifname=${5:-eth0}
plugins_dir=${PLUGINS_DIR:-/usr/libexec/cni}
plugin=${PLUGIN:-calyx}
case "$command" in ADD|DEL) ;; *) echo "mesos-cni.sh: the command is ADD or DEL, not '$command'" >&2; exit 2 ;; esac
[[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "mesos-cni.sh: NAME may only contain letters, digits, _ . and -" >&2; exit 2; }
[[ "$ifname" =~ ^[a-z0-9]+$ ]] || { echo "mesos-cni.sh: IFNAME may only contain lower-case letters and digits" >&2; exit 2; }
[ -r "$config" ] || { echo "mesos-cni.sh: cannot read the network config $config" >&2; exit 1; }
[ -x "$plugins_dir/$plugin" ] || { echo "mesos-cni.sh: no plugin $plugins_dir/$plugin (set PLUGINS_DIR; calyxctl install puts it there)" >&2; exit 1; }

conf=$(cat "$config")
case "$conf" in
  *'"args"'*) echo "mesos-cni.sh: $config already has \"args\"; this helper only adds them to configs without" >&2; exit 1 ;;
esac
# Mesos adds {"args":{"org.apache.mesos":{"network_info":...}}} to the operator's object (and sorts the
# keys; the plugin does not care about their order).
stdin="{\"args\":{\"org.apache.mesos\":{\"network_info\":$network_info}},${conf#*\{}"

netns=/var/run/netns/$name
created=0
if [ "$command" = ADD ] && [ ! -e "$netns" ]; then
  ip netns add "$name"
  ip -n "$name" link set lo up # Mesos' network-cni-setup helper does this in a real container
  created=1
fi
rc=0
printf '%s' "$stdin" | env -i CNI_COMMAND="$command" CNI_CONTAINERID="$name" CNI_NETNS="$netns" CNI_IFNAME="$ifname" \
  CNI_PATH="$plugins_dir" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$plugins_dir/$plugin" || rc=$?
echo
# The namespace goes with the container: after a failed ADD that created it, or after the DEL that took its
# last interface (a container on two networks gets one DEL per interface). calyx answers DEL once the
# container is cut off and removes the veth right after: give it the few milliseconds (at most 5 s).
others() { ip -n "$name" -o link show | grep -vc ': lo:' || true; }
if [ "$command" = DEL ] && [ "$rc" -eq 0 ] && [ -e "$netns" ]; then
  for _ in $(seq 1 50); do [ "$(others)" -eq 0 ] && break; sleep 0.1; done
fi
if [ -e "$netns" ]; then
  if { [ "$rc" -ne 0 ] && [ "$created" -eq 1 ]; } \
    || { [ "$command" = DEL ] && [ "$rc" -eq 0 ] && [ "$(others)" -eq 0 ]; }; then
    ip netns del "$name"
  fi
fi
exit "$rc"
