"""The PKI facade: authorities, issuance, look-ups and trust anchors.

Hierarchy (``Pki.init``): a root CA; under it a citizen CA (free personal certificates), an
officials CA (officials and agency seals), a time-stamping unit and one delegated OCSP
responder per CA. Every private key lives in the ``KeyStore``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from asn1crypto import keys, x509
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from certs.catalog import AuthorityRow, CertificateRow
from certs.errors import PkiConflictError, PkiNotFoundError
from certs.identity import validate_cccd, validate_name
from certs.keys import KeyStore
from certs.profiles import AUTHORITIES as AUTHORITIES
from certs.profiles import (
    VALIDITY,
    Profile,
    ca_name,
    citizen_name,
    extensions_for,
    official_name,
    seal_name,
)
from certs.profiles import PkiOptions as PkiOptions
from certs.records import (
    CertificateRecord,
    IssuedCertificate,
    serial_hex,
    short_subject,
    utc,
)
from certs.trust import add_anchor, import_anchors, list_anchors
from certs.x509build import KeyRef, build_certificate, key_ref, random_serial
from common.clock import Clock, SystemClock
from common.ids import new_id

log = logging.getLogger(__name__)

ISSUER_OF = {Profile.CITIZEN: "citizen", Profile.OFFICIAL: "officials", Profile.SEAL: "officials"}
TSA_LABEL = "tsa"


class Pki:
    def __init__(
        self,
        engine: Engine,
        keystore: KeyStore,
        options: PkiOptions | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.keystore = keystore
        self.options = options or PkiOptions()
        self.clock = clock or SystemClock()
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- setup ---------------------------------------------------------------------------
    def session(self) -> Session:
        return self._sessions()

    def is_initialised(self) -> bool:
        with self.session() as db:
            return db.get(AuthorityRow, "root") is not None and self._has_tsa(db)

    def _has_tsa(self, db: Session) -> bool:
        stmt = select(CertificateRow.serial).where(CertificateRow.profile == Profile.TSA.value)
        return db.scalars(stmt).first() is not None

    def init(self) -> bool:
        """Create whatever part of the hierarchy is missing; True if anything was created."""
        created = False
        for ca, parent, display in AUTHORITIES:
            with self.session() as db:
                if db.get(AuthorityRow, ca) is None:
                    self._create_authority(db, ca, parent, display)
                    created = True
        with self.session() as db:
            if not self._has_tsa(db):
                self._issue_service_cert(Profile.TSA, "root", TSA_LABEL, "kyso Time-Stamping Unit")
                created = True
        for ca, _parent, display in AUTHORITIES:
            if self._ocsp_responder_row(ca) is None:
                label = f"ocsp-{ca}"
                self._issue_service_cert(Profile.OCSP, ca, label, f"OCSP {display}")
                created = True
        if created:
            log.info("PKI initialised")
        return created

    def _ca_key(self, label: str) -> keys.PublicKeyInfo:
        if self.keystore.exists(label):  # left by an interrupted init: reuse it
            return self.keystore.public_key(label)
        return self.keystore.generate(label, self.options.key_algorithm)

    def _create_authority(self, db: Session, ca: str, parent: str | None, display: str) -> None:
        label = f"ca-{ca}"
        public_key = self._ca_key(label)
        subject = ca_name(self.options.organization, display)
        profile = Profile.ROOT if parent is None else Profile.CA
        if parent is None:
            signer = self.key_ref(label)
            issuer_name, issuer_key = subject, public_key
        else:
            parent_row = self._authority(db, parent)
            signer = self.key_ref(parent_row.key_label)
            parent_cert = x509.Certificate.load(parent_row.cert_der)
            issuer_name, issuer_key = parent_cert.subject, parent_cert.public_key
        cert = self._build(profile, subject, public_key, issuer_name, issuer_key, parent, signer)
        db.add(self._row(cert, profile, parent, label))
        db.add(
            AuthorityRow(
                name=ca,
                parent=parent,
                serial=serial_hex(cert.serial_number),
                key_label=label,
                cert_der=cert.dump(),
                crl_number=0,
                revocation_epoch=0,
                crl_epoch=-1,
            )
        )
        if parent is None:
            add_anchor(db, cert, "kyso", self.clock.now())
        db.commit()

    def _issue_service_cert(self, profile: Profile, ca: str, label: str, cn: str) -> None:
        public_key = self._ca_key(label)
        subject = ca_name(self.options.organization, cn)
        self._issue(profile, subject, ca, public_key, label, cccd=None)

    def _ocsp_responder_row(self, ca: str) -> CertificateRow | None:
        now = self.clock.now()
        with self.session() as db:
            stmt = select(CertificateRow).where(
                CertificateRow.profile == Profile.OCSP.value,
                CertificateRow.issuer == ca,
                CertificateRow.status == "good",
            )
            rows = [r for r in db.scalars(stmt) if utc(r.not_after) > now + timedelta(days=7)]
            return max(rows, key=lambda r: utc(r.not_after)) if rows else None

    # -- issuance ------------------------------------------------------------------------
    def key_ref(self, label: str) -> KeyRef:
        return key_ref(self.keystore, label, pss=self.options.use_pss)

    def _build(
        self,
        profile: Profile,
        subject: x509.Name,
        public_key: keys.PublicKeyInfo,
        issuer_name: x509.Name,
        issuer_key: keys.PublicKeyInfo,
        issuer_ca: str | None,
        signer: KeyRef,
        not_after_cap: datetime | None = None,
    ) -> x509.Certificate:
        now = self.clock.now().replace(microsecond=0)
        not_after = now + VALIDITY[profile]
        if not_after_cap is not None:
            not_after = min(not_after, not_after_cap)
        return build_certificate(
            subject=subject,
            issuer=issuer_name,
            public_key=public_key,
            serial=random_serial(),
            not_before=now - timedelta(minutes=5),
            not_after=not_after,
            extensions=extensions_for(
                profile,
                subject_key=public_key,
                issuer_key=issuer_key,
                endpoints=self.options.endpoints,
                issuer_ca=issuer_ca,
            ),
            signer=signer,
        )

    def _row(
        self,
        cert: x509.Certificate,
        profile: Profile,
        issuer: str | None,
        key_label: str | None,
        cccd: str | None = None,
    ) -> CertificateRow:
        subject = cert.subject.native
        validity = cert["tbs_certificate"]["validity"]
        return CertificateRow(
            serial=serial_hex(cert.serial_number),
            issuer=issuer,
            profile=profile.value,
            subject=short_subject(cert.subject),
            common_name=str(subject.get("common_name", "")),
            organization=subject.get("organization_name"),
            cccd=cccd,
            not_before=validity["not_before"].native,
            not_after=validity["not_after"].native,
            cert_der=cert.dump(),
            key_label=key_label,
            status="good",
            created_at=self.clock.now(),
        )

    def _issue(
        self,
        profile: Profile,
        subject: x509.Name,
        ca: str,
        public_key: keys.PublicKeyInfo,
        key_label: str | None,
        cccd: str | None,
    ) -> IssuedCertificate:
        with self.session() as db:
            authority = self._authority(db, ca)
            ca_cert = x509.Certificate.load(authority.cert_der)
            cert = self._build(
                profile,
                subject,
                public_key,
                ca_cert.subject,
                ca_cert.public_key,
                ca,
                self.key_ref(authority.key_label),
                not_after_cap=ca_cert["tbs_certificate"]["validity"]["not_after"].native,
            )
            db.add(self._row(cert, profile, ca, key_label, cccd))
            db.commit()
        log.info("issued %s certificate %s", profile.value, serial_hex(cert.serial_number))
        return IssuedCertificate(serial_hex(cert.serial_number), cert, key_label)

    def _subject_key(
        self, profile: Profile, csr_public_key: keys.PublicKeyInfo | None
    ) -> tuple[keys.PublicKeyInfo, str | None]:
        if csr_public_key is not None:
            return csr_public_key, None
        label = f"{profile.value}-{new_id().lower()}"
        return self.keystore.generate(label, self.options.key_algorithm), label

    def _issue_with_key(
        self,
        profile: Profile,
        subject: x509.Name,
        csr_public_key: keys.PublicKeyInfo | None,
        cccd: str | None = None,
    ) -> IssuedCertificate:
        public_key, label = self._subject_key(profile, csr_public_key)
        try:
            return self._issue(profile, subject, ISSUER_OF[profile], public_key, label, cccd)
        except BaseException:
            if label is not None:
                self.keystore.destroy(label)
            raise

    def issue_citizen(
        self, full_name: str, cccd: str, csr_public_key: keys.PublicKeyInfo | None = None
    ) -> IssuedCertificate:
        """A free personal certificate; one active certificate per CCCD."""
        full_name, cccd = validate_name(full_name), validate_cccd(cccd)
        active = self.active_for_cccd(cccd)
        if active is not None:
            raise PkiConflictError(
                "certificate_active_exists",
                f"this CCCD already has active certificate {active.serial}; revoke it first",
            )
        return self._issue_with_key(
            Profile.CITIZEN, citizen_name(full_name, cccd), csr_public_key, cccd
        )

    def issue_official(
        self,
        full_name: str,
        title: str,
        agency: str,
        csr_public_key: keys.PublicKeyInfo | None = None,
    ) -> IssuedCertificate:
        subject = official_name(
            validate_name(full_name), validate_name(title, "title"), validate_name(agency, "agency")
        )
        return self._issue_with_key(Profile.OFFICIAL, subject, csr_public_key)

    def issue_seal(
        self, agency: str, csr_public_key: keys.PublicKeyInfo | None = None
    ) -> IssuedCertificate:
        subject = seal_name(validate_name(agency, "agency"))
        return self._issue_with_key(Profile.SEAL, subject, csr_public_key)

    # -- look-ups ------------------------------------------------------------------------
    def _authority(self, db: Session, ca: str) -> AuthorityRow:
        row = db.get(AuthorityRow, ca)
        if row is None:
            raise PkiNotFoundError("ca_unknown", f"no certificate authority {ca!r} (run pki init)")
        return row

    def authority_certificate(self, ca: str) -> x509.Certificate:
        with self.session() as db:
            return x509.Certificate.load(self._authority(db, ca).cert_der)

    def ocsp_responder(self, ca: str) -> tuple[bytes, str | None] | None:
        """(certificate, key label) of ``ca``'s latest good OCSP responder, if any."""
        with self.session() as db:
            stmt = select(CertificateRow).where(CertificateRow.profile == Profile.OCSP.value,
                                                CertificateRow.issuer == ca,
                                                CertificateRow.status == "good")  # fmt: skip
            rows = sorted(db.scalars(stmt), key=lambda r: utc(r.not_after))
            return (rows[-1].cert_der, rows[-1].key_label) if rows else None

    def authorities(self) -> list[AuthorityRow]:
        with self.session() as db:
            return list(db.scalars(select(AuthorityRow)))

    def get(self, serial: str) -> CertificateRecord:
        key = serial.strip().lower().removeprefix("0x").lstrip("0") or "0"
        with self.session() as db:
            row = db.get(CertificateRow, key)
            if row is None:
                raise PkiNotFoundError(
                    "certificate_unknown", f"no certificate with serial {serial}"
                )
            return CertificateRecord.from_row(row)

    def certificates(self, profile: str | None = None) -> list[CertificateRecord]:
        with self.session() as db:
            stmt = select(CertificateRow).order_by(CertificateRow.created_at)
            if profile:
                stmt = stmt.where(CertificateRow.profile == profile)
            return [CertificateRecord.from_row(r) for r in db.scalars(stmt)]

    def active_for_cccd(self, cccd: str) -> CertificateRecord | None:
        now = self.clock.now()
        with self.session() as db:
            stmt = select(CertificateRow).where(
                CertificateRow.cccd == cccd, CertificateRow.status == "good"
            )
            for row in db.scalars(stmt):
                if utc(row.not_after) > now:
                    return CertificateRecord.from_row(row)
        return None

    def chain(self, serial: str) -> list[x509.Certificate]:
        """The certificate and its issuers, up to the root."""
        record = self.get(serial)
        chain = [record.certificate]
        ca = record.issuer
        with self.session() as db:
            while ca is not None:
                authority = self._authority(db, ca)
                if authority.serial != record.serial:
                    chain.append(x509.Certificate.load(authority.cert_der))
                ca = authority.parent
        return chain

    def trust_add(self, data: bytes) -> list[str]:
        """Import CA certificates (e.g. the national NEAC root) as trust anchors."""
        with self.session() as db:
            added = import_anchors(db, data, self.clock.now())
            db.commit()
        return added

    def trust_anchors(self) -> list[x509.Certificate]:
        with self.session() as db:
            return list_anchors(db)
