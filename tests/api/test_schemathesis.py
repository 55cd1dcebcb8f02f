"""schemathesis drives every documented operation with generated input: no server error."""

from __future__ import annotations

import os
from pathlib import Path

import schemathesis
from apitools import make_kyso
from hypothesis import HealthCheck, settings

_kyso = None


def _app():  # type: ignore[no-untyped-def]
    global _kyso
    import tempfile

    if _kyso is None:
        _kyso = make_kyso(Path(tempfile.mkdtemp(prefix="kyso-st-")))
    return _kyso.client.app


schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _app())


#: generated requests per operation: a bounded run in `make test`, more in `make fuzz`
EXAMPLES = int(os.environ.get("KYSO_FUZZ_EXAMPLES", "25"))


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
    assert _kyso is not None
    for role in (None, "admin"):
        response = case.call(headers=_kyso.headers(role))
        assert response.status_code < 500, (case.method, case.path, response.text[:500])
