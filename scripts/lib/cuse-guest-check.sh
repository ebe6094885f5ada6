#!/usr/bin/env bash
# Runs inside the qemu guest (scripts/vm-cuse-check starts it): serves /dev/dtrace/helper with
# TransportMain --transport cuse and drives it with the C test client. Prints one line per case
# and exits non-zero when any case fails.
# usage: cuse-guest-check.sh CLIENT DOF-DIR JAVA CLASSPATH [JVM FLAGS...]
set -uo pipefail
client=$1 dofs=$2 java=$3 cp=$4
shift 4
dev=/dev/dtrace/helper
"$java" "$@" -cp "$cp" org.dtprobed.fuse.TransportMain --transport cuse --device dtrace/helper \
  > /tmp/server.out 2> /tmp/server.err &
server=$!
for _ in $(seq 300); do grep -q '^ready' /tmp/server.out 2>/dev/null && break; sleep 0.1; done
if ! grep -q '^ready' /tmp/server.out; then
  echo "FAIL server did not start"; cat /tmp/server.err; exit 1
fi
echo "server: $(cat /tmp/server.out); $(ls -l $dev)"
fails=0
check() { # name, expected regex, command...
  local name=$1 want=$2; shift 2
  local out; out=$("$@" 2>&1)
  if grep -Eq "$want" <<<"$out"; then echo "ok   $name"; else echo "FAIL $name: $(tr '\n' ' ' <<<"$out")"; fails=$((fails+1)); fi
}
for f in "$dofs"/corpus/*.dof; do check "corpus $(basename "$f")" 'adddof gen=[0-9]+' "$client" -d $dev "$f"; done
for f in "$dofs"/big-*.dof; do check "large $(basename "$f")" 'adddof gen=[0-9]+' "$client" -d $dev "$f"; done
check "worker thread" 'adddof gen=[0-9]+' "$client" -d $dev -t "$dofs/corpus/libusdt-2.dof"
check "nobody (after chmod 0666)" 'adddof gen=[0-9]+' setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$client" -d $dev "$dofs/corpus/libusdt-1.dof"
check "bad arg pointer" 'adddof errno=14' "$client" -d $dev -a 1 "$dofs/corpus/libusdt-1.dof"
check "unmapped DOF" 'adddof errno=14' "$client" -d $dev -u "$dofs/corpus/libusdt-1.dof"
check "truncated DOF" 'adddof errno=14' "$client" -d $dev -g "$dofs/truncated.dof"
check "1 GiB header" 'adddof errno=7' "$client" -d $dev "$dofs/huge.dof"
check "random bytes" 'adddof errno=22' "$client" -d $dev "$dofs/random.dof"
check "unknown ioctl" 'adddof errno=22' "$client" -d $dev -c 1234 "$dofs/corpus/libusdt-1.dof"
check "REMOVE (dtrace-utils number, by value)" 'remove rc=0' "$client" -d $dev -r 0
check "still serving" 'adddof gen=[0-9]+' "$client" -d $dev "$dofs/corpus/libusdt-3.dof"
check "latency loop" 'bench n=2000 failures=0' "$client" -d $dev -n 2000 "$dofs/corpus/libusdt-1.dof"
"$client" -d $dev -n 2000 "$dofs/corpus/libusdt-1.dof" | grep bench
kill -TERM $server; wait $server
[ -e $dev ] && { echo "FAIL $dev still exists after the server stopped"; fails=$((fails+1)); }
grep -E 'WARN|ERROR' /tmp/server.err | head -20
echo "failures: $fails"
exit $((fails > 0))
