"""The public QR landing page verifies an archived document once per cache period, not on
every visit."""

from __future__ import annotations

import io

import pytest
from apitools import Kyso, citizen_signed_pdf

import api.routes.lookup
from archive.metadata import DocumentMeta


def test_repeated_visits_reuse_the_report_until_it_expires(
    kyso: Kyso, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = kyso.services.archive.put(
        io.BytesIO(citizen_signed_pdf(kyso.services)),
        dossier_code="HS-QR",
        meta=DocumentMeta(title="Giấy phép", access_level="public"),
        media_type="application/pdf",
    )
    calls = []
    real = api.routes.lookup.verify_bytes

    async def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api.routes.lookup, "verify_bytes", counting)
    for _ in range(3):
        page = kyso.client.get(f"/v/{stored.document_id}")
        assert page.status_code == 200 and "TOTAL_PASSED" in page.text
    assert len(calls) == 1
    kyso.services.report_cache.ttl = 0  # expired: the next visit checks again
    assert kyso.client.get(f"/v/{stored.document_id}").status_code == 200
    assert len(calls) == 2
