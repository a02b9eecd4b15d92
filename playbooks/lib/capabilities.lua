-- capabilities.lua: the capability matrix select-provider scores AWS, GCP and Civo from.
--
-- as_of: 2026-11-23. Figures are on-demand list prices in USD for Linux, per month of 730
-- hours, in one reference region per provider (AWS us-east-1, GCP us-central1, Civo LON1),
-- without discounts, taxes, egress or support plans. They were copied by hand from the
-- providers' public pages below (no network at build time, so they are not fetched live):
-- prices change, so check them and update `as_of` when you edit this file.
--   AWS:  https://aws.amazon.com/ec2/pricing/on-demand/ , https://aws.amazon.com/ebs/pricing/
--         https://aws.amazon.com/about-aws/global-infrastructure/regions_az/
--         https://aws.amazon.com/compliance/programs/
--   GCP:  https://cloud.google.com/compute/vm-instance-pricing , https://cloud.google.com/compute/disks-image-pricing
--         https://cloud.google.com/about/locations , https://cloud.google.com/security/compliance
--   Civo: https://www.civo.com/pricing , https://www.civo.com/docs/overview/regions
--         https://www.civo.com/trust
-- Region `country` is an ISO 3166 code (lower case), `area` one of north-america, europe,
-- asia-pacific, south-america. Features and compliance use the names in docs/select.md.
local M = {as_of = "2026-11-23", currency = "USD", hours_per_month = 730}

M.providers = {
  aws = {
    name = "Amazon Web Services",
    storage_gb_month = 0.08,  -- EBS gp3
    sizes = {
      {name = "t3.micro", cpu = 2, memory_gb = 1, monthly = 7.59},
      {name = "t3.small", cpu = 2, memory_gb = 2, monthly = 15.18},
      {name = "t3.medium", cpu = 2, memory_gb = 4, monthly = 30.37},
      {name = "m5.large", cpu = 2, memory_gb = 8, monthly = 70.08},
      {name = "r5.large", cpu = 2, memory_gb = 16, monthly = 91.98},
      {name = "c5.xlarge", cpu = 4, memory_gb = 8, monthly = 124.10},
      {name = "m5.xlarge", cpu = 4, memory_gb = 16, monthly = 140.16},
      {name = "m5.2xlarge", cpu = 8, memory_gb = 32, monthly = 280.32},
      {name = "m5.4xlarge", cpu = 16, memory_gb = 64, monthly = 560.64},
    },
    regions = {
      {id = "us-east-1", city = "N. Virginia", country = "us", area = "north-america"},
      {id = "us-west-2", city = "Oregon", country = "us", area = "north-america"},
      {id = "ca-central-1", city = "Montreal", country = "ca", area = "north-america"},
      {id = "eu-west-1", city = "Dublin", country = "ie", area = "europe"},
      {id = "eu-west-2", city = "London", country = "gb", area = "europe"},
      {id = "eu-central-1", city = "Frankfurt", country = "de", area = "europe"},
      {id = "ap-south-1", city = "Mumbai", country = "in", area = "asia-pacific"},
      {id = "ap-southeast-1", city = "Singapore", country = "sg", area = "asia-pacific"},
      {id = "ap-northeast-1", city = "Tokyo", country = "jp", area = "asia-pacific"},
      {id = "ap-southeast-2", city = "Sydney", country = "au", area = "asia-pacific"},
      {id = "sa-east-1", city = "Sao Paulo", country = "br", area = "south-america"},
    },
    features = {"kubernetes", "managed_database", "object_storage", "gpu", "serverless",
                "spot_instances", "private_interconnect", "ipv6", "load_balancer"},
    compliance = {"soc2", "iso27001", "iso27017", "iso27018", "pci-dss", "hipaa", "fedramp",
                  "gdpr", "c5"},
  },
  gcp = {
    name = "Google Cloud",
    storage_gb_month = 0.10,  -- pd-balanced
    sizes = {
      {name = "e2-small", cpu = 2, memory_gb = 2, monthly = 12.23},
      {name = "e2-medium", cpu = 2, memory_gb = 4, monthly = 24.46},
      {name = "e2-standard-2", cpu = 2, memory_gb = 8, monthly = 48.91},
      {name = "e2-highmem-2", cpu = 2, memory_gb = 16, monthly = 66.02},
      {name = "e2-standard-4", cpu = 4, memory_gb = 16, monthly = 97.83},
      {name = "e2-standard-8", cpu = 8, memory_gb = 32, monthly = 195.66},
      {name = "e2-standard-16", cpu = 16, memory_gb = 64, monthly = 391.32},
    },
    regions = {
      {id = "us-central1", city = "Iowa", country = "us", area = "north-america"},
      {id = "us-east1", city = "South Carolina", country = "us", area = "north-america"},
      {id = "northamerica-northeast1", city = "Montreal", country = "ca", area = "north-america"},
      {id = "europe-west1", city = "St. Ghislain", country = "be", area = "europe"},
      {id = "europe-west2", city = "London", country = "gb", area = "europe"},
      {id = "europe-west3", city = "Frankfurt", country = "de", area = "europe"},
      {id = "asia-south1", city = "Mumbai", country = "in", area = "asia-pacific"},
      {id = "asia-southeast1", city = "Singapore", country = "sg", area = "asia-pacific"},
      {id = "asia-northeast1", city = "Tokyo", country = "jp", area = "asia-pacific"},
      {id = "australia-southeast1", city = "Sydney", country = "au", area = "asia-pacific"},
      {id = "southamerica-east1", city = "Sao Paulo", country = "br", area = "south-america"},
    },
    features = {"kubernetes", "managed_database", "object_storage", "gpu", "serverless",
                "spot_instances", "private_interconnect", "ipv6", "load_balancer"},
    compliance = {"soc2", "iso27001", "iso27017", "iso27018", "pci-dss", "hipaa", "fedramp",
                  "gdpr", "c5"},
  },
  civo = {
    name = "Civo",
    storage_gb_month = 0.10,  -- block volumes
    sizes = {
      {name = "g3.xsmall", cpu = 1, memory_gb = 1, monthly = 5.00},
      {name = "g3.small", cpu = 1, memory_gb = 2, monthly = 10.00},
      {name = "g3.medium", cpu = 2, memory_gb = 4, monthly = 20.00},
      {name = "g3.large", cpu = 4, memory_gb = 8, monthly = 40.00},
      {name = "g3.xlarge", cpu = 6, memory_gb = 16, monthly = 80.00},
      {name = "g3.2xlarge", cpu = 8, memory_gb = 32, monthly = 160.00},
    },
    regions = {
      {id = "LON1", city = "London", country = "gb", area = "europe"},
      {id = "FRA1", city = "Frankfurt", country = "de", area = "europe"},
      {id = "NYC1", city = "New York", country = "us", area = "north-america"},
      {id = "PHX1", city = "Phoenix", country = "us", area = "north-america"},
      {id = "MUM1", city = "Mumbai", country = "in", area = "asia-pacific"},
    },
    features = {"kubernetes", "managed_database", "object_storage", "gpu", "load_balancer"},
    compliance = {"iso27001", "gdpr", "g-cloud"},
  },
}

-- Every feature and certification some provider lists: the names a requirements file may use.
function M.known(field)
  local set = {}
  for _, p in pairs(M.providers) do
    for _, v in ipairs(p[field]) do set[v] = true end
  end
  return set
end

return M
