#!/usr/bin/env bash
# What the tests need from the system, installed when missing: Java 17 for DynamoDB Local.
set -euo pipefail
if ! java -version 2>&1 | grep -qE 'version "(1[7-9]|2[0-9])'; then
  echo "Installing Java 17 for DynamoDB Local" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless; else sudo apt-get update -qq && sudo apt-get install -y -qq openjdk-17-jre-headless; fi
fi
