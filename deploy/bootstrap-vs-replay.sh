#!/bin/bash
# usage (from the repo root, after mvn -q -DskipTests package): N=1000000 bash deploy/bootstrap-vs-replay.sh
# uses ports 28080-28082 and 29092 on 127.0.0.1; leaves its data in $D (a temp dir unless set)
# bootstrap-from-peer vs full replay, on one machine: node A (embedded broker) holds N events; B bootstraps from A; C replays the log
set -u
J=${J:-api/target/worldstore.jar}
N=${N:-1000000}
D=${D:-$(mktemp -d)}; mkdir -p $D
ready() { until curl -sf http://127.0.0.1:$1/health/ready > /dev/null; do sleep 0.2; done; }
date -u +%FT%TZ; uptime
java -Xmx2g -jar $J serve --data.dir=$D/a --http.port=28080 --http.auth.enabled=false --kafka.embedded.port=29092 > $D/a.log 2>&1 &
A=$!
ready 28080
echo "A ready"
java -jar $J bench --kafka.bootstrap.servers=127.0.0.1:29092 --kafka.topic=worldstore.changes --saves=$N --concurrency=256 --keys=100000 \
  --latency-seconds=1 --rate=100 --load-keys=100 --load-seconds=1 --warmup-seconds=0 --skip-catchup --skip-batches > $D/fill.md 2> $D/fill.err
echo "filled: $(grep -c . $D/fill.md) lines"; tail -3 $D/fill.err
# wait until A applied everything
until [ "$(curl -s http://127.0.0.1:28080/metrics | awk '/^worldstore_projector_lag/ {s+=$2} END {print s+0}')" = "0" ]; do sleep 1; done
echo "A caught up; projection $(du -sh $D/a/projection | cut -f1), log $(du -sh $D/a/kafka | cut -f1)"
uptime
t0=$(date +%s.%N)
java -Xmx2g -jar $J serve --data.dir=$D/b --http.port=28081 --http.auth.enabled=false --kafka.bootstrap.servers=127.0.0.1:29092 \
  --bootstrap-from=http://127.0.0.1:28080 > $D/b.log 2>&1 &
B=$!
ready 28081
t1=$(date +%s.%N)
echo "B (bootstrap from A) ready after $(echo "$t1 - $t0" | bc) s"
grep -h "bootstrapped the projection" $D/b.log | sed 's/^.*bootstrapped/bootstrapped/'
kill $B; wait $B
uptime
t0=$(date +%s.%N)
java -Xmx2g -jar $J serve --data.dir=$D/c --http.port=28082 --http.auth.enabled=false --kafka.bootstrap.servers=127.0.0.1:29092 > $D/c.log 2>&1 &
C=$!
ready 28082
t1=$(date +%s.%N)
echo "C (full replay of the log) ready after $(echo "$t1 - $t0" | bc) s"
kill $C; wait $C
kill $A; wait $A
date -u +%FT%TZ; uptime
