"""Validation policy: what each check does (FAIL / WARN / INFORM / IGNORE), like DSS constraints.

The default, ``strict``, follows Circular 15/2025/TT-BKHCN (SHA-256 or stronger, RSA ≥ 2048,
ECDSA ≥ P-256) and fails on any change after signing that is not form filling, a further
signature or long-term validation data. A YAML file may override it::

    name: bank-intake
    checks:
      annotation_added: WARN
      revocation_unavailable: WARN
    algorithms:
      min_rsa_bits: 3072
      forbidden_digests: [md5, sha1, sha224]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from verify.errors import VerificationInputError
from verify.findings import CHECKS
from verify.model import Severity


@dataclass(frozen=True)
class AlgorithmRules:
    min_rsa_bits: int = 2048
    min_ec_bits: int = 256
    forbidden_digests: frozenset[str] = frozenset({"md5", "sha1", "sha224"})


@dataclass(frozen=True)
class Policy:
    name: str = "strict"
    levels: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))
    algorithms: AlgorithmRules = AlgorithmRules()
    #: compare rendered pages of the signed and final revisions when later revisions exist
    visual_comparison: bool = True

    def severity(self, code: str) -> Severity:
        return self.levels.get(code, CHECKS[code].default)


STRICT = Policy()


def _levels(raw: object) -> dict[str, Severity]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise VerificationInputError("verify_policy_invalid", "'checks' must be a mapping")
    out: dict[str, Severity] = {}
    for code, level in raw.items():
        if code not in CHECKS:
            raise VerificationInputError("verify_policy_invalid", f"unknown check {code!r}")
        try:
            out[str(code)] = Severity(str(level).upper())
        except ValueError as exc:
            raise VerificationInputError(
                "verify_policy_invalid", f"{code}: level must be FAIL, WARN, INFORM or IGNORE"
            ) from exc
    return out


def _algorithms(raw: object) -> AlgorithmRules:
    if raw is None:
        return AlgorithmRules()
    if not isinstance(raw, dict):
        raise VerificationInputError("verify_policy_invalid", "'algorithms' must be a mapping")
    base = AlgorithmRules()
    try:
        digests = raw.get("forbidden_digests", sorted(base.forbidden_digests))
        return AlgorithmRules(
            min_rsa_bits=int(raw.get("min_rsa_bits", base.min_rsa_bits)),
            min_ec_bits=int(raw.get("min_ec_bits", base.min_ec_bits)),
            forbidden_digests=frozenset(str(d).lower().replace("-", "") for d in digests),
        )
    except (TypeError, ValueError) as exc:
        raise VerificationInputError("verify_policy_invalid", f"algorithms: {exc}") from exc


def load_policy(text: str) -> Policy:
    """A policy from YAML text; unknown checks and levels are refused (typos must not pass)."""
    import yaml  # only for --policy: every other verification uses a built-in policy

    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise VerificationInputError("verify_policy_invalid", f"not YAML: {exc}") from exc
    if raw is None:
        return STRICT
    if not isinstance(raw, dict):
        raise VerificationInputError("verify_policy_invalid", "the policy must be a mapping")
    unknown = set(raw) - {"name", "checks", "algorithms", "visual_comparison"}
    if unknown:
        raise VerificationInputError("verify_policy_invalid", f"unknown keys: {sorted(unknown)}")
    return Policy(
        name=str(raw.get("name", "custom")),
        levels=MappingProxyType(_levels(raw.get("checks"))),
        algorithms=_algorithms(raw.get("algorithms")),
        visual_comparison=bool(raw.get("visual_comparison", True)),
    )
