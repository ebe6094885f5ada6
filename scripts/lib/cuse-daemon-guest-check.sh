#!/usr/bin/env bash
# Runs inside the qemu guest (CuseDaemonGuestTest starts it): the whole daemon serves
# /dev/dtrace/helper over CUSE on a real 6.1 kernel, and C clients and unmodified libusdt
# register, are listed through the query socket, and are removed. One line per case; exits
# non-zero when any case fails.
# usage: cuse-daemon-guest-check.sh DIR JAVA CLASSPATH PARSER-JARS [JVM FLAGS...]
#   DIR holds helper_client, usdt_driver (optional) and the DOF files
set -uo pipefail
dir=$1 java=$2 cp=$3 parser_cp=$4
shift 4
flags=("$@")
dev=/dev/dtrace/helper
state=/run/dtrace
sock=$state/dtprobed.sock
client=$dir/helper_client
fails=0
ok() { echo "ok   $1"; }
fail() { echo "FAIL $1"; fails=$((fails+1)); }
dtprobe() { "$java" "${flags[@]}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$cp" org.dtprobed.client.Dtprobe --socket "$sock" "$@"; }
# queries through the socket's JSON lines (docs/PROTOCOL.md): a JVM start costs seconds under TCG
query() { printf '%s\n' "$1" | socat -t 60 - UNIX-CONNECT:$sock; }
count_probes() { query "$1" | grep -o '"name":' | wc -l; }

"$java" "${flags[@]}" -XX:+UseSerialGC -cp "$cp" org.dtprobed.daemon.DtprobedMain --transport cuse \
  --state-dir $state --parser-classpath "$parser_cp" > /tmp/daemon.log 2>&1 &
daemon=$!
for _ in $(seq 4800); do grep -q 'ready: serving' /tmp/daemon.log 2>/dev/null && break; sleep 0.1; done
if ! grep -q 'ready: serving' /tmp/daemon.log; then echo "FAIL daemon did not start"; cat /tmp/daemon.log; exit 1; fi
echo "daemon: $(grep -o 'ready: .*' /tmp/daemon.log); $(ls -l $dev)"
dtprobe health >/dev/null && ok "health" || fail "health"

run_case() { # name expected-regex command...
  local name=$1 want=$2; shift 2
  local out; out=$("$@" 2>&1)
  if grep -Eq "$want" <<<"$out"; then ok "$name"; else fail "$name: $(tr '\n' ' ' <<<"$out")"; fi
}
for f in "$dir"/corpus/*.dof; do run_case "corpus $(basename "$f")" 'adddof gen=[0-9]+' "$client" -d $dev "$f"; done
run_case "chunked DOF (3 x 64 KiB + 63 bytes)" 'adddof gen=[0-9]+' "$client" -d $dev "$dir/large.dof"
run_case "worker thread" 'adddof gen=[0-9]+' "$client" -d $dev -t "$dir/corpus/libusdt-2.dof"
run_case "non-root client (nobody)" 'adddof gen=[0-9]+' setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$client" -d $dev "$dir/corpus/libusdt-1.dof"
run_case "bad arg pointer" 'adddof errno=14' "$client" -d $dev -a 1 "$dir/corpus/libusdt-1.dof"
run_case "1 GiB header" 'adddof errno=7' "$client" -d $dev "$dir/huge.dof"
run_case "random bytes" 'adddof errno=22' "$client" -d $dev "$dir/random.dof"
run_case "unknown ioctl" 'adddof errno=22' "$client" -d $dev -c 1234 "$dir/corpus/libusdt-1.dof"

# a registration the query socket lists, then REMOVE with dtrace-utils' own number (by value)
exec 3< <("$client" -d $dev -w "$dir/large.dof")
read -r pidline <&3; pid=${pidline#pid=}; pid=${pid%% *}
read -r _ <&3; read -r waiting <&3
n=$(count_probes "{\"op\":\"list\",\"pid\":$pid,\"probe\":\"alpha:::\"}")
[ "$waiting" = waiting ] && [ "$n" -ge 700 ] && ok "large DOF listed ($n alpha probes)" || fail "large DOF listed: '$waiting' $n"
kill -USR1 "$pid"; read -r removed <&3
n=$(count_probes "{\"op\":\"list\",\"pid\":$pid}")
[[ "$removed" == "remove rc=0"* ]] && [ "$n" -eq 0 ] && ok "REMOVE takes the probes away" || fail "REMOVE: '$removed', $n left"
exec 3<&-

if [ -x "$dir/usdt_driver" ]; then
  exec 4< <("$dir/usdt_driver" wait)
  read -r pidline <&4; upid=${pidline#pid=}; read -r enabled <&4
  n=$(count_probes "{\"op\":\"list\",\"pid\":$upid,\"probe\":\"jtransport:::\"}")
  [ "$enabled" = "enable rc=0" ] && [ "$n" -eq 2 ] && ok "libusdt provider registered" || fail "libusdt: '$enabled' $n"
  kill -USR1 "$upid"; read -r disabled <&4
  n=$(count_probes "{\"op\":\"list\",\"pid\":$upid}")
  [ "$disabled" = "disable rc=0" ] && [ "$n" -eq 0 ] && ok "libusdt provider gone on disable" || fail "libusdt disable: '$disabled' $n"
  kill -USR2 "$upid"; exec 4<&-
fi

kill -TERM $daemon; wait $daemon; rc=$?
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || fail "SIGTERM: exit $rc"
[ -e $dev ] && fail "$dev still exists after the daemon stopped"
grep -E 'ERROR' /tmp/daemon.log | head -20
echo "failures: $fails"
exit $((fails > 0))
