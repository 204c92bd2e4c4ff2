-- wrk script: POST one short embeddings request per call (the same body every time).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-mrgc-model"] = "all-minilm-l6-v2"
-- Routers need a tenant's API key (agents ignore it); the bench script creates the tenant.
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("MRGC_API_KEY") or "")
wrk.body = '{"model": "all-minilm-l6-v2", "input": "The quick brown fox jumps over the lazy dog near the river bank"}'

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
end
