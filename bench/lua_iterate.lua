-- lua_iterate.lua: the playbook bench/lua_scale.sh runs through `fawkes playbook run`.
-- It iterates fawkes.inventory{} over every resource of the config (the snapshot provider
-- "bench") and reports how many it saw, the wall seconds of the listing (the first
-- fawkes.inventory call lists the provider into the run's spill file) and of the pass. With
-- --var filters=1 it also times the two ways of filtering, a Lua callback and the table
-- form, which must match the same resources.
meta = { description = "bench: iterate the inventory" }

local report = {}
local start = fawkes.now()
local step, state, control, closing = fawkes.inventory{}
report.listing = { seconds = fawkes.now() - start }

local function timed(fn)
  local t0 = fawkes.now()
  local n = fn()
  return { seconds = fawkes.now() - t0, matched = n }
end

report.all = timed(function()
  local n = 0
  for r in step, state, control, closing do
    if r.uid then n = n + 1 end
  end
  return n
end)

if fawkes.args.filters == "1" then
  report.callback = timed(function()
    local n = 0
    for _ in fawkes.inventory{ where = function(r)
      return r.kind == "compute.instance" and r.state == "running" and r.labels.env == "prod"
    end } do
      n = n + 1
    end
    return n
  end)
  report.table_filter = timed(function()
    local n = 0
    for _ in fawkes.inventory{ kind = "compute.instance",
                               where = { state = "running", ["labels.env"] = "prod" } } do
      n = n + 1
    end
    return n
  end)
end

fawkes.report(report)
