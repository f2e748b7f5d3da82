-- Replays pre-built requests (one per line: "<Stripe-Signature or empty>\t<body>") for bench/webhook.ts, so the
-- load generator does no signing work of its own; prints one WRKJSON line with the figures.
local reqs = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do
    local sig, body = line:match("^([^\t]*)\t(.*)$")
    local headers = { ["Content-Type"] = "application/json" }
    if sig ~= "" then headers["Stripe-Signature"] = sig end
    reqs[#reqs + 1] = wrk.format("POST", nil, headers, body)
  end
end
request = function()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"non2xx":%d,"socketErrors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
