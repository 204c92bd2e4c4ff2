#!/usr/bin/env bash
# Issue 10's unswitchable hardening (item 2: whole bodies buffered before the pick, listener guards; item 4: envelope
# v=2, the enclave's freshness check and replay cache) measured against the pre-hardening build, in the same session.
#
#   cluster/src/test/bench/hardening-before-after.sh            # then read the table it prints at the end
#
# Builds two trees with `mvn -B -q -o -DskipTests package` (never install, so ~/.m2 keeps what it had):
#   BEFORE_DIR (default ../mrgc-before, beside this checkout): a git worktree of BEFORE_REV (default d47f2ec, the skeletons commit just
#              before the hardening branches), made if absent;
#   AFTER_DIR  (default: this checkout): the hardened tree.
# Copies HardeningLoadDriver.java (the load, written against the APIs both trees have) into BEFORE_DIR, then starts
# one JVM per segment, alternately on each build: A B B A, ROUNDS times (default 2: 8 JVMs). Each JVM starts a local
# cluster (LocalClusterOptions.ephemeral: 3 regions x 1 agent, us-east-1 serving), sends WARMUP then REQUESTS
# encrypted one-sentence embeddings through the front door from THREADS closed-loop SDK threads, and writes the
# measured latencies. On the hardened build the driver turns TLS off (withPlaintextHttp(true), as ephemeral already
# is) and peer auth off (withPeerAuth(false)), so what remains of the difference is the unswitchable hardening (and
# everything else that changed between the two commits; see docs/benchmarks.md). Prints p50/p99/throughput per build
# (all its segments pooled) and the ratio after/before. Logs and latency files: OUT (default /tmp/hardening-bench).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AFTER_DIR="${AFTER_DIR:-$(cd "$here/../../../.." && pwd)}"
BEFORE_REV="${BEFORE_REV:-d47f2ec}"
BEFORE_DIR="${BEFORE_DIR:-$AFTER_DIR/../mrgc-before}"
THREADS="${THREADS:-4}"
WARMUP="${WARMUP:-400}"
REQUESTS="${REQUESTS:-800}"
ROUNDS="${ROUNDS:-2}"
OUT="${OUT:-/tmp/hardening-bench}"
JAVA_OPTS="${JAVA_OPTS:--Xmx2g}"
DRIVER=cluster/src/test/java/io/mrgc/cluster/bench/HardeningLoadDriver.java
MAIN=io.mrgc.cluster.bench.HardeningLoadDriver

if [ ! -d "$BEFORE_DIR" ]; then
  git -C "$AFTER_DIR" worktree add --detach "$BEFORE_DIR" "$BEFORE_REV"
fi
mkdir -p "$BEFORE_DIR/$(dirname "$DRIVER")"
cp "$AFTER_DIR/$DRIVER" "$BEFORE_DIR/$DRIVER"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  for dir in "$BEFORE_DIR" "$AFTER_DIR"; do
    echo "building $dir ($(git -C "$dir" rev-parse --short HEAD))" >&2
    (cd "$dir" && mvn -B -q -o -DskipTests package)
  done
fi
cp_of() { echo "$1/cluster/target/test-classes:$1/cluster/target/classes:$1/cluster/target/lib/*"; }

rm -rf "$OUT" && mkdir -p "$OUT"
before_files=() after_files=()
segment() { # NAME DIR INDEX
  local file="$OUT/$1-$3.txt"
  if ! (cd "$2" && java $JAVA_OPTS -cp "$(cp_of "$2")" $MAIN run "$1#$3" "$THREADS" "$WARMUP" "$REQUESTS" \
      "$file") > "$OUT/$1-$3.log" 2>&1; then
    echo "segment $1 #$3 failed, see $OUT/$1-$3.log" >&2
    tail -20 "$OUT/$1-$3.log" >&2
    exit 1
  fi
  grep -a "^$1#$3: " "$OUT/$1-$3.log" >&2
  if [ "$1" = before ]; then before_files+=("$file"); else after_files+=("$file"); fi
}
dirty="$(git -C "$AFTER_DIR" diff --quiet HEAD -- . || echo ' (+ uncommitted changes)')"
echo "before: $BEFORE_DIR at $(git -C "$BEFORE_DIR" rev-parse --short HEAD);" \
  "after: $AFTER_DIR at $(git -C "$AFTER_DIR" rev-parse --short HEAD)$dirty" >&2
echo "$THREADS threads, $WARMUP warm-up + $REQUESTS measured requests per JVM, $ROUNDS x ABBA, $(nproc) cores" >&2
n=0
for ((r = 0; r < ROUNDS; r++)); do
  segment before "$BEFORE_DIR" $((n += 1)); segment after "$AFTER_DIR" $((n += 1))
  segment after "$AFTER_DIR" $((n += 1)); segment before "$BEFORE_DIR" $((n += 1))
done
join() { local IFS=,; echo "$*"; }
java -cp "$(cp_of "$AFTER_DIR")" $MAIN report "before=$(join "${before_files[@]}")" "after=$(join "${after_files[@]}")"
