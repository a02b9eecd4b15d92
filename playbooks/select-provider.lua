-- select-provider: rank AWS, GCP and Civo for a workload from the capability matrix in
-- lib/capabilities.lua. Requirements come as JSON in --var requirements='{...}' (what
-- `fawkes select --requirements FILE` passes after checking the file). Keys:
--   cpu, memory_gb, storage_gb, regions, features, compliance, max_monthly_cost, priority
-- Scores (each 0..1) are weighted: cost 0.4, features 0.3, regions 0.2, compliance 0.1,
-- shifted by priority (cost|performance|compliance|latency|balanced). See docs/select.md.
meta = {description = "Rank cloud providers for a workload, with the score breakdown"}

local caps = require("capabilities")

-- A list that encodes as [] even when empty (a plain empty table encodes as {}).
local function new_list() return fawkes.json.decode("[]") end

local WEIGHTS = {
  balanced = {cost = 0.4, features = 0.3, regions = 0.2, compliance = 0.1},
  cost = {cost = 0.6, features = 0.2, regions = 0.1, compliance = 0.1},
  performance = {cost = 0.2, features = 0.5, regions = 0.2, compliance = 0.1},
  compliance = {cost = 0.2, features = 0.2, regions = 0.1, compliance = 0.5},
  latency = {cost = 0.2, features = 0.2, regions = 0.5, compliance = 0.1},
}
local DIMENSIONS = {"cost", "features", "regions", "compliance"}

local function fail(fmt, ...) error("requirements: " .. string.format(fmt, ...), 0) end

if not fawkes.args.requirements then
  fail("none given; run `fawkes select --requirements FILE` or pass --var requirements='{...}'")
end
local ok, req = pcall(fawkes.json.decode, fawkes.args.requirements)
if not ok or type(req) ~= "table" then fail("expected a JSON object, got %s", tostring(req)) end

local function number(key, min, default)
  local v = req[key]
  if v == nil then return default end
  if type(v) ~= "number" or v < min then
    fail("/%s: %s: expected a number >= %s, got %s", key, key, min, tostring(v))
  end
  return v
end
local function list(key, known)
  local v = req[key]
  if v == nil then return new_list() end
  if type(v) ~= "table" then fail("/%s: %s: expected a list of names", key, key) end
  for i, item in ipairs(v) do
    if type(item) ~= "string" then fail("/%s/%d: %s[%d]: expected a string", key, i - 1, key, i) end
    if known and not known[item] then
      local names = {}
      for name in pairs(known) do names[#names + 1] = name end
      table.sort(names)
      fail("/%s/%d: %s[%d]: expected one of %s, got %q", key, i - 1, key, i,
           table.concat(names, ", "), item)
    end
  end
  return v
end

local need = {
  cpu = number("cpu", 1, 1),
  memory_gb = number("memory_gb", 0, 0),
  storage_gb = number("storage_gb", 0, 0),
  max_monthly_cost = number("max_monthly_cost", 0, nil),
  regions = list("regions"),
  features = list("features", caps.known("features")),
  compliance = list("compliance", caps.known("compliance")),
  priority = req.priority or "balanced",
}
local weights = WEIGHTS[need.priority]
if not weights then
  fail("/priority: priority: expected cost, performance, compliance, latency or balanced, got %s", tostring(need.priority))
end

local function round(x) return math.floor(x * 1000 + 0.5) / 1000 end
local function money(x) return string.format("$%.2f", x) end
local function set_of(items)
  local s = {}
  for _, v in ipairs(items) do s[v] = true end
  return s
end

-- The cheapest size with enough CPU and memory, and its monthly cost with the storage.
local function cheapest(p)
  local best
  for _, size in ipairs(p.sizes) do
    if size.cpu >= need.cpu and size.memory_gb >= need.memory_gb then
      local monthly = size.monthly + need.storage_gb * p.storage_gb_month
      if not best or monthly < best.monthly then
        best = {size = size.name, cpu = size.cpu, memory_gb = size.memory_gb,
                monthly = math.floor(monthly * 100 + 0.5) / 100}
      end
    end
  end
  return best
end

-- Required names (features or certifications) the provider has / lacks.
local function coverage(have, wanted)
  local s, missing = set_of(have), new_list()
  for _, w in ipairs(wanted) do
    if not s[w] then missing[#missing + 1] = w end
  end
  local score = #wanted == 0 and 1 or (#wanted - #missing) / #wanted
  return score, missing
end

-- A required region is met by a region id (any case), a country code or an area.
local function region_coverage(p)
  local missing, matched = new_list(), new_list()
  for _, want in ipairs(need.regions) do
    local w, hit = want:lower(), nil
    for _, r in ipairs(p.regions) do
      if r.id:lower() == w or r.country == w or r.area == w then
        hit = hit or r.id
      end
    end
    if not hit then
      missing[#missing + 1] = want
    elseif not set_of(matched)[hit] then
      matched[#matched + 1] = hit
    end
  end
  local score = #need.regions == 0 and 1 or (#need.regions - #missing) / #need.regions
  return score, missing, matched
end

local names = {}
for name in pairs(caps.providers) do names[#names + 1] = name end
table.sort(names)

local candidates, lowest = {}, nil
for _, name in ipairs(names) do
  local c = {provider = name, title = caps.providers[name].name, choice = cheapest(caps.providers[name])}
  if c.choice and (not lowest or c.choice.monthly < lowest) then lowest = c.choice.monthly end
  candidates[#candidates + 1] = c
end

for _, c in ipairs(candidates) do
  local p = caps.providers[c.provider]
  local scores, detail, blockers = {}, {}, new_list()
  if c.choice then
    scores.cost = lowest / c.choice.monthly
    detail.cost = string.format("%s (%d vCPU, %g GB) %s a month", c.choice.size, c.choice.cpu,
                                c.choice.memory_gb, money(c.choice.monthly))
    if need.max_monthly_cost and c.choice.monthly > need.max_monthly_cost then
      blockers[#blockers + 1] = string.format("over budget: %s a month > max %s",
                                              money(c.choice.monthly), money(need.max_monthly_cost))
    end
  else
    scores.cost = 0
    detail.cost = "no size fits"
    blockers[#blockers + 1] = string.format("no size with %d vCPU and %g GB memory", need.cpu, need.memory_gb)
  end
  local missing
  scores.features, missing = coverage(p.features, need.features)
  c.missing_features = missing
  detail.features = #missing == 0 and "all required features" or "lacks " .. table.concat(missing, ", ")
  local matched
  scores.regions, missing, matched = region_coverage(p)
  c.missing_regions, c.regions = missing, matched
  detail.regions = #missing == 0 and ("serves " .. (#matched > 0 and table.concat(matched, ", ") or "any region"))
                   or "no region for " .. table.concat(missing, ", ")
  scores.compliance, missing = coverage(p.compliance, need.compliance)
  c.missing_compliance = missing
  detail.compliance = #missing == 0 and "all required certifications" or "lacks " .. table.concat(missing, ", ")
  if #missing > 0 then
    blockers[#blockers + 1] = "not certified for " .. table.concat(missing, ", ")
  end
  local total = 0
  c.breakdown = {}
  for _, d in ipairs(DIMENSIONS) do
    local points = scores[d] * weights[d]
    total = total + points
    c.breakdown[d] = {score = round(scores[d]), weight = weights[d], points = round(points), detail = detail[d]}
  end
  c.score = round(total)
  c.eligible = #blockers == 0
  c.blockers = blockers
end

table.sort(candidates, function(a, b)
  if a.eligible ~= b.eligible then return a.eligible end
  if a.score ~= b.score then return a.score > b.score end
  return a.provider < b.provider
end)

local winner = candidates[1]
for rank, c in ipairs(candidates) do
  c.rank = rank
  if rank > 1 then
    local why = new_list()
    for _, b in ipairs(c.blockers) do why[#why + 1] = b end
    for _, d in ipairs(DIMENSIONS) do
      local mine, theirs = c.breakdown[d], winner.breakdown[d]
      if mine.points < theirs.points then
        why[#why + 1] = string.format("%s: %.3f vs %.3f points (%s; %s: %s)", d, mine.points,
                                      theirs.points, mine.detail, winner.provider, theirs.detail)
      end
    end
    if #why == 0 then
      why[1] = string.format("tied with %s at %.3f; ranked by name", winner.provider, winner.score)
    end
    c.why_not = why
  end
end

fawkes.report{
  requirements = need,
  priority = need.priority,
  weights = weights,
  matrix_as_of = caps.as_of,
  winner = winner.eligible and winner.provider or nil,
  ranking = candidates,
}
