-- wrk script: a new dataset group per request (unique names), so every request writes state.
math.randomseed(os.time())
local prefix = string.format("bench_%d_%d", os.time(), math.random(1000000))
local counter = 0
local headers = { ["Content-Type"] = "application/json", ["X-API-KEY"] = "pl-demo-key" }

request = function()
  counter = counter + 1
  local body = string.format('{"name": "%s_%d"}', prefix, counter)
  return wrk.format("POST", nil, headers, body)
end
