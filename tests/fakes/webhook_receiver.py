"""webhook_receiver: a local incoming-webhook receiver for Fawkes tests, on 127.0.0.1.

It answers like the real services and records every payload:

    /slack/...       Slack incoming webhook: 200 "ok" (text/plain) for a valid payload;
                     400 "invalid_payload" / "no_text" as Slack does otherwise.
    /mattermost/...  Mattermost incoming webhook: 200 "ok"; 400 with Mattermost's JSON error.
    anything else    a generic JSON receiver: 200 {"ok": true} for any JSON object body.

Validation follows the services' documented limits (Slack: text or blocks or attachments
required; section text <= 3000 chars, <= 10 fields of <= 2000 chars each, context <= 10
elements, block types section/context/divider/header; Mattermost: text or attachments, each
attachment's fields with title/value/short). Every rejection is also listed in `problems`,
so a test can assert that Fawkes never sent an invalid payload.

    with WebhookReceiver() as hook:
        hook.fail("/slack/T1", 2)              # the next two POSTs answer 500
        ... run fawkes with url = hook.url("/slack/T1") ...
        bodies = hook.payloads("/slack/T1")    # parsed JSON of every accepted POST
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_http import FakeHTTP  # noqa: E402

SLACK_BLOCK_TYPES = {"section", "context", "divider", "header"}
TEXT_TYPES = {"mrkdwn", "plain_text"}


def _text_object(obj, limit, where):
    if not isinstance(obj, dict) or obj.get("type") not in TEXT_TYPES:
        return ["%s: a text object needs type mrkdwn or plain_text" % where]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return ["%s: text must be a non-empty string" % where]
    if len(text) > limit:
        return ["%s: text longer than %d characters" % (where, limit)]
    return []


def _slack_blocks(blocks, where):
    problems = []
    if not isinstance(blocks, list) or len(blocks) > 50:
        return ["%s: blocks must be a list of at most 50" % where]
    for i, block in enumerate(blocks):
        at = "%s[%d]" % (where, i)
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in SLACK_BLOCK_TYPES:
            problems.append("%s: unsupported block type %r" % (at, kind))
            continue
        if kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append("%s: a section needs text or fields" % at)
            if "text" in block:
                problems += _text_object(block["text"], 3000, at + ".text")
            fields = block.get("fields", [])
            if not isinstance(fields, list) or len(fields) > 10:
                problems.append("%s: at most 10 fields" % at)
            else:
                for j, field in enumerate(fields):
                    problems += _text_object(field, 2000, "%s.fields[%d]" % (at, j))
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements or len(elements) > 10:
                problems.append("%s: context needs 1 to 10 elements" % at)
            else:
                for j, element in enumerate(elements):
                    problems += _text_object(element, 3000, "%s.elements[%d]" % (at, j))
    return problems


def slack_problems(body):
    """Why Slack would reject `body` (empty when it would accept it)."""
    if not isinstance(body, dict):
        return ["invalid_payload: not a JSON object"]
    if not any(body.get(k) for k in ("text", "blocks", "attachments")):
        return ["no_text: text, blocks or attachments required"]
    problems = []
    if "text" in body and not isinstance(body["text"], str):
        problems.append("invalid_payload: text must be a string")
    if "blocks" in body:
        problems += _slack_blocks(body["blocks"], "blocks")
    attachments = body.get("attachments", [])
    if not isinstance(attachments, list) or len(attachments) > 100:
        problems.append("invalid_payload: attachments must be a list of at most 100")
        attachments = []
    for i, attachment in enumerate(attachments):
        at = "attachments[%d]" % i
        if not isinstance(attachment, dict):
            problems.append("%s: not an object" % at)
            continue
        color = attachment.get("color")
        if color is not None and not (isinstance(color, str) and (
                color in ("good", "warning", "danger") or
                (len(color) == 7 and color[0] == "#"))):
            problems.append("%s: color must be good/warning/danger or #rrggbb" % at)
        if "blocks" in attachment:
            problems += _slack_blocks(attachment["blocks"], at + ".blocks")
        elif not attachment.get("text") and not attachment.get("fallback"):
            problems.append("%s: needs blocks, text or fallback" % at)
    return problems


def mattermost_problems(body):
    """Why Mattermost would reject `body`."""
    if not isinstance(body, dict):
        return ["not a JSON object"]
    if not body.get("text") and not body.get("attachments"):
        return ["text or attachments required"]
    problems = []
    for key in ("text", "channel", "username", "icon_url"):
        if key in body and not isinstance(body[key], str):
            problems.append("%s must be a string" % key)
    for i, attachment in enumerate(body.get("attachments") or []):
        at = "attachments[%d]" % i
        if not isinstance(attachment, dict):
            problems.append("%s: not an object" % at)
            continue
        for j, field in enumerate(attachment.get("fields") or []):
            if not isinstance(field, dict) or not isinstance(field.get("title"), str) or \
                    not isinstance(field.get("short"), bool) or "value" not in field:
                problems.append("%s.fields[%d]: needs title, value and short" % (at, j))
    return problems


class WebhookReceiver:
    """A FakeHTTP whose default answer validates the payload like the real receiver."""

    def __init__(self):
        self.fake = FakeHTTP()
        self.fake.set_default(self._answer)
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

    def url(self, path):
        return self.fake.url(path)

    def fail(self, path, times, status=500):
        """The next `times` POSTs to `path` answer `status` (before any validation)."""
        self.fake.add("POST " + path, *[{"status": status, "body": "down for a test"}] * times)

    def requests(self, path=None):
        return self.fake.requests(path, method="POST")

    def payloads(self, path=None):
        """Parsed bodies of the POSTs to `path` that were accepted (answered 2xx)."""
        return [json.loads(r["body"]) for r in self.requests(path) if r.get("accepted")]

    def _answer(self, record):
        try:
            body = json.loads(record["body"])
        except ValueError:
            body = None
        path = record["path"]
        if record["method"] != "POST":
            return {"status": 405, "body": "method not allowed"}
        if path.startswith("/slack/"):
            problems = slack_problems(body)
            if problems:
                self.problems += problems
                return {"status": 400, "body": problems[0].split(":")[0]}
            record["accepted"] = True
            return {"status": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
        if path.startswith("/mattermost/"):
            problems = mattermost_problems(body)
            if problems:
                self.problems += problems
                return {"status": 400, "body": {
                    "id": "web.incoming_webhook.parse.app_error",
                    "message": "Unable to parse incoming data", "detailed_error": problems[0],
                    "status_code": 400}}
            record["accepted"] = True
            return {"status": 200, "headers": {"Content-Type": "text/plain"}, "body": "ok"}
        if not isinstance(body, dict):
            self.problems.append("%s: body is not a JSON object" % path)
            return {"status": 400, "body": {"error": "expected a JSON object"}}
        record["accepted"] = True
        return {"status": 200, "body": {"ok": True}}
