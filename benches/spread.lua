-- benches/spread.lua — wrk script: counts answers by the worker named in the body
-- ("... worker ID ...") and prints one line at the end: `spread ID=N ID=N ... max/min R`.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  counts = {}
end

function response(status, headers, body)
  local id = body and body:match("worker (%d+)") or "none"
  counts[id] = (counts[id] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for id, n in pairs(c) do total[id] = (total[id] or 0) + n end
  end
  local ids, max, min = {}, 0, math.huge
  for id, n in pairs(total) do
    table.insert(ids, id)
    if n > max then max = n end
    if n < min then min = n end
  end
  table.sort(ids)
  local parts = {}
  for _, id in ipairs(ids) do table.insert(parts, id .. "=" .. total[id]) end
  local ratio = min > 0 and string.format("%.2f", max / min) or "-"
  io.write("spread " .. table.concat(parts, " ") .. " max/min " .. ratio .. "\n")
end
