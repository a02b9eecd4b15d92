-- lua_iterate.lua: the Lua side of bench/lua_iterate.c. Times fawkes.inventory over the
-- resources the bench hands in (provider "bench"), three ways, and reports CPU seconds.
meta = { description = "bench: iterate the inventory through Lua callbacks" }

local function timed(fn)
  local best
  for _ = 1, tonumber(fawkes.args.runs or "3") do
    collectgarbage("collect")
    local start = os.clock()
    local n = fn()
    local seconds = os.clock() - start
    if not best or seconds < best.seconds then best = { seconds = seconds, matched = n } end
  end
  return best
end

local bare = timed(function()
  local n = 0
  for _ in fawkes.inventory{ provider = "bench" } do n = n + 1 end
  return n
end)

local callback = timed(function()
  local n = 0
  for _ in fawkes.inventory{ provider = "bench", where = function(r)
    return r.kind == "compute.instance" and r.state == "running" and r.labels.env == "prod"
  end } do
    n = n + 1
  end
  return n
end)

local table_filter = timed(function()
  local n = 0
  for _ in fawkes.inventory{ provider = "bench", kind = "compute.instance",
                             where = { state = "running", ["labels.env"] = "prod" } } do
    n = n + 1
  end
  return n
end)

fawkes.report{ bare = bare, callback = callback, table_filter = table_filter }
