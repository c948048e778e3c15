-- wrk script: every request approves a new lead on a click of its own,
-- taken in turn from the file CLICKS (one click id a line; each wrk
-- thread takes every other line), so each call on a flow with a sending
-- source queues one outgoing postback and no call finds an old lead.
local token = os.getenv("TOKEN")
local clicks = {}
for line in io.lines(os.getenv("CLICKS")) do
  clicks[#clicks + 1] = line
end
counter = 0
thread_id = 0
local next_id = 0
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end
function request()
  local i = (counter * 2 + thread_id) % #clicks + 1
  counter = counter + 1
  return wrk.format("GET", "/api/tracker/postback.json?id=" .. token .. "&click=" .. clicks[i]
    .. "&status=approve&price=5")
end
