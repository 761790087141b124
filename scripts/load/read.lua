-- wrk script: snapshot reads of random customers.
--
--   wrk -s scripts/load/read.lua URL -- TARGETS [etag]
--
-- TARGETS is a tab-separated file written by store_load.py, one customer per line:
-- `path <TAB> authorization header or - <TAB> ETag or -`. Every request reads a random line's path (with its
-- authorization); with `etag` it also sends `If-None-Match` with that line's ETag and expects a 304.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local tally_of = require("tally")

local requests, expect_304 = {}, false
setup = tally_of.setup
done = tally_of.done

function init(args)
  expect_304 = args[2] == "etag"
  tally = tally_of.new()
  math.randomseed(1000 + thread_number)
  for line in io.lines(args[1]) do
    local path, auth, etag = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
    if path then
      local headers = {}
      if auth ~= "-" then headers["authorization"] = auth end
      if expect_304 and etag ~= "-" then headers["if-none-match"] = etag end
      requests[#requests + 1] = wrk.format("GET", path, headers)
    end
  end
  if #requests == 0 then error("read.lua: no targets in " .. tostring(args[1])) end
end

function request()
  return requests[math.random(#requests)]
end

function response(status)
  if status == 200 then
    tally.ok = tally.ok + 1
    if expect_304 then tally.misses = tally.misses + 1 end
  elseif status == 304 and expect_304 then
    tally.ok = tally.ok + 1
  else
    tally_of.unexpected(tally, status)
  end
end
