"""``kyso verify``: exit codes, JSON (against the documented schema), HTML and sealed PDF."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from api.cli.app import app
from common.subprocess_run import run
from tests.verify.conftest import Kit
from verify import Indication, verify_pdf
from verify.serialize import report_dict

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "verify-report.schema.json").read_text()
)
runner = CliRunner()


def _file(tmp_path: Path, corpus: dict[str, bytes], name: str) -> Path:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(corpus[name])
    return path


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("clean_b_b", 0),
        ("clean_three_signatures_lt", 0),
        ("attack_shadow_hide_form", 2),
        ("attack_usf_empty", 1),
        ("attack_hash", 1),
    ],
)
def test_exit_status_follows_the_verdict(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path, name: str, status: int
) -> None:
    result = runner.invoke(app, ["verify", str(_file(tmp_path, corpus, name)), "--json"])
    assert result.exit_code == status, result.output
    body = json.loads(result.stdout)
    jsonschema.validate(body, SCHEMA)
    assert body["indication"] == ("TOTAL_PASSED" if status == 0 else body["indication"])


def test_unreadable_input_exits_3_with_a_format_failure(kyso_env: Kit, tmp_path: Path) -> None:
    path = tmp_path / "not.pdf"
    path.write_bytes(b"PK\x03\x04 this is a zip file")
    result = runner.invoke(app, ["verify", str(path), "--json"])
    assert result.exit_code == 3
    body = json.loads(result.stdout)
    assert body["indication"] == "TOTAL_FAILED" and body["sub_indication"] == "FORMAT_FAILURE"
    assert body["findings"][0]["code"] == "pdf_unreadable"


def test_offline_b_b_is_indeterminate_try_later(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    path = _file(tmp_path, corpus, "clean_b_b")
    result = runner.invoke(app, ["verify", str(path), "--json", "--offline"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["sub_indication"] == "TRY_LATER"


def test_policy_file_can_lower_a_check_to_a_warning(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("name: comments-allowed\nchecks:\n  overlay_over_signed_content: WARN\n")
    path = _file(tmp_path, corpus, "attack_overlay_annotation")
    strict = runner.invoke(app, ["verify", str(path), "--json"])
    relaxed = runner.invoke(app, ["verify", str(path), "--json", "--policy", str(policy)])
    assert strict.exit_code == 2
    assert relaxed.exit_code == 0, relaxed.stdout
    body = json.loads(relaxed.stdout)
    assert body["policy"] == "comments-allowed"
    [finding] = [f for f in body["signatures"][0]["findings"] if f["code"].startswith("overlay")]
    assert finding["severity"] == "WARN"


def test_bad_policy_is_a_kyso_error(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("checks:\n  no_such_check: FAIL\n")
    result = runner.invoke(
        app, ["verify", str(_file(tmp_path, corpus, "clean_b_b")), "--policy", str(policy)]
    )
    assert result.exit_code != 0
    assert result.exception is not None and "verify_policy_invalid" in str(result.exception)


def test_json_never_carries_a_full_citizen_id(kit: Kit, corpus: dict[str, bytes]) -> None:
    for name, pdf in corpus.items():
        body = report_dict(verify_pdf(pdf, kit.options()))
        jsonschema.validate(body, SCHEMA)
        assert "001203004567" not in json.dumps(body, ensure_ascii=False), name


def test_text_report_says_the_verdict_in_vietnamese_and_english(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    path = _file(tmp_path, corpus, "clean_b_b")
    vi = runner.invoke(app, ["verify", str(path)])
    en = runner.invoke(app, ["verify", str(path), "--lang", "en"])
    assert vi.stdout.startswith("Kết luận: HỢP LỆ") and "Đặng Văn Hưởng" in vi.stdout
    assert en.stdout.startswith("Verdict: VALID")


def test_html_report_puts_the_verdict_and_signer_first(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    path = _file(tmp_path, corpus, "attack_shadow_hide_form")
    runner.invoke(app, ["verify", str(path), "--html", str(out)])
    html = out.read_text("utf-8")
    verdict = html.index("Kết luận: CHƯA XÁC ĐỊNH ĐƯỢC")
    assert verdict < html.index("Mã băm SHA-256")
    assert "Đặng Văn Hưởng" in html and "Tài liệu đã bị thay đổi sau khi ký." in html
    assert "tấn công bóng" in html and "001******567" in html


def test_pdf_report_is_sealed_and_readable_in_vietnamese(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "report.pdf"
    path = _file(tmp_path, corpus, "clean_b_b")
    result = runner.invoke(
        app, ["verify", str(path), "--pdf", str(out), "--seal", kyso_env.seal.serial]
    )
    assert result.exit_code == 0, result.output
    text = run(["pdftotext", "-layout", str(out), "-"], timeout=60).stdout.decode("utf-8")
    assert "Kết luận: HỢP LỆ" in text
    assert "Đặng Văn Hưởng" in text
    sealed = verify_pdf(out, kyso_env.options())
    assert sealed.indication is Indication.TOTAL_PASSED
    [seal] = sealed.signatures
    assert seal.signer is not None and seal.signer.organisation == "Ủy ban nhân dân phường Bến Nghé"


def test_third_party_with_only_the_root_file_verifies_online(
    kit: Kit, corpus: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a verifier that is not kyso's PKI: empty data dir, trust = the root PEM, revocation over HTTP
    monkeypatch.setenv("KYSO_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("KYSO_KEY_PASSPHRASE", "another-passphrase-0123456789")
    # the PKI's server is on loopback: the fetch policy asks it only as a trusted host
    monkeypatch.setenv("KYSO_FETCH_ALLOW_HOSTS", kit.url.removeprefix("http://"))
    path = _file(tmp_path, corpus, "clean_three_signatures_lt")
    without = runner.invoke(app, ["verify", str(path), "--json"])
    assert without.exit_code == 2
    assert json.loads(without.stdout)["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND"
    result = runner.invoke(app, ["verify", str(path), "--json", "--trust", str(kit.root_pem)])
    assert result.exit_code == 0, result.stdout
    body = json.loads(result.stdout)
    assert {e["source"] for s in body["signatures"] for e in s["revocation"]} >= {"online"}


def test_bad_time_is_a_kyso_error(kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path) -> None:
    path = _file(tmp_path, corpus, "clean_b_b")
    result = runner.invoke(app, ["verify", str(path), "--at", "yesterday"])
    assert result.exception is not None and "verify_time_invalid" in str(result.exception)


def test_english_html_report(kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    path = _file(tmp_path, corpus, "attack_usf_signature_value")
    result = runner.invoke(app, ["verify", str(path), "--html", str(out), "--lang", "en"])
    assert result.exit_code == 1
    html = out.read_text("utf-8")
    assert '<html lang="en">' in html and "Verdict: INVALID" in html
    assert "does not verify with the signer&#39;s public key" in html


def test_html_fragment_embeds_without_a_document_of_its_own(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    from verify.render import render_html

    report = verify_pdf(corpus["clean_b_b"], kit.options())
    fragment = render_html(report, "vi", standalone=False)
    assert "<html" not in fragment and "<body" not in fragment
    assert fragment.lstrip().startswith("<style>") and "Kết luận: HỢP LỆ" in fragment
    assert render_html(report).startswith("<!DOCTYPE html>")
