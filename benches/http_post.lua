-- benches/http_post.lua: wrk script for benches/http.sh; each request is a POST with a
-- body of SIZE bytes (default 1024) that an echo server sends back.
--   wrk -t1 -c100 -d5s -s benches/http_post.lua http://127.0.0.1:PORT/ -- [SIZE]
-- The request is built once (wrk adds Content-Length); only the server's work is timed.

function init(args)
  local size = tonumber(args[1]) or 1024
  if size < 0 then
    error("body size must not be negative, got " .. tostring(args[1]))
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/octet-stream"
  wrk.body = string.rep("x", size)
end
