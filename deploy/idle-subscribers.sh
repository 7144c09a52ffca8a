#!/bin/bash
# usage (from the repo root, after mvn -q -DskipTests package): N=10000 bash deploy/idle-subscribers.sh
# What N idle change-feed subscribers cost a node: starts `serve` (embedded broker, auth off, ports
# 28090 and 29095 on 127.0.0.1), opens N subscribers from a separate Node.js process
# (deploy/idle-subscribers.mjs), and prints the node's heap after a full GC (jcmd), threads, RSS and
# open files before and while they are open. N ≤ http.sse.max.clients (10,000 by default).
set -eu
J=${J:-api/target/worldstore.jar}
N=${N:-10000}
D=${D:-$(mktemp -d)}
here=$(dirname "$0")
java -jar "$J" serve --data.dir="$D/node" --http.port=28090 --http.auth.enabled=false --kafka.embedded.port=29095 > "$D/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
wait_for() { # wait_for SECONDS WHAT COMMAND...: polls COMMAND every half second, fails after SECONDS
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@"; do
    if ((SECONDS > deadline)); then echo "gave up waiting for $what (logs in $D)" >&2; exit 1; fi
    sleep 0.5
  done
}
wait_for 120 "the node to be ready" curl -sf -o /dev/null http://127.0.0.1:28090/health/ready
measure() {
  jcmd $PID GC.run > /dev/null
  echo "$1: heap after GC $(jcmd $PID GC.heap_info | sed -n 2p | sed 's/.*used \([0-9]*K\).*/\1/'), $(grep -E '^Threads' /proc/$PID/status | tr -s '\t' ' '), $(grep -E '^VmRSS' /proc/$PID/status | tr -s '\t ' ' '), open files $(ls /proc/$PID/fd | wc -l)"
}
date -u +%FT%TZ; uptime
measure "no subscribers"
exec 7> >(node "$here/idle-subscribers.mjs" http://127.0.0.1:28090 "$N" > "$D/subscribers.out" 2>&1)
wait_for 300 "$N subscribers to open" grep -q "^open:" "$D/subscribers.out"
cat "$D/subscribers.out"
measure "$N subscribers open"
exec 7>&-
