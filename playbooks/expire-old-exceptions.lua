-- expire-old-exceptions: a report of the policy exceptions (kind: PolicyException, see
-- docs/policy.md) that have expired or expire within `days`, found where they matter: on
-- the resources they cover. Every resource is judged by the policy instances named in
-- --var policies=a,b (default: every instance of the `policy` plugin in the config, whatever
-- its name); decisions carrying `exception` (still in force) or
-- `expired_exception` tell which exception, its owner, ticket and expiry. Changes nothing.
-- --var days=30  --var policies=NAME,...  --var provider=NAME
meta = {description = "Report policy exceptions that expired or expire soon"}

local lib = require("remediation")
local days = lib.number_arg("days", fawkes.args.days, 30, 0)
local policies = lib.list_arg(fawkes.args.policies, nil)
if not policies then
  policies = {}
  for _, instance in ipairs(fawkes.instances{section = "policies", plugin = "policy"}) do
    policies[#policies + 1] = instance.name
  end
  if #policies == 0 then
    error("no instance of the policy plugin in the config: add one under policies:, or name "
          .. "the policy instances to ask with --var policies=NAME,...")
  end
end
local now = fawkes.now()
local horizon = now + days * 86400

local by_id = {}
local function note(exc, state, decision, resource)
  local e = by_id[exc.id]
  if not e then
    local expires = fawkes.parse_time(exc.expires)
    e = {id = exc.id, owner = exc.owner, reason = exc.reason, ticket = exc.ticket,
         expires = exc.expires, state = state, policy = decision.policy, resources = {},
         days_left = expires and math.floor((expires - now) / 86400) or nil}
    by_id[exc.id] = e
  end
  local seen = false
  for _, uid in ipairs(e.resources) do seen = seen or uid == resource.uid end
  if not seen then e.resources[#e.resources + 1] = resource.uid end
end

for r in fawkes.inventory{provider = fawkes.args.provider} do
  for _, policy in ipairs(policies) do
    for _, d in ipairs(fawkes.evaluate(policy, r)) do
      if d.expired_exception then
        note(d.expired_exception, "expired", d, r)
      elseif d.exception then
        local expires = fawkes.parse_time(d.exception.expires)
        if expires and expires <= horizon then note(d.exception, "expiring", d, r) end
      end
    end
  end
end

local expired, expiring = lib.list(), lib.list()
for _, e in pairs(by_id) do
  table.sort(e.resources)
  if e.state == "expired" then expired[#expired + 1] = e else expiring[#expiring + 1] = e end
end
local function by_expiry(a, b)
  if a.expires ~= b.expires then return a.expires < b.expires end
  return a.id < b.id
end
table.sort(expired, by_expiry)
table.sort(expiring, by_expiry)
for _, e in ipairs(expired) do
  fawkes.log.warn("exception", e.id, "expired", e.expires, "owner", e.owner)
end
fawkes.report{days = days, expired = expired, expiring = expiring}
