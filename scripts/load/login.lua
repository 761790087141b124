-- wrk script: logins, as `POST /v1/identities/login`: an anonymous visitor becomes a known customer.
--
--   wrk -s scripts/load/login.lua URL -- WRITE_TOKEN SUBJECTS RUN_TAG THREADS
--
-- Every request links a new anonymous id to a random customer `c_0` .. `c_{SUBJECTS-1}`. In the measured
-- run (RUN_TAG `measured`) the anonymous ids are `a_0`, `a_1`, ... (spread over the threads), the visitors
-- store_load.py seeded with a page view and a cart before the run, so each login folds their activity
-- into the customer; once those are used up, and in the warm-up, the ids are fresh (nothing to fold). An
-- answer counts when it is a 200 naming the customer; `items` counts the logins that folded activity.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local tally_of = require("tally")

local headers, subjects, tag, n, threads = nil, 0, "", 0, 1
setup = tally_of.setup
done = tally_of.done

function init(args)
  tally = tally_of.new()
  headers = { ["authorization"] = "Bearer " .. args[1], ["content-type"] = "application/json" }
  subjects, tag = tonumber(args[2]), args[3]
  threads = tonumber(args[4]) or 1
  math.randomseed(7000 + thread_number)
end

function request()
  local k = n * threads + thread_number - 1
  n = n + 1
  local anonymous = tag == "measured" and string.format("a_%d", k) or string.format("%s_t%d_%d", tag, thread_number, n)
  local body = string.format('{"anonymous":"%s","customer":"c_%d"}', anonymous, math.random(0, subjects - 1))
  return wrk.format("POST", "/v1/identities/login", headers, body)
end

function response(status, _, body)
  if status == 200 and body:find('"customer"', 1, true) then
    tally.ok = tally.ok + 1
    if body:find('"folded":true', 1, true) then tally.items = tally.items + 1 end
  else
    tally_of.unexpected(tally, status)
  end
end
