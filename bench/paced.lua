-- wrk script: a paced load. Each connection waits DELAY_MS (default 1)
-- before each request, so the rate is about connections x 1000 / (DELAY_MS
-- + latency) per second whatever the server could take: the latency
-- figure of bench/clicks.sh is measured at a chosen rate, not at the most
-- the server answers (wrk alone has no rate limit; wrk2 is not in Debian).
local ms = tonumber(os.getenv("DELAY_MS") or "1")
function delay()
  return ms
end
