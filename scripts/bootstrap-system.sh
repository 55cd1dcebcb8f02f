#!/bin/sh
# Installs the Debian packages kyso needs, when missing and when running as root.
# Used by `make run` and `make test`; safe to run again (does nothing when all are there).
# `--runtime` installs only what the service itself needs (the container image uses it);
# by default the local services and tools the test-suite drives are added.
set -eu
PACKAGES="tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng softhsm2 opensc poppler-utils qpdf \
ghostscript fonts-liberation fonts-dejavu-core openssl libnss3-tools fonts-liberation2"
if [ "${1:-}" != "--runtime" ]; then
    PACKAGES="$PACKAGES chromium postgresql redis-server"
    # tests/verify's corpus signed by other producers: PDFBox 2 + Bouncy Castle, compiled
    # at test time with the JDK (poppler's pdfsig and NSS's certutil/pk12util are above)
    PACKAGES="$PACKAGES default-jdk-headless libpdfbox2-java libfontbox2-java libbcprov-java \
libbcpkix-java libbcutil-java libcommons-logging-java"
fi
missing=""
for pkg in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "kyso: missing Debian packages:$missing (run as root, or install them)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "kyso: not a Debian system; install by hand:$missing" >&2
    exit 0
fi
echo "kyso: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
