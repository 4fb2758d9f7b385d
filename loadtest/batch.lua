-- wrk script: every request is one batch of 10 GET items (loadtest/batch-bench.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local items = {}
for i = 1, 10 do
  items[i] = string.format('{"id":"i%d","path":"/items/%d"}', i, i)
end
wrk.body = '{"requests":[' .. table.concat(items, ",") .. ']}'
