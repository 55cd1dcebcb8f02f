"""The archived original a printed result's code names: a dossier's result, or a document id."""

from __future__ import annotations

from dataclasses import dataclass

from api.wiring import Services
from archive.errors import ArchiveError
from archive.metadata import DocumentRecord, VersionRecord
from common.errors import NotFoundError
from onestop.codes import is_dossier_code
from verify.printed.errors import PrintOriginalMissing, PrintOriginalRestricted


@dataclass(frozen=True)
class Original:
    code: str
    document: DocumentRecord
    version: VersionRecord
    pdf: bytes


def find_original(svc: Services, code: str, *, public_only: bool) -> Original:
    """The archived original a QR code names: a dossier's result, or a document id."""
    from api.dossiers import dossier_desk

    document_id = code
    if is_dossier_code(code):
        try:
            dossier = dossier_desk(svc).public(code)
        except NotFoundError as exc:
            raise PrintOriginalMissing("print_code_unknown", f"no dossier {code}") from exc
        if dossier.result_document is None:
            raise PrintOriginalMissing("print_code_unknown", f"dossier {code} has no result yet")
        document_id = dossier.result_document
    try:
        document = svc.archive.catalog.document(document_id)
        version, chunks = svc.archive.read(document_id)
        pdf = b"".join(chunks)
    except ArchiveError as exc:
        raise PrintOriginalMissing("print_code_unknown", f"no archived document {code}") from exc
    if public_only and document.access_level != "public":
        raise PrintOriginalRestricted(
            "print_original_not_public", "the document exists but is not public"
        )
    if version.media_type != "application/pdf":
        raise PrintOriginalMissing("print_code_unknown", f"{code} is not a signed PDF")
    return Original(code, document, version, pdf)
