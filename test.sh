#!/usr/bin/env bash
# The README's test command (and what CI runs): the whole build with every test. The world
# console's browser tests drive Debian's headless Chromium through its chromedriver, so both are
# installed from Debian's packages when missing (no browser is downloaded from anywhere else).
# Arguments go to Maven: ./test.sh -o, ./test.sh -pl api -Dit.test=ConsoleIT, ...
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "test.sh: installing Debian's chromium and chromium-driver for the console's browser tests"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver
fi
exec mvn verify "$@"
