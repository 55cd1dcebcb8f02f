"""The validation policy: strict by default, overridable per check, typos refused."""

from __future__ import annotations

import pytest

from tests.verify.conftest import Kit
from verify import STRICT, Indication, Policy, SubIndication, VerifyOptions, load_policy, verify_pdf
from verify.assemble import Problem, judge
from verify.errors import VerificationInputError
from verify.model import Severity


def test_strict_default_follows_circular_15_2025() -> None:
    rules = STRICT.algorithms
    assert {"sha1", "md5"} <= rules.forbidden_digests
    assert rules.min_rsa_bits == 2048 and rules.min_ec_bits == 256
    assert STRICT.severity("weak_digest") is Severity.FAIL
    assert STRICT.severity("shadow_hide") is Severity.FAIL
    assert STRICT.severity("form_filled") is Severity.INFORM


@pytest.mark.parametrize(
    "text",
    [
        "checks:\n  shadow_hid: WARN\n",  # typo of a check
        "checks:\n  shadow_hide: MAYBE\n",
        "check:\n  shadow_hide: WARN\n",  # typo of a key
        "- a list\n",
        "algorithms:\n  min_rsa_bits: many\n",
        "checks: [1, 2\n",
    ],
)
def test_invalid_policies_are_refused(text: str) -> None:
    with pytest.raises(VerificationInputError) as caught:
        load_policy(text)
    assert caught.value.code == "verify_policy_invalid"


def test_levels_change_the_verdict_not_the_finding() -> None:
    problems = [Problem("weak_digest", detail="SHA1"), Problem("form_filled", detail="a")]
    strict = judge(problems, _options(STRICT))
    assert strict[:2] == (Indication.INDETERMINATE, SubIndication.CRYPTO_CONSTRAINTS_FAILURE_NO_POE)
    warn = judge(problems, _options(load_policy("checks:\n  weak_digest: WARN\n")))
    assert warn[0] is Indication.TOTAL_PASSED
    assert [f.severity for f in warn[2]] == [Severity.WARN, Severity.INFORM]
    ignored = judge(problems, _options(load_policy("checks:\n  weak_digest: IGNORE\n")))
    assert [f.code for f in ignored[2]] == ["form_filled"]


def test_the_worst_failure_decides_the_sub_indication() -> None:
    problems = [Problem("revocation_unavailable"), Problem("hash_mismatch")]
    indication, sub, _ = judge(problems, _options(STRICT))
    assert (indication, sub) == (Indication.TOTAL_FAILED, SubIndication.HASH_FAILURE)


def test_algorithm_rules_apply_to_real_signatures(kit: Kit, corpus: dict[str, bytes]) -> None:
    policy = load_policy("algorithms:\n  forbidden_digests: [sha256]\n  min_ec_bits: 384\n")
    report = verify_pdf(corpus["clean_b_b"], kit.options(policy=policy))
    codes = {f.code for f in report.all_findings()}
    assert {"weak_digest", "weak_key"} <= codes
    assert report.indication is not Indication.TOTAL_PASSED


def _options(policy: Policy) -> VerifyOptions:
    return VerifyOptions(trust_roots=(), policy=policy)
