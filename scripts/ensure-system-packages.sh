#!/usr/bin/env bash
# What the tests need from the system, installed when missing: Java 17 for DynamoDB Local, and
# Debian's Chromium at /usr/bin/chromium for the browser tests (test/browser, driven by playwright-core).
set -euo pipefail

# Runs apt-get as root, or through sudo; never stops to ask (CI has no standard input).
apt_get() {
  if [ "$(id -u)" = 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get "$@"; else sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"; fi
}

updated=false
apt_install() {
  if [ "$updated" = false ]; then
    apt_get update -qq
    updated=true
  fi
  apt_get install -y -qq "$@"
}

if ! java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then
  echo "Installing Java 17 for DynamoDB Local" >&2
  apt_install openjdk-17-jre-headless
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium for the browser tests" >&2
  apt_install chromium
fi
