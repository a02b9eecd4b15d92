-- count-public-buckets.lua: a report-only playbook: which storage buckets are public, per provider.
-- Run: ./build/fawkes -c examples/demo.yaml playbook run examples/playbooks/count-public-buckets.lua
meta = { description = "Count public storage buckets per provider" }

local per_provider = {}
for bucket in fawkes.inventory{ kind = "storage.bucket", where = { public = true } } do
  local entry = per_provider[bucket.provider] or { count = 0, buckets = {} }
  entry.count = entry.count + 1
  entry.buckets[#entry.buckets + 1] = bucket.uid
  per_provider[bucket.provider] = entry
end
for provider, entry in pairs(per_provider) do
  fawkes.report{ provider = provider, public_buckets = entry.count, uids = entry.buckets }
end
