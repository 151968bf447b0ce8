"""A request body over its limit is refused as it arrives (413), before it is parsed or spooled: a 438 MB JSON body
had been parsed whole, 3.5 GB of memory and every other request stalled, before its record count refused it."""

from __future__ import annotations

import json

from sandan.api import limits
from tests.api.world import assert_error

BASE = "/api/v1/companies/acme"


def test_a_body_over_its_limit_is_refused_declared_or_streamed_and_the_server_goes_on(world, monkeypatch):
    monkeypatch.setattr(limits, "MAX_BODY", 1 << 20)
    monkeypatch.setattr(limits, "MAX_UPLOAD_BODY", 2 << 20)
    rows = [
        {"time": "2026-03-02T08:00:00Z", "machine_id": "m1", "signal": "temp", "value": i}
        for i in range(20000)
    ]
    body = json.dumps(rows).encode()
    assert len(body) > 1 << 20
    headers = {**world.auth("a-eng"), "content-type": "application/json"}
    refused = world.client.post(f"{BASE}/ingest/readings", content=body, headers=headers)
    err = assert_error(refused, 413, "body_too_large")
    assert "1 MB" in err["message"]["en"] and "200,000" in err["message"]["ko"]
    # without a length (chunked), counted as it comes
    chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
    assert_error(
        world.client.post(f"{BASE}/ingest/readings", content=chunks, headers=headers), 413, "body_too_large"
    )
    # a file upload has its own, larger limit
    upload = world.post(
        "a-eng", f"{BASE}/imports/preview", files={"file": ("big.csv", b"x" * (3 << 20), "text/csv")}
    )
    assert_error(upload, 413, "body_too_large")
    small = world.post("a-eng", f"{BASE}/ingest/readings", json=rows[:10])
    assert small.status_code == 200, small.text
