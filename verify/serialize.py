"""The report as JSON (schema: docs/verify-report.schema.json, ``schema_version`` 1).

Plain data out of the frozen report objects: enums by value, times in ISO 8601 (UTC),
tuples as lists. ``api/`` and the CLI both use this, so the JSON is the same everywhere.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from enum import Enum

from verify.model import ValidationReport

SCHEMA_VERSION = 1
JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]


def _plain(value: object) -> JsonValue:
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("json", True)
        }
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def report_dict(report: ValidationReport) -> dict[str, JsonValue]:
    body = _plain(report)
    assert isinstance(body, dict)
    return {"schema_version": SCHEMA_VERSION, **body}


def report_json(report: ValidationReport, *, indent: int | None = 2) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=indent)
