#!/usr/bin/env bash
# Embeddings benchmark (not a test): throughput and p50/p99 latency straight to one node agent vs through the
# front door and router, in the same run, and the batching gain (batching on vs off). Needs wrk
# (apt-get install wrk). Usage: bench/embeddings.sh [duration, default 20s] [connections, default 16]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20s}"
connections="${2:-16}"

set -m # background jobs keep SIGINT, so stop_cluster's kill -INT acts like Ctrl-C
run_cluster() { # $1 = max batch size; prints the us-east-1 agent's URL
  local log="$2"
  # Plaintext bodies (the local-development switch) so that wrk can send them; the encrypted path has its own
  # benchmark (docs/benchmarks.md).
  ./mrgc up --agents-per-region 1 --agent-max-batch-size "$1" --allow-plaintext >"$log" 2>&1 &
  echo $! >"$log.pid"
  for _ in $(seq 1 240); do grep -q "ready in" "$log" && break; sleep 0.5; done
  grep -q "ready in" "$log" || { cat "$log"; exit 1; }
}
stop_cluster() {
  kill -INT "$(cat "$1.pid")"; wait "$(cat "$1.pid")" 2>/dev/null || true
}
measure() { # label url
  wrk -t2 -c"$connections" -d"$duration" -s bench/embeddings.lua "$2/v1/embeddings" | grep RESULT | sed "s/^RESULT/$1/"
}

./mrgc --version >/dev/null # builds once, outside the measurements
for batch in 32 1; do
  log="$(mktemp)"
  run_cluster "$batch" "$log"
  agent="$(grep -E '^ +i-local-us-east-1-1 ' "$log" | awk '{print $2}')"
  # A tenant whose rate limit is far above what one machine can send.
  MRGC_API_KEY="$(./mrgc tenant create --tenant "bench-$batch-$$" --rate 1000000 --burst 1000000 \
    | awk '/^API key/ {print $3}')"
  export MRGC_API_KEY
  echo "# max batch size $batch, $connections connections, $duration each, one agent per region"
  measure "warmup" "$agent" >/dev/null
  measure "direct-agent    batch=$batch" "$agent"
  measure "front-door+router batch=$batch" "http://127.0.1.1:8080"
  stop_cluster "$log"
done
