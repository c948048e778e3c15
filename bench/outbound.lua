-- wrk script: every request is an approving postback for a new lead (a
-- fresh uid on the click CLICK), so each call queues one outgoing postback.
counter = 0
thread_id = 0
local token = os.getenv("TOKEN")
local click = os.getenv("CLICK")
local next_id = 0
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
end
function request()
  counter = counter + 1
  return wrk.format("GET", "/api/tracker/postback.json?id=" .. token .. "&click=" .. click
    .. "&status=approve&price=5&uid=w" .. thread_id .. "-" .. counter)
end
