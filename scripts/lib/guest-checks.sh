#!/usr/bin/env bash
# Runs inside the qemu guest: CuseGuestIT boots one guest for every CUSE check and asserts on
# what this script writes under $DTP_VM_WORK. Each check prints its lines on the console as it goes
# (the host streams them into the test log, and judges liveness by them); every check runs even
# when an earlier one failed.
# usage: guest-checks.sh DIR ARG
#   DIR, prepared by CuseGuestIT: cuse_server, cuse_client, cuse-smoke.sh, helper_client,
#     usdt_driver (optional), jdks (a JDK home per line), probe.cp, daemon.args (the daemon's argv,
#     one per line), cases.sh (run_case lines) and the DOF files they name
#   ARG: written back byte for byte to $DTP_VM_WORK/arg (run-in-guest's argument quoting)
set -uo pipefail
dir=$1
out=$DTP_VM_WORK
printf '%s' "$2" > "$out/arg"
say() { echo "guest: $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }

say "kernel checks at uptime $(uptime_s) s"
{ uname -r; cat /proc/version; stat -c '%F %t:%T' /dev/cuse; pwd -P; } > "$out/kernel.txt" 2>&1
cat "$out/kernel.txt"

say "raw CUSE server and client at uptime $(uptime_s) s"
sh "$dir/cuse-smoke.sh" "$dir" > "$out/cuse-smoke.txt" 2>&1
echo "rc=$?" >> "$out/cuse-smoke.txt"
cat "$out/cuse-smoke.txt"

say "host JDKs at uptime $(uptime_s) s"
while read -r jdk; do
  "$jdk/bin/java" -showversion -cp "$(cat "$dir/probe.cp")" org.dtprobed.vm.GuestProbe 2>&1
done < "$dir/jdks" > "$out/jdks.txt"
cat "$out/jdks.txt"

say "daemon over CUSE at uptime $(uptime_s) s"
dev=/dev/dtrace/helper
sock=/run/dtrace/dtprobed.sock
client=$dir/helper_client
log=/tmp/daemon.log
mapfile -t daemon < "$dir/daemon.args"
"${daemon[@]}" > "$log" 2>&1 &
daemon_pid=$!
# the daemon's log on the console as it is written, with the guest's uptime: progress (and where
# the time goes) while JVMs start under TCG
tail -n +1 -F "$log" 2>/dev/null | while IFS= read -r line; do read -r up _ < /proc/uptime; echo "daemon| $up $line"; done &
tailer=$!
until grep -q 'ready: serving' "$log"; do
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    wait "$daemon_pid"; echo "exit=$?" > "$out/daemon-start.txt"
    say "the daemon exited before it was ready"
    kill "$tailer" 2>/dev/null
    exit 0
  fi
  sleep 0.5
done
say "daemon ready at uptime $(uptime_s) s"
{ grep -o 'ready: .*' "$log"; ls -l "$dev"; } > "$out/daemon-start.txt"

# queries as raw JSON lines (docs/PROTOCOL.md): a JVM start per call costs seconds under TCG
query() { printf '%s\n' "$1" | socat -t 60 - "UNIX-CONNECT:$sock"; }
count_probes() { query "$1" | grep -o '"name":' | wc -l; }
query '{"op":"health"}' > "$out/health.txt" 2>&1

mkdir -p "$out/cases"
run_case() { # NAME COMMAND...: the command's output and exit code, for the test to judge
  local name=$1; shift
  { "$@" 2>&1; echo "rc=$?"; } > "$out/cases/$name.txt"
  echo "case $name: $(tr '\n' ' ' < "$out/cases/$name.txt")"
}
. "$dir/cases.sh"

# a registration the query socket lists, then REMOVE with dtrace-utils' own number (by value)
exec 3< <("$client" -d $dev -w "$dir/large.dof")
read -r pidline <&3; pid=${pidline#pid=}; pid=${pid%% *}
read -r added <&3; read -r waiting <&3
listed=$(count_probes "{\"op\":\"list\",\"pid\":$pid,\"probe\":\"alpha:::\"}")
kill -USR1 "$pid"; read -r removed <&3
left=$(count_probes "{\"op\":\"list\",\"pid\":$pid}")
exec 3<&-
printf 'added=%s\nwaiting=%s\nlisted=%s\nremoved=%s\nleft=%s\n' "$added" "$waiting" "$listed" "$removed" "$left" \
  | tee "$out/remove.txt"

if [ -x "$dir/usdt_driver" ]; then
  exec 4< <("$dir/usdt_driver" wait)
  read -r pidline <&4; upid=${pidline#pid=}; read -r enabled <&4
  listed=$(count_probes "{\"op\":\"list\",\"pid\":$upid,\"probe\":\"jtransport:::\"}")
  kill -USR1 "$upid"; read -r disabled <&4
  left=$(count_probes "{\"op\":\"list\",\"pid\":$upid}")
  kill -USR2 "$upid"; exec 4<&-
  printf 'enabled=%s\nlisted=%s\ndisabled=%s\nleft=%s\n' "$enabled" "$listed" "$disabled" "$left" \
    | tee "$out/libusdt.txt"
fi

# a -G library dlopened and dlclosed by an Oracle -G program: drti's by-value REMOVE over CUSE
tree_files() { (cd /run/dtrace/probes 2>/dev/null && find "$1" -type f 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'); }
if [ -x "$dir/tree/treehost" ]; then
  coproc TH { "$dir/tree/treehost"; }
  read -r ready <&"${TH[0]}"; tpid=${ready#ready }
  started=$(tree_files "$tpid")
  echo "open $dir/tree/libtreelib.so" >&"${TH[1]}"; read -r opened <&"${TH[0]}"
  open=$(tree_files "$tpid")
  echo close >&"${TH[1]}"; read -r closed <&"${TH[0]}"
  after_close=$(tree_files "$tpid")
  listed_after_close=$(count_probes "{\"op\":\"list\",\"pid\":$tpid}")
  th_pid=$TH_PID; eval "exec ${TH[1]}>&-"; wait "$th_pid"
  for _ in $(seq 100); do [ -e "/run/dtrace/probes/$tpid" ] || break; sleep 0.1; done
  after_exit=$(tree_files "$tpid")
  printf 'pid=%s\nstarted=%s\nopened=%s\nopen=%s\nclosed=%s\nafter_close=%s\nlisted_after_close=%s\nafter_exit=%s\n' \
    "$tpid" "$started" "$opened" "$open" "$closed" "$after_close" "$listed_after_close" "$after_exit" | tee "$out/tree.txt"
fi

# exit and exec as the process-events connector reports them (no destructor runs, so no REMOVE
# arrives): a registered fork child killed with SIGKILL, and a registered process that execs cat
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
gone_ms() { # PID: ms until PID has no file in the tree and nothing listed (10 s at most: TCG is slow)
  local t0; t0=$(now_ms)
  for _ in $(seq 200); do
    [ -z "$(tree_files "$1")" ] && [ "$(count_probes "{\"op\":\"list\",\"pid\":$1}")" = 0 ] && { echo $(( $(now_ms) - t0 )); return; }
    sleep 0.05
  done
  echo never
}
removed_ms() { # PID KILL_NS: ms from the kill to the daemon's log line of the pid's removal
  local ts
  ts=$(grep -m1 "pid $1: pruned (exit)" "$log" | cut -d' ' -f1)
  [ -n "$ts" ] && echo $(( ($(date -d "$ts" +%s%N) - $2) / 1000000 )) || echo none
}
if [ -x "$dir/tree/treehost" ]; then
  coproc LH { "$dir/tree/treehost"; }
  read -r ready <&"${LH[0]}"; lpid=${ready#ready }
  echo fork >&"${LH[1]}"; read -r childline <&"${LH[0]}"; cpid=${childline#child }
  for _ in $(seq 100); do [ -n "$(tree_files "$cpid")" ] && break; sleep 0.1; done # drti's atfork handler
  child_files=$(tree_files "$cpid")
  kill_ns=$(date +%s%N); kill -KILL "$cpid"
  child_gone_ms=$(gone_ms "$cpid")
  child_removed_ms=$(removed_ms "$cpid" "$kill_ns")
  own_files=$(tree_files "$lpid")
  echo "exec /bin/cat" >&"${LH[1]}"; read -r execed <&"${LH[0]}"
  exec_gone_ms=$(gone_ms "$lpid")
  alive=$([ -d "/proc/$lpid" ] && tr -d '\0' < "/proc/$lpid/comm")
  lh_pid=$LH_PID; eval "exec ${LH[1]}>&-"; wait "$lh_pid"
  # a PIE executable linked with a -G library: the library's DOF at a random base, then SIGKILL
  # (not a coproc: bash unsets a coproc's variables once it is reaped, and this one is killed)
  pie_dir=$(mktemp -d)
  mkfifo "$pie_dir/in"
  "$dir/tree/treepie" < "$pie_dir/in" > "$pie_dir/out" &
  pie_bg=$!
  exec {pie_in}> "$pie_dir/in"
  for _ in $(seq 300); do grep -q '^ready ' "$pie_dir/out" && break; sleep 0.1; done
  ppid_=$(sed -n 's/^ready //p' "$pie_dir/out")
  pie_files=$(tree_files "$ppid_")
  kill_ns=$(date +%s%N); kill -KILL "$ppid_"
  pie_gone_ms=$(gone_ms "$ppid_")
  pie_removed_ms=$(removed_ms "$ppid_" "$kill_ns")
  wait "$pie_bg" 2>/dev/null; exec {pie_in}>&-
  printf 'child_files=%s\nchild_gone_ms=%s\nchild_removed_ms=%s\nown_files=%s\nexeced=%s\nexec_gone_ms=%s\nalive=%s\npie=%s\npie_files=%s\npie_gone_ms=%s\npie_removed_ms=%s\n' \
    "$child_files" "$child_gone_ms" "$child_removed_ms" "$own_files" "$execed" "$exec_gone_ms" "$alive" "$ppid_" \
    "$pie_files" "$pie_gone_ms" "$pie_removed_ms" | tee "$out/lifecycle.txt"
fi

kill -TERM "$daemon_pid"; wait "$daemon_pid"
echo "exit=$?" > "$out/daemon-stop.txt"
[ -e "$dev" ] && echo "device left behind" >> "$out/daemon-stop.txt"
kill "$tailer" 2>/dev/null
cp "$log" "$out/daemon.log"
say "done at uptime $(uptime_s) s"
