-- close-open-admin-ports: remove firewall rules that open SSH (22) or RDP (3389) to the whole
-- internet (0.0.0.0/0 or ::/0), through the provider's delete_firewall_rule action.
-- Rules of providers without that action, or without a rule id, are reported for a person.
-- --var ports=22,3389   the admin ports (default 22 and 3389)
-- --var provider=NAME   only this provider instance (or provider, e.g. civo)
meta = {
  description = "Delete ingress rules that open SSH/RDP to 0.0.0.0/0 or ::/0",
  max_actions = 20,
}

local lib = require("remediation")

local admin_ports = {}
for _, p in ipairs(lib.list_arg(fawkes.args.ports, {"22", "3389"})) do
  local n = tonumber(p)
  if not n or n < 1 or n > 65535 or n % 1 ~= 0 then
    error("--var ports=" .. fawkes.args.ports .. ": expected port numbers 1-65535", 0)
  end
  admin_ports[#admin_ports + 1] = n
end

-- Does a port spec ("22", "1-65535", "all", or a list of those) cover `port`?
local function covers(ports, port)
  if ports == nil then return false end
  if type(ports) ~= "string" then
    for _, p in ipairs(ports) do
      if covers(p, port) then return true end
    end
    return false
  end
  if ports == "all" or ports == "*" then return true end
  local lo, hi = ports:match("^(%d+)%-(%d+)$")
  if lo then return tonumber(lo) <= port and port <= tonumber(hi) end
  return tonumber(ports) == port
end

local function open_to_world(cidrs)
  for _, c in ipairs(cidrs or {}) do
    if c == "0.0.0.0/0" or c == "::/0" then return true end
  end
  return false
end

local planned, manual = lib.list(), lib.list()
for fw in fawkes.inventory{provider = fawkes.args.provider, kind = "network.firewall"} do
  for _, rule in ipairs(fw.attributes.rules or {}) do
    local proto = rule.protocol
    if rule.direction == "ingress" and rule.action == "allow" and open_to_world(rule.cidrs)
        and (proto == "tcp" or proto == "all" or proto == "-1") then
      local hits = {}
      for _, port in ipairs(admin_ports) do
        if covers(rule.ports, port) then hits[#hits + 1] = port end
      end
      if #hits > 0 then
        local entry = {firewall = fw.uid, name = fw.name, rule_id = rule.id,
                       ports = rule.ports, cidrs = fawkes.json.copy(rule.cidrs),
                       admin_ports = hits}
        local step, why
        if rule.id then
          step, why = lib.try_action(fw, "delete_firewall_rule", {rule_id = rule.id})
        else
          why = "the provider gives no rule ids"
        end
        if step then
          planned[#planned + 1] = entry
        else
          entry.why = why
          manual[#manual + 1] = entry
        end
      end
    end
  end
end

fawkes.report{open_admin_rules = #planned + #manual, deleting = planned, fix_by_hand = manual}
