# Sourced by the test and benchmark scripts: apt_install PACKAGE… installs Debian packages as root,
# through sudo when not root, or stops with a clear message when neither is possible.
apt_install() {
  local run=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "needs these Debian packages, and root or sudo to install them: $*" >&2
      exit 1
    fi
    run=(sudo)
  fi
  echo "installing $* with apt-get" >&2
  "${run[@]}" apt-get update >&2
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2
}

# pip_tool VENV COMMAND REQUIREMENT: a Python tool from PyPI in its own virtual environment under
# target/, installed once (with python3-venv from apt when missing).
pip_tool() {
  local venv="$1" command="$2" requirement="$3"
  if [ ! -x "$venv/bin/$command" ]; then
    echo "installing $requirement into $venv" >&2
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
      apt_install python3-venv
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet "$requirement"
  fi
}
