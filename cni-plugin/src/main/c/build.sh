#!/bin/sh
# Builds the native CNI forwarders into $1: bin/calyx and bin/calyx-ipam are the same program, which reads
# its role from the name it was run as. Static where the C library allows it (no loader, no libc
# version dependency on the Mesos agent host), dynamic otherwise.
set -eu
out="$1"
src="$(dirname "$0")/forwarder.c"
cc="${CC:-gcc}"
flags="-O2 -Wall -Wextra -Werror -std=gnu11 -D_FORTIFY_SOURCE=2 -fstack-protector-strong"
mkdir -p "$out"
if ! "$cc" $flags -static -o "$out/calyx" "$src" 2>"$out/static.log"; then
  echo "build.sh: static link failed ($(head -1 "$out/static.log")); linking dynamically" >&2
  "$cc" $flags -o "$out/calyx" "$src"
fi
strip "$out/calyx" 2>/dev/null || true
cp "$out/calyx" "$out/calyx-ipam"
