#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# build-aux/setup.sh — shared by run.sh and test.sh; source it, don't run it.
#
# Provides:
#   tasker_install_packages        install what build-aux/packages.txt lists and dpkg lacks
#   tasker_configure DIR [ARGS...] meson setup DIR (or reconfigure it) with ARGS
#   tasker_build DIR               meson compile -C DIR
#
# Headless and non-interactive: apt-get runs with -y and DEBIAN_FRONTEND=noninteractive,
# sudo (only when not root) runs with -n so that it fails instead of prompting.
# Set TASKER_SKIP_PACKAGES=1 to skip the package step entirely.

TASKER_SRCDIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TASKER_PACKAGES_FILE="$TASKER_SRCDIR/build-aux/packages.txt"

tasker_log () {
  printf '==> %s\n' "$*"
}

# The package names in packages.txt, without comments or blank lines
tasker_packages () {
  sed -e 's/#.*//' -e 's/[[:space:]]\+/\n/g' "$TASKER_PACKAGES_FILE" | sed '/^$/d'
}

tasker_install_packages () {
  local pkg status
  local -a missing=() sudo=()

  if [[ "${TASKER_SKIP_PACKAGES:-0}" == 1 ]]; then
    tasker_log "TASKER_SKIP_PACKAGES=1: not checking packages"
    return 0
  fi
  if ! command -v dpkg-query >/dev/null 2>&1; then
    tasker_log "no dpkg-query (not Debian?): install the packages in build-aux/packages.txt yourself"
    return 0
  fi

  while read -r pkg; do
    status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
    if [[ "$status" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done < <(tasker_packages)

  if (( ${#missing[@]} == 0 )); then
    tasker_log "all $(tasker_packages | wc -l) packages in build-aux/packages.txt are installed"
    return 0
  fi

  if [[ "$(id -u)" != 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "error: missing packages (${missing[*]}) and not root, and no sudo" >&2
      return 1
    fi
    sudo=(sudo -n)
  fi

  tasker_log "installing missing packages: ${missing[*]}"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
}

# tasker_options_match DIR -Dname=value... — true if DIR already has these values
# (`meson configure` would force a full regeneration even when nothing changes)
tasker_options_match () {
  local builddir="$1"
  shift
  python3 - "$builddir/meson-info/intro-buildoptions.json" "$@" <<'PY' 2>/dev/null
import json, sys
current = {o["name"]: o["value"] for o in json.load(open(sys.argv[1]))}
for arg in sys.argv[2:]:
    if not arg.startswith("-D") or "=" not in arg:
        sys.exit(1)
    name, wanted = arg[2:].split("=", 1)
    if name not in current:
        sys.exit(1)
    value = current[name]
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, list):
        value = ",".join(map(str, value))
    if str(value) != wanted:
        sys.exit(1)
PY
}

# tasker_configure DIR [MESON-ARGS...]
# A fresh DIR gets `meson setup DIR ARGS`. An existing build directory is kept
# (ninja regenerates it by itself when a meson.build changes) and gets ARGS
# through `meson configure`; one made by another meson version is wiped and set
# up again.
tasker_configure () {
  local builddir="$1"
  shift
  local info="$builddir/meson-info/meson-info.json"
  local made_with=""

  if [[ ! -f "$builddir/meson-private/coredata.dat" ]]; then
    tasker_log "configuring $builddir"
    meson setup "$builddir" "$TASKER_SRCDIR" "$@"
    return
  fi

  if [[ -f "$info" ]]; then
    made_with="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["meson_version"]["full"])' \
                 "$info" 2>/dev/null || true)"
  fi
  if [[ "$made_with" != "$(meson --version)" ]]; then
    tasker_log "wiping $builddir (made by meson ${made_with:-unknown}, this is $(meson --version))"
    meson setup --wipe "$builddir" "$TASKER_SRCDIR" "$@"
  elif (( $# > 0 )) && ! tasker_options_match "$builddir" "$@"; then
    tasker_log "updating the options of $builddir"
    meson configure "$builddir" "$@" ||
      meson setup --wipe "$builddir" "$TASKER_SRCDIR" "$@"
  else
    tasker_log "reusing $builddir (ninja regenerates it if a meson.build changed)"
  fi
}

tasker_build () {
  tasker_log "building $1"
  meson compile -C "$1"
}
