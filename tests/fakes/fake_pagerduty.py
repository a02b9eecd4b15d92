"""fake_pagerduty: a local PagerDuty Events API v2 endpoint for Fawkes tests (127.0.0.1).

POST /v2/enqueue validates the event as PagerDuty documents it
(https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ and resolve-events):

  routing_key   string of 32 characters (required)
  event_action  trigger | acknowledge | resolve (required)
  dedup_key     string of at most 255 characters (required for acknowledge and resolve)
  payload       required for trigger: summary (string, 1..1024), source (non-empty string),
                severity (critical | error | warning | info) required; timestamp (ISO 8601),
                component, group, class (strings), custom_details (any JSON) optional
  client, client_url, links, images  optional; any other top-level key is rejected

Valid: 202 {"status": "success", "message": "Event processed", "dedup_key": KEY} (a trigger
without dedup_key gets a generated one). Invalid: 400 {"status": "invalid event", "message":
"Event object is invalid", "errors": [...]}. The fake keeps alerts by dedup_key
(`alerts[key]` is "triggered" or "resolved") and every event in `events`; `problems` lists
every rejection, so a test can assert that Fawkes never sent an invalid event.

    with FakePagerDuty() as pd:
        pd.fail(2, 503)            # the next two events answer 503
        url = pd.url()             # http://127.0.0.1:PORT/v2/enqueue
"""
import datetime
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_http import FakeHTTP  # noqa: E402

SEVERITIES = {"critical", "error", "warning", "info"}
ACTIONS = {"trigger", "acknowledge", "resolve"}
TOP_LEVEL = {"routing_key", "event_action", "dedup_key", "payload", "client", "client_url",
             "links", "images"}
PAYLOAD = {"summary", "source", "severity", "timestamp", "component", "group", "class",
           "custom_details"}


def event_problems(event):
    """Why PagerDuty would reject `event` (empty when valid)."""
    if not isinstance(event, dict):
        return ["the body is not a JSON object"]
    errors = []
    for key in sorted(set(event) - TOP_LEVEL):
        errors.append("unknown field '%s'" % key)
    key = event.get("routing_key")
    if not isinstance(key, str) or len(key) != 32:
        errors.append("'routing_key' must be a 32 character string")
    action = event.get("event_action")
    if action not in ACTIONS:
        errors.append("'event_action' must be one of trigger, acknowledge, resolve")
    dedup = event.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or not dedup or len(dedup) > 255):
        errors.append("'dedup_key' must be a string of 1 to 255 characters")
    if action in ("acknowledge", "resolve") and dedup is None:
        errors.append("'dedup_key' is required for %s events" % action)
    if action == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            return errors + ["'payload' is required for trigger events"]
        for field in sorted(set(payload) - PAYLOAD):
            errors.append("unknown field 'payload.%s'" % field)
        summary = payload.get("summary")
        if not isinstance(summary, str) or not summary or len(summary) > 1024:
            errors.append("'payload.summary' must be a string of 1 to 1024 characters")
        if not isinstance(payload.get("source"), str) or not payload.get("source"):
            errors.append("'payload.source' is required")
        if payload.get("severity") not in SEVERITIES:
            errors.append("'payload.severity' must be one of critical, error, warning, info")
        stamp = payload.get("timestamp")
        if stamp is not None:
            try:
                datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            except (AttributeError, ValueError):
                errors.append("'payload.timestamp' must be an ISO 8601 date-time")
        for field in ("component", "group", "class"):
            if field in payload and not isinstance(payload[field], str):
                errors.append("'payload.%s' must be a string" % field)
    return errors


class FakePagerDuty:
    """FakeHTTP serving /v2/enqueue like PagerDuty's Events API v2."""

    def __init__(self):
        self.fake = FakeHTTP()
        self.fake.set_default(self._answer)
        self.events = []
        self.alerts = {}
        self.problems = []

    def start(self):
        self.fake.start()
        return self

    def stop(self):
        self.fake.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def url(self):
        return self.fake.url("/v2/enqueue")

    def fail(self, times, status=503):
        """The next `times` events answer `status` (and are not processed)."""
        self.fake.add("POST /v2/enqueue", *[{"status": status, "body": {
            "status": "error", "message": "fake outage"}}] * times)

    def _answer(self, record):
        if record["method"] != "POST" or record["path"] != "/v2/enqueue":
            return {"status": 404, "body": {"status": "not found"}}
        if "application/json" not in record["headers"].get("content-type", ""):
            self.problems.append("Content-Type is not application/json")
            return {"status": 400, "body": {"status": "invalid event",
                                            "message": "Event object is invalid",
                                            "errors": ["Content-Type must be application/json"]}}
        try:
            event = json.loads(record["body"])
        except ValueError:
            event = None
        errors = event_problems(event)
        if errors:
            self.problems += errors
            return {"status": 400, "body": {"status": "invalid event",
                                            "message": "Event object is invalid",
                                            "errors": errors}}
        key = event.get("dedup_key") or uuid.uuid4().hex
        self.events.append(event)
        action = event["event_action"]
        if action == "trigger":
            self.alerts[key] = "triggered"
        elif action == "resolve" and key in self.alerts:
            self.alerts[key] = "resolved"
        return {"status": 202, "body": {"status": "success", "message": "Event processed",
                                        "dedup_key": key}}
