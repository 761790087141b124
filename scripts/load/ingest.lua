-- wrk script: batches of random events over all customers, as `POST /v1/events`.
--
--   wrk -s scripts/load/ingest.lua URL -- WRITE_TOKEN SUBJECTS BATCH EVENTS_PER_SUBJECT RUN_TAG [ids]
--
-- Customers are `c_0` .. `c_{SUBJECTS-1}`; each batch holds BATCH events, EVENTS_PER_SUBJECT consecutive
-- ones per customer (1: every event a random customer). The event mix is store_load.py's seed mix: 55 %
-- page views, 20 % add-to-cart, 10 % purchases (order ids unique per run and thread), 15 % e-mail opens,
-- at random times in the last 7 days. With `ids`, every event carries a unique `id` (the store then
-- de-duplicates). An answer counts when it is a 200 with `accepted`.
package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local tally_of = require("tally")

local CATEGORIES = { "running", "camping", "cycling", "hiking", "swimming", "yoga" }
local headers, subjects, batch, run_length, tag = nil, 0, 0, 1, ""
local orders, with_ids, sent = 0, false, 0
setup = tally_of.setup
done = tally_of.done

function init(args)
  tally = tally_of.new()
  headers = { ["authorization"] = "Bearer " .. args[1], ["content-type"] = "application/json" }
  subjects, batch = tonumber(args[2]), tonumber(args[3])
  run_length = math.max(1, tonumber(args[4]))
  tag = args[5] .. "t" .. thread_number
  with_ids = args[6] == "ids"
  math.randomseed(5000 + thread_number)
end

local function event(i, now)
  local at = now - math.random(0, 7 * 86400 - 1)
  local category = CATEGORIES[math.random(#CATEGORIES)]
  local value = 5 + math.random(0, 199)
  local kind = math.random(0, 99)
  if kind < 55 then
    return string.format('{"subject":"c_%d","type":"page_view","category":"%s","at":%d}', i, category, at)
  elseif kind < 75 then
    return string.format('{"subject":"c_%d","type":"add_to_cart","category":"%s","value":%d.5,"at":%d}',
      i, category, value, at)
  elseif kind < 85 then
    orders = orders + 1
    return string.format(
      '{"subject":"c_%d","type":"purchase","order_id":"o_%s_%d","value":%d.9,"items":%d,"category":"%s","at":%d}',
      i, tag, orders, value, math.random(1, 3), category, at)
  end
  return string.format('{"subject":"c_%d","type":"message_opened","channel":"email","at":%d}', i, at)
end

function request()
  local now, events, i = os.time(), {}, 0
  for k = 0, batch - 1 do
    if k % run_length == 0 then i = math.random(0, subjects - 1) end
    local e = event(i, now)
    if with_ids then
      sent = sent + 1
      e = string.format('{"id":"e_%s_%d",', tag, sent) .. e:sub(2)
    end
    events[k + 1] = e
  end
  return wrk.format("POST", "/v1/events", headers, '{"events":[' .. table.concat(events, ",") .. "]}")
end

function response(status, _, body)
  local accepted = status == 200 and tonumber(body:match('"accepted"%s*:%s*(%d+)'))
  if accepted then
    tally.ok = tally.ok + 1
    tally.items = tally.items + accepted
  else
    tally_of.unexpected(tally, status)
  end
end
