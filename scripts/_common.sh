# Shared by scripts/demo and scripts/test (sourced, not run).
# apt_install PKG...: install Debian/Ubuntu packages (as root, or with sudo).
# ensure_venv: create .venv with python3 (>= 3.11), installing python3-venv first if
#              this Python has no venv/ensurepip (stock Debian and Ubuntu).
# install_package: install the package (editable) into .venv, with uv when it can be had
#              (install_with_uv), else with pip's progress shown; on the first run, and again
#              only when pyproject.toml changed since.
# step MESSAGE: say what the next step does, before it starts.

PY=${PYTHON:-python3}
_apt_updated=

apt_install() {
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  if [ -z "$_apt_updated" ]; then
    $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
    _apt_updated=1
  fi
  echo "installing system packages: $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
    --no-install-recommends "$@" >/dev/null
}

ensure_venv() {
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "turntune_nb needs Python 3.11 or newer; '$PY' is $("$PY" --version 2>&1). Set PYTHON=/path/to/python3.11" >&2
    exit 1
  fi
  [ -x .venv/bin/python ] && return 0
  if ! "$PY" -c 'import ensurepip, venv' 2>/dev/null; then
    local ver
    ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    apt_install "python${ver}-venv" || apt_install python3-venv
  fi
  echo "Creating a Python virtual environment in .venv (first run only)..."
  "$PY" -m venv .venv
}

step() {
  echo
  echo "==> $*"
}

install_package() {
  local stamp=.venv/.turntune_nb-installed
  if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ -x .venv/bin/turntune ]; then
    return 0
  fi
  if [ -x .venv/bin/turntune ]; then
    step "Updating turntune_nb's dependencies in .venv (pyproject.toml changed)..."
  else
    step "Installing turntune_nb and its dependencies into .venv (first run only: about a minute with uv, several with pip on a busy machine)..."
  fi
  if install_with_uv; then
    touch "$stamp"
    return 0
  fi
  echo "    (uv unavailable: installing with pip)"
  # not -q: pip names each package as it collects and downloads it; while it unpacks them
  # (silent, the longest part) a line every 20 s says it is still at work
  .venv/bin/python -m pip install --disable-pip-version-check -e . &
  local pid=$! waited=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
    ((waited % 20)) || echo "    ... still installing (${waited} s)"
  done
  wait "$pid"
  touch "$stamp"
}

# install_with_uv: install the package (editable) into .venv with uv, which downloads and
# unpacks in parallel: the uv on PATH, else one pip installs into .venv first (a few
# seconds, and the whole install is still faster: see the figures in README's quick start).
# Fails (so that pip is used) with TURNTUNE_NO_UV=1, or when uv cannot be had or fails.
install_with_uv() {
  [ -z "${TURNTUNE_NO_UV:-}" ] || return 1
  local uv
  if command -v uv >/dev/null 2>&1; then
    uv=uv
  else
    [ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q --disable-pip-version-check uv >/dev/null 2>&1 || return 1
    uv=.venv/bin/uv
  fi
  [ "$uv" = uv ] || [ -x "$uv" ] || return 1
  echo "    (with uv: $("$uv" --version 2>/dev/null))"
  VIRTUAL_ENV="$PWD/.venv" "$uv" pip install --python .venv/bin/python -e .
}
