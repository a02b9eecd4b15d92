"""fake_gcp_data: the deterministic data set of fake_gcp, shaped as Google's API reference
shows each resource (Compute Engine v1, Cloud Storage JSON v1, GKE v1, Cloud SQL Admin
v1beta4, Resource Manager v3). Some items leave optional fields out, as real answers do.
"""
import base64
import datetime
import hashlib
import json
import random

ZONES = ("europe-west2-a", "europe-west2-b", "us-central1-a")
MACHINE_TYPES = ("e2-medium", "e2-standard-2", "n2-standard-4", "n1-standard-1", "e2-micro")
DISK_TYPES = ("pd-balanced", "pd-standard", "pd-ssd")
COMPUTE = "https://www.googleapis.com/compute/v1"


def _when(rng):
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-8)))
    moment = start + datetime.timedelta(seconds=rng.randrange(0, 600 * 86400))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000-08:00")


def _rfc3339(rng):
    start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    moment = start + datetime.timedelta(seconds=rng.randrange(0, 600 * 86400))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def fingerprint(labels):
    """A label fingerprint as Compute gives one: it changes whenever the labels do."""
    digest = hashlib.sha256(json.dumps(labels or {}, sort_keys=True).encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _labels(rng):
    labels = {}
    if rng.random() < 0.8:
        labels["owner"] = rng.choice(("platform", "data", "web"))
    if rng.random() < 0.7:
        labels["env"] = rng.choice(("prod", "staging", "dev"))
    return labels


class Project:
    """One project's resources: {kind: [raw items]}, instances and disks with their zone."""

    def __init__(self, project_id, number, per_zone, zones, seed):
        rng = random.Random("%s-%s" % (seed, project_id))
        self.id, self.number, self.zones = project_id, number, zones
        self.networks = [self._network(rng, i) for i in range(3)]
        self.firewalls = [self._firewall(rng, i) for i in range(max(5, per_zone // 20))]
        self.instances, self.disks = [], []
        for zone in zones:
            for i in range(per_zone):
                instance = self._instance(rng, zone, i)
                self.instances.append(instance)
                self.disks.append(self._disk(rng, zone, i, instance["name"]))
            self.disks.append(self._disk(rng, zone, per_zone, None))  # attached to nothing
        self.buckets = [self._bucket(rng, i) for i in range(max(4, per_zone // 25))]
        self.iam = {b["name"]: self._iam(rng, i, b["name"]) for i, b in enumerate(self.buckets)}
        self.clusters = [self._cluster(rng, i) for i in range(3)]
        self.sql = [self._sql(rng, i) for i in range(max(3, per_zone // 50))]

    def _id(self, rng):
        return str(rng.getrandbits(63))

    def _network(self, rng, i):
        name = "default" if i == 0 else "vpc-%d" % i
        item = {"kind": "compute#network", "id": self._id(rng), "name": name,
                "creationTimestamp": _when(rng), "autoCreateSubnetworks": i == 0,
                "selfLink": "%s/projects/%s/global/networks/%s" % (COMPUTE, self.id, name),
                "routingConfig": {"routingMode": "REGIONAL"}, "mtu": 1460}
        if i == 2:
            del item["creationTimestamp"]
        return item

    def _firewall(self, rng, i):
        name = "fw-%d" % i
        item = {"kind": "compute#firewall", "id": self._id(rng), "name": name,
                "creationTimestamp": _when(rng), "priority": 1000,
                "network": "%s/projects/%s/global/networks/default" % (COMPUTE, self.id),
                "direction": "INGRESS", "disabled": False,
                "selfLink": "%s/projects/%s/global/firewalls/%s" % (COMPUTE, self.id, name)}
        shape = i % 5
        if shape == 0:  # ssh from anywhere
            item.update(sourceRanges=["0.0.0.0/0"], allowed=[{"IPProtocol": "tcp",
                                                               "ports": ["22"]}])
        elif shape == 1:  # internal, every protocol
            item.update(sourceRanges=["10.128.0.0/9"], allowed=[{"IPProtocol": "all"}])
        elif shape == 2:  # web, several ports and a range, with target tags
            item.update(sourceRanges=["0.0.0.0/0", "::/0"], targetTags=["web"],
                        allowed=[{"IPProtocol": "tcp", "ports": ["80", "443", "8000-8100"]},
                                 {"IPProtocol": "icmp"}])
        elif shape == 3:  # egress deny, disabled
            item.update(direction="EGRESS", destinationRanges=["0.0.0.0/0"], priority=65534,
                        disabled=True, denied=[{"IPProtocol": "all"}])
        else:  # from tags only: no sourceRanges
            item.update(sourceTags=["bastion"], allowed=[{"IPProtocol": "tcp",
                                                          "ports": ["3389"]}])
            del item["disabled"]
        return item

    def _instance(self, rng, zone, i):
        name = "vm-%s-%d" % (zone, i)
        zone_url = "%s/projects/%s/zones/%s" % (COMPUTE, self.id, zone)
        status = "RUNNING" if rng.random() < 0.8 else "TERMINATED"
        nic = {"kind": "compute#networkInterface", "name": "nic0",
               "network": "%s/projects/%s/global/networks/default" % (COMPUTE, self.id),
               "networkIP": "10.154.%d.%d" % (i // 250 % 250, i % 250 + 2)}
        if rng.random() < 0.4:
            nic["accessConfigs"] = [{"kind": "compute#accessConfig", "type": "ONE_TO_ONE_NAT",
                                     "name": "External NAT",
                                     "natIP": "34.%d.%d.%d" % (rng.randrange(256),
                                                               rng.randrange(256),
                                                               rng.randrange(256))}]
        item = {"kind": "compute#instance", "id": self._id(rng), "name": name,
                "creationTimestamp": _when(rng), "zone": zone_url,
                "machineType": "%s/machineTypes/%s" % (zone_url, rng.choice(MACHINE_TYPES)),
                "status": status, "networkInterfaces": [nic],
                "disks": [{"kind": "compute#attachedDisk", "boot": True, "autoDelete": True,
                           "source": "%s/disks/%s" % (zone_url, name)}],
                "serviceAccounts": [{"email": "%s-compute@developer.gserviceaccount.com"
                                     % self.number,
                                     "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}],
                "metadata": {"kind": "compute#metadata", "fingerprint": "abc=",
                             "items": [{"key": "startup-script",
                                        "value": "export DB_PASSWORD=hunter2-%d" % i}]},
                "labels": _labels(rng),
                "selfLink": "%s/instances/%s" % (zone_url, name)}
        if status == "TERMINATED":
            item["lastStopTimestamp"] = _when(rng)
        if i % 13 == 3:
            del item["labels"]
            del item["metadata"]
        item["labelFingerprint"] = fingerprint(item.get("labels"))
        return item

    def _disk(self, rng, zone, i, user):
        zone_url = "%s/projects/%s/zones/%s" % (COMPUTE, self.id, zone)
        name = user or "orphan-%s-%d" % (zone, i)
        item = {"kind": "compute#disk", "id": self._id(rng), "name": name,
                "creationTimestamp": _when(rng), "sizeGb": str(rng.choice((10, 20, 100, 200))),
                "zone": zone_url, "status": "READY",
                "type": "%s/diskTypes/%s" % (zone_url, rng.choice(DISK_TYPES)),
                "labels": _labels(rng), "selfLink": "%s/disks/%s" % (zone_url, name)}
        if user:
            item["users"] = ["%s/instances/%s" % (zone_url, user)]
        if i % 11 == 4:
            item["diskEncryptionKey"] = {"kmsKeyName": "projects/%s/locations/global/keyRings/"
                                         "k/cryptoKeys/disk/cryptoKeyVersions/1" % self.id}
        return item

    def _bucket(self, rng, i):
        name = "%s-bucket-%d" % (self.id, i)
        location = rng.choice(("EUROPE-WEST2", "US", "US-CENTRAL1"))
        item = {"kind": "storage#bucket", "id": name, "name": name,
                "selfLink": "https://www.googleapis.com/storage/v1/b/" + name,
                "projectNumber": str(self.number), "metageneration": "1",
                "location": location, "locationType": "region" if "-" in location
                else "multi-region", "storageClass": "STANDARD", "etag": "CAE=",
                "timeCreated": _rfc3339(rng), "updated": _rfc3339(rng),
                "iamConfiguration": {
                    "bucketPolicyOnly": {"enabled": i % 3 != 2},
                    "uniformBucketLevelAccess": {"enabled": i % 3 != 2},
                    "publicAccessPrevention": "enforced" if i % 4 == 0 else "inherited"},
                "labels": _labels(rng)}
        if i % 3 == 2:  # fine-grained: ACLs (projection=full)
            item["acl"] = [{"kind": "storage#bucketAccessControl", "entity": "project-owners-%s"
                            % self.number, "role": "OWNER"}]
            item["defaultObjectAcl"] = [{"kind": "storage#objectAccessControl",
                                         "entity": "allUsers" if i % 6 == 5 else
                                         "project-readers-%s" % self.number, "role": "READER"}]
        if i % 2 == 1:
            item["versioning"] = {"enabled": True}
        if i % 5 == 1:
            item["retentionPolicy"] = {"retentionPeriod": "86400", "isLocked": i % 10 == 1,
                                       "effectiveTime": _rfc3339(rng)}
        if i % 7 == 3:
            item["encryption"] = {"defaultKmsKeyName": "projects/%s/locations/europe-west2/"
                                  "keyRings/k/cryptoKeys/bucket" % self.id}
        if i % 9 == 8:
            del item["labels"]
        return item

    def _iam(self, rng, i, name):
        bindings = [{"role": "roles/storage.legacyBucketOwner",
                     "members": ["projectOwner:%s" % self.id]},
                    {"role": "roles/storage.legacyBucketReader",
                     "members": ["projectViewer:%s" % self.id]}]
        if i % 4 in (0, 1):  # public grants; prevention enforced on every fourth bucket
            bindings.append({"role": "roles/storage.objectViewer",
                             "members": ["allUsers" if i % 8 < 4 else "allAuthenticatedUsers"]})
        return {"kind": "storage#policy", "resourceId": "projects/_/buckets/" + name,
                "version": 1, "etag": "CAE=", "bindings": bindings}

    def _cluster(self, rng, i):
        location = ("europe-west2", "us-central1-a", "europe-west2-b")[i % 3]
        name = "gke-%d" % i
        item = {"name": name, "location": location, "zone": location,
                "id": "%032x" % rng.getrandbits(128),
                "createTime": _rfc3339(rng), "status": "RUNNING",
                "currentMasterVersion": "1.29.%d-gke.1589" % i, "currentNodeCount": 3,
                "endpoint": "34.142.%d.%d" % (rng.randrange(256), rng.randrange(256)),
                "network": "default", "resourceLabels": _labels(rng),
                "masterAuth": {"clusterCaCertificate": "LS0tLS1CRUdJTi==",
                               "clientKey": "c2VjcmV0LWNsaWVudC1rZXk="},
                "selfLink": "https://container.googleapis.com/v1/projects/%s/locations/%s/"
                            "clusters/%s" % (self.id, location, name)}
        if i == 0:  # private endpoint, secrets encrypted
            item["privateClusterConfig"] = {"enablePrivateNodes": True,
                                            "enablePrivateEndpoint": True,
                                            "privateEndpoint": "10.0.0.2"}
            item["databaseEncryption"] = {"state": "ENCRYPTED", "keyName": "projects/%s/"
                                          "locations/europe-west2/keyRings/k/cryptoKeys/gke"
                                          % self.id}
        elif i == 1:  # public endpoint, authorized networks only
            item["masterAuthorizedNetworksConfig"] = {
                "enabled": True, "cidrBlocks": [{"displayName": "office",
                                                 "cidrBlock": "203.0.113.0/24"}]}
            item["databaseEncryption"] = {"state": "DECRYPTED"}
        return item

    def _sql(self, rng, i):
        name = "sql-%d" % i
        region = ("europe-west2", "us-central1")[i % 2]
        ip = {"ipv4Enabled": i % 3 != 0, "authorizedNetworks": []}
        if i % 3 == 1:
            ip["authorizedNetworks"] = [{"value": "0.0.0.0/0", "name": "anywhere",
                                         "kind": "sql#aclEntry"}]
        if i % 2 == 0:
            ip["sslMode"] = "ENCRYPTED_ONLY"
        item = {"kind": "sql#instance", "name": name, "project": self.id, "region": region,
                "gceZone": region + "-a", "databaseVersion": ("POSTGRES_15", "MYSQL_8_0")[i % 2],
                "state": "RUNNABLE", "createTime": _rfc3339(rng), "instanceType":
                "CLOUD_SQL_INSTANCE", "connectionName": "%s:%s:%s" % (self.id, region, name),
                "settings": {"kind": "sql#settings", "tier": ("db-f1-micro", "db-g1-small")[i % 2],
                             "availabilityType": "REGIONAL" if i % 2 else "ZONAL",
                             "dataDiskSizeGb": "20", "ipConfiguration": ip,
                             "backupConfiguration": {"enabled": i % 4 != 3},
                             "deletionProtectionEnabled": i % 2 == 0,
                             "userLabels": _labels(rng)},
                "serverCaCert": {"kind": "sql#sslCert", "commonName": "C=US,O=Google"}}
        if i % 5 == 4:
            del item["settings"]["userLabels"]
            item["diskEncryptionConfiguration"] = {"kmsKeyName": "projects/%s/locations/%s/"
                                                   "keyRings/k/cryptoKeys/sql" % (self.id, region)}
        return item
