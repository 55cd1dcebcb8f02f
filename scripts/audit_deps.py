"""pip-audit of the locked dependencies (requirements.lock), run by `make test`.

Known vulnerabilities fail the run. When the vulnerability service cannot be reached (a
machine that only sees a package mirror), the packages are listed as not audited and the run
goes on, unless KYSO_AUDIT_STRICT=1. KYSO_AUDIT_OSV_URL points pip-audit at an OSV mirror.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parent.parent / "requirements.lock"


def main() -> int:
    command = [sys.executable, "-m", "pip_audit", "-r", str(LOCK), "--no-deps", "--disable-pip"]
    command += ["--format", "json", "--progress-spinner", "off", "--timeout", "20"]
    if osv := os.environ.get("KYSO_AUDIT_OSV_URL"):
        command += ["--vulnerability-service", "osv", "--osv-url", osv]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    try:
        found = json.loads(done.stdout)["dependencies"]
    except (ValueError, KeyError):
        print(f"pip-audit failed:\n{done.stderr[-2000:]}", file=sys.stderr)
        return 1
    vulnerable = [d for d in found if d.get("vulns")]
    skipped = [d["name"] for d in found if "skip_reason" in d]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"pip-audit: {dep['name']} {dep['version']} is vulnerable: {ids}", file=sys.stderr)
    audited = len(found) - len(skipped)
    print(
        f"pip-audit: {audited} locked packages audited, {len(vulnerable)} vulnerable, "
        f"{len(skipped)} not audited"
    )
    if skipped and audited == 0:
        print(
            "pip-audit: the vulnerability service did not answer for any package (no route to "
            "pypi.org's JSON API or OSV from here); set KYSO_AUDIT_OSV_URL to a mirror",
            file=sys.stderr,
        )
        if os.environ.get("KYSO_AUDIT_STRICT") == "1":
            return 1
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
