"""Words of the human reports, Vietnamese (default) and English."""

from __future__ import annotations

from verify.model import ChangeKind, Indication

LANGS = ("vi", "en")

VERDICT = {
    "vi": {
        Indication.TOTAL_PASSED: "HỢP LỆ",
        Indication.TOTAL_FAILED: "KHÔNG HỢP LỆ",
        Indication.INDETERMINATE: "CHƯA XÁC ĐỊNH ĐƯỢC",
    },
    "en": {
        Indication.TOTAL_PASSED: "VALID",
        Indication.TOTAL_FAILED: "INVALID",
        Indication.INDETERMINATE: "INDETERMINATE",
    },
}

VERDICT_EXPLAINED = {
    "vi": {
        Indication.TOTAL_PASSED: "Tài liệu còn nguyên vẹn kể từ khi ký "
        "và mọi chữ ký số đều hợp lệ.",
        Indication.TOTAL_FAILED: "Có chữ ký số không hợp lệ hoặc tài liệu đã bị làm giả. "
        "Không nên tin vào tài liệu này.",
        Indication.INDETERMINATE: "Chưa thể khẳng định tài liệu hợp lệ: xem các vấn đề bên dưới.",
    },
    "en": {
        Indication.TOTAL_PASSED: "The document is intact since signing "
        "and every signature is valid.",
        Indication.TOTAL_FAILED: "A signature is invalid or the document was forged. "
        "Do not rely on this document.",
        Indication.INDETERMINATE: "Validity cannot be confirmed: see the problems below.",
    },
}

CHANGES = {
    "vi": {
        ChangeKind.NONE: "không có",
        ChangeKind.DSS_AND_TIMESTAMPS: "chỉ bổ sung dữ liệu xác minh và dấu thời gian",
        ChangeKind.SIGNATURES: "thêm chữ ký",
        ChangeKind.FORM_FILLING: "điền biểu mẫu",
        ChangeKind.ANNOTATIONS: "thêm chú thích",
        ChangeKind.OTHER: "thay đổi khác",
    },
    "en": {
        ChangeKind.NONE: "none",
        ChangeKind.DSS_AND_TIMESTAMPS: "validation data and time-stamps only",
        ChangeKind.SIGNATURES: "further signatures",
        ChangeKind.FORM_FILLING: "form filling",
        ChangeKind.ANNOTATIONS: "annotations",
        ChangeKind.OTHER: "other changes",
    },
}

LABELS = {
    "vi": {
        "title": "Báo cáo xác minh chữ ký số",
        "verdict": "Kết luận",
        "document": "Tài liệu",
        "sha256": "Mã băm SHA-256",
        "size": "Kích thước (byte)",
        "pages": "Số trang",
        "revisions": "Số lần lưu",
        "signature": "Chữ ký",
        "field": "Trường chữ ký",
        "result": "Kết quả",
        "signer": "Người ký",
        "organisation": "Cơ quan / tổ chức",
        "title_": "Chức vụ",
        "cccd": "Số CCCD",
        "claimed_time": "Thời điểm ký (do phần mềm ký khai)",
        "ts_time": "Thời điểm ký (dấu thời gian)",
        "validation_time": "Thời điểm kiểm tra chứng thư",
        "level": "Mức PAdES",
        "certified": "Chữ ký chứng thực (DocMDP)",
        "algorithms": "Thuật toán",
        "chain": "Chuỗi chứng thư",
        "valid_then": "còn hiệu lực khi ký",
        "not_valid_then": "không còn hiệu lực khi ký",
        "revocation": "Tình trạng thu hồi",
        "timestamps": "Dấu thời gian",
        "changes": "Thay đổi sau khi ký",
        "findings": "Ghi nhận",
        "none": "không có",
        "yes": "có",
        "no": "không",
        "validated_at": "Thời điểm xác minh",
        "policy": "Chính sách xác minh",
        "online": "Kiểm tra thu hồi trực tuyến",
        "footer": "Báo cáo do hệ thống kyso lập theo ETSI EN 319 102-1.",
        "no_signatures": "Tài liệu không có chữ ký số.",
        "changed_after": "Tài liệu đã bị thay đổi sau khi ký.",
        "embedded": "nhúng trong tài liệu",
        "online_src": "trực tuyến",
    },
    "en": {
        "title": "Digital signature verification report",
        "verdict": "Verdict",
        "document": "Document",
        "sha256": "SHA-256",
        "size": "Size (bytes)",
        "pages": "Pages",
        "revisions": "Revisions",
        "signature": "Signature",
        "field": "Signature field",
        "result": "Result",
        "signer": "Signer",
        "organisation": "Organisation",
        "title_": "Title",
        "cccd": "Citizen ID",
        "claimed_time": "Signing time (claimed by the signing software)",
        "ts_time": "Signing time (time-stamp)",
        "validation_time": "Certificate checked at",
        "level": "PAdES level",
        "certified": "Certification signature (DocMDP)",
        "algorithms": "Algorithms",
        "chain": "Certificate chain",
        "valid_then": "valid at signing time",
        "not_valid_then": "not valid at signing time",
        "revocation": "Revocation status",
        "timestamps": "Time-stamps",
        "changes": "Changes after signing",
        "findings": "Findings",
        "none": "none",
        "yes": "yes",
        "no": "no",
        "validated_at": "Verified at",
        "policy": "Validation policy",
        "online": "Online revocation checks",
        "footer": "Report produced by kyso following ETSI EN 319 102-1.",
        "no_signatures": "The document has no digital signature.",
        "changed_after": "The document was changed after signing.",
        "embedded": "embedded in the document",
        "online_src": "online",
    },
}
