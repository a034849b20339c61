-- wrk script of bench/territory.sh: each request searches a commune's name, the names in
-- turn from the file $NAMES (one URL-encoded name a line), each thread from its own
-- half of the list, so that no answer asked is one kept from a recent request.
local names = {}
for line in io.lines(os.getenv("NAMES")) do
  names[#names + 1] = line
end
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end
local i = 0
function init()
  i = first * math.floor(#names / 2)
end
function request()
  i = i % #names + 1
  return wrk.format("GET", "/api/v1/territories?q=" .. names[i])
end
