#!/bin/sh
# Runs inside the qemu guest (scripts/vm/run-in-guest): starts cuse_server on /dev/dtrace/test,
# then cuse_client as root and as nobody (uid 65534). Exits non-zero if any step fails.
# usage: cuse-smoke.sh BIN_DIR   (BIN_DIR holds cuse_server and cuse_client built by gcc)
set -eu
bin=$1
ready=/tmp/cuse-ready

"$bin/cuse_server" dtrace/test "$ready" &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT

tries=0
until [ -e "$ready" ]; do
  kill -0 "$server" 2>/dev/null || { echo "smoke: cuse_server exited before it was ready"; exit 3; }
  tries=$((tries + 1))
  [ "$tries" -le 200 ] || { echo "smoke: cuse_server not ready after 10 s"; exit 3; }
  sleep 0.05
done
echo "smoke: device $(stat -c '%A %U:%G %F' /dev/dtrace/test)"

"$bin/cuse_client" /dev/dtrace/test 1
setpriv --reuid=65534 --regid=65534 --clear-groups "$bin/cuse_client" /dev/dtrace/test 2
echo "smoke: done"
