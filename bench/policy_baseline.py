#!/usr/bin/env python3
"""policy_baseline.py: the Python 3 baseline for bench/policy_eval.sh.

Usage: bench/policy_baseline.py POLICY_DIR INPUT.jsonl [--now RFC3339] [--limit N] [--decisions]

Applies the same policies to the same documents the way a typical Python policy engine
does: the policy YAML is loaded into plain dicts and lists (PyYAML, the JSON-equivalent
form), paths are split once at load and walked generically over each parsed document,
conditions are interpreted recursively with three-valued logic, regexes are compiled once,
and every rule yields a decision dict with its rendered message. It implements the part of
docs/policy.md the starter pack uses (every operator in policies/, match/exclude, `some`,
`[*]` with any/all, `$.`, `@`, `$now`, message templates, audit mode, rule severities) and
refuses a policy that needs more, so both engines always judge by the same rules.

Prints one JSON object, the same shape bench/policy_bench.c prints:
  {"documents", "decisions", "effects", "rules", "parse_seconds", "eval_seconds",
   "eval_cpu_seconds", "wall_seconds", "peak_rss_kib", "policies", "rule_count"}
Evaluation is timed per document (wall clock and process CPU time); parsing and counting
the decisions per rule are outside it, as in the C driver.

With --decisions it also writes every decision as one JSON line to stdout, with the same
keys in the same order as `fawkes policy eval -o jsonl` (the decision's, then "input" as
FILE:LINE and the document's "uid"), UTF-8 unescaped as jansson writes it, and the summary
above to stderr: over bench/gen_resources.py's estate the two outputs hold the same lines
(in another order when fawkes judges on several threads), so an end-to-end comparison of
the two commands compares the same work.
Standard library plus PyYAML (Debian: python3-yaml).
"""
import argparse
import calendar
import datetime
import fnmatch
import glob
import json
import math
import os
import re
import resource
import sys
import time

try:
    import yaml
except ImportError:
    sys.exit("policy_baseline.py: needs PyYAML (Debian: apt-get install python3-yaml)")

UNDECIDED = None
SEGMENT = re.compile(r'"([^"]*)"|\[(\*|-?\d+)\]|([^.\[\]"\s]+)')
TEMPLATE = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")
DURATION = re.compile(r"^(\d+)(s|m|h|d|w|mo|y)$")
VERSION = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Unsupported(Exception):
    pass


# ---- paths ----

def parse_path(text):
    """'a.b[*].c' -> ('doc'|'root'|'self'|'now', [segments]); '*' is a wildcard."""
    if text == "$now":
        return ("now", [])
    if text == "@":
        return ("self", [])
    base = "doc"
    if text.startswith("$."):
        base, text = "root", text[2:]
    segments = []
    for quoted, index, key in SEGMENT.findall(text):
        if index:
            segments.append("*" if index == "*" else int(index))
        else:
            segments.append(quoted if quoted or not key else key)
    return (base, segments)


def walk(value, segments, i=0):
    """Every value the path reaches; [] when it reaches none."""
    while i < len(segments):
        seg = segments[i]
        if seg == "*":
            if isinstance(value, list):
                items = value
            elif isinstance(value, dict):
                items = list(value.values())
            else:
                return []
            out = []
            for item in items:
                out.extend(walk(item, segments, i + 1))
            return out
        if isinstance(seg, int):
            if not isinstance(value, list) or not -len(value) <= seg < len(value):
                return []
            value = value[seg]
        else:
            if not isinstance(value, dict) or seg not in value:
                return []
            value = value[seg]
        i += 1
    return [value]


def resolve(path, env):
    base, segments = path
    if base == "now":
        return [env["now_text"]]
    if base == "self":
        return [env["element"]]
    return walk(env["root"] if base == "root" else env["element"], segments)


# ---- typed values ----

def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def json_equal(a, b):
    if is_number(a) and is_number(b):
        return a == b
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return a == b


TIME_OPS = ("older_than", "newer_than", "expires_within", "expired", "before", "after",
            "time_between", "weekday_in")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def parse_time(text):
    if not isinstance(text, str):
        return None
    try:
        if len(text) == 10:
            return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.timezone.utc)
        stamp = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else None


def add_duration(stamp, duration):
    count, unit = duration
    if unit in ("mo", "y"):
        months = stamp.month - 1 + count * (12 if unit == "y" else 1)
        year, month = stamp.year + months // 12, months % 12 + 1
        day = min(stamp.day, calendar.monthrange(year, month)[1])
        return stamp.replace(year=year, month=month, day=day)
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit]
    return stamp + datetime.timedelta(seconds=count * seconds)


def parse_version(text):
    m = VERSION.match(text) if isinstance(text, str) else None
    if not m:
        return None
    pre = m.group(4)
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else None
    return (int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)), ids


def version_cmp(a, b):
    if a[0] != b[0]:
        return -1 if a[0] < b[0] else 1
    if a[1] == b[1]:
        return 0
    if a[1] is None:
        return 1
    if b[1] is None:
        return -1
    return -1 if a[1] < b[1] else 1


def port_ranges(spec):
    """A port spec as [(lo, hi)], or None when it is not one."""
    if isinstance(spec, list):
        out = []
        for item in spec:
            ranges = port_ranges(item)
            if ranges is None:
                return None
            out.extend(ranges)
        return out
    if is_number(spec) and spec == int(spec):
        return [(int(spec), int(spec))]
    if isinstance(spec, str):
        s = spec.strip().lower()
        if s in ("all", "any", "*", "-1"):
            return [(0, 65535)]
        m = re.match(r"^(\d+)(?:-(\d+))?$", s)
        if m:
            return [(int(m.group(1)), int(m.group(2) or m.group(1)))]
    return None


# ---- conditions: compiled into closures over the policy's values ----

def compile_test(cond):
    ops = [k for k in cond if k not in ("path", "for", "ignore_case", "unit")]
    if len(ops) != 1:
        raise Unsupported("a test needs exactly one operator: %r" % cond)
    op, arg = ops[0], cond[ops[0]]
    fold = bool(cond.get("ignore_case"))
    path = parse_path(cond["path"])
    every = cond.get("for") == "all"

    def folded(v):
        return v.lower() if fold and isinstance(v, str) else v

    # time tests: with `unit: s` or `unit: ms` a number is seconds or milliseconds since 1970
    epoch = {"s": 1, "ms": 0.001}.get(cond.get("unit")) if op in TIME_OPS else None

    def as_time(v):
        if epoch and is_number(v):
            seconds = math.floor(v * epoch)
            if not -1e13 < seconds < 1e13:
                return None
            return EPOCH + datetime.timedelta(seconds=seconds)
        return parse_time(v)

    if op == "eq":
        want = folded(arg)
        one = lambda v: json_equal(folded(v), want)
    elif op == "ne":
        want = folded(arg)
        one = lambda v: not json_equal(folded(v), want)
    elif op in ("in", "not_in"):
        wants = [folded(a) for a in arg]
        hit = lambda v: any(json_equal(folded(v), w) for w in wants)
        one = hit if op == "in" else (lambda v: not hit(v))
    elif op == "contains":
        want = folded(arg)
        def one(v):
            if isinstance(v, str):
                return want in folded(v) if isinstance(want, str) else UNDECIDED
            if isinstance(v, list):
                return any(json_equal(folded(x), want) for x in v)
            return UNDECIDED
    elif op in ("starts_with", "ends_with"):
        want = folded(arg)
        def one(v):
            if not isinstance(v, str):
                return UNDECIDED
            return folded(v).startswith(want) if op == "starts_with" else folded(v).endswith(want)
    elif op == "regex":
        rx = re.compile(arg, re.I if fold else 0)
        one = lambda v: bool(rx.search(v)) if isinstance(v, str) else UNDECIDED
    elif op in ("gt", "ge", "lt", "le"):
        cmp = {"gt": lambda a: a > arg, "ge": lambda a: a >= arg,
               "lt": lambda a: a < arg, "le": lambda a: a <= arg}[op]
        one = lambda v: cmp(v) if is_number(v) else UNDECIDED
    elif op in ("older_than", "newer_than"):
        m = DURATION.match(str(arg))
        duration = (int(m.group(1)), m.group(2))
        def one(v, env=None):
            stamp = as_time(v)
            if stamp is None:
                return UNDECIDED
            shifted = add_duration(stamp, duration)
            return shifted < env["now"] if op == "older_than" else shifted > env["now"]
        one.needs_env = True
    elif op == "expired":
        def one(v, env=None):
            stamp = as_time(v)
            return UNDECIDED if stamp is None else (stamp <= env["now"]) == bool(arg)
        one.needs_env = True
    elif op == "time_between":
        start, end = [int(t[:2]) * 60 + int(t[3:]) for t in arg]
        def one(v):
            stamp = as_time(v)
            if stamp is None:
                return UNDECIDED
            minute = stamp.hour * 60 + stamp.minute
            return start <= minute < end if start <= end else (minute >= start or minute < end)
    elif op == "weekday_in":
        days = {WEEKDAYS.index(d) for d in arg}
        def one(v):
            stamp = as_time(v)
            return UNDECIDED if stamp is None else stamp.weekday() in days
    elif op.startswith("version_"):
        want = parse_version(arg)
        test = {"version_lt": lambda c: c < 0, "version_le": lambda c: c <= 0,
                "version_gt": lambda c: c > 0, "version_ge": lambda c: c >= 0,
                "version_eq": lambda c: c == 0}[op]
        def one(v):
            have = parse_version(v)
            return UNDECIDED if have is None else test(version_cmp(have, want))
    elif op == "ports_include":
        wanted = arg if isinstance(arg, list) else [arg]
        def one(v):
            ranges = port_ranges(v)
            if ranges is None:
                return UNDECIDED
            return any(lo <= p <= hi for p in wanted for lo, hi in ranges)
    elif op in ("present", "absent", "empty"):
        def on_missing():
            return {"present": not arg, "absent": bool(arg), "empty": bool(arg)}[op]
        def one(v):
            if op == "empty":
                return (v in ("", [], {})) == bool(arg)
            return bool(arg) if op == "present" else not arg
    else:
        raise Unsupported("operator %r is not in the baseline" % op)

    needs_env = getattr(one, "needs_env", False)
    if op in ("present", "absent", "empty"):
        missing_result = on_missing()
    elif op == "eq":
        missing_result = arg is None
    else:
        missing_result = False

    def run(env):
        values = [v for v in resolve(path, env) if v is not None]
        if not values:
            return missing_result
        results = [one(v, env) if needs_env else one(v) for v in values]
        return combine_all(results) if every else combine_any(results)
    return run


def combine_any(results):
    if True in results:
        return True
    return UNDECIDED if UNDECIDED in results else False


def combine_all(results):
    if False in results:
        return False
    return UNDECIDED if UNDECIDED in results else True


def compile_condition(cond):
    if isinstance(cond, list):
        parts = [compile_condition(c) for c in cond]
        return lambda env: combine_all([p(env) for p in parts])
    if "all" in cond:
        parts = [compile_condition(c) for c in cond["all"]]
        return lambda env: combine_all([p(env) for p in parts])
    if "any" in cond:
        parts = [compile_condition(c) for c in cond["any"]]
        return lambda env: combine_any([p(env) for p in parts])
    if "not" in cond:
        part = compile_condition(cond["not"])
        def negate(env):
            r = part(env)
            return UNDECIDED if r is UNDECIDED else not r
        return negate
    for quantifier in ("some", "every", "none"):
        if quantifier in cond:
            path = parse_path(cond["path"])
            inner = compile_condition(cond[quantifier])
            def quantify(env, path=path, inner=inner, quantifier=quantifier):
                values = [v for v in resolve(path, env) if v is not None]
                if values and not isinstance(values[0], list):
                    return UNDECIDED
                items = values[0] if values else []
                results = [inner(dict(env, element=item)) for item in items]
                if quantifier == "some":
                    return combine_any(results)
                if quantifier == "every":
                    return combine_all(results)
                r = combine_any(results)
                return UNDECIDED if r is UNDECIDED else not r
            return quantify
    return compile_test(cond)


# ---- policies ----

def compile_selector(sel):
    """match/exclude -> function(doc, env) -> bool."""
    checks = []
    for field in ("kind", "provider", "region", "account", "name"):
        globs = sel.get(field, sel.get(field + "s"))
        if globs is not None:
            globs = [globs] if isinstance(globs, str) else globs
            checks.append(lambda d, e, f=field, g=globs: isinstance(d.get(f), str) and
                          any(fnmatch.fnmatchcase(d[f], x) for x in g))
    for key, globs in (sel.get("labels") or {}).items():
        globs = [globs] if isinstance(globs, str) else globs
        checks.append(lambda d, e, k=key, g=globs:
                      isinstance(d.get("labels"), dict) and isinstance(d["labels"].get(k), str)
                      and any(fnmatch.fnmatchcase(d["labels"][k], x) for x in g))
    if "when" in sel:
        cond = compile_condition(sel["when"])
        checks.append(lambda d, e: cond(e) is True)
    return lambda d, e: all(c(d, e) for c in checks)


def compile_template(text):
    parts, last = [], 0
    for m in TEMPLATE.finditer(text):
        parts.append(text[last:m.start()])
        parts.append(parse_path(m.group(1)))
        last = m.end()
    parts.append(text[last:])
    return parts


def render(parts, env):
    out = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        values = [v for v in resolve(part, env) if v is not None]
        if not values:
            out.append("(missing)")
        else:
            out.append(", ".join(v if isinstance(v, str) else
                                 json.dumps(v, separators=(",", ":")) for v in values))
    return "".join(out)


def load_policies(directory):
    policies = []
    files = sorted(glob.glob(os.path.join(directory, "**", "*.yaml"), recursive=True) +
                   glob.glob(os.path.join(directory, "**", "*.yml"), recursive=True))
    for path in files:
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if not isinstance(doc, dict) or doc.get("kind") == "PolicyTest":
                    continue
                if doc.get("kind") != "Policy":
                    raise Unsupported("%s: %s documents are not in the baseline"
                                      % (path, doc.get("kind")))
                policies.append(compile_policy(doc))
    return policies


def compile_policy(doc):
    title = doc.get("title", doc["name"])
    policy = {
        "name": doc["name"], "title": title, "severity": doc.get("severity", "medium"),
        "compliance": doc.get("compliance", []), "mode": doc.get("mode", "enforce"),
        "remediation": doc.get("remediation"),
        "match": compile_selector(doc["match"]) if "match" in doc else None,
        "exclude": compile_selector(doc["exclude"]) if "exclude" in doc else None,
        "rules": [],
    }
    for rule in doc["rules"]:
        policy["rules"].append({
            "name": rule["name"], "effect": rule.get("effect", "deny"),
            "when": compile_condition(rule["when"]),
            "message": compile_template(rule.get("message", title)),
            "severity": rule.get("severity", policy["severity"]),
            "remediation": rule.get("remediation", policy["remediation"]),
        })
    return policy


def evaluate(policies, doc, now, now_text):
    env = {"root": doc, "element": doc, "now": now, "now_text": now_text}
    decisions = []
    for p in policies:
        if p["match"] and not p["match"](doc, env):
            continue
        if p["exclude"] and p["exclude"](doc, env):
            continue
        for rule in p["rules"]:
            result = rule["when"](env)
            if result is True:
                effect = "warn" if p["mode"] == "audit" else rule["effect"]
                reason = render(rule["message"], env)
            elif result is False:
                effect = "allow"
                reason = "ok: %s (rule %s does not apply)" % (p["title"], rule["name"])
            else:
                effect = "error"
                reason = "%s: a value has the wrong type for its operator" % rule["name"]
            decision = {"effect": effect, "policy": p["name"], "rule": rule["name"],
                        "reason": reason, "severity": rule["severity"],
                        "compliance": p["compliance"], "title": p["title"]}
            if rule["remediation"] is not None:
                decision["remediation"] = rule["remediation"]
            decisions.append(decision)
    return decisions


def main():
    parser = argparse.ArgumentParser(description="Python baseline policy engine.")
    parser.add_argument("policy_dir")
    parser.add_argument("input")
    parser.add_argument("--now", default=os.environ.get("FAWKES_NOW"),
                        help="evaluation time, RFC 3339 (default: FAWKES_NOW, else the clock)")
    parser.add_argument("--limit", type=int, default=0, help="read at most N documents")
    parser.add_argument("--decisions", action="store_true",
                        help="write every decision as a JSON line to stdout (with input and uid, "
                             "as `fawkes policy eval -o jsonl` does) and the summary to stderr")
    args = parser.parse_args()
    out = sys.stdout
    try:
        policies = load_policies(args.policy_dir)
    except Unsupported as e:
        sys.exit("policy_baseline.py: %s" % e)
    now = parse_time(args.now) if args.now else datetime.datetime.now(datetime.timezone.utc)
    now_text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    effects = {"deny": 0, "warn": 0, "allow": 0, "error": 0}
    rules = {}
    documents = total = 0
    parse_seconds = eval_seconds = eval_cpu = 0.0
    wall = time.perf_counter()
    with open(args.input, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            t0 = time.perf_counter()
            doc = json.loads(line)
            t1, c1 = time.perf_counter(), time.process_time()
            decisions = evaluate(policies, doc, now, now_text)
            eval_cpu += time.process_time() - c1
            eval_seconds += time.perf_counter() - t1
            parse_seconds += t1 - t0
            for d in decisions:
                if args.decisions:
                    written = dict(d, input="%s:%d" % (args.input, lineno))
                    if isinstance(doc.get("uid"), str):
                        written["uid"] = doc["uid"]
                    out.write(json.dumps(written, separators=(",", ":"), ensure_ascii=False)
                              + "\n")
                effects[d["effect"]] += 1
                per_rule = rules.setdefault(d["policy"] + "." + d["rule"], {})
                per_rule[d["effect"]] = per_rule.get(d["effect"], 0) + 1
            total += len(decisions)
            documents += 1
            if args.limit and documents >= args.limit:
                break
    print(json.dumps({
        "documents": documents, "decisions": total, "effects": effects, "rules": rules,
        "parse_seconds": parse_seconds, "eval_seconds": eval_seconds, "eval_cpu_seconds": eval_cpu,
        "wall_seconds": time.perf_counter() - wall,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "policies": len(policies), "rule_count": sum(len(p["rules"]) for p in policies),
    }, sort_keys=True, separators=(",", ":")), file=sys.stderr if args.decisions else sys.stdout)


if __name__ == "__main__":
    main()
