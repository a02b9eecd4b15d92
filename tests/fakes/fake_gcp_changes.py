"""fake_gcp_changes: what fake_gcp answers to the changes the gcp plugin's actions and
provisioning make (deleting a firewall, stopping an instance, setting labels with Compute's
label fingerprint, patching, creating and deleting buckets, Cloud SQL instances and GKE
clusters), and the billing export it can write for its data set. A mixin of FakeGCP: it uses
the fake's projects, request log and error envelope (fake_gcp.google_error).
"""
import json
import re
import time
import urllib.parse

from fake_gcp_data import fingerprint


def google_error(status, message, reason=None):
    import fake_gcp  # the envelope lives with the server, which imports this module
    return fake_gcp.google_error(status, message, reason)


class GCPChanges:
    """Mutating requests and the billing export (mixed into FakeGCP)."""

    # --- changes ---

    def mutations(self):
        """The requests that asked for a change, oldest first."""
        return [r for r in self.requests() if r["method"] in ("POST", "PUT", "PATCH", "DELETE")
                and r["path"] != "/token"]

    def _operation(self, project, kind, target):
        return 200, {"kind": "compute#operation", "id": str(len(self._requests) + 1),
                     "name": "operation-%d" % (len(self._requests) + 1), "operationType": kind,
                     "targetLink": target, "status": "DONE", "progress": 100,
                     "selfLink": "https://www.googleapis.com/compute/v1/projects/%s/global/"
                                 "operations/operation-%d" % (project, len(self._requests) + 1)}

    def _change(self, record):
        """One mutating request (the lock held)."""
        method, path = record["method"], record["path"]
        self._encoded.clear()
        try:
            body = json.loads(record["body"]) if record["body"] else {}
        except ValueError:
            return google_error(400, "Invalid JSON payload received.")
        m = re.match(r"^/compute/v1/projects/([^/]+)/(global/firewalls|zones/[^/]+/instances|"
                     r"zones/[^/]+/disks)/([^/]+)(?:/(stop|setLabels))?$", path)
        if m and m.group(1) in self.projects:
            project, collection, name, verb = m.groups()
            items = {"global/firewalls": self.projects[project].firewalls}.get(
                collection, self.projects[project].instances if "instances" in collection
                else self.projects[project].disks)
            found = [i for i in items if i["name"] == name and
                     (collection == "global/firewalls" or
                      i["zone"].endswith("/" + collection.split("/")[1]))]
            if not found:
                return google_error(404, "The resource 'projects/%s/%s/%s' was not found"
                                    % (project, collection, name))
            item = found[0]
            if method == "DELETE" and verb is None and collection == "global/firewalls":
                items.remove(item)
                return self._operation(project, "delete", item["selfLink"])
            if method == "POST" and verb == "stop" and "instances" in collection:
                item["status"] = "TERMINATED"
                return self._operation(project, "stop", item["selfLink"])
            if method == "POST" and verb == "setLabels":
                if body.get("labelFingerprint") != item.get("labelFingerprint",
                                                            fingerprint(item.get("labels"))):
                    return google_error(412, "Labels fingerprint either invalid or resource "
                                             "labels have changed", "conditionNotMet")
                item["labels"] = body.get("labels") or {}
                item["labelFingerprint"] = fingerprint(item["labels"])
                return self._operation(project, "setLabels", item["selfLink"])
            return google_error(405, "Method not allowed by this fake.")
        m = re.match(r"^/storage/v1/b(?:/([^/]+))?$", path)
        if m:
            return self._change_bucket(record, method, m.group(1), body)
        m = re.match(r"^/sql/v1beta4/projects/([^/]+)/instances(?:/([^/]+))?$", path)
        if m and m.group(1) in self.projects:
            return self._create_or_delete(self.projects[m.group(1)].sql, method, m.group(2),
                                          body, m.group(1), "sqladmin")
        m = re.match(r"^/v1/projects/([^/]+)/locations/([^/]+)/clusters(?:/([^/]+))?$", path)
        if m and m.group(1) in self.projects:
            cluster = dict(body.get("cluster") or {}, location=m.group(2), status="PROVISIONING")
            return self._create_or_delete(self.projects[m.group(1)].clusters, method,
                                          m.group(3), cluster, m.group(1), "container")
        return google_error(404, "The requested URL %s was not found on this server." % path)

    def _create_or_delete(self, items, method, name, body, project, api):
        if method == "POST" and name is None:
            if not body.get("name") or any(i["name"] == body["name"] for i in items):
                return google_error(409, "The instance or operation is not in an appropriate "
                                         "state to handle the request.")
            items.append(body)
            return 200, {"kind": "sql#operation" if api == "sqladmin" else "container#operation",
                         "name": "op-%d" % len(items), "operationType": "CREATE",
                         "status": "PENDING", "targetId": body["name"]}
        if method == "DELETE" and name:
            found = [i for i in items if i["name"] == name]
            if not found:
                return google_error(404, "The resource %s does not exist." % name)
            items.remove(found[0])
            return 200, {"name": "op-delete", "operationType": "DELETE", "status": "PENDING",
                         "targetId": name}
        return google_error(405, "Method not allowed by this fake.")

    def _change_bucket(self, record, method, name, body):
        if name is None and method == "POST":
            project = self.projects.get((record["params"].get("project") or [""])[0])
            if not project:
                return google_error(400, "Invalid project.")
            if any(body.get("name") in p.iam for p in self.projects.values()):
                return google_error(409, "Your previous request to create the named bucket "
                                         "succeeded and you already own it.")
            bucket = dict(body, kind="storage#bucket", id=body.get("name"),
                          location=str(body.get("location", "US")).upper())
            project.buckets.append(bucket)
            project.iam[bucket["name"]] = {"kind": "storage#policy", "bindings": []}
            return 200, bucket
        name = urllib.parse.unquote(name or "")
        for project in self.projects.values():
            for bucket in project.buckets:
                if bucket["name"] != name:
                    continue
                if method == "DELETE":
                    project.buckets.remove(bucket)
                    del project.iam[name]
                    return 204, ""
                if method == "PATCH":
                    if "iamConfiguration" in body:
                        bucket.setdefault("iamConfiguration", {}).update(body["iamConfiguration"])
                    if "labels" in body:
                        bucket.setdefault("labels", {}).update(body["labels"])
                    return 200, bucket
        return google_error(404, "The specified bucket does not exist.")

    def write_billing_export(self, path, days=30):
        """A Cloud Billing export (JSON lines, the export's nested columns) of the last `days`
        days: one row a day per running instance (its machine type) and per disk."""
        hourly = {"e2-micro": 0.008376, "e2-medium": 0.033503, "e2-standard-2": 0.067006,
                  "n2-standard-4": 0.194236, "n1-standard-1": 0.0475}
        disk_month = {"pd-standard": 0.04, "pd-balanced": 0.1, "pd-ssd": 0.17}
        today = time.strftime("%Y-%m-%d", time.gmtime())
        start = time.mktime(time.strptime(today, "%Y-%m-%d")) - time.timezone
        with open(path, "w", encoding="utf-8") as f:
            for day in range(days, 0, -1):
                stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(start - day * 86400))
                for project in self.projects.values():
                    for vm in project.instances:
                        if vm["status"] != "RUNNING":
                            continue
                        machine = vm["machineType"].rsplit("/", 1)[1]
                        self._export_row(f, project, "Compute Engine", machine + " running",
                                         vm["zone"].rsplit("/", 1)[1][:-2],
                                         round(hourly.get(machine, 0.05) * 24, 6), stamp)
                    for disk in project.disks:
                        kind = disk["type"].rsplit("/", 1)[1]
                        self._export_row(f, project, "Compute Engine", kind + " capacity",
                                         disk["zone"].rsplit("/", 1)[1][:-2],
                                         round(disk_month[kind] * int(disk["sizeGb"]) / 30, 6),
                                         stamp)
        return path

    @staticmethod
    def _export_row(f, project, service, sku, region, cost, stamp):
        f.write(json.dumps({
            "billing_account_id": "012345-6789AB-CDEF01",
            "service": {"id": "6F81-5844-456A", "description": service},
            "sku": {"id": "sku-" + sku.replace(" ", "-"), "description": sku},
            "usage_start_time": stamp, "usage_end_time": stamp,
            "project": {"id": project.id, "number": str(project.number), "name": project.id},
            "location": {"location": region, "country": "GB", "region": region},
            "cost": cost, "currency": "USD", "cost_type": "regular",
            "usage": {"amount": 86400, "unit": "seconds"},
            "credits": [], "invoice": {"month": stamp[:7].replace("-", "")}}) + "\n")

