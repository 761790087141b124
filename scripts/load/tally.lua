-- What one wrk run saw, shared by read.lua and ingest.lua: each thread counts its answers in `tally`
-- (response), and done() sums the threads and prints one line, `TALLY {json}`, that store_load.py reads.
--
--   ok       answers as expected (200, or 304 when an ETag was sent)
--   misses   200s where a 304 was asked for (the snapshot had changed)
--   items    events the store accepted (ingest)
--   ["HTTP 503"] = n   any other status
-- The tally is a flat table: wrk copies a thread's values to done() and loses tables nested in tables.
local M = {}

local threads = {}

--- setup(thread) for wrk: numbers the threads (each seeds its own random stream) and keeps them for done().
function M.setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_number", #threads)
end

--- A fresh per-thread tally (call in init).
function M.new()
  return { ok = 0, misses = 0, items = 0 }
end

local COUNTS = { ok = true, misses = true, items = true }

--- Counts a status that was not expected.
function M.unexpected(tally, status)
  local kind = "HTTP " .. status
  tally[kind] = (tally[kind] or 0) + 1
end

local function encode(value)
  local t = type(value)
  if t == "number" then
    if value ~= value or value == math.huge or value == -math.huge then return "null" end
    return string.format("%.17g", value)
  elseif t == "string" then
    return '"' .. value:gsub('[%c"\\]', function(c) return string.format("\\u%04x", c:byte()) end) .. '"'
  elseif t == "table" then
    local parts = {}
    for k, v in pairs(value) do parts[#parts + 1] = encode(tostring(k)) .. ":" .. encode(v) end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  return "null"
end

--- done(summary, latency, requests) for wrk: the sums over all threads and wrk's own counters.
function M.done(summary, latency)
  local sum = M.new()
  sum.unexpected = {}
  for _, thread in ipairs(threads) do
    for kind, n in pairs(thread:get("tally")) do
      local into = COUNTS[kind] and sum or sum.unexpected
      into[kind] = (into[kind] or 0) + n
    end
  end
  for _, kind in ipairs({ "connect", "read", "write", "timeout" }) do
    local n = summary.errors[kind]
    if n > 0 then sum.unexpected[kind] = n end
  end
  sum.completed = summary.requests
  sum.bytes = summary.bytes
  sum.duration_us = summary.duration
  sum.latency_us = {
    mean = latency.mean,
    p50 = latency:percentile(50),
    p90 = latency:percentile(90),
    p99 = latency:percentile(99),
    max = latency.max,
  }
  io.write("TALLY ", encode(sum), "\n")
end

return M
