-- wrk script for bench/isolation.sh: POST one short embeddings request per call (the same body every time), every
-- connection as one tenant. MRGC_API_KEYS=k1,k2,... (one key per tenant) go to wrk's threads round robin: thread i
-- sends with key ((i - 1) mod n) + 1 on all of its connections. wrk's request() is not told which connection it
-- sends on, so a key per thread is what keeps each connection one tenant's: run a multiple of n threads (wrk gives
-- each thread connections / threads connections).
local body = '{"model": "all-minilm-l6-v2", "input": "The quick brown fox jumps over the lazy dog near the river bank"}'

local keys = {}
for key in string.gmatch(os.getenv("MRGC_API_KEYS") or "", "[^,]+") do
  keys[#keys + 1] = key
end

local threads = {}

setup = function(thread)
  if #keys == 0 then
    error("MRGC_API_KEYS is empty: give one tenant's API key, or several separated by commas")
  end
  local tenant = #threads % #keys + 1
  thread:set("tenant", tenant)
  thread:set("key", keys[tenant])
  table.insert(threads, thread)
end

init = function(args)
  responses = 0
  failures = 0
  prepared = wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["x-mrgc-model"] = "all-minilm-l6-v2",
    ["Authorization"] = "Bearer " .. key, -- set by setup() for this thread
  }, body)
end

request = function()
  return prepared
end

response = function(status, headers, body)
  responses = responses + 1
  if status >= 400 then -- what wrk counts as a status error
    failures = failures + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests))
  -- Responses per tenant (its threads together): how evenly the tenants were served.
  local per = {}
  for _, thread in ipairs(threads) do
    local tenant = thread:get("tenant")
    per[tenant] = per[tenant] or { responses = 0, failures = 0 }
    per[tenant].responses = per[tenant].responses + thread:get("responses")
    per[tenant].failures = per[tenant].failures + thread:get("failures")
  end
  for tenant = 1, #keys do
    if per[tenant] then
      io.write(string.format("TENANT %d responses=%d errors_4xx_5xx=%d\n", tenant, per[tenant].responses,
        per[tenant].failures))
    end
  end
end
