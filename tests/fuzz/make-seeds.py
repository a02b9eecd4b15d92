#!/usr/bin/env python3
"""make-seeds.py: (re)write the seed corpora tests/fuzz/corpus/NAME from the repository's own
examples and test data (see docs/fuzzing.md). Run from anywhere; it rewrites only the
directories it makes. The audit seeds are signed logs in the documented format: they need the
private key of data/audit-ed25519.pub (not kept in the repository), so they are remade only
with --audit-key PEM (which also rewrites data/audit-ed25519.pub); without it they stay.
"""
import argparse
import base64
import glob
import hashlib
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def fresh(name):
    path = os.path.join(CORPUS, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def copy_files(name, patterns):
    out = fresh(name)
    for pattern in patterns:
        for src in sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True)):
            rel = os.path.relpath(src, ROOT).replace("/", "__")
            shutil.copyfile(src, os.path.join(out, rel))


def write(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def demo_lines(count):
    """The first `count` lines of each demo inventory file, as (name, line) pairs."""
    for path in sorted(glob.glob(os.path.join(ROOT, "examples/demo/*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            for i, line in zip(range(count), f):
                yield "%s-%d" % (os.path.basename(path).split(".")[0], i + 1), line


def snapshot_seeds():
    out = fresh("snapshot")
    for path in sorted(glob.glob(os.path.join(ROOT, "examples/demo/*.jsonl"))):
        base = os.path.basename(path).split(".")[0]
        with open(path, encoding="utf-8") as f:
            lines = [line for _, line in zip(range(12), f)]
        write(out, base + ".jsonl", "".join(lines))
        resources = [json.loads(line) for line in lines]
        write(out, base + "-doc.json", json.dumps({"resources": resources, "partial": True}))
        write(out, base + "-array.json", json.dumps(resources, indent=1))
        # blank lines, a byte order mark, indentation and one bad record
        write(out, base + "-edges.jsonl",
              "\ufeff" + lines[0] + "\n   \n  " + lines[1] + "{\"uid\": 1}\n" + lines[2])


def civo_seeds():
    out = fresh("civo")
    for path in sorted(glob.glob(os.path.join(ROOT, "plugins/civo/tests/data/*.json"))):
        base = os.path.basename(path).split(".")[0]
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        items = doc.get("items", doc) if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            items = [items]
        for i, item in enumerate(items):
            write(out, "%s-%d.json" % (base, i + 1), json.dumps(item))
        if base == "firewall_rules":
            write(out, "firewall-with-rules.json",
                  json.dumps({"id": "fw-1", "name": "web", "rules": items}))


def json_seeds(name, extra):
    out = fresh(name)
    for label, line in demo_lines(10):
        write(out, label + ".json", line.rstrip("\n"))
    for i, text in enumerate(extra):
        write(out, "edge-%d.json" % (i + 1), text)


JSON_EDGES = [
    '{"a": 1, "b": 1.5, "c": -0.0, "d": 1e300, "e": "\\u00e9\\ud83d\\ude00", "f": null}',
    '[1, [2, [3, {"x": [null, true, false]}]], {}]',
    '{"k": "tab\\tnew\\nquote\\"back\\\\slash\\/"}',
    '{"big": 9223372036854775807, "small": -9223372036854775808, "r": 0.1}',
]


def sign(key, message):
    return base64.b64encode(key.sign(message.encode())).decode()


def audit_seeds(pem):
    from cryptography.hazmat.primitives import serialization
    with open(pem, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    write(os.path.join(HERE, "data"), "audit-ed25519.pub", public)
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = hashlib.sha256(der).hexdigest()[:16]
    events = [
        {"event": "provision.planned", "instance": "civo-prod", "risk": "high",
         "token": "pt-1", "actor": {"user": "ann", "uid": 1000, "via": "cli"}},
        {"event": "http.request", "instance": "civo-prod", "method": "DELETE",
         "url": "https://api.civo.com/v2/databases/db-1", "status": 200, "attempts": 1,
         "actor": {"user": "ann", "uid": 1000, "via": "cli"}},
        {"event": "action.approved", "run_id": "r-1", "resource": "civo:a:LON1:x:1",
         "approver": {"user": "bob", "uid": 1001, "via": "api", "token": "ops"},
         "actor": {"user": "bob", "uid": 1001, "via": "api", "token": "ops"}},
        {"event": "notify.sent", "instance": "hook", "destinations": ["127.0.0.1:9"],
         "fingerprints": ["ab" * 8], "actor": {"user": "ann", "uid": 1000, "via": "cli"}},
    ]
    out = fresh("audit")

    def log(entries, signed):
        prev, seq, text = "0" * 64, 0, ""
        for seq, entry in enumerate(entries, 1):
            entry = dict(entry, seq=seq, prev=prev, time="2026-11-23T12:00:%02dZ" % seq)
            if signed:
                entry["key_id"] = kid
            entry["hash"] = hashlib.sha256(json.dumps(entry, sort_keys=True, separators=(
                ",", ":"), ensure_ascii=True).encode()).hexdigest()
            if signed:
                entry["sig"] = sign(key, "fawkes-audit-entry:v1:" + entry["hash"])
            line = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
            text += line + "\n"
            prev = hashlib.sha256(line.encode()).hexdigest()
        head = {"seq": seq, "hash": prev}
        if signed:
            head["key_id"] = kid
            head["sig"] = sign(key, "fawkes-audit-head:v1:%d:%s" % (seq, prev))
        return text, json.dumps(head)

    for signed in (False, True):
        tag = "signed" if signed else "unsigned"
        text, head = log(events, signed)
        write(out, tag + ".log", text + "\0" + head)
        write(out, tag + "-no-head.log", text)
        short, _ = log(events[:2], signed)
        write(out, tag + "-dropped-tail.log", short + "\0" + head)
        lines = text.splitlines(True)
        write(out, tag + "-reordered.log", lines[1] + lines[0] + "".join(lines[2:]) + "\0" + head)
    write(out, "empty.log", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audit-key", help="PEM private key that signs the audit seeds")
    args = parser.parse_args()
    copy_files("config", ["examples/*.yaml", "tests/data/configs/*.yaml"])
    copy_files("policy", ["examples/policies/*.yaml", "policies/**/*.yaml",
                          "tests/data/policies-bad/*.yaml", "examples/demo-exceptions.yaml"])
    copy_files("provision_spec", ["examples/aws/*.yaml", "examples/civo/*.yaml"])
    spec = os.path.join(CORPUS, "provision_spec")
    write(spec, "database-create.yaml", "name: db\nregion: LON1\nengine: mysql\nsize: g3.db.small\n"
          "nodes: 1\nversion: \"8.0\"\nnetwork_id: net-1\n")
    write(spec, "bucket-delete.json", '{"id": "b-1", "region": "LON1", "force": true}')
    snapshot_seeds()
    civo_seeds()
    json_seeds("json_fast", JSON_EDGES)
    json_seeds("luajson", JSON_EDGES + ['"a string"', "42", "null", "[]"])
    if args.audit_key:
        audit_seeds(args.audit_key)


if __name__ == "__main__":
    main()
