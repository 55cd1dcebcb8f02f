"""Texts of the printed-copy check (pages, CLI, HTML report), in Vietnamese and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "print_title": "Kiểm tra bản in",
        "print_lead": "Chụp ảnh hoặc tải lên bản quét của giấy tờ đã in (kết quả có mã QR). "
        "kyso tìm bản gốc đã lưu trữ, kiểm tra chữ ký số và so sánh từng chữ trên giấy "
        "với bản gốc.",
        "print_camera": "Chụp ảnh giấy tờ",
        "print_file": "Hoặc chọn tệp (PDF, JPEG, PNG)",
        "print_code": "Mã tra cứu (nếu không đọc được mã QR)",
        "print_check": "Kiểm tra bản in",
        "print_working": "Đang đọc và so sánh, vui lòng chờ (khoảng 10 giây mỗi trang)...",
        "print_of": "Bản in của tài liệu",
        "paper_matches": "BẢN IN KHỚP VỚI BẢN GỐC",
        "paper_changed": "BẢN IN ĐÃ BỊ SỬA ĐỔI",
        "paper_inconclusive": "CHƯA KẾT LUẬN ĐƯỢC: chụp lại rõ hơn",
        "paper_another_document": "ĐÂY LÀ BẢN IN CỦA MỘT VĂN BẢN KHÁC",
        "other_result": "Giấy này là bản in của văn bản khác đã đăng ký (số in trên giấy "
        "và nội dung khớp với văn bản đó); kiểm tra lại với mã tra cứu của văn bản đó",
        "other_verdict": "So với văn bản đó",
        "short_matches": "khớp",
        "short_changed": "có chỗ khác",
        "short_inconclusive": "chưa kết luận được",
        "original_signatures": "Chữ ký số của bản gốc",
        "changes": "Những chỗ khác bản gốc",
        "doubts": "Những chỗ không đọc chắc chắn",
        "page": "Trang",
        "kind": "Loại",
        "in_original": "Bản gốc",
        "on_paper": "Trên giấy",
        "line": "Dòng",
        "kind_changed": "bị sửa",
        "kind_removed": "bị xoá",
        "kind_added": "được thêm",
        "missing_pages": "Các trang của bản gốc không có trong ảnh",
        "not_aligned": "Không đối chiếu được trang này với bản gốc",
        "other_document": "Trang này là của một văn bản khác (cùng mẫu, nội dung khác), "
        "không phải bản in của bản gốc",
        "qr_mismatch": "Mã QR trên giấy chỉ đến tài liệu khác với mã đã nhập",
        "qr_foreign": "Mã QR trên giấy chỉ đến một địa chỉ khác",
        "picture": "Ảnh trang, các chỗ khác được đánh dấu",
        "number": "Số, ký hiệu",
        "issuer": "Cơ quan ban hành",
        "code": "Mã tra cứu",
        "again": "Kiểm tra bản in khác",
        "from_landing": "Kiểm tra bản in của tài liệu này",
    },
    "en": {
        "print_title": "Verify a printed copy",
        "print_lead": "Take a photo or upload a scan of the printed document (a result with a "
        "QR code). kyso finds the archived original, verifies its digital signatures and "
        "compares every word on the paper with the original.",
        "print_camera": "Photograph the document",
        "print_file": "Or choose a file (PDF, JPEG, PNG)",
        "print_code": "Look-up code (if the QR code cannot be read)",
        "print_check": "Verify the printed copy",
        "print_working": "Reading and comparing, please wait (about 10 seconds a page)...",
        "print_of": "Printed copy of",
        "paper_matches": "THE PAPER MATCHES THE ORIGINAL",
        "paper_changed": "THE PAPER HAS BEEN CHANGED",
        "paper_inconclusive": "INCONCLUSIVE: take a clearer photo",
        "paper_another_document": "THIS IS A PRINT OF ANOTHER DOCUMENT",
        "other_result": "The paper is a print of another registered document (the number "
        "printed on it and its content match that document); check it with that document's "
        "look-up code",
        "other_verdict": "Against that document",
        "short_matches": "matches",
        "short_changed": "differs",
        "short_inconclusive": "inconclusive",
        "original_signatures": "Digital signatures of the original",
        "changes": "Where the paper differs from the original",
        "doubts": "Where the paper could not be read with certainty",
        "page": "Page",
        "kind": "Kind",
        "in_original": "Original",
        "on_paper": "On paper",
        "line": "Line",
        "kind_changed": "changed",
        "kind_removed": "removed",
        "kind_added": "added",
        "missing_pages": "Pages of the original not in the picture",
        "not_aligned": "This page could not be matched with the original",
        "other_document": "This page shows another document (the same layout, other content), "
        "not a copy of the original",
        "qr_mismatch": "The QR code on the paper names another document than the code given",
        "qr_foreign": "The QR code on the paper leads to another address",
        "picture": "Page picture, differences marked",
        "number": "Number and notation",
        "issuer": "Issuing body",
        "code": "Look-up code",
        "again": "Verify another printed copy",
        "from_landing": "Verify a printed copy of this document",
    },
}


def print_texts(lang: str) -> dict[str, str]:
    return TEXTS["en" if lang == "en" else "vi"]
