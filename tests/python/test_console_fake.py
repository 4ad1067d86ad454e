"""The web console in headless Chromium (tests/console/drive.js) against a fake portal API: what
the console sends when a person links, rejects or asks for a timeline, and the bearer-token prompt."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from console_driver import drive

ROOT = Path(__file__).resolve().parents[2]
CONSOLE_DIR = ROOT / "reference" / "portal" / "console"

ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/console.css": ("console.css", "text/css; charset=utf-8"),
}

STAGES = [
    ("ordered", "2026-11-22T10:00:00Z"),
    ("accessioned", "2026-11-22T10:00:04Z"),
    ("scheduled", "2026-11-22T10:05:00Z"),
    ("started", "2026-11-22T11:30:00Z"),
    ("images_received", "2026-11-22T11:42:10Z"),
]


def open_item() -> dict:
    return {
        "id": 1,
        "subject": "1.2.826.0.1.3680043.9.7.1",
        "kind": "study",
        "reason": "accession_near_miss",
        "explanation": "accession A1020 is one transposition from open order P100's accession A1002",
        "evidence": {
            "patient_id": "MRN1",
            "issuer": "HOSP",
            "accession": "A1020",
            "study_uid": "1.2.826.0.1.3680043.9.7.1",
            "modality": "CT",
            "study_date": "20261122",
            "source": "MODALITY1",
        },
        "candidates": [
            {"order_id": "P100", "accession": "A1002", "score": 90, "why": "one transposition from the study's accession"},
            {"order_id": "P101", "accession": "A1200", "score": 40, "why": "same patient, same day"},
        ],
        "state": "open",
        "order_id": "",
        "opened": "2026-11-22T10:00:00Z",
    }


@dataclass
class Request:
    method: str
    path: str
    authorization: str | None
    body: object = None


@dataclass
class FakePortal:
    """The portal's JSON API over one review item and one accession; records every API request."""

    token: str | None = None
    items: dict[int, dict] = field(default_factory=lambda: {1: open_item()})
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posts(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.method == "POST"]

    def answer(self, method: str, path: str, query: str, authorization: str | None, body: object):
        """(status, JSON) for an API request."""
        with self.lock:
            self.requests.append(Request(method, path, authorization, body))
            if self.token is not None and authorization != f"Bearer {self.token}":
                return 401, error("unauthorized", "portal", "a valid bearer token is needed")
            parts = [unquote(p) for p in path.strip("/").split("/")]
            if method == "GET" and parts == ["health"]:
                return 200, {
                    "status": "ok",
                    "review_open": sum(1 for i in self.items.values() if i["state"] == "open"),
                    "orphans": 2,
                    "dead_letters": 0,
                    "outbox_queued": 3,
                }
            if method == "GET" and parts == ["review"]:
                state = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("state", "open")
                items = [i for i in self.items.values() if state == "all" or i["state"] == state]
                return 200, {"items": items}
            if method == "POST" and len(parts) == 3 and parts[0] == "review":
                return self.resolve(parts[1], parts[2], body)
            if method == "GET" and parts == ["landing"]:
                return 200, {"accessions": ["A1002", "A0999"]}
            if method == "GET" and len(parts) == 2 and parts[0] == "landing":
                if parts[1] != "A1002":
                    return 404, error("landing_not_found", f"accession {parts[1]}", "no such accession")
                return 200, {"accession": "A1002", "stages": [{"stage": s, "at": at} for s, at in STAGES]}
            return 404, error("not_found", path, "no such endpoint")

    def resolve(self, item_id: str, action: str, body: object):
        item = self.items.get(int(item_id)) if item_id.isdigit() else None
        if item is None:
            return 404, error("review_not_found", f"review item {item_id}", "there is no such item")
        if not isinstance(body, dict) or action not in ("link", "relink", "reject"):
            return 400, error("bad_request", f"review item {item_id}", "unexpected request")
        wanted = "linked" if action == "relink" else "open"
        if item["state"] != wanted:
            return 409, error("review_conflict", f"review item {item_id}", f"the item is {item['state']}")
        if action == "reject":
            item.update(state="rejected")
        else:
            if body.get("order_id") not in [c["order_id"] for c in item["candidates"]]:
                return 409, error("review_conflict", f"review item {item_id}", "that order is not a candidate")
            item.update(state="linked", order_id=body["order_id"])
        return 200, item


def error(code: str, where: str, detail: str) -> dict:
    return {"error": {"code": code, "where": where, "detail": detail}}


def handler_for(portal: FakePortal):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: pytest shows what matters
            pass

        def reply(self, status: int, content_type: str, body: bytes, extra: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def handle_api(self, method: str):
            url = urlsplit(self.path)
            body = None
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                body = json.loads(self.rfile.read(length))
            status, answer = portal.answer(method, url.path, url.query, self.headers.get("Authorization"), body)
            extra = {"WWW-Authenticate": 'Bearer realm="radloop"'} if status == 401 else None
            self.reply(status, "application/json", json.dumps(answer).encode(), extra)

        def do_GET(self):
            asset = ASSETS.get(urlsplit(self.path).path)
            if asset:  # the console itself needs no token, as in the portal
                self.reply(200, asset[1], (CONSOLE_DIR / asset[0]).read_bytes())
            else:
                self.handle_api("GET")

        def do_POST(self):
            self.handle_api("POST")

    return Handler


@pytest.fixture()
def serve():
    """serve(portal) -> base URL; every server is shut down after the test."""
    servers = []

    def start(portal: FakePortal) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(portal))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()




def test_link_sends_one_post_with_the_chosen_order(serve):
    portal = FakePortal()
    status, result, stderr = drive(serve(portal), "", {"resolve": {"item": 1, "order_id": "P100"}})
    assert status == 0, stderr
    assert result["ok"] is True
    assert "linked to order P100" in result["status_line"]
    posts = portal.posts()
    assert [(p.path, p.body) for p in posts] == [("/review/1/link", {"order_id": "P100", "actor": "console"})]
    assert portal.items[1]["state"] == "linked"


def test_token_is_asked_for_after_a_401_and_sent_from_then_on(serve):
    portal = FakePortal(token="s3cret-token")
    status, result, stderr = drive(serve(portal), "s3cret-token", {"resolve": {"item": 1, "order_id": "P100"}})
    assert status == 0, stderr
    assert result["ok"] is True
    posts = portal.posts()
    # With a token the portal audits the token's holder: the console names nobody itself.
    assert [(p.path, p.body) for p in posts] == [("/review/1/link", {"order_id": "P100"})]
    assert posts[0].authorization == "Bearer s3cret-token"
    # The first requests went without a token and were refused; the console then asked once.
    first = portal.requests[0]
    assert first.authorization is None
    refused = [r for r in portal.requests if r.authorization != "Bearer s3cret-token"]
    assert refused and all(r.authorization is None for r in refused)


def test_a_refused_token_fails_the_run_and_changes_nothing(serve):
    portal = FakePortal(token="s3cret-token")
    status, result, stderr = drive(serve(portal), "wrong", {"resolve": {"item": 1, "order_id": "P100"}})
    assert status != 0
    assert "refused the token" in result["error"]
    assert portal.posts() == []


def test_no_token_when_one_is_needed_fails_the_run(serve):
    portal = FakePortal(token="s3cret-token")
    status, result, stderr = drive(serve(portal), "", {"resolve": {"item": 1, "order_id": "P100"}})
    assert status != 0
    assert "none was given" in result["error"]
    assert portal.posts() == []


def test_reject_sends_the_reason(serve):
    portal = FakePortal()
    status, result, stderr = drive(serve(portal), "", {"resolve": {"item": 1, "reject": "test image"}})
    assert status == 0, stderr
    assert [(p.path, p.body) for p in portal.posts()] == [
        ("/review/1/reject", {"reason": "test image", "actor": "console"})
    ]
    assert "rejected" in result["status_line"]


def test_a_refusal_shows_the_error_sentence(serve):
    portal = FakePortal()
    portal.items[1]["candidates"].append({"order_id": "P999", "accession": "A9", "score": 1, "why": "stale"})
    # The fake refuses orders it does not list; drop P999 after the page shows it.
    original = portal.resolve

    def refuse(item_id, action, body):
        portal.items[1]["candidates"] = [c for c in portal.items[1]["candidates"] if c["order_id"] != "P999"]
        return original(item_id, action, body)

    portal.resolve = refuse
    status, result, stderr = drive(serve(portal), "", {"resolve": {"item": 1, "order_id": "P999"}})
    assert status != 0
    assert result["ok"] is False
    assert "review item 1: that order is not a candidate (review_conflict)" in result["status_line"]
    assert len(portal.posts()) == 1


def test_landing_shows_each_stage_in_order_with_durations(serve):
    portal = FakePortal()
    status, result, stderr = drive(serve(portal), "", {"landing": "A1002"})
    assert status == 0, stderr
    assert [(s["stage"], s["at"]) for s in result["stages"]] == STAGES
    assert result["stages"][0]["after_previous"] is None
    assert result["stages"][1]["after_previous"] == "+4 s after Ordered"
    assert result["stages"][3]["after_previous"] == "+1 h 25 min after Scheduled"
    assert result["stages"][4]["shown"] == "2026-11-22 11:42:10 UTC"
    assert "5 of 8 stages" in result["summary"]


def test_landing_for_an_unknown_accession_fails(serve):
    portal = FakePortal()
    status, result, stderr = drive(serve(portal), "", {"landing": "NOPE"})
    assert status != 0
    assert "no such accession" in result["summary"]
