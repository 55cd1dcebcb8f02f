"""kyso's commands and groups, by name: where each lives and the line ``kyso --help`` shows.
Data only, so that ``kyso --help`` and ``kyso verify`` import none of the commands."""

from __future__ import annotations

#: the commands, each imported only when it runs (``kyso --help`` imports none of them):
#: name -> (module, attribute: a function or a ``typer.Typer``, the line ``--help`` shows).
#: tests/api/test_cli_startup.py checks each line is the command's own help.
COMMANDS = {
    "ocr": ("api.cli.ocr", "ocr_command",
            "Số hoá: OCR a scan into a searchable PDF/A-2b (Vietnamese text layer, sidecar text)."),
    "worker": ("api.cli.worker", "worker_command",
               "Chạy tiến trình xử lý nền (run background workers; needs KYSO_REDIS_URL)."),
    "sign": ("api.cli.sign", "sign_command",
             "Ký số tệp PDF (PAdES) / sign a PDF, or extend a signed one (--extend FILE --to "
             "B-LTA)."),
    "verify": ("api.cli.verify_typer", "verify_command",
               "Xác minh chữ ký số: verify the signatures of a PDF (ETSI EN 319 102-1 report)."),
    "verify-print": ("api.cli.verify_print", "verify_print_command",
                     "Kiểm tra bản in: compare a printed result with its archived, signed "
                     "original."),
}  # fmt: skip
GROUPS = {
    "pki": ("api.cli.pki", "app", "Hạ tầng khoá công khai (PKI): CA, cấp và thu hồi chứng thư số."),
    "admin": ("api.cli.admin", "app", "Quản trị (administration): accounts and API keys."),
    "exchange": ("api.cli.exchange", "app",
                 "Liên thông văn bản (edXML) với cơ quan khác / inter-agency exchange."),
    "archive": ("api.cli.archive", "app",
                "Lưu trữ hồ sơ điện tử (archive): bản gốc bất biến, kiểm tra toàn vẹn."),
    "result": ("api.cli.result", "app",
               "Kết quả theo mẫu (result templates): preview, issue, and the document registers."),
}  # fmt: skip
#: commands that read their own arguments (argparse; ``kyso verify`` runs without typer):
#: under typer they take every argument as it is, ``--help`` included
OWN_PARSER = frozenset({"verify"})
