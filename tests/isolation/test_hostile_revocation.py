"""A revocation server that hangs, trickles, floods or babbles never makes a document look
forged and never wedges the verifier: the signature is INDETERMINATE / TRY_LATER with a
finding that names the responder, the next upload is answered, ``kyso verify`` exits 2."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest
from hostile import KYSO, MODES, HostileKit, Served

from tests.api.apitools import make_pdf

pytestmark = pytest.mark.slow


def _verify(served: Served, pdf: bytes) -> httpx.Response:
    return httpx.post(
        f"{served.url}/api/v1/verify",
        files={"file": ("a.pdf", pdf, "application/pdf")},
        timeout=120,
    )


def _assert_try_later(report: dict[str, object], responder: str) -> None:
    assert report["indication"] == "INDETERMINATE", report
    assert report["sub_indication"] == "TRY_LATER", report
    [signature] = report["signatures"]  # type: ignore[misc]
    assert signature["indication"] == "INDETERMINATE"
    assert signature["sub_indication"] == "TRY_LATER"
    unavailable = [f for f in signature["findings"] if f["code"] == "revocation_unavailable"]
    assert unavailable, signature["findings"]
    assert responder in unavailable[0]["message_en"], unavailable[0]


@pytest.mark.parametrize("mode", MODES)
def test_a_hostile_responder_makes_the_signature_try_later_and_the_next_upload_is_served(
    served: Served, hostile_kit: HostileKit, mode: str
) -> None:
    hostile_kit.hostile.mode = mode
    answer = _verify(served, hostile_kit.signed)
    assert answer.status_code == 200, answer.text
    _assert_try_later(answer.json(), hostile_kit.hostile.url)
    assert hostile_kit.hostile.requests > 0  # the responder was asked, not skipped
    unsigned = _verify(served, make_pdf("Giay xac nhan cu tru"))
    assert unsigned.status_code == 200, unsigned.text
    assert unsigned.json()["sub_indication"] == "SIGNED_DATA_NOT_FOUND"


@pytest.mark.parametrize("mode", ["trickle", "huge", "garbage"])
def test_kyso_verify_says_indeterminate_not_forged(
    served: Served, hostile_kit: HostileKit, mode: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    hostile_kit.hostile.mode = mode
    document = tmp_path_factory.mktemp("cli") / "signed.pdf"
    document.write_bytes(hostile_kit.signed)
    done = served.kyso("verify", str(document), "--json")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    _assert_try_later(json.loads(done.stdout), hostile_kit.hostile.url)


def test_kyso_verify_out_of_time_says_try_later_not_forged(
    served: Served, hostile_kit: HostileKit, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The child still running at its wall-clock deadline was waiting (its CPU is capped
    apart): it is killed and the document is INDETERMINATE / TRY_LATER, not FORMAT_FAILURE."""
    hostile_kit.hostile.mode = "hang"
    document = tmp_path_factory.mktemp("cli") / "signed.pdf"
    document.write_bytes(hostile_kit.signed)
    # the verifier has 3 ms of wall time beyond the 10 ms its revocation look-ups may wait:
    # far less than reading and checking the document takes, so it is still running (waiting)
    env = {**served.env, "KYSO_VERIFY_TIMEOUT_SECONDS": "0.001"}
    env["KYSO_REVOCATION_BUDGET_SECONDS"] = "0.01"
    done = subprocess.run(
        [KYSO, "verify", str(document), "--json"], env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    report = json.loads(done.stdout)
    assert (report["indication"], report["sub_indication"]) == ("INDETERMINATE", "TRY_LATER")
    assert [f["code"] for f in report["findings"]] == ["verification_incomplete"], report
