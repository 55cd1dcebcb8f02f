"""A throw-away PKI served over real HTTP (OCSP, CRL), signers, and the test corpus.

Everything is session-scoped: the PKI, the server and the corpus are built once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from certs.fetch_policy import FetchPolicy, parse_hosts
from certs.keystore_file import FileKeyStore
from certs.pki import Pki
from certs.records import IssuedCertificate
from certs.revocation import Revocation
from certs.sources import HttpUrlSource, PkiUrlSource
from common.clock import SystemClock
from signing.pades import PadesSigner, SigningContext
from signing.pki_adapter import signing_key, trust_from_pki
from tests.certs.throwaway import PkiServer, throwaway_pki
from verify import VerifyOptions

if TYPE_CHECKING:
    from tests.verify.foreign_corpus import Document

AGENCY = "Ủy ban nhân dân phường Bến Nghé"


@dataclass
class Kit:
    pki: Pki
    store: FileKeyStore
    revocation: Revocation
    context: SigningContext
    citizen: IssuedCertificate
    official: IssuedCertificate
    seal: IssuedCertificate
    root_pem: Path
    url: str
    data_dir: Path
    #: the PKI's URLs over HTTP; ``server.asked``: each revocation request it answered
    server: PkiServer

    def signer(self, serial: str) -> PadesSigner:
        return PadesSigner(self.store, signing_key(self.pki, serial), self.context)

    def options(self, **kw: object) -> VerifyOptions:
        """Online verification over HTTP (the PKI server on loopback: a trusted host of the
        fetch policy), kyso's root trusted."""
        policy = FetchPolicy(public=False, hosts=parse_hosts(self.url.removeprefix("http://")))
        base: dict[str, object] = {
            "trust_roots": tuple(self.pki.trust_anchors()),
            "revocation_source": HttpUrlSource(policy=policy),
        }
        base.update(kw)
        return VerifyOptions(**base)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Kit]:
    base = tmp_path_factory.mktemp("verify-pki")
    server = PkiServer()  # what a third party reaches: OCSP, CRLs, the TSA (for other signers)
    made = throwaway_pki(base, server.url, clock=SystemClock())
    pki = made.pki
    served = server.serve(pki)
    context = SigningContext(
        trust=trust_from_pki(pki, PkiUrlSource(pki)), timestamps=served.tsa, clock=SystemClock()
    )
    yield Kit(
        pki=pki,
        store=made.keys,
        revocation=served.revocation,
        context=context,
        citizen=pki.issue_citizen("Đặng Văn Hưởng", "001203004567"),
        official=pki.issue_official("Nguyễn Thị Hồng Nhung", "Phó Chủ tịch", AGENCY),
        seal=pki.issue_seal(AGENCY),
        root_pem=made.root_pem(),
        url=server.url,
        data_dir=base,
        server=server,
    )
    server.stop()
    made.close()


PASSPHRASE = "test-passphrase-0123456789"


@pytest.fixture
def kyso_env(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> Kit:
    """Settings of the ``kyso`` CLI pointing at the test PKI (same database and keys)."""
    monkeypatch.setenv("KYSO_DATA_DIR", str(kit.data_dir))
    monkeypatch.setenv("KYSO_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("KYSO_PUBLIC_URL", kit.url)
    monkeypatch.delenv("KYSO_DATABASE_URL", raising=False)
    monkeypatch.delenv("KYSO_KEYSTORE", raising=False)
    return kit


@pytest.fixture(scope="session")
def corpus(kit: Kit) -> dict[str, bytes]:
    from tests.verify.corpus import build_corpus

    return build_corpus(kit)


@pytest.fixture(scope="session")
def foreign_corpus(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> list[Document]:
    """The documents other producers signed (tests/verify/foreign_corpus.py), built once."""
    from tests.verify.foreign_corpus import build_foreign_corpus
    from tests.verify.producers import Producers

    return build_foreign_corpus(kit, Producers(tmp_path_factory.mktemp("foreign-producers")))
