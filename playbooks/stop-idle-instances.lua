-- stop-idle-instances: stop running instances that are idle by the inventory's own evidence.
-- An instance is idle when it is running, older than min_age_days, not labelled
-- keep-running=true, and either its CPU average (attributes.cpu_avg_percent, when the
-- provider reports it) is below cpu_below, or, without that figure, its env label is one of
-- envs (non-production instances left on).
-- --var envs=dev,staging  --var min_age_days=7  --var cpu_below=5  --var provider=NAME
meta = {
  description = "Stop idle running instances (non-production or low CPU)",
  max_actions = 20,
  cooldown = "24h",
}

local lib = require("remediation")
local envs = {}
for _, e in ipairs(lib.list_arg(fawkes.args.envs, {"dev", "staging"})) do envs[e] = true end
local min_age = lib.number_arg("min_age_days", fawkes.args.min_age_days, 7, 0) * 86400
local cpu_below = lib.number_arg("cpu_below", fawkes.args.cpu_below, 5, 0)
local now = fawkes.now()

local function idle_reason(r)
  local labels = r.labels or {}
  if labels["keep-running"] == "true" then return nil end
  local created = r.created_at and fawkes.parse_time(r.created_at)
  if not created or now - created < min_age then return nil end
  local cpu = r.attributes and tonumber(r.attributes.cpu_avg_percent)
  if cpu then
    if cpu < cpu_below then return string.format("cpu average %.1f%% < %g%%", cpu, cpu_below) end
    return nil
  end
  if labels.env and envs[labels.env] then return "env=" .. labels.env .. " left running" end
  return nil
end

local stopping, manual = lib.list(), lib.list()
for r in fawkes.inventory{provider = fawkes.args.provider, kind = "compute.instance",
                          where = {state = "running"}} do
  local why = idle_reason(r)
  if why then
    local entry = {uid = r.uid, name = r.name, why = why, monthly_cost = r.monthly_cost}
    local step, not_planned = lib.try_action(r, "stop")
    if step then
      stopping[#stopping + 1] = entry
    else
      entry.fix = not_planned
      manual[#manual + 1] = entry
    end
  end
end
table.sort(stopping, function(a, b) return a.uid < b.uid end)
table.sort(manual, function(a, b) return a.uid < b.uid end)
fawkes.report{idle = #stopping + #manual, stopping = stopping, fix_by_hand = manual}
