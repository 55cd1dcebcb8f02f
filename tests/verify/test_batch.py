"""``kyso verify A.pdf B.pdf dir/``: one line per document, a summary, the worst status; one
reusable limited verifier whose revocation answers serve the whole batch."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from api.cli.app import app
from api.cli.verify_batch import worst_status
from certs.keys import SignatureScheme
from certs.revcache import RevocationCache
from signing.options import Level, SignOptions
from signing.pades import PadesSigner
from signing.signer import SigningKey
from tests.verify.conftest import Kit
from tests.verify.corpus import original
from tests.verify.foreign import endesive_sign
from tests.verify.foreign_keys import ForeignSigner, foreign_signer, self_signed_signer
from tests.verify.test_hostile_input import _bomb_revision
from verify import Indication, Limits, SubIndication, ValidationReport, verify_pdf
from verify.batch import BatchVerifier
from verify.batchcache import BatchCache
from verify.isolate import verify_isolated

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "verify-report.schema.json").read_text()
)
runner = CliRunner()


def _folder(tmp_path: Path, corpus: dict[str, bytes], names: list[str]) -> Path:
    folder = tmp_path / "batch"
    folder.mkdir()
    for index, name in enumerate(names):
        (folder / f"{index:02d}-{name}.pdf").write_bytes(corpus[name])
    return folder


def test_a_batch_gives_a_line_per_document_a_summary_and_the_worst_status(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    folder = _folder(tmp_path, corpus, ["clean_b_b", "attack_hash", "attack_shadow_hide_form"])
    (folder / "03-zip.PDF").write_bytes(b"PK\x03\x04 this is a zip file")
    (folder / "notes.txt").write_text("not a PDF name: left out")
    missing = tmp_path / "missing.pdf"
    result = runner.invoke(app, ["verify", str(folder), str(missing), "--lang", "en"])
    assert result.exit_code == 1, result.output  # a TOTAL_FAILED outranks everything else
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [
        "passed", "failed", "indeterminate", "unreadable", "error"
    ]  # fmt: skip
    assert "VALID (TOTAL_PASSED)" in lines[0] and "00-clean_b_b.pdf" in lines[0]
    assert "(TOTAL_FAILED / HASH_FAILURE)" in lines[1]
    assert "(TOTAL_FAILED / FORMAT_FAILURE)" in lines[3]
    assert "[verify_file_missing]" in lines[4]
    assert lines[-1].endswith(
        "5 documents: 1 passed, 1 failed, 1 indeterminate, 1 unreadable, 1 error; exit 1"
    )


def test_a_batch_in_json_is_one_line_per_document_then_the_summary(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    folder = _folder(tmp_path, corpus, ["clean_b_b", "clean_b_b"])
    (folder / "zz.pdf").write_bytes(b"not a pdf")
    result = runner.invoke(app, ["verify", str(folder), "--json"])
    assert result.exit_code == 3, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    for line in lines[:-1]:
        jsonschema.validate(line["report"], SCHEMA)
    assert [line["exit_code"] for line in lines[:-1]] == [0, 0, 3]
    assert lines[-1] == {"summary": {"documents": 3, "passed": 2, "failed": 0,
                                     "indeterminate": 0, "unreadable": 1, "error": 0,
                                     "exit_code": 3}}  # fmt: skip


def test_report_files_take_one_document(kyso_env: Kit, tmp_path: Path) -> None:
    result = runner.invoke(app, ["verify", str(tmp_path), "--html", str(tmp_path / "r.html")])
    assert result.exit_code != 0
    assert isinstance(result.exception, Exception)
    assert getattr(result.exception, "code", "") == "verify_batch_option"


def test_the_worst_status_ranks_failed_unreadable_error_indeterminate_passed() -> None:
    assert worst_status([]) == 0
    assert worst_status([0, 2, 0]) == 2
    assert worst_status([2, 4]) == 4
    assert worst_status([4, 3, 2]) == 3
    assert worst_status([0, 3, 1, 4]) == 1


def _copies(tmp_path: Path, pdf: bytes, count: int) -> list[Path]:
    paths = [tmp_path / f"copy-{index}.pdf" for index in range(count)]
    for path in paths:
        path.write_bytes(pdf)
    return paths


def _asked_during(kit: Kit, action: object) -> int:
    """Revocation requests the kit's HTTP responder answered while ``action`` ran."""
    asked = kit.server.asked
    before = len(asked)
    assert callable(action)
    action()
    return len(asked) - before


def test_revocation_answers_are_fetched_once_per_batch(
    kit: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    paths = _copies(tmp_path, corpus["clean_b_b"], 4)

    def one() -> None:
        assert verify_isolated(paths[0], kit.options()).passed

    def batch(options_cache: RevocationCache | None) -> None:
        with BatchVerifier(kit.options(revocation_cache=options_cache)) as verifier:
            assert all(verifier.verify(path).passed for path in paths)

    single = _asked_during(kit, one)
    assert single >= 1  # the leaf's OCSP (and the CA's) over HTTP
    assert _asked_during(kit, lambda: batch(RevocationCache())) == single
    assert _asked_during(kit, lambda: batch(None)) == 4 * single  # without the cache: each asks


def test_a_hostile_document_does_not_stop_the_batch(
    kit: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    good = corpus["clean_b_b"]
    paths = _copies(tmp_path, good, 3)
    paths[1].write_bytes(_bomb_revision(good, 1 << 30))  # 1 GiB of spaces, ~1 MB packed
    limits = Limits(max_memory_bytes=256 << 20, timeout_seconds=10)
    with BatchVerifier(kit.options(limits=limits)) as verifier:
        reports = [verifier.verify(path) for path in paths]
    assert reports[0].passed and reports[2].passed
    assert reports[1].indication is not Indication.TOTAL_PASSED


def test_a_verifier_that_dies_is_replaced_for_the_next_document(
    kit: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    paths = _copies(tmp_path, corpus["clean_b_b"], 2)
    with BatchVerifier(kit.options()) as verifier:
        assert verifier.verify(paths[0]).passed
        child = verifier._child
        assert child is not None and child[0].pid is not None
        os.kill(child[0].pid, signal.SIGKILL)
        child[0].join(timeout=5)
        assert verifier.verify(paths[1]).passed
        assert verifier.started == 2


class _Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def test_a_kept_crl_is_served_until_its_next_update_or_the_age_limit(kit: Kit) -> None:
    from asn1crypto import crl

    certificate_list = crl.CertificateList.load(kit.revocation.crl("citizen"))
    next_update = certificate_list["tbs_cert_list"]["next_update"].native
    clock = _Clock()
    cache = RevocationCache(max_age=60, clock=clock)
    cache.keep_crl("http://ca.example/c.crl", certificate_list)
    assert cache.find_crl("http://ca.example/c.crl") is certificate_list
    clock.now += 61
    assert cache.find_crl("http://ca.example/c.crl") is None  # older than max_age
    long_lived = RevocationCache(max_age=10 * 86400, clock=clock)
    long_lived.keep_crl("http://ca.example/c.crl", certificate_list)
    clock.now = (next_update + timedelta(seconds=1)).timestamp()
    assert long_lived.find_crl("http://ca.example/c.crl") is None  # past its nextUpdate
    own = RevocationCache(uncached_prefixes=("http://kyso.example/",))
    own.keep_crl("http://kyso.example/pki/crl/citizen.crl", certificate_list)
    assert own.find_crl("http://kyso.example/pki/crl/citizen.crl") is None
    assert RevocationCache(max_age=0).stored == 0


# --- what is shared between the documents of a batch never changes a verdict ---------------


def verdict(report: ValidationReport) -> tuple[object, ...]:
    """Everything a verdict is made of: indications and each signature's findings and chain."""
    return (
        report.indication,
        report.sub_indication,
        tuple(sorted(f.code for f in report.findings)),
        tuple(
            (sig.field_name, sig.indication, sig.sub_indication,
             tuple(sorted(f.code for f in sig.findings)),
             tuple(c.serial for c in sig.chain),
             tuple((e.kind, e.status) for e in sig.revocation))
            for sig in report.signatures
        ),
    )  # fmt: skip


@dataclass
class _Compared:
    batch: list[tuple[object, ...]]
    alone: list[tuple[object, ...]]
    #: revocation requests the PKI's HTTP responder answered for the batch / one by one
    asked_batch: int = 0
    asked_alone: int = 0


def _batch_and_alone(kit: Kit, tmp_path: Path, documents: list[bytes]) -> _Compared:
    """Verdicts of ``documents`` through one batch (one revocation cache and batch cache, one
    child) and each
    verified alone in a fresh verification (no cache)."""
    paths = []
    for index, document in enumerate(documents):
        paths.append(tmp_path / f"{index:02d}.pdf")
        paths[-1].write_bytes(document)
    out = _Compared([], [])

    def batch() -> None:
        options = kit.options(revocation_cache=RevocationCache(), batch_cache=BatchCache.create())
        with BatchVerifier(options) as verifier:
            out.batch = [verdict(verifier.verify(path)) for path in paths]

    def alone() -> None:
        out.alone = [verdict(verify_pdf(path, kit.options())) for path in paths]

    out.asked_batch = _asked_during(kit, batch)
    out.asked_alone = _asked_during(kit, alone)
    return out


def test_the_attack_corpus_gets_the_same_verdicts_in_a_batch_as_one_by_one(
    kit: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    names = sorted(corpus)
    done = _batch_and_alone(kit, tmp_path, [corpus[name] for name in names])
    for name, in_batch, by_itself in zip(names, done.batch, done.alone, strict=True):
        assert in_batch == by_itself, name
    assert {v[0] for v in done.batch} >= {Indication.TOTAL_PASSED, Indication.TOTAL_FAILED}
    assert done.asked_batch < done.asked_alone  # answers were shared


def test_a_chain_missing_its_intermediate_stays_unproven_after_documents_that_carry_it(
    kit: Kit, tmp_path: Path
) -> None:
    """pyhanko-certvalidator registers a signature's certificates in its ValidationContext:
    one context shared by a batch would complete a later document's chain with an earlier
    document's intermediate. Each document's path is built from its own certificates."""
    signer = foreign_signer(kit, "Chuỗi thiếu", "rsa2048")
    complete = endesive_sign(original(), signer, "Ky1")
    bare = ForeignSigner(signer.name, signer.key, signer.cert, ())  # the CA certificate left out
    incomplete = endesive_sign(original(), bare, "Ky1")
    self_signed = endesive_sign(original(), self_signed_signer("Lạ", "rsa2048"), "Ky1")
    documents = [complete, complete, incomplete, self_signed, complete]
    done = _batch_and_alone(kit, tmp_path, documents)
    assert done.batch == done.alone
    assert [v[0] for v in done.alone] == [Indication.TOTAL_PASSED, Indication.TOTAL_PASSED,
                                     Indication.INDETERMINATE, Indication.INDETERMINATE,
                                     Indication.TOTAL_PASSED]  # fmt: skip
    assert done.alone[3][1] is SubIndication.NO_CERTIFICATE_CHAIN_FOUND


def test_one_revocation_answer_judges_each_document_by_its_own_proof_of_existence(
    kit: Kit, tmp_path: Path
) -> None:
    """One certificate, revoked between two documents' time-stamps: the batch shares the one
    OCSP answer (revoked, with its date); the document stamped before the revocation passes,
    the one stamped after it fails, in whichever order, as each does alone."""
    issued = kit.pki.issue_citizen("Phạm Văn Đông", "001203004581")
    chain = kit.pki.chain(issued.serial)
    scheme = SignatureScheme.for_key(kit.store.algorithm(issued.key_label))
    key = SigningKey(chain[0], tuple(chain[1:]), issued.key_label, scheme)

    def stamped() -> bytes:  # built by hand: kyso's signer refuses a revoked key
        signer = PadesSigner(kit.store, key, kit.context)
        done = asyncio.run(signer.sign(original(), SignOptions(level=Level.B_T)))
        assert done.pdf is not None
        return done.pdf

    before = stamped()
    time.sleep(1.1)  # revocation times have one-second precision
    kit.revocation.revoke(issued.serial, "key_compromise")
    time.sleep(1.1)
    after = stamped()
    done = _batch_and_alone(kit, tmp_path, [before, after, before, after])
    assert done.batch == done.alone
    assert [v[0] for v in done.batch] == [Indication.TOTAL_PASSED, Indication.TOTAL_FAILED] * 2
    assert done.asked_batch < done.asked_alone  # one revoked answer served all four
    assert {v[3][0][2] for v in done.batch[1::2]} == {SubIndication.REVOKED}  # type: ignore[index]
