-- wrk script: counts the answers by outcome (`ok` or the error code, or
-- the HTTP status when it is not 200) and prints them with the latency
-- percentiles. With MODE=postback every request is the postback of a new
-- lead (flow bench, a fresh subid, TOKEN's user); otherwise wrk asks the
-- URL it was given.
local mode = os.getenv("MODE") or "url"
local token = os.getenv("TOKEN")
local threads = {}
local next_id = 0
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end
function init(args)
  counter = 0
  outcomes = {}
end
function request()
  if mode ~= "postback" then
    return wrk.request()
  end
  counter = counter + 1
  return wrk.format("GET", "/api/tracker/postback.json?id=" .. token ..
    "&flow=bench&subid=f" .. thread_id .. "-" .. counter .. "&status=new&price=5")
end
function response(status, headers, body)
  local key
  if status ~= 200 then
    key = "HTTP " .. status
  elseif body:sub(1, 20):find('"status":"ok"', 1, true) then
    key = "ok"
  else
    key = body:match('"error":"([^"]*)"') or "?"
  end
  outcomes[key] = (outcomes[key] or 0) + 1
end
function done(summary, latency, requests)
  local all = {}
  for _, t in ipairs(threads) do
    local o = t:get("outcomes")
    for k, v in pairs(o) do all[k] = (all[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(all) do table.insert(parts, k .. "=" .. v) end
  table.sort(parts)
  local e = summary.errors
  io.write(string.format("answers: %s; socket errors: connect %d read %d write %d timeout %d\n",
    table.concat(parts, " "), e.connect, e.read, e.write, e.timeout))
  io.write(string.format("latency ms: p50 %.1f p99 %.1f max %.1f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
