#!/usr/bin/env bash
# The Python conformance suites' virtual environments, one per group of
# libraries whose pins resolve together (requirements/<group>.txt, every
# package pinned with ==). Each lives outside git in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/agentsteps/venv-<group>-<hash of its pins>
# and is reused while the pins are unchanged; a half-built one is never used.
#
#   venv.sh install [group ...]   create the missing ones (all groups by default)
#   venv.sh python GROUP          print its python, or fail naming the fix
#   venv.sh lock GROUP            resolve requirements/GROUP.in afresh and write
#                                 requirements/GROUP.txt from what pip installed
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
reqs="$here/requirements"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/agentsteps"
python="${PYTHON:-python3}"

# The pins were resolved on Python 3.11 (the project's machines); another
# minor version may lack wheels for them.
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  echo "venv.sh: $python is not Python 3.11, which the pins in $reqs were resolved for; set PYTHON=python3.11" >&2
  exit 1
fi

groups() { (cd "$reqs" && ls -- *.txt | sed 's/\.txt$//'); }

# dir_of GROUP: the venv of the group's current pins (and Python version).
dir_of() {
  local sum
  sum="$( (cat "$reqs/$1.txt"; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-12)"
  echo "$cache/venv-$1-$sum"
}

# build DIR FILE: a fresh venv in DIR.tmp from FILE, moved to DIR when pip
# succeeded. The venv's python finds its prefix from pyvenv.cfg beside it,
# so the move keeps it working (console-script shebangs are not used).
build() {
  local dir="$1" file="$2"
  rm -rf "$dir.tmp"
  mkdir -p "$cache"
  "$python" -m venv "$dir.tmp"
  nice "$dir.tmp/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file"
  touch "$dir.tmp/.complete"
}

case "${1:-}" in
  install)
    shift
    for g in ${@:-$(groups)}; do
      [ -f "$reqs/$g.txt" ] || { echo "venv.sh: no $reqs/$g.txt" >&2; exit 2; }
      dir="$(dir_of "$g")"
      if [ -f "$dir/.complete" ]; then echo "venv $g: reused $dir"; continue; fi
      start=$(date +%s)
      echo "venv $g: installing $reqs/$g.txt into $dir"
      build "$dir" "$reqs/$g.txt"
      rm -rf "$dir" && mv "$dir.tmp" "$dir"
      echo "venv $g: installed in $(( $(date +%s) - start ))s"
    done
    ;;
  python)
    g="${2:?usage: venv.sh python GROUP}"
    [ -f "$reqs/$g.txt" ] || { echo "venv.sh: no $reqs/$g.txt" >&2; exit 2; }
    dir="$(dir_of "$g")"
    [ -f "$dir/.complete" ] || { echo "venv.sh: the $g venv for the current pins is missing: run \`bash conformance/python/venv.sh install $g\` (make conformance-python does)" >&2; exit 1; }
    echo "$dir/bin/python"
    ;;
  lock)
    g="${2:?usage: venv.sh lock GROUP}"
    tmp="$cache/venv-$g-lock"
    build "$tmp" "$reqs/$g.in"
    { echo "# Resolved from $g.in by \`venv.sh lock $g\` (Python $("$python" -c 'import platform; print(platform.python_version())')); do not edit by hand."
      "$tmp.tmp/bin/python" -m pip freeze --disable-pip-version-check --all | grep -v -E '^(pip|setuptools|wheel)==' ; } > "$reqs/$g.txt"
    dir="$(dir_of "$g")"
    rm -rf "$dir" && mv "$tmp.tmp" "$dir"
    echo "venv $g: locked $(grep -c == "$reqs/$g.txt") packages into $reqs/$g.txt; venv $dir"
    ;;
  *)
    echo "usage: venv.sh install [group ...] | python GROUP | lock GROUP" >&2
    exit 2
    ;;
esac
