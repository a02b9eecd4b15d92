-- remediation.lua: helpers the shipped playbooks share: plan an action only where the
-- resource's provider offers it (others are reported for a person to fix), and read --var
-- values.
local M = {}

-- Plan action `name` on resource `r` when its provider instance offers it for r's kind.
-- Returns the planned step, or nil and why not: the instance's plugin has no actions (e.g.
-- a snapshot), lacks this one, or not for this kind. These are refusals fawkes.action raises
-- before anything is planned, so catching them changes nothing; any other error (bad
-- params, a limit) is raised again. A failed provider dry run returns nil, reason as
-- fawkes.action does (and the run ends partial).
function M.try_action(r, name, params)
  local ok, step, reason = pcall(fawkes.action, r, name, params)
  if ok then return step, reason end
  local message = tostring(step)
  if message:find("has no actions", 1, true) or message:find("has no action '", 1, true)
      or message:find("does not apply to", 1, true) then
    return nil, (message:gsub("^fawkes%.action: ", ""))
  end
  error(step, 0)
end

-- A new empty list that encodes as [] in the report even when nothing is added (a plain
-- empty table encodes as {}; see fawkes.json in docs/lua.md).
function M.list()
  return fawkes.json.decode("[]")
end

-- A comma-separated --var value as a list (empty strings dropped); `default` when absent.
function M.list_arg(value, default)
  if value == nil then return default end
  local out = {}
  for item in string.gmatch(value, "[^,]+") do
    item = item:match("^%s*(.-)%s*$")
    if item ~= "" then out[#out + 1] = item end
  end
  return out
end

-- A --var value as a number >= min; raises a clear error otherwise.
function M.number_arg(name, value, default, min)
  if value == nil then return default end
  local n = tonumber(value)
  if not n or n < min then
    error(string.format("--var %s=%s: expected a number >= %s", name, value, min), 0)
  end
  return n
end

return M
