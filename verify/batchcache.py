"""What the documents of a batch (``kyso verify dir/``, a verifier process) share beyond the
revocation answers: outcomes of pure checks, each reused only where it cannot differ.

- **Signature checks** (``verify.sigchecks.SignatureChecks``): successes of
  pyhanko-certvalidator's signature checks, remembered by their inputs.
- **Certificates** (``verify.certmemo.CertificateMemo``): one parsed copy per DER encoding.
- **Signer path outcomes** (``PathOutcomes``): the successful validation of a signer
  certificate's path, with its revocation, in the context ``verify.validate`` made for the
  signature at "now". It is reused for another document's signature only when a fresh
  validation would see exactly the same things and so come to the same result:
  the same certificate (DER), key usage rules, trust roots, every certificate the path could
  be built from, the document's own revocation data, revocation mode, algorithm rules and
  validation time (or "now"); the same revocation answers, each still the one the batch's
  ``RevocationCache`` serves (so it expires with that answer, at its nextUpdate or the
  cache's age limit, whichever comes first), none saying "revoked", no responder that
  failed; and a validation time between the first one and the earliest nextUpdate and
  certificate expiry involved. Only the signer's path is kept: pyHanko validates it last in
  its context (after the signature time-stamp's), so nothing else in that context reads
  what the skipped validation would have left there; the revocation answers it fetched are
  put back in the verification's fetchers, where the report reads them. At most
  ``max_entries`` outcomes are kept, and each at most ``max_age`` seconds.

One ``BatchCache`` per batch or per process, passed in ``VerifyOptions.batch_cache`` (never
module state). pyHanko has no hook for a path outcome, so ``install()`` wraps its
``validate_cert_usage`` once per process (as ``verify.fastread`` does): the wrapper acts only
for a ``CachingContext`` and otherwise is pyHanko's function.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from asn1crypto import crl, ocsp, x509
from pyhanko.sign.validation import generic_cms
from pyhanko.sign.validation.generic_cms import CertvalidatorOperationResult
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.path import ValidationPath

from verify.boundary import READ_ERRORS
from verify.certmemo import DEFAULT_MAX_CERTIFICATES, CertificateMemo
from verify.sigchecks import DEFAULT_MAX_SIGNATURES, SignatureChecks, digest

if TYPE_CHECKING:
    from certs.fetching import SourceCrlFetcher, SourceOcspFetcher
    from certs.revcache import RevocationCache

DEFAULT_MAX_AGE_SECONDS = 300.0
DEFAULT_MAX_PATHS = 256
_digest = digest


def context_inputs(
    roots: Iterable[x509.Certificate],
    certs: Iterable[x509.Certificate],
    revinfo: Iterable[ocsp.OCSPResponse | crl.CertificateList],
    moment: datetime | None,
    mode: str,
) -> bytes:
    """What a ``CachingContext`` was made from, as one digest: trust roots, other
    certificates, the document's OCSP responses and CRLs, the moment (None: "now"), and
    ``mode`` (revocation mode, retroactivity, forbidden digests, fetching)."""
    return _digest(
        b"roots", *sorted(_digest(c.dump()) for c in roots),
        b"certs", *sorted(_digest(c.dump()) for c in certs),
        b"revinfo", *sorted(_digest(r.dump()) for r in revinfo),
        (moment.isoformat() if moment is not None else "now").encode(), mode.encode(),
    )  # fmt: skip


#: a fetcher entry: OCSP (key, response, url), CRL by URL (url, list), CRL by cert (key, lists)
_Ocsp = tuple[object, ocsp.OCSPResponse, str]
_CrlUrl = tuple[str, crl.CertificateList]
_CrlCert = tuple[object, tuple[crl.CertificateList, ...]]


@dataclass(frozen=True)
class _FetcherState:
    ocsp: tuple[_Ocsp, ...] = ()
    crl_urls: tuple[_CrlUrl, ...] = ()
    crl_certs: tuple[_CrlCert, ...] = ()
    failures: int = 0

    def keys(self) -> tuple[object, ...]:
        return (
            tuple(k for k, _, _ in self.ocsp),
            tuple(u for u, _ in self.crl_urls),
            tuple(k for k, _ in self.crl_certs),
            self.failures,
        )

    def objects(self) -> tuple[object, ...]:
        return (*(r for _, r, _ in self.ocsp), *(c for _, c in self.crl_urls),
                *(c for _, lists in self.crl_certs for c in lists))  # fmt: skip


def _state(ocsp_f: SourceOcspFetcher | None, crl_f: SourceCrlFetcher | None) -> _FetcherState:
    if ocsp_f is None or crl_f is None:
        return _FetcherState()
    return _FetcherState(
        tuple((k, r, ocsp_f.urls.get(id(r), "")) for k, r in ocsp_f.cache.items()),
        tuple(crl_f.by_url.items()),
        tuple((k, tuple(v)) for k, v in crl_f.by_cert.items()),
        len(ocsp_f.unreachable) + len(crl_f.unreachable),
    )


def _delta(before: _FetcherState, after: _FetcherState) -> _FetcherState:
    ocsp_seen = {k for k, _, _ in before.ocsp}
    urls_seen = {u for u, _ in before.crl_urls}
    certs_seen = {k for k, _ in before.crl_certs}
    return _FetcherState(
        tuple(e for e in after.ocsp if e[0] not in ocsp_seen),
        tuple(e for e in after.crl_urls if e[0] not in urls_seen),
        tuple(e for e in after.crl_certs if e[0] not in certs_seen),
        after.failures - before.failures,
    )


@dataclass(frozen=True)
class _Kept:
    path: ValidationPath
    #: the fetchers' entries before the validation (checked by identity) and what it added
    before: tuple[object, ...]
    added: _FetcherState
    first: datetime
    until: datetime
    expires: float


def _not_after(cert: x509.Certificate) -> datetime:
    moment: datetime = cert["tbs_certificate"]["validity"]["not_after"].native
    return moment


def _ocsp_bound(response: ocsp.OCSPResponse) -> datetime | None:
    """The response's earliest nextUpdate and its certificates' expiry; None when a single
    response says anything but "good" or has no nextUpdate (nothing to reuse then)."""
    if response["response_status"].native != "successful":
        return None
    basic = response.basic_ocsp_response
    bounds: list[datetime] = [_not_after(cert) for cert in basic["certs"]]
    for single in basic["tbs_response_data"]["responses"]:
        next_update = single["next_update"].native
        if single["cert_status"].name != "good" or next_update is None:
            return None
        bounds.append(next_update)
    return min(bounds) if bounds else None


def _crl_bound(certificate_list: crl.CertificateList, serials: set[int]) -> datetime | None:
    tbs = certificate_list["tbs_cert_list"]
    if any(e["user_certificate"].native in serials for e in tbs["revoked_certificates"]):
        return None
    next_update: datetime | None = tbs["next_update"].native
    return next_update


class PathOutcomes:
    """Successful signer path validations, reused while a fresh one must agree (LRU)."""

    def __init__(
        self,
        max_age: float = DEFAULT_MAX_AGE_SECONDS,
        max_entries: int = DEFAULT_MAX_PATHS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self.clock = clock
        self._kept: OrderedDict[bytes, _Kept] = OrderedDict()
        self.hits = 0
        self.stored = 0

    def __len__(self) -> int:
        return len(self._kept)

    def find(
        self, key: bytes, moment: datetime, before: _FetcherState, shared: RevocationCache | None
    ) -> _Kept | None:
        kept = self._kept.get(key)
        if kept is None:
            return None
        if kept.expires <= self.clock() or not _served(kept.added, shared):
            del self._kept[key]
            return None
        now_objects = before.objects()
        if not kept.first <= moment <= kept.until or len(now_objects) != len(kept.before):
            return None
        if any(a is not b for a, b in zip(now_objects, kept.before, strict=True)):
            return None
        self._kept.move_to_end(key)
        self.hits += 1
        return kept

    def keep(self, key: bytes, kept: _Kept) -> None:
        if self.max_age <= 0 or self.max_entries <= 0:
            return
        self._kept[key] = kept
        self._kept.move_to_end(key)
        self.stored += 1
        while len(self._kept) > self.max_entries:
            self._kept.popitem(last=False)


def _served(added: _FetcherState, shared: RevocationCache | None) -> bool:
    """Is every answer the validation fetched still the one the batch's cache serves?"""
    if not (added.ocsp or added.crl_urls):
        return True
    if shared is None:
        return False
    return all(shared.serves_ocsp(k, r) for k, r, _ in added.ocsp) and all(
        shared.serves_crl(u, c) for u, c in added.crl_urls
    )


@dataclass
class BatchCache:
    """What a batch (or a verifier process) keeps between documents."""

    paths: PathOutcomes
    signatures: SignatureChecks
    certificates: CertificateMemo = field(default_factory=CertificateMemo)

    @classmethod
    def create(
        cls,
        max_age: float = DEFAULT_MAX_AGE_SECONDS,
        max_paths: int = DEFAULT_MAX_PATHS,
        max_signatures: int = DEFAULT_MAX_SIGNATURES,
        clock: Callable[[], float] = time.time,
        max_certificates: int = DEFAULT_MAX_CERTIFICATES,
    ) -> BatchCache:
        return cls(PathOutcomes(max_age, max_paths, clock), SignatureChecks(max_signatures),
                   CertificateMemo(max_certificates))  # fmt: skip


class CachingContext(ValidationContext):
    """A ValidationContext whose signer path validation may be answered by ``PathOutcomes``.

    ``inputs`` names everything kyso gave the context (roots, certificates, the document's
    revocation data, mode, algorithm rules, the moment or "now")."""

    def __init__(
        self,
        *,
        cache: BatchCache,
        signer: x509.Certificate,
        inputs: bytes,
        fetchers: tuple[SourceOcspFetcher, SourceCrlFetcher] | None,
        shared: RevocationCache | None,
        revinfo: Iterable[ocsp.OCSPResponse | crl.CertificateList],
        **kwargs: Any,
    ) -> None:
        super().__init__(signature_validator=cache.signatures, **kwargs)
        self.kyso_cache = cache
        self.kyso_signer = signer.dump()
        self.kyso_inputs = inputs
        self.kyso_fetchers = fetchers
        self.kyso_shared = shared
        self.kyso_revinfo = tuple(revinfo)

    def _key(self, usage: KeyUsageConstraints) -> bytes | None:
        validated = getattr(self, "_validate_map", None)
        issuers = getattr(self.revinfo_manager, "_crl_issuer_map", None)
        if not isinstance(validated, dict) or not isinstance(issuers, dict):
            return None  # another pyhanko-certvalidator: nothing is reused
        registry = sorted(_digest(c.dump()) for c in self.certificate_registry)
        return _digest(
            self.kyso_signer, repr(usage).encode(), self.kyso_inputs, *registry,
            b"validated", *sorted(bytes(k) for k in validated),
            b"crl issuers", *sorted(bytes(k) for k in issuers),
        )  # fmt: skip

    def _fetcher_state(self) -> _FetcherState:
        return _state(*self.kyso_fetchers) if self.kyso_fetchers else _FetcherState()

    def _bound(self, path: ValidationPath, added: _FetcherState) -> datetime | None:
        """The last moment the outcome holds for; None when it is not to be reused."""
        certs = list(path.iter_certs(include_root=True))
        serials = {c.serial_number for c in certs}
        bounds = [_not_after(c) for c in certs]
        answers = [*self.kyso_revinfo, *(r for _, r, _ in added.ocsp)]
        answers += [c for _, c in added.crl_urls]
        for answer in answers:
            try:
                if isinstance(answer, ocsp.OCSPResponse):
                    bound = _ocsp_bound(answer)
                else:
                    bound = _crl_bound(answer, serials)
            except READ_ERRORS:
                return None  # a part pyHanko did not need does not parse: keep nothing
            if bound is None:
                return None
            bounds.append(bound)
        return min(bounds)

    async def usage(
        self,
        cert: x509.Certificate,
        usage: KeyUsageConstraints,
        run: Callable[[], Any],
        cancel: Callable[[], Any],
    ) -> CertvalidatorOperationResult[ValidationPath]:
        key = self._key(usage) if cert.dump() == self.kyso_signer else None
        if key is None:
            result: CertvalidatorOperationResult[ValidationPath] = await run()
            return result
        before = self._fetcher_state()
        key = _digest(key, repr(before.keys()).encode())
        found = self.kyso_cache.paths.find(key, self.moment, before, self.kyso_shared)
        if found is not None:
            await cancel()
            self._replay(found.added)
            return CertvalidatorOperationResult(success_result=found.path)
        result = await run()
        path = result.success_result
        if path is None or result.error_subindic is not None:
            return result
        added = _delta(before, self._fetcher_state())
        if added.failures or not _served(added, self.kyso_shared):
            return result
        until = self._bound(path, added)
        if until is not None and self.moment <= until:
            expires = self.kyso_cache.paths.clock() + self.kyso_cache.paths.max_age
            kept = _Kept(path, before.objects(), added, self.moment, until, expires)
            self.kyso_cache.paths.keep(key, kept)
        return result

    def _replay(self, added: _FetcherState) -> None:
        """Put the answers the validation fetched where a fresh one would have put them."""
        if self.kyso_fetchers is None:
            return
        ocsp_f, crl_f = self.kyso_fetchers
        for key, response, url in added.ocsp:
            ocsp_f.cache[key] = response  # type: ignore[index]
            ocsp_f.urls[id(response)] = url
        for url, certificate_list in added.crl_urls:
            crl_f.by_url[url] = certificate_list
        for key, lists in added.crl_certs:
            crl_f.by_cert[key] = list(lists)


PYHANKO_VALIDATE_CERT_USAGE = generic_cms.validate_cert_usage


async def validate_cert_usage(
    cert: x509.Certificate,
    validation_context: ValidationContext,
    key_usage_settings: KeyUsageConstraints,
    paths: Any,
    pkix_validation_params: Any = None,
) -> CertvalidatorOperationResult[ValidationPath]:
    """pyHanko's ``validate_cert_usage``; a ``CachingContext`` may answer from its cache."""

    def run() -> Any:
        return PYHANKO_VALIDATE_CERT_USAGE(
            cert, validation_context, key_usage_settings=key_usage_settings, paths=paths,
            pkix_validation_params=pkix_validation_params,
        )  # fmt: skip

    if not isinstance(validation_context, CachingContext) or pkix_validation_params is not None:
        result: CertvalidatorOperationResult[ValidationPath] = await run()
        return result
    return await validation_context.usage(cert, key_usage_settings, run, paths.cancel)


def install() -> None:
    """Once per process; idempotent."""
    generic_cms.validate_cert_usage = validate_cert_usage


def uninstall() -> None:
    generic_cms.validate_cert_usage = PYHANKO_VALIDATE_CERT_USAGE
