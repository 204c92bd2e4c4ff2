#!/usr/bin/env bash
# Tenant isolation benchmark (not a test; CI does not run it): what serving one tenant at a time per instance costs
# against agents with isolation off (`mrgc up --agent-isolation off`, benchmarks only: requests of different tenants
# share an instance and a batch), with one and with two routers per region. Needs wrk (apt-get install wrk) and curl.
#
# Usage: bench/isolation.sh [duration per case, default 20s] [warm-up per case, default 5s]
# Environment (optional, to run a part): CASES="tenants connections ..." (default "1 1 1 16 1 64 4 64"),
# ROUTERS="1 2", ISOLATIONS="tenant off".
#
# For each routers per region (1, 2) and agent isolation (tenant, off): `./mrgc up --agents-per-region 1` (so the
# us-east-1 router(s) have exactly one instance to send to), 4 tenants, then the cases, each a warm-up and DURATION of
# closed-loop wrk load through the front door (http://127.0.1.1:8080 -> us-east-1 router(s) -> the us-east-1 agent):
# 1 tenant at 1, 16 and 64 connections, 4 tenants at 64 connections (each connection one tenant's, bench/isolation.lua).
# Before and after each case it scrapes every router's admin /metrics and the us-east-1 agent's /metrics. Prints each
# case as it ends, then a markdown table and the req/s ratio isolation tenant / off.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20s}"
warmup="${2:-5s}"
front_door="http://127.0.1.1:8080"
read -r -a cases_flat <<<"${CASES:-1 1 1 16 1 64 4 64}" # tenants connections, pairs; CASES="4 64" for one case
cases=()
for ((i = 0; i < ${#cases_flat[@]}; i += 2)); do cases+=("${cases_flat[i]} ${cases_flat[i + 1]}"); done
work="$(mktemp -d)"
results="$work/results.tsv" # one line per case, the table's columns

command -v wrk >/dev/null || { echo "bench/isolation.sh needs wrk: apt-get install wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench/isolation.sh needs curl" >&2; exit 1; }

set -m # background jobs keep SIGINT, so stop_cluster's kill -INT acts like Ctrl-C
run_cluster() { # routers isolation log
  local log="$3"
  # Plaintext bodies (the local-development switch) over plaintext HTTP, so that wrk sends them as they are; the
  # encrypted path and TLS have their own benchmarks (docs/benchmarks.md). No demo tenant: the script makes its own.
  ./mrgc up --agents-per-region 1 --allow-plaintext --plaintext-http --demo-tenant '' \
    --routers-per-region "$1" --agent-isolation "$2" >"$log" 2>&1 &
  echo $! >"$log.pid"
  for _ in $(seq 1 240); do grep -q "ready in" "$log" && break; sleep 0.5; done
  grep -q "ready in" "$log" || { cat "$log"; exit 1; }
}
stop_cluster() {
  kill -INT "$(cat "$1.pid")"; wait "$(cat "$1.pid")" 2>/dev/null || true
}
router_admins() { # the routers' admin base URLs, from `mrgc up`'s "router admin" block (one line per router)
  awk '/^  router admin/ {on = 1; next} /^  [^ ]/ {on = 0} on {print $2}' "$1"
}
scrape() { # file url...: every URL's /metrics, one after the other
  local out="$1"; shift
  : >"$out"
  for base in "$@"; do curl -fsS --max-time 10 "$base/metrics" >>"$out" || echo "# scrape of $base failed" >&2; done
}
metric() { # file name: the sum of every series of exactly this name (any labels); 0 when there is none
  awk -v name="$2" '$1 == name || index($1, name "{") == 1 {sum += $NF} END {printf "%.6f\n", sum + 0}' "$1"
}
delta() { # name: after - before
  awk -v a="$(metric "$work/after.prom" "$1")" -v b="$(metric "$work/before.prom" "$1")" 'BEGIN {printf "%.6f", a - b}'
}
tenant_washes() { # washes between tenants in the case: per 1,000 requests, mean ms, share of the instance's time
  local count sum
  count="$(delta mrgc_wash_tenant_duration_seconds_count)"
  sum="$(delta mrgc_wash_tenant_duration_seconds_sum)"
  awk -v n="$count" -v s="$sum" -v requests="$1" -v seconds="$2" 'BEGIN {
    printf "%.1f\t%s\t%.2f%%", (requests > 0 ? n * 1000 / requests : 0), (n > 0 ? sprintf("%.2f", s / n * 1000) : "-"),
      (seconds > 0 ? s / seconds * 100 : 0) }'
}
field() { # name line: the value of name=value in wrk's RESULT line
  sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"
}
measure() { # routers isolation tenants connections keys(comma separated) agent_url router_admin_url...
  local routers="$1" isolation="$2" tenants="$3" connections="$4" keys="$5" agent="$6"
  shift 6
  local threads=$((connections < 4 ? connections : 4)) # a multiple of the tenants: every connection one tenant
  local run=(wrk -t"$threads" -c"$connections" --timeout 30s -s bench/isolation.lua "$front_door/v1/embeddings")
  MRGC_API_KEYS="$keys" "${run[@]}" -d"$warmup" >/dev/null
  scrape "$work/before.prom" "$@" "$agent"
  MRGC_API_KEYS="$keys" "${run[@]}" -d"$duration" >"$work/wrk.out"
  scrape "$work/after.prom" "$@" "$agent"
  grep -E '^(RESULT|TENANT)' "$work/wrk.out" | sed "s/^/  routers=$routers isolation=$isolation tenants=$tenants c=$connections: /"
  local result
  result="$(grep '^RESULT' "$work/wrk.out")"
  awk -v routers="$routers" -v isolation="$isolation" -v tenants="$tenants" -v c="$connections" \
    -v rps="$(field rps "$result")" -v p50="$(field p50_ms "$result")" -v p99="$(field p99_ms "$result")" \
    -v errors="$(field errors "$result")" -v requests="$(field requests "$result")" \
    -v refusals="$(delta mrgc_router_refusals_total)" -v retries="$(delta mrgc_router_retries_total)" \
    -v wash_s="$(delta mrgc_wash_duration_seconds_sum)" -v washes="$(delta mrgc_wash_duration_seconds_count)" \
    -v tenant_washes="$(tenant_washes "$(field requests "$result")" "${duration%s}")" 'BEGIN {
      per_k = requests > 0 ? 1000 / requests : 0
      wash_ms = washes > 0 ? sprintf("%.2f", wash_s / washes * 1000) : "-"
      wash_share = washes > 0 && p50 > 0 ? sprintf("%.1f%%", wash_s / washes * 1000 / p50 * 100) : "-"
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.1f\t%s\t%s\t%s\n", routers, isolation, tenants, c, rps,
        p50, p99, errors, refusals * per_k, retries * per_k, wash_ms, wash_share, tenant_washes
    }' >>"$results"
}

./mrgc --version >/dev/null # builds once, outside the measurements
echo "# isolation benchmark: $duration per case after a $warmup warm-up, one agent per region, through $front_door"
for routers in ${ROUTERS:-1 2}; do
  for isolation in ${ISOLATIONS:-tenant off}; do
    log="$work/mrgc-up-$routers-$isolation.log"
    run_cluster "$routers" "$isolation" "$log"
    agent="$(grep -E '^ +i-local-us-east-1-1 ' "$log" | awk '{print $2}')"
    mapfile -t admins < <(router_admins "$log")
    if [ -z "$agent" ] || [ "${#admins[@]}" -eq 0 ]; then
      echo "no us-east-1 agent or router admin URL in the output of mrgc up:" >&2; cat "$log"; exit 1
    fi
    keys=()
    for n in 1 2 3 4; do
      # A tenant whose rate limit is far above what one machine can send.
      keys+=("$(./mrgc tenant create --tenant "iso-$routers-$isolation-$n-$$" --rate 1000000 --burst 1000000 \
        | awk '/^API key/ {print $3}')")
      [ -n "${keys[-1]}" ] || { echo "mrgc tenant create printed no API key" >&2; exit 1; }
    done
    echo "# $routers router(s) per region, agent isolation $isolation; agent $agent; router admin ${admins[*]}"
    for c in "${cases[@]}"; do
      read -r tenants connections <<<"$c"
      all_keys="$(IFS=,; echo "${keys[*]:0:$tenants}")"
      measure "$routers" "$isolation" "$tenants" "$connections" "$all_keys" "$agent" "${admins[@]}"
    done
    stop_cluster "$log"
  done
done

echo
echo "| routers | isolation | tenants | connections | req/s | p50 ms | p99 ms | errors | refusals/1k | retries/1k |" \
  "scrub ms mean | scrub % of p50 | tenant washes/1k | tenant wash ms mean | instance time in tenant washes |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
awk -F'\t' '{printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; print ""}' "$results"
echo
echo "req/s, isolation tenant / off:"
echo
echo "| routers | tenants | connections | tenant req/s | off req/s | tenant / off |"
echo "|---|---|---|---|---|---|"
awk -F'\t' '{key = $1 FS $3 FS $4; rps[key, $2] = $5; if (!(key in seen)) {seen[key] = 1; order[++n] = key}}
  END {
    for (i = 1; i <= n; i++) {
      split(order[i], k, FS); t = rps[order[i], "tenant"]; o = rps[order[i], "off"]
      ratio = o > 0 ? sprintf("%.2f", t / o) : "-"
      printf "| %s | %s | %s | %s | %s | %s |\n", k[1], k[2], k[3], t, o, ratio
    }
  }' "$results"
echo
echo "(raw results: $results; mrgc up logs: $work/mrgc-up-*.log)"
