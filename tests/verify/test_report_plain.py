"""A report is kyso's own frozen values only: no pyHanko or asn1crypto object rides in it (a
field name read by pyHanko is a string subclass holding a reference into the parsed PDF; in a
batch every report is pickled through the verifier's pipe, and it carried that graph along)."""

from __future__ import annotations

import dataclasses
import enum
import pickle

from tests.verify.conftest import Kit
from tests.verify.corpus import fill_field, original
from tests.verify.foreign import endesive_sign
from tests.verify.foreign_keys import foreign_signer
from verify import verify_pdf


def _foreign_values(value: object, path: str = "report") -> list[str]:
    """Paths of the values in ``value`` whose type is not a builtin or kyso's."""
    found: list[str] = []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            found += _foreign_values(getattr(value, item.name), f"{path}.{item.name}")
        return found
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found += _foreign_values(item, f"{path}[{index}]")
        return found
    if isinstance(value, dict):
        for key, item in value.items():
            found += _foreign_values(key, f"{path} key") + _foreign_values(item, f"{path}[{key}]")
        return found
    module = type(value).__module__
    if isinstance(value, enum.Enum) or module in ("builtins", "datetime"):
        return found
    return [f"{path}: {type(value).__module__}.{type(value).__qualname__}"]


def test_a_report_holds_no_library_object_and_pickles_small(kit: Kit) -> None:
    signer = foreign_signer(kit, "Báo cáo gọn", "rsa2048")
    signed = endesive_sign(original(), signer, "Ky1")
    for pdf in (signed, fill_field(signed, "1.000.000")):
        report = verify_pdf(pdf, kit.options())
        assert report.signatures
        assert _foreign_values(report) == []
        assert type(report.signatures[0].field_name) is str
        assert len(pickle.dumps(report)) < 12_000
