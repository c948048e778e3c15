-- wrk script: every request is a postback for a new flow + subid (a new
-- lead), or, with MODE=update, moves one of 100 leads to the other stage
-- (hold <-> approve), so each call is a real change, not `no-changes`.
counter = 0
thread_id = 0
local mode = os.getenv("MODE") or "new"
local token = os.getenv("TOKEN")
local next_id = 0
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end
function request()
  counter = counter + 1
  local subid, status
  if mode == "update" then
    -- Each thread has its own 100 leads; a lead's stage flips every visit.
    subid = "u" .. thread_id .. "-" .. (counter % 100)
    status = (math.floor(counter / 100) % 2 == 0) and "approve" or "hold"
  else
    subid = "t" .. thread_id .. "-" .. counter
    status = "new"
  end
  return wrk.format("GET", "/api/tracker/postback.json?id=" .. token .. "&flow=bench&subid=" .. subid .. "&status=" .. status .. "&price=5")
end
