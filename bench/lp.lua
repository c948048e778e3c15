-- wrk script of bench/landing.sh: GET /lp/{click} for the click ids of
-- the file $LP_IDS, each thread its own share, so that every request of
-- a run is the first landing click of its click (until the list runs out).
local n = 0
function setup(thread)
  thread:set("offset", n)
  n = n + 1
end
function init(args)
  ids = {}
  for line in io.lines(os.getenv("LP_IDS")) do ids[#ids + 1] = line end
  i = offset + 1
  stride = 2 -- bench/landing.sh runs wrk -t2
end
function request()
  local id = ids[i] or ids[(i - 1) % #ids + 1]
  i = i + stride
  return wrk.format("GET", "/lp/" .. id)
end
