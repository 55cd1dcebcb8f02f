"""``/metrics`` is off unless ``KYSO_METRICS_TOKEN`` is set, then only for that bearer token
(against a running ``kyso serve``). Before: anyone read it (routes, signature and failed
verification counts, fixity audit failures).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from apitools import metric_value
from servetools import kyso_served

from api.settings import Settings

pytestmark = pytest.mark.slow
TOKEN = "prometheus-scrape-token-0123"


def test_metrics_are_off_by_default_even_from_the_same_host(tmp_path: Path) -> None:
    with kyso_served(tmp_path) as server, server.client() as client:
        answer = client.get("/metrics")
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "metrics_disabled"
        assert "kyso_" not in answer.text


def test_with_a_token_only_its_bearer_scrapes(tmp_path: Path) -> None:
    with kyso_served(tmp_path, {"KYSO_METRICS_TOKEN": TOKEN}) as server, server.client() as client:
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token-wrong-token"},
            {"Authorization": f"Basic {TOKEN}"},
            {"Authorization": "Bearer", "X-Forwarded-For": "127.0.0.1"},
            server.kyso.headers("admin"),  # an account's token is not the scrape token
        ):
            answer = client.get("/metrics", headers=headers)
            assert answer.status_code == 401, (headers, answer.text)
            assert answer.json()["error"]["code"] == "metrics_token_invalid"
        scraped = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        refused = metric_value(
            scraped.text, "kyso_http_requests_total", method="GET", route="/metrics", status="401"
        )
        assert refused == 5


def test_a_short_metrics_token_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        Settings(metrics_token="short")
    with pytest.raises(ValueError, match="at least 16 characters"):
        Settings(metrics_token="")
