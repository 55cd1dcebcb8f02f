"""Bodies over ``KYSO_MAX_UPLOAD_MB`` sent with chunked transfer encoding (no Content-Length)
get 413 ``upload_too_large`` from a running ``kyso serve``, on every kind of route.

Before: FastAPI turned the limit's exception, raised while it parsed the form, into 400
"There was an error parsing the body".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pytest
from apitools import make_pdf
from servetools import Served, kyso_served

BOUNDARY = "kyso-limit-boundary"
LIMIT = 1024 * 1024
CHUNK = 64 * 1024
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with kyso_served(tmp_path_factory.mktemp("limits"), {"KYSO_MAX_UPLOAD_MB": "1"}) as running:
        yield running


def _multipart(size: int, fields: dict[str, str] | None = None) -> Iterator[bytes]:
    """A multipart body of about ``size`` bytes, in chunks: httpx sends it chunked."""
    for name, value in (fields or {}).items():
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()
    for _ in range(size // CHUNK):
        yield b"0" * CHUNK
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _post_chunked(
    client: httpx.Client, path: str, body: Iterator[bytes], **headers: str
) -> httpx.Response:
    request = client.build_request(
        "POST",
        path,
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **headers},
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    return client.send(request)


ROUTES = [
    ("/api/v1/verify", None, {}),
    ("/api/v1/archive/scans", "archivist", {}),
    ("/verify", None, {"csrf_token": "t"}),
    ("/api/v1/dossiers", "citizen", {"service": "s", "agency": "a", "credential_id": "c"}),
]


@pytest.mark.parametrize(("path", "role", "fields"), ROUTES, ids=[r[0] for r in ROUTES])
def test_a_chunked_upload_over_the_limit_is_413_upload_too_large(
    server: Served, path: str, role: str | None, fields: dict[str, str]
) -> None:
    headers = server.kyso.headers(role) if role else {}
    with server.client() as client:
        answer = _post_chunked(client, path, _multipart(LIMIT + 2 * CHUNK, fields), **headers)
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "upload_too_large"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_chunked_json_body_over_the_limit_is_413(server: Served) -> None:
    def body() -> Iterator[bytes]:
        yield b'{"username": "'
        for _ in range(LIMIT // CHUNK + 1):
            yield b"a" * CHUNK
        yield b'", "password": "x"}'

    with server.client() as client:
        request = client.build_request(
            "POST",
            "/api/v1/auth/token",
            content=body(),
            headers={"Content-Type": "application/json"},
        )
        answer = client.send(request)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "upload_too_large"


def test_a_chunked_upload_under_the_limit_is_read_as_usual(server: Served) -> None:
    def body() -> Iterator[bytes]:
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        yield make_pdf()
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    with server.client() as client:
        answer = _post_chunked(client, "/api/v1/verify", body())
        assert answer.status_code == 200, answer.text
        document = answer.json()["document"]  # the whole body was read
        assert document["sha256"] == hashlib.sha256(make_pdf()).hexdigest()
        assert document["size"] == len(make_pdf()) and answer.json()["signatures"] == []
        assert client.get("/health").status_code == 200  # the connection is still good
