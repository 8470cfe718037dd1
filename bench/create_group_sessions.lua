-- wrk script: as create_group.lua, with the requests spread round-robin over 8 sessions
-- (X-Draftmock-Session), as a team or a parallel test suite sharing one mock sends them.
math.randomseed(os.time())
local prefix = string.format("bench_%d_%d", os.time(), math.random(1000000))
local counter = 0
local sessions = 8
local headers = { ["Content-Type"] = "application/json", ["X-API-KEY"] = "pl-demo-key" }

request = function()
  counter = counter + 1
  local body = string.format('{"name": "%s_%d"}', prefix, counter)
  headers["X-Draftmock-Session"] = "bench-" .. (counter % sessions)
  return wrk.format("POST", nil, headers, body)
end
