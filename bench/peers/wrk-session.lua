-- The seed's session for wrk: login, five page views, a transaction, with a check on every status.
-- Usage: wrk -t1 -c50 -d10s -s bench/peers/wrk-session.lua http://127.0.0.1:PORT
--
-- wrk's Lua API has no per-connection state: request() is called per thread whenever any connection is
-- ready, so the seven requests rotate across the thread's connections rather than running in order on
-- each one, and response() cannot tell which request it answers. The check is therefore "status is 200
-- or 201" (the two statuses the session expects), not the exact status per step as the other tools check.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local json = { ["Content-Type"] = "application/json" }
  local login = wrk.format("POST", "/api/login", json, '{"username":"user-1","password":"demo"}')
  local browse = wrk.format("GET", "/api/data")
  local transaction = wrk.format("POST", "/api/transaction", json, '{"amount":42}')
  session = { login, browse, browse, browse, browse, browse, transaction }
  step = 0
  responses = 0
  failed = 0
end

function request()
  step = step % #session + 1
  return session[step]
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 and status ~= 201 then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local n, f = 0, 0
  for _, thread in ipairs(threads) do
    n = n + thread:get("responses")
    f = f + thread:get("failed")
  end
  io.write(string.format("checks: %d responses, %d failed\n", n, f))
end
