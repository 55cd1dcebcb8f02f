"""The ETSI TS 119 102-2 validation report (XML, the format EU DSS emits) of a kyso report.

Built from the same ``ValidationReport`` as the JSON, with pyHanko's bindings of the schema
(``pyhanko.generated.etsi``, serialised by xsdata), so its indications are kyso's own:

- one ``SignatureValidationReport`` per signature, in the JSON's order, named by its field
  (``DAIdentifier``), with its main and sub-indication, validation and best signature time,
  claimed signing time, time-stamps, ``/SubFilter`` and ``/ByteRange``, the signer, the
  validation process (Basic, LTVM, LTA), the certificate chain, the revocation data and
  time-stamps used, the PAdES format and kyso's finding codes;
- the certificates, OCSP responses, CRLs and time-stamp tokens as ``SignatureValidationObjects``,
  each once, by id (``C-``, ``R-``, ``T-`` and the upper-case SHA-256 of its DER). A CA
  certificate and an OCSP response are there in base64; an end-entity certificate (a person's:
  it carries a citizen ID) and a CRL (possibly megabytes) by their SHA-256 digest only;
- the document as a whole has an entry of its own, first, without ``SignatureIdentifier``, when
  it has no signature or when its findings make its verdict differ from its signatures'
  (EU DSS answers a document without signature with such an entry too).

The schema (verify/schemas, README there) is the one EU DSS validates against.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pyhanko.generated.etsi import ts_11910202 as vr
from pyhanko.generated.etsi import xades
from pyhanko.generated.w3c import xmldsig_core as ds
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDateTime

from verify.model import (
    CertificateInfo,
    Indication,
    RevocationEvidence,
    SignatureReport,
    SubIndication,
    TimeStampInfo,
    ValidationReport,
    worst,
)

NAMESPACES = {
    "": "http://uri.etsi.org/19102/v1.2.1#",
    "XAdES": "http://uri.etsi.org/01903/v1.3.2#",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
}
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
MAIN_INDICATION = {
    Indication.TOTAL_PASSED: "urn:etsi:019102:mainindication:total-passed",
    Indication.INDETERMINATE: "urn:etsi:019102:mainindication:indeterminate",
    Indication.TOTAL_FAILED: "urn:etsi:019102:mainindication:total-failed",
}
SUB_INDICATION = "urn:etsi:019102:subindication:"
PROCESS = "urn:etsi:019102:validationprocess:"
POE_VALIDATION = "urn:etsi:019102:poetype:validation"
OBJECT_TYPE = "urn:etsi:019102:validationObject:"
#: kyso's own report data (TS 119 102-2 4.3.5.5 AdditionalValidationReportData, typed by URI)
KYSO = "urn:kyso:vr:"
FORMAT = {"B-B": "PAdES-BASELINE-B", "B-T": "PAdES-BASELINE-T", "B-LT": "PAdES-BASELINE-LT",
          "B-LTA": "PAdES-BASELINE-LTA", "PKCS7": "PDF-NOT-ETSI"}  # fmt: skip
#: EN 319 102-1 validation processes: basic (5.3), with time and LTV material (5.5), LTA (5.6)
_PROCESS = {"B-T": "LTVM", "B-LT": "LTVM", "B-LTA": "LTA"}
#: RFC 5280 reason codes (asn1crypto's names) as TS 119 102-2 names them
REVOCATION_REASON = {
    "unspecified": "unspecified", "key_compromise": "keyCompromise",
    "ca_compromise": "cACompromise", "affiliation_changed": "affiliationChanged",
    "superseded": "superseded", "cessation_of_operation": "cessationOfOperation",
    "certificate_hold": "certificateHold", "remove_from_crl": "removeFromCRL",
    "privilege_withdrawn": "privilegeWithdrawn", "aa_compromise": "aACompromise",
}  # fmt: skip


def _time(moment: datetime) -> XmlDateTime:
    return XmlDateTime.from_datetime(moment)


def _digest(value: bytes) -> xades.DigestAlgAndValueType:
    return xades.DigestAlgAndValueType(
        digest_method=ds.DigestMethod(algorithm=SHA256), digest_value=ds.DigestValue(value)
    )


def _ref(*ids: str) -> vr.VOReferenceType:
    return vr.VOReferenceType(voreference=ids)


def _data(kind: str, value: str) -> vr.TypedDataType:
    return vr.TypedDataType(type_value=KYSO + kind, value=value)


def _status(
    indication: Indication,
    sub: SubIndication | None,
    data: Sequence[vr.ValidationReportDataType] = (),
) -> vr.ValidationStatusType:
    return vr.ValidationStatusType(
        main_indication=MAIN_INDICATION[indication],
        sub_indication=(SUB_INDICATION + sub.value,) if sub is not None else (),
        associated_validation_report_data=tuple(data),
    )


@dataclass
class _Objects:
    """The validation objects of the report, each once, in the order first used."""

    found: dict[str, vr.ValidationObjectType] = field(default_factory=dict)

    def _add(self, prefix: str, digest: bytes, kind: str, body: bytes | None) -> str:
        key = f"{prefix}-{digest.hex().upper()}"
        if key not in self.found:
            self.found[key] = vr.ValidationObjectType(
                id=key,
                object_type=OBJECT_TYPE + kind,
                validation_object_representation=(
                    vr.ValidationObjectRepresentationType(base64=body)
                    if body is not None
                    else vr.ValidationObjectRepresentationType(digest_alg_and_value=_digest(digest))
                ),
            )
        return key

    def certificate(self, cert: CertificateInfo, *, end_entity: bool) -> str | None:
        if not cert.der:
            return None
        digest = hashlib.sha256(cert.der).digest()
        return self._add("C", digest, "certificate", None if end_entity else cert.der)

    def revocation(self, evidence: RevocationEvidence) -> str | None:
        if not evidence.sha256:
            return None
        if evidence.kind == "OCSP":
            return self._add("R", evidence.sha256, "OCSPResponse", evidence.der or None)
        return self._add("R", evidence.sha256, "CRL", None)

    def timestamp(self, stamp: TimeStampInfo) -> str | None:
        return self._add("T", stamp.sha256, "timestamp", None) if stamp.sha256 else None

    def listing(self) -> vr.ValidationObjectListType | None:
        if not self.found:
            return None
        return vr.ValidationObjectListType(validation_object=tuple(self.found.values()))


def _identifier(sig: SignatureReport, ids: set[str]) -> vr.SignatureIdentifierType:
    identity = sig.identity
    if identity is None:
        return vr.SignatureIdentifierType(
            hash_only=False, doc_hash_only=False, daidentifier=sig.field_name
        )
    key = "S-" + hashlib.sha256(identity.signature_value).hexdigest().upper()
    while key in ids:  # the same signature value twice (a copied field): ids stay unique
        key += "-1"
    ids.add(key)
    signed = identity.signed_attributes_sha256
    return vr.SignatureIdentifierType(
        id=key,
        digest_alg_and_value=_digest(signed) if signed is not None else None,
        signature_value=ds.SignatureValue(value=identity.signature_value),
        hash_only=False,
        doc_hash_only=False,
        daidentifier=sig.field_name,
    )


def _attributes(
    sig: SignatureReport, stamps: dict[int, str | None]
) -> vr.SignatureAttributesType | None:
    def stamped(kind: str) -> tuple[vr.SATimestampType, ...]:
        return tuple(
            vr.SATimestampType(
                signed=False,
                time_stamp_value=_time(ts.time),
                attribute_object=(_ref(ref),) if (ref := stamps[index]) else (),
            )
            for index, ts in enumerate(sig.timestamps)
            if ts.kind == kind
        )

    claimed = sig.claimed_signing_time
    sub_filter = sig.identity.sub_filter if sig.identity is not None else None
    attributes = vr.SignatureAttributesType(
        signing_time=(vr.SASigningTimeType(signed=True, time=_time(claimed)),) if claimed else (),
        signature_time_stamp=stamped("signature"),
        doc_time_stamp=stamped("document"),
        sub_filter=(
            (vr.SASubFilterType(signed=True, sub_filter_element=sub_filter.lstrip("/")),)
            if sub_filter
            else ()
        ),
        byte_range=(sig.coverage.byte_range,) if sig.coverage is not None else (),
    )
    empty = vr.SignatureAttributesType()
    return None if attributes == empty else attributes


def _chain_data(
    sig: SignatureReport, objects: _Objects, related: Iterable[str]
) -> vr.ValidationReportDataType:
    refs = [objects.certificate(c, end_entity=i == 0) for i, c in enumerate(sig.chain)]
    anchor = refs[-1] if sig.chain and sig.chain[-1].is_trust_anchor else None
    middle = [r for r in (refs[1:-1] if anchor else refs[1:]) if r]
    chain = None
    if refs and refs[0]:
        chain = vr.CertificateChainType(
            signing_certificate=_ref(refs[0]),
            intermediate_certificate=tuple(_ref(r) for r in middle),
            trust_anchor=_ref(anchor) if anchor else None,
        )
    revoked = None
    for evidence in sig.revocation:
        if evidence.status == "revoked" and evidence.revoked_at and refs and refs[0]:
            source = objects.revocation(evidence)
            reason = REVOCATION_REASON.get(evidence.reason or "")
            revoked = vr.RevocationStatusInformationType(
                validation_object_id=_ref(refs[0]),
                revocation_time=_time(evidence.revoked_at),
                revocation_reason=f"urn:etsi:019102:revocationReason:{reason}" if reason else None,
                revocation_object=_ref(source) if source else None,
            )
            break
    report_data = [_data("finding", f"{f.code} {f.severity.value}") for f in sig.findings]
    if sig.pades_level in FORMAT:
        report_data.insert(0, _data("signatureFormat", FORMAT[sig.pades_level]))
    return vr.ValidationReportDataType(
        trust_anchor=_ref(anchor) if anchor else None,
        certificate_chain=chain,
        related_validation_object=tuple(_ref(r) for r in dict.fromkeys(related)),
        revocation_status_information=revoked,
        additional_validation_report_data=(
            vr.AdditionalValidationReportDataType(report_data=tuple(report_data))
            if report_data
            else None
        ),
    )


def _signature(
    sig: SignatureReport, report: ValidationReport, objects: _Objects, ids: set[str]
) -> vr.SignatureValidationReportType:
    for index, cert in enumerate(sig.chain):  # listed first: certificates, then the rest
        objects.certificate(cert, end_entity=index == 0)
    revocation = [objects.revocation(e) for e in sig.revocation]
    stamps = {i: objects.timestamp(ts) for i, ts in enumerate(sig.timestamps)}
    best, best_ref = report.validated_at, None
    for index, ts in enumerate(sig.timestamps):
        if ts.kind == "signature" and ts.valid:
            best, best_ref = ts.time, stamps[index]
            break
    signer = None
    if sig.chain and (leaf := objects.certificate(sig.chain[0], end_entity=True)):
        who = sig.signer.name if sig.signer is not None else sig.chain[0].subject
        signer = vr.SignerInformationType(signer_certificate=_ref(leaf), signer=who)
    related = [r for r in [*revocation, *stamps.values()] if r]
    return vr.SignatureValidationReportType(
        signature_identifier=_identifier(sig, ids),
        validation_time_info=vr.ValidationTimeInfoType(
            validation_time=_time(report.validated_at),
            best_signature_time=vr.POEType(
                poetime=_time(best),
                type_of_proof=POE_VALIDATION,
                poeobject=_ref(best_ref) if best_ref else None,
            ),
        ),
        signers_document=(
            vr.SignersDocumentType(digest_alg_and_value=_digest(sig.identity.document_sha256))
            if sig.identity is not None
            else None
        ),
        signature_attributes=_attributes(sig, stamps),
        signer_information=signer,
        signature_validation_process=vr.SignatureValidationProcessType(
            signature_validation_process_id=PROCESS + _PROCESS.get(sig.pades_level or "", "Basic")
        ),
        signature_validation_status=_status(
            sig.indication, sig.sub_indication, [_chain_data(sig, objects, related)]
        ),
    )


def signatures_verdict(
    statuses: Sequence[tuple[Indication, SubIndication | None]],
) -> tuple[Indication, SubIndication | None] | None:
    """The verdict a list of entries gives, as kyso ranks them (``verify.assemble``): the worst
    indication, the first sub-indication given with it; None for no entries."""
    if not statuses:
        return None
    verdict = worst([indication for indication, _ in statuses])
    sub = next((s for i, s in statuses if i is verdict and s is not None), None)
    return verdict, sub if verdict is not Indication.TOTAL_PASSED else None


def _document(report: ValidationReport) -> vr.SignatureValidationReportType | None:
    from_signatures = signatures_verdict(
        [(s.indication, s.sub_indication) for s in report.signatures]
    )
    if from_signatures == (report.indication, report.sub_indication):
        return None
    data = [_data("scope", "document")]
    data += [_data("finding", f"{f.code} {f.severity.value}") for f in report.findings]
    details = vr.ValidationReportDataType(
        additional_validation_report_data=vr.AdditionalValidationReportDataType(
            report_data=tuple(data)
        )
    )
    return vr.SignatureValidationReportType(
        validation_time_info=vr.ValidationTimeInfoType(
            validation_time=_time(report.validated_at),
            best_signature_time=vr.POEType(
                poetime=_time(report.validated_at), type_of_proof=POE_VALIDATION
            ),
        ),
        signature_validation_status=_status(report.indication, report.sub_indication, [details]),
    )


def etsi_report(report: ValidationReport) -> vr.ValidationReport:
    """The report as pyHanko's binding of the TS 119 102-2 ``ValidationReport`` element."""
    objects, ids = _Objects(), set[str]()
    entries = [_signature(sig, report, objects, ids) for sig in report.signatures]
    document = _document(report)
    if document is not None:
        entries.insert(0, document)
    return vr.ValidationReport(
        signature_validation_report=tuple(entries),
        signature_validation_objects=objects.listing(),
    )


def etsi_xml(report: ValidationReport) -> bytes:
    """The report as a UTF-8 XML document (``kyso verify --etsi-xml``, ``?format=etsi``)."""
    serializer = XmlSerializer(config=SerializerConfig(indent="  "))
    return serializer.render(etsi_report(report), ns_map=NAMESPACES).encode("utf-8")
