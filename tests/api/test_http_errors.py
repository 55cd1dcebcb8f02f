"""What a new user meets first when a request is wrong: every answer of the API, also
Starlette's own (no such path, wrong method, a body that is not multipart), is kyso's JSON error
with a stable code; and the interactive docs at /docs work under kyso's CSP without a CDN."""

from __future__ import annotations

import re

import pytest
from apitools import Kyso, make_kyso


@pytest.fixture(scope="module")
def kyso(tmp_path_factory: pytest.TempPathFactory) -> Kyso:
    return make_kyso(tmp_path_factory.mktemp("http-errors"))


def test_an_unknown_path_is_kysos_not_found_error(kyso: Kyso) -> None:
    answer = kyso.client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_a_wrong_method_is_method_not_allowed_with_its_allow_header(kyso: Kyso) -> None:
    answer = kyso.client.delete("/api/v1/verify")
    assert answer.status_code == 405
    assert answer.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in answer.headers["allow"]


def test_a_broken_multipart_body_is_invalid_request(kyso: Kyso) -> None:
    answer = kyso.client.post(
        "/api/v1/verify",
        content=b"%PDF-1.7\n" + b"\0" * 1024,
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {"code": "invalid_request", "message": "Invalid multipart data."}
    }


def test_csc_paths_keep_the_csc_error_shape(kyso: Kyso) -> None:
    answer = kyso.client.get("/csc/v1/no-such-method")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"


def test_the_api_docs_page_loads_only_kysos_own_scripts(kyso: Kyso) -> None:
    page = kyso.client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert csp.startswith("default-src 'self';") and "script-src" not in csp
    # no inline script, no other host: the policy lets each of these run
    assert re.findall(r"<script>", page.text) == []
    sources = re.findall(r'<(?:script src|link rel="\w+" href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/") for source in sources), sources
    for source in sources:
        asset = kyso.client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 100, source
    assert b"SwaggerUIBundle" in kyso.client.get("/docs/assets/swagger-ui-bundle.js").content
    start = kyso.client.get("/static/api-docs.js").text
    assert '"/api/v1/openapi.json"' in start
