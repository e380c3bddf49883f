#!/usr/bin/env bash
# Set up a fresh Debian machine for dicom_ocr: Tesseract and Chromium (report tests) from apt, Python packages, the
# package itself, EasyOCR weights.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-eng fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 fonts-freefont-ttf \
    fonts-dkg-handwriting fonts-breip fonts-humor-sans fonts-femkeklaver fonts-ecolier-court \
    chromium >/dev/null   # chromium: the report tests look at reports in a real headless browser; handwriting fonts: the synthetic forms
python3 -m pip install -q -r requirements.txt
python3 -m pip install -q --no-deps -e .
python3 scripts/install_models.py
