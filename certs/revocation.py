"""Revocation: revoking certificates and publishing signed CRLs (RFC 5280) per CA."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from asn1crypto import crl, x509
from sqlalchemy import select

from certs.catalog import AuthorityRow, CertificateRow
from certs.errors import PkiConflictError, PkiInputError, PkiNotFoundError
from certs.pki import Pki
from certs.records import CRL_VALIDITY, CertificateRecord, stored_crl_fresh, utc
from certs.records import RevocationStatus as RevocationStatus
from certs.x509build import crl_extension, key_identifier

log = logging.getLogger(__name__)

REASONS = tuple(v for v in crl.CRLReason._map.values() if v != "remove_from_crl")


class Revocation:
    def __init__(self, pki: Pki, crl_validity: timedelta = CRL_VALIDITY) -> None:
        self.pki = pki
        self.crl_validity = crl_validity

    def revoke(
        self, serial: str, reason: str = "unspecified", when: datetime | None = None
    ) -> CertificateRecord:
        if reason not in REASONS:
            raise PkiInputError(
                "revocation_reason_invalid", f"reason must be one of: {', '.join(REASONS)}"
            )
        record = self.pki.get(serial)
        if record.profile in ("root", "ca"):
            raise PkiInputError(
                "cannot_revoke_authority", "a CA certificate is not revoked with this command"
            )
        moment = (when or self.pki.clock.now()).replace(microsecond=0)
        with self.pki.session() as db:
            row = db.get(CertificateRow, record.serial)
            assert row is not None
            if row.status == "revoked":
                raise PkiConflictError(
                    "certificate_already_revoked", f"certificate {serial} is already revoked"
                )
            row.status, row.revoked_at, row.revocation_reason = "revoked", moment, reason
            if row.issuer is not None:
                authority = db.get(AuthorityRow, row.issuer)
                assert authority is not None
                authority.revocation_epoch += 1
            db.commit()
        log.info("revoked certificate %s (%s)", record.serial, reason)
        return self.pki.get(record.serial)

    def status(self, ca: str, serial: int) -> RevocationStatus:
        with self.pki.session() as db:
            row = db.get(CertificateRow, format(serial, "x"))
            if row is None or row.issuer != ca:
                return RevocationStatus("unknown")
            if row.status == "revoked" and row.revoked_at is not None:
                return RevocationStatus("revoked", utc(row.revoked_at), row.revocation_reason)
            return RevocationStatus("good")

    def crl(self, ca: str) -> bytes:
        """The current CRL of ``ca`` (DER), re-signed when stale or after a revocation."""
        now = self.pki.clock.now()
        with self.pki.session() as db:
            authority = db.get(AuthorityRow, ca)
            if authority is None:
                raise PkiNotFoundError("ca_unknown", f"no certificate authority {ca!r}")
            fresh = stored_crl_fresh(authority.crl_der, authority.crl_epoch,
                                     authority.revocation_epoch, authority.crl_next_update, now,
                                     self.crl_validity)  # fmt: skip
            if fresh and authority.crl_der is not None:
                return authority.crl_der
            revoked = list(
                db.scalars(
                    select(CertificateRow).where(
                        CertificateRow.issuer == ca, CertificateRow.status == "revoked"
                    )
                )
            )
            number = authority.crl_number + 1
            der = self._sign_crl(authority, revoked, number, now)
            authority.crl_der, authority.crl_number = der, number
            authority.crl_epoch = authority.revocation_epoch
            authority.crl_next_update = now.replace(microsecond=0) + self.crl_validity
            db.commit()
            return der

    def _sign_crl(
        self, authority: AuthorityRow, revoked: list[CertificateRow], number: int, now: datetime
    ) -> bytes:
        ca_cert = x509.Certificate.load(authority.cert_der)
        signer = self.pki.key_ref(authority.key_label)
        this_update = now.replace(microsecond=0)
        entries = []
        for row in revoked:
            assert row.revoked_at is not None
            entry: dict[str, object] = {
                "user_certificate": int(row.serial, 16),
                "revocation_date": x509.Time({"utc_time": utc(row.revoked_at)}),
            }
            if row.revocation_reason and row.revocation_reason != "unspecified":
                entry["crl_entry_extensions"] = [
                    {
                        "extn_id": "crl_reason",
                        "critical": False,
                        "extn_value": row.revocation_reason,
                    }
                ]
            entries.append(entry)
        tbs = crl.TbsCertList(
            {
                "version": "v2",
                "signature": signer.scheme.asn1_algorithm(),
                "issuer": ca_cert.subject,
                "this_update": x509.Time({"utc_time": this_update}),
                "next_update": x509.Time({"utc_time": this_update + self.crl_validity}),
                "revoked_certificates": entries,
                "crl_extensions": [
                    crl_extension("crl_number", number),
                    crl_extension(
                        "authority_key_identifier",
                        {"key_identifier": key_identifier(ca_cert.public_key)},
                    ),
                ],
            }
        )
        signature = signer.sign(tbs.dump())
        certificate_list = crl.CertificateList(
            {
                "tbs_cert_list": tbs,
                "signature_algorithm": signer.scheme.asn1_algorithm(),
                "signature": signature,
            }
        )
        return bytes(certificate_list.dump())
