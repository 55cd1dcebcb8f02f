"""The ETSI TS 119 102-2 report: valid against the official schema (lxml, verify/schemas),
with exactly the JSON report's indications and sub-indications on the whole corpus (clean,
attacks, other producers' documents, booby-trapped and unreadable files), from the library,
``kyso verify --etsi-xml`` and ``POST /api/v1/verify?format=etsi`` on a running ``kyso serve``."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from api.cli.app import app
from signing.options import Level
from tests.verify.conftest import Kit
from tests.verify.corpus import original, sign
from tests.verify.foreign_corpus import Document
from tests.verify.pdftraps import KINDS, active_pdf, hand_made_pdf
from verify import SubIndication, verify_pdf
from verify.etsi import etsi_xml
from verify.model import ValidationReport
from verify.serialize import JsonValue, report_dict

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "verify" / "schemas"
VR = "{http://uri.etsi.org/19102/v1.2.1#}"
NS = {"vr": VR[1:-1], "ds": "http://www.w3.org/2000/09/xmldsig#"}
#: where each import of the ETSI schema is kept here (verify/schemas/README.md)
LOCAL = {
    "xmldsig-core-schema.xsd": "xmldsig-core-schema.xsd",
    "XAdES.xsd": "XAdES01903v132-201601.xsd",
    "ts_119612v020201_201601xsd.xsd": "ts_119612v020201_201601xsd.xsd",
    "xml.xsd": "xml.xsd",
}
runner = CliRunner()


class _Local(etree.Resolver):
    """Every schema the ETSI schema imports, from verify/schemas: never from the network."""

    def resolve(self, url: str, pubid: str, context: object) -> object:
        name = url.rsplit("/", 1)[-1]
        local = SCHEMAS / LOCAL.get(name, name)
        assert local.is_file(), f"the schema imports {url}, not kept in verify/schemas"
        return self.resolve_filename(str(local), context)


@cache
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Local())
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "TS119102-2-v122.xsd"), parser))


def valid_xml(xml: bytes) -> etree._Element:
    """The report parsed, after asserting that the official schema accepts it."""
    root = etree.fromstring(xml, etree.XMLParser(no_network=True, resolve_entities=False))
    checker = schema()
    assert checker.validate(root), "\n".join(str(e) for e in checker.error_log)
    return root


Status = tuple[str, str | None]


def _uri(indication: JsonValue, sub: JsonValue) -> Status:
    main = {"TOTAL_PASSED": "total-passed", "TOTAL_FAILED": "total-failed",
            "INDETERMINATE": "indeterminate"}[str(indication)]  # fmt: skip
    return (f"urn:etsi:019102:mainindication:{main}",
            f"urn:etsi:019102:subindication:{sub}" if sub is not None else None)  # fmt: skip


def _entry_status(entry: etree._Element) -> Status:
    status = entry.find("vr:SignatureValidationStatus", NS)
    subs = status.findall("vr:SubIndication", NS)
    assert len(subs) <= 1
    return status.findtext("vr:MainIndication", namespaces=NS), subs[0].text if subs else None


_RANK = {"total-passed": 0, "indeterminate": 1, "total-failed": 2}


def document_status(root: etree._Element) -> Status:
    """The document's verdict as the XML gives it: its own entry (the first, without
    ``SignatureIdentifier``) when there is one, else the worst of the signatures' entries."""
    entries = root.findall("vr:SignatureValidationReport", NS)
    if entries[0].find("vr:SignatureIdentifier", NS) is None:
        return _entry_status(entries[0])
    statuses = [_entry_status(e) for e in entries]
    main = max((m for m, _ in statuses), key=lambda m: _RANK[m.rsplit(":", 1)[1]])
    sub = next((s for m, s in statuses if m == main and s is not None), None)
    return main, sub


def assert_same_verdicts(report: ValidationReport) -> etree._Element:
    """Write both reports; the XML is schema-valid and says what the JSON says."""
    body = report_dict(report)
    root = valid_xml(etsi_xml(report))
    entries = root.findall("vr:SignatureValidationReport", NS)
    signed = [e for e in entries if e.find("vr:SignatureIdentifier", NS) is not None]
    signatures = body["signatures"]
    assert isinstance(signatures, list) and len(signed) == len(signatures)
    for entry, sig in zip(signed, signatures, strict=True):
        assert isinstance(sig, dict)
        assert (
            entry.findtext("vr:SignatureIdentifier/vr:DAIdentifier", namespaces=NS)
            == sig["field_name"]
        )
        assert _entry_status(entry) == _uri(sig["indication"], sig["sub_indication"])
    assert document_status(root) == _uri(body["indication"], body["sub_indication"])
    return root


def _format(entry: etree._Element) -> str | None:
    for data in entry.iterfind(".//vr:ReportData", NS):
        if data.findtext("vr:Type", namespaces=NS) == "urn:kyso:vr:signatureFormat":
            return data.findtext("vr:Value", namespaces=NS)
    return None


# -- the corpus --------------------------------------------------------------------------------
def test_every_corpus_document_has_a_valid_report_with_the_json_verdicts(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    seen = set()
    for name, pdf in sorted(corpus.items()):
        report = verify_pdf(pdf, kit.options())
        root = assert_same_verdicts(report)
        main = _entry_status(root.find("vr:SignatureValidationReport", NS))[0]
        if name.startswith("clean_"):
            assert main.endswith("total-passed"), name
        seen.add(report.indication)
    assert len(seen) == 3  # the corpus reaches every main indication


def test_other_producers_documents_have_valid_reports_with_the_json_verdicts(
    kit: Kit, foreign_corpus: list[Document]
) -> None:
    for doc in foreign_corpus:
        assert_same_verdicts(verify_pdf(doc.pdf, kit.options(online=not doc.offline)))


def test_booby_trapped_and_unreadable_files_have_valid_reports(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    unsigned = hand_made_pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                              b"<< /Type /Pages /Kids [] /Count 0 >>"])  # fmt: skip
    documents = {
        "active": active_pdf(corpus["clean_b_b"], "http://127.0.0.1:9/", KINDS),
        "unsigned": unsigned,
        "not_a_pdf": b"GIF89a not a pdf",
        "truncated": corpus["clean_b_b"][: len(corpus["clean_b_b"]) // 2],
        "trailing_garbage": corpus["clean_b_b"] + b"\n" + b"x" * 64,
    }
    for name, pdf in documents.items():
        report = verify_pdf(pdf, kit.options())
        root = assert_same_verdicts(report)
        if not report.signatures:
            [entry] = root.findall("vr:SignatureValidationReport", NS)
            assert entry.find("vr:SignatureIdentifier", NS) is None, name


def test_a_clean_lta_report_names_signer_times_format_chain_and_evidence(
    kit: Kit, corpus: dict[str, bytes]
) -> None:
    report = verify_pdf(corpus["clean_b_lta"], kit.options())
    [sig] = report.signatures
    root = assert_same_verdicts(report)
    [entry] = root.findall("vr:SignatureValidationReport", NS)
    assert _format(entry) == "PAdES-BASELINE-LTA"
    process = "vr:SignatureValidationProcess/vr:SignatureValidationProcessID"
    assert entry.findtext(process, namespaces=NS) == "urn:etsi:019102:validationprocess:LTA"
    assert entry.findtext("vr:ValidationTimeInfo/vr:ValidationTime", namespaces=NS)
    best = entry.find("vr:ValidationTimeInfo/vr:BestSignatureTime", NS)
    assert best.find("vr:POEObject", NS) is not None  # proven by the signature time-stamp
    assert entry.find("vr:SignatureAttributes/vr:SigningTime/vr:Time", NS) is not None
    assert entry.find("vr:SignatureAttributes/vr:SignatureTimeStamp", NS) is not None
    assert entry.find("vr:SignatureAttributes/vr:DocTimeStamp", NS) is not None
    assert entry.findtext("vr:SignerInformation/vr:Signer", namespaces=NS) == sig.signer.name
    objects = {o.get("id"): o for o in root.iterfind("vr:SignatureValidationObjects/*", NS)}
    kinds = {o.findtext("vr:ObjectType", namespaces=NS).rsplit(":", 1)[1] for o in objects.values()}
    assert {"certificate", "timestamp"} <= kinds and kinds & {"OCSPResponse", "CRL"}
    data = entry.find("vr:SignatureValidationStatus/vr:AssociatedValidationReportData", NS)
    chain = data.find("vr:CertificateChain", NS)
    leaf = chain.find("vr:SigningCertificate", NS).get("VOReference")
    anchor = chain.find("vr:TrustAnchor", NS).get("VOReference")
    assert leaf != anchor and len(sig.chain) >= 2
    # the signer's own certificate carries the citizen's ID: the report gives its digest only
    assert objects[leaf].find("vr:ValidationObjectRepresentation/vr:base64", NS) is None
    root_der = base64.b64decode(
        objects[anchor].findtext("vr:ValidationObjectRepresentation/vr:base64", namespaces=NS)
    )
    assert root_der == sig.chain[-1].der
    related = [r.get("VOReference") for r in data.findall("vr:RelatedValidationObject", NS)]
    assert related and all(r in objects for r in related)


def test_the_citizen_id_never_appears_in_the_xml(kit: Kit, corpus: dict[str, bytes]) -> None:
    report = verify_pdf(corpus["clean_certified_filled_then_signed"], kit.options())
    xml = etsi_xml(report)
    assert_same_verdicts(report)
    citizen = report.signatures[1]
    assert citizen.signer is not None and citizen.signer.cccd_masked == "001******567"
    assert citizen.signer.name.encode() in xml
    assert b"001203004567" not in xml
    assert base64.b64encode(citizen.chain[0].der) not in xml


def test_a_signer_revoked_before_signing_is_total_failed_revoked_with_its_revocation(
    kit: Kit,
) -> None:
    victim = kit.pki.issue_citizen("Trần Văn Bị Thu Hồi", "079203009876")
    pdf = sign(kit, original(), victim.serial, level=Level.B_T)
    earlier = datetime.now(UTC) - timedelta(hours=1)  # the key was reported stolen before
    kit.revocation.revoke(victim.serial, "key_compromise", when=earlier)
    report = verify_pdf(pdf, kit.options())
    assert report.signatures[0].sub_indication is SubIndication.REVOKED
    root = assert_same_verdicts(report)
    [entry] = root.findall("vr:SignatureValidationReport", NS)
    assert _entry_status(entry) == _uri("TOTAL_FAILED", "REVOKED")
    revoked = entry.find(".//vr:RevocationStatusInformation", NS)
    assert revoked is not None
    assert revoked.findtext("vr:RevocationReason", namespaces=NS) == (
        "urn:etsi:019102:revocationReason:keyCompromise"
    )
    objects = {o.get("id") for o in root.iterfind("vr:SignatureValidationObjects/*", NS)}
    assert revoked.find("vr:RevocationObject", NS).get("VOReference") in objects


# -- the CLI and the API ---------------------------------------------------------------------
@pytest.mark.parametrize(("name", "status"), [("clean_b_lta", 0), ("attack_hash", 1)])
def test_cli_writes_the_etsi_report_beside_the_verdict(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path, name: str, status: int
) -> None:
    pdf, out = tmp_path / f"{name}.pdf", tmp_path / f"{name}.xml"
    pdf.write_bytes(corpus[name])
    result = runner.invoke(app, ["verify", str(pdf), "--json", "--etsi-xml", str(out)])
    assert result.exit_code == status, result.output
    body = json.loads(result.stdout)
    root = valid_xml(out.read_bytes())
    assert document_status(root) == _uri(body["indication"], body["sub_indication"])


def test_cli_refuses_an_etsi_report_path_it_cannot_write(
    kyso_env: Kit, corpus: dict[str, bytes], tmp_path: Path
) -> None:
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(corpus["clean_b_b"])
    missing = tmp_path / "no-such-dir" / "out.xml"
    kyso = Path(sys.executable).parent / "kyso"
    done = subprocess.run([str(kyso), "verify", str(pdf), "--json", "--etsi-xml", str(missing)],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith("lỗi / error [verify_output_unwritable]: "), done.stderr
    assert done.stdout == "" and not missing.parent.exists()


def test_api_answers_the_etsi_report_over_http(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests" / "api"))
    from apitools import citizen_signed_pdf, tampered
    from servetools import kyso_served

    with kyso_served(tmp_path) as served, served.client() as client:
        signed = citizen_signed_pdf(served.kyso.services)
        for pdf, main in ((signed, "total-passed"), (tampered(signed), "total-failed")):
            files = {"file": ("hoso.pdf", pdf, "application/pdf")}
            xml = client.post("/api/v1/verify", params={"format": "etsi"}, files=files)
            assert xml.status_code == 200, xml.text
            assert xml.headers["content-type"].startswith("application/xml")
            root = valid_xml(xml.content)
            body = client.post("/api/v1/verify", files=files).json()
            assert document_status(root) == _uri(body["indication"], body["sub_indication"])
            assert document_status(root)[0].endswith(main)
            assert b"001203004567" not in xml.content
        refused = client.post("/api/v1/verify", params={"format": "pdf"}, files=files)
        assert refused.status_code == 422


# -- the dependency --------------------------------------------------------------------------
def test_pyhanko_etsi_extra_is_pinned_in_the_lock() -> None:
    """xsdata (and signxml) come with pyhanko[etsi]: `make install` must pin them too."""
    lock = (ROOT / "requirements.lock").read_text().lower()
    wanted = [r for r in metadata.requires("pyhanko") or [] if 'extra == "etsi"' in r]
    assert wanted
    for requirement in wanted:
        name = requirement.split(";")[0].strip().split(">")[0].split("<")[0].split("=")[0]
        assert f"\n{name.lower().replace('_', '-')}==" in lock, name
