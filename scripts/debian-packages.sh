#!/usr/bin/env bash
# Sourced by scripts/demo.sh and scripts/test.sh: the Debian packages Belegwerk uses, and a
# function that installs the missing ones (apt-get; as root, or through sudo).

# What the product itself uses: Tesseract for scans and photos (German, English, orientation),
# fonts and HarfBuzz's subsetter for the HTML/PDF renderings.
RUNTIME_DEBIAN_PACKAGES=(tesseract-ocr tesseract-ocr-deu tesseract-ocr-eng tesseract-ocr-osd
                         fonts-dejavu-core libharfbuzz-subset0)
# What only the tests use: a headless browser, an IMAP server, Redis, PDF tools for fixtures.
TEST_DEBIAN_PACKAGES=(chromium ghostscript poppler-utils dovecot-imapd redis-server)

# install_debian_packages PACKAGE... : installs those not installed yet; returns 1 when some are
# missing and cannot be installed here (no apt-get, or neither root nor sudo).
install_debian_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "missing Debian packages (install them as root): ${missing[*]}" >&2; return 1; }
    sudo="sudo"
  fi
  command -v apt-get >/dev/null || { echo "missing Debian packages (no apt-get here): ${missing[*]}" >&2; return 1; }
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
