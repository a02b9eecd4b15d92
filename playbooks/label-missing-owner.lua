-- label-missing-owner: find instances without an `owner` label and tag them with a default
-- owner (owner=TEAM) so someone answers for them; the report lists each with its provider.
-- --var owner=TEAM (default: unassigned)  --var provider=NAME  --var kinds=compute.instance
meta = {
  description = "Tag instances that have no owner label with owner=<team>",
  max_actions = 25,
}

local lib = require("remediation")
local owner = fawkes.args.owner or "unassigned"
if not owner:match("^[%w_.@-]+$") then
  error("--var owner=" .. owner .. ": expected letters, digits, _ . @ - (no spaces)", 0)
end
local kinds = lib.list_arg(fawkes.args.kinds, {"compute.instance"})

local tagging, manual = lib.list(), lib.list()
for r in fawkes.inventory{provider = fawkes.args.provider, kind = kinds} do
  local labels = r.labels
  if labels == nil or labels.owner == nil or labels.owner == "" then
    local entry = {uid = r.uid, name = r.name, provider = r.provider}
    local step, not_planned = lib.try_action(r, "add_tag", {tag = "owner=" .. owner})
    if step then
      tagging[#tagging + 1] = entry
    else
      entry.fix = not_planned
      manual[#manual + 1] = entry
    end
  end
end
table.sort(tagging, function(a, b) return a.uid < b.uid end)
table.sort(manual, function(a, b) return a.uid < b.uid end)
fawkes.report{missing_owner = #tagging + #manual, owner = owner, tagging = tagging,
              fix_by_hand = manual}
