-- benches/http_pipeline.lua: wrk script for benches/http.sh; every write is a batch of
-- DEPTH pipelined GET requests (default 16), sent before any answer is read.
--   wrk -t1 -c100 -d5s -s benches/http_pipeline.lua http://127.0.0.1:PORT/ -- [DEPTH]
-- wrk counts each answer as one request, so req/s is answers per second; a batch's
-- latency runs from its write to each of its answers.

local batch

function init(args)
  local depth = tonumber(args[1]) or 16
  if depth < 1 then
    error("pipeline depth must be at least 1, got " .. tostring(args[1]))
  end
  local reqs = {}
  for i = 1, depth do
    reqs[i] = wrk.format("GET", wrk.path)
  end
  batch = table.concat(reqs)
end

function request()
  return batch
end
