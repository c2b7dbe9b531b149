-- wrk script: POST the body in $BODY_FILE (a JSON-RPC message) to the URL's
-- path, with the headers MCP clients send; $AUTH, when set, is the value of
-- the Authorization header, and $CLOSE=1 asks for a new connection per
-- request (Connection: close; wrk reconnects when the server closes).
wrk.method = "POST"
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
local auth = os.getenv("AUTH")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end
if os.getenv("CLOSE") == "1" then
  wrk.headers["Connection"] = "close"
end

-- Count answers other than 200, so a run that measures errors is caught.
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\"p50_us\":%d,\"p99_us\":%d,\"requests\":%d,\"errors\":%d}\n",
    latency:percentile(50), latency:percentile(99), summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
