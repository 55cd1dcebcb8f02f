"""The result templates an official may fill: what each prints and which fields it takes.

Four layouts of Decree 30/2020/ND-CP (Appendix I, layout of the format elements; Appendix III,
abbreviations of document types): a decision (Quyết định, QĐ), a certificate (Giấy chứng nhận,
GCN), a confirmation (Giấy xác nhận, GXN) and a reply letter (công văn: no type abbreviation,
``123/UBND-VP`` and a "V/v" subject under the number). The dossier gives the citizen's name,
the service, its code and dates (never a CCCD number); the official types the rest, and every
text field may name the dossier's values as ``{citizen}``, ``{service}``, ``{dossier}``,
``{submitted}``, ``{agency}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from onestop.errors import TemplateInputError

#: the dossier's values a field's text may name
PLACEHOLDERS = ("citizen", "service", "dossier", "submitted", "agency")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    #: the label the form shows (Vietnamese)
    label: str
    #: the text when the official types none ("" and required: it must be typed)
    default: str = ""
    required: bool = False
    #: several lines (paragraphs, articles, recipients: one per line)
    multiline: bool = False
    max_length: int = 300


@dataclass(frozen=True)
class ResultTemplate:
    name: str
    #: the document type's name as printed (none for a letter: it has no type title)
    title: str
    #: the register's document type, also the notation's type abbreviation (CV: none printed)
    doc_type: str
    description: str
    fields: tuple[FieldSpec, ...]

    @property
    def prints_type(self) -> bool:
        return self.doc_type != "CV"

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


_HEADER = (
    FieldSpec("place", "Địa danh (place)", required=True, max_length=60),
    FieldSpec("agency_name", "Tên cơ quan (agency, as printed; default from the dossier)"),
    FieldSpec(
        "agency_code", "Viết tắt tên cơ quan (agency abbreviation, e.g. UBND)", max_length=20
    ),
)
_SIGNER = (
    FieldSpec("signer_authority", "Quyền hạn ký (e.g. TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH)"),
    FieldSpec("signer_title", "Chức vụ người ký (title, e.g. CHỦ TỊCH)", required=True),
    FieldSpec("signer_name", "Họ tên người ký (default: the signing official)", max_length=120),
)


def _recipients(default: str) -> FieldSpec:
    return FieldSpec("recipients", "Nơi nhận (one a line)", default, multiline=True, max_length=600)


DECISION = ResultTemplate(
    "decision",
    "QUYẾT ĐỊNH",
    "QĐ",
    "Quyết định cá biệt (an individual decision): grounds, articles, recipients.",
    (
        *_HEADER,
        FieldSpec("subject", "Trích yếu (subject)", "Về việc giải quyết hồ sơ {service}"),
        FieldSpec("authority", "Thẩm quyền ban hành (e.g. CHỦ TỊCH ỦY BAN NHÂN DÂN ...)"),
        FieldSpec(
            "grounds",
            "Căn cứ ban hành (one a line)",
            "Căn cứ Luật Tổ chức chính quyền địa phương;\n"
            "Xét hồ sơ {dossier} của ông (bà) {citizen} nộp ngày {submitted}.",
            multiline=True,
            max_length=2000,
        ),
        FieldSpec(
            "articles",
            "Các điều (one article a line: Điều 1., Điều 2. ... are added)",
            "Giải quyết hồ sơ {service} của ông (bà) {citizen} (hồ sơ {dossier}).\n"
            "Quyết định này có hiệu lực kể từ ngày ký.\n"
            "Văn phòng và ông (bà) {citizen} chịu trách nhiệm thi hành Quyết định này.",
            required=True,
            multiline=True,
            max_length=6000,
        ),
        _recipients("Như Điều 3;\nLưu: VT."),
        *_SIGNER,
    ),
)


def _certifying(name: str, title: str, doc_type: str, verb: str, about: str) -> ResultTemplate:
    return ResultTemplate(
        name,
        title,
        doc_type,
        f"{title.capitalize()}: the agency {verb} a fact about the citizen.",
        (
            *_HEADER,
            FieldSpec("subject", "Trích yếu (subject, under the title)", about),
            FieldSpec(
                "body",
                "Nội dung (one paragraph a line)",
                f"Đã được {verb} theo hồ sơ {{dossier}} ({{service}}) nộp ngày {{submitted}}.",
                required=True,
                multiline=True,
                max_length=6000,
            ),
            _recipients("Ông (bà) {citizen};\nLưu: VT."),
            *_SIGNER,
        ),
    )


CERTIFICATE = _certifying("certificate", "GIẤY CHỨNG NHẬN", "GCN", "chứng nhận", "{service}")
CONFIRMATION = _certifying("confirmation", "GIẤY XÁC NHẬN", "GXN", "xác nhận", "{service}")

LETTER = ResultTemplate(
    "letter",
    "",
    "CV",
    "Công văn trả lời (a reply letter): V/v subject, addressee, body.",
    (
        *_HEADER,
        FieldSpec(
            "unit_code", "Viết tắt đơn vị soạn thảo (drafting unit, e.g. VP)", "VP", max_length=20
        ),
        FieldSpec("subject", "V/v (subject)", "trả lời hồ sơ {service}", max_length=200),
        FieldSpec("addressee", "Kính gửi (addressee)", "Ông (bà) {citizen}"),
        FieldSpec(
            "body",
            "Nội dung (one paragraph a line)",
            "Ủy ban nhân dân nhận được hồ sơ {dossier} của ông (bà) ngày {submitted} về {service}.",
            required=True,
            multiline=True,
            max_length=6000,
        ),
        _recipients("Như trên;\nLưu: VT."),
        *_SIGNER,
    ),
)

TEMPLATES = {t.name: t for t in (DECISION, CERTIFICATE, CONFIRMATION, LETTER)}


def template(name: str) -> ResultTemplate:
    found = TEMPLATES.get(name)
    if found is None:
        raise TemplateInputError(
            "template_unknown", f"no template {name!r}: one of {', '.join(TEMPLATES)}"
        )
    return found


def checked_fields(spec: ResultTemplate, fields: dict[str, str]) -> dict[str, str]:
    """The fields as typed, each known to ``spec``, within its length, the required ones
    there (an empty value means the default)."""
    for name, value in fields.items():
        field = spec.field(name)
        if field is None:
            raise TemplateInputError(
                "template_field_unknown", f"the {spec.name} template has no field {name!r}"
            )
        if len(value) > field.max_length:
            raise TemplateInputError(
                "template_field_too_long", f"{name}: at most {field.max_length} characters"
            )
        if any((ord(c) < 32 and c not in "\n\r\t") or 0x7F <= ord(c) < 0xA0 for c in value):
            raise TemplateInputError("template_field_invalid", f"{name}: control characters")
    filled = {f.name: (fields.get(f.name) or "").strip() or f.default for f in spec.fields}
    missing = [f.name for f in spec.fields if f.required and not filled[f.name]]
    if missing:
        raise TemplateInputError(
            "template_field_missing", f"the {spec.name} template needs {', '.join(missing)}"
        )
    return filled
