#!/usr/bin/env bash
# Builds kwin-fake-input into OUT_DIR (Debian: gcc, libwayland-dev, plasma-wayland-protocols).
# usage: tests/desktops/kwin-fake-input/build.sh OUT_DIR
set -euo pipefail
here=$(dirname "$0")
out=$1
xml=/usr/share/plasma-wayland-protocols/fake-input.xml
mkdir -p "$out"
wayland-scanner client-header "$xml" "$out/fake-input-client-protocol.h"
wayland-scanner private-code "$xml" "$out/fake-input-protocol.c"
gcc -O1 -Wall -Wextra -Werror -I "$out" -o "$out/kwin-fake-input" "$here/fake_input.c" \
  "$out/fake-input-protocol.c" $(pkg-config --cflags --libs wayland-client)
