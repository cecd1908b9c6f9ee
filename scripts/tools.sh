#!/usr/bin/env bash
# Builds, once, the command-line tools some tests run that neither Debian nor npm ships at the
# version they need. Today: helm, which lints and renders the chart in deploy/helm.
#
#   tools.sh install [helm]   build what is missing; a no-op for what is already built
#   tools.sh path    helm     print the binary's path (exit 1 if not built yet)
#
# Binaries live under $PLIMSOLL_SERVICES_DIR/cache/tools (default <repo>/.services/cache/tools),
# one folder per version, so bumping a version builds anew and never reuses a stale binary.
# See scripts/services/README.md for versions and build times.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
SERVICES_DIR=${PLIMSOLL_SERVICES_DIR:-$REPO_ROOT/.services}
TOOLS=$SERVICES_DIR/cache/tools
LOGS=$SERVICES_DIR/logs

HELM_VERSION=v4.3.2
HELM_MODULE=helm.sh/helm/v4

say() { printf '%s\n' "$*"; }
die() { printf 'tools.sh: %s\n' "$*" >&2; exit 1; }

usage() {
  sed -n '5,6p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

helm_bin() { printf '%s/helm-%s/helm\n' "$TOOLS" "$HELM_VERSION"; }

# shellcheck source=lib/go.sh
. "$SCRIPT_DIR/lib/go.sh"

# From the Go module proxy, with the flags of helm's own release build (static, stripped, the
# version stamped so that `helm version` names it). Built into a scratch folder and moved into
# place, so an interrupted build never leaves a binary that looks complete.
install_helm() {
  local bin dir go logf started
  bin=$(helm_bin)
  if [ -x "$bin" ]; then
    say "helm: $HELM_VERSION already built ($bin)"
    return 0
  fi
  go=$(find_go) || die "helm: Go is not installed (needed to build $HELM_MODULE/cmd/helm@$HELM_VERSION)"
  # Go keeps its module and build caches under $HOME, which a bare CI environment may lack.
  [ -n "${HOME:-}" ] || export GOPATH=$TOOLS/go GOCACHE=$TOOLS/go-build
  dir=$(dirname "$bin")
  logf=$LOGS/install-helm.log
  mkdir -p "$TOOLS" "$LOGS"
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  say "helm: building $HELM_MODULE/cmd/helm@$HELM_VERSION from the Go module proxy (a few minutes the first time)"
  started=$SECONDS
  if ! GOBIN=$dir.tmp CGO_ENABLED=0 GOFLAGS=-buildvcs=false "$go" install -trimpath \
    -ldflags "-w -s -X $HELM_MODULE/internal/version.version=$HELM_VERSION" \
    "$HELM_MODULE/cmd/helm@$HELM_VERSION" >"$logf" 2>&1; then
    tail -n 20 "$logf" >&2
    rm -rf "$dir.tmp"
    die "helm: go install failed (details in $logf)"
  fi
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  say "helm: $HELM_VERSION built in $((SECONDS - started)) s ($bin)"
}

# Parallel callers (CI's install step, test files) wait for one build instead of racing it.
take_lock() {
  mkdir -p "$TOOLS"
  exec 9>"$TOOLS/.lock"
  flock -w 1800 9 || die "timed out waiting for the lock on $TOOLS/.lock"
}

# A tool is a name here, an install_<name> and a <name>_bin.
TOOL_NAMES=(helm)

known_tool() {
  [[ " ${TOOL_NAMES[*]} " == *" $1 "* ]] || die "unknown tool '$1' (known: ${TOOL_NAMES[*]})"
}

cmd_install() {
  local names=("$@") n
  [ $# -gt 0 ] || names=("${TOOL_NAMES[@]}")
  for n in "${names[@]}"; do known_tool "$n"; done
  take_lock
  for n in "${names[@]}"; do "install_$n"; done
}

cmd_path() {
  [ $# -eq 1 ] || die "usage: tools.sh path helm"
  known_tool "$1"
  local bin
  bin=$("$1_bin")
  [ -x "$bin" ] || die "$1: not built yet; run: bash scripts/tools.sh install $1"
  printf '%s\n' "$bin"
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  case $cmd in
    install) cmd_install "$@" ;;
    path) cmd_path "$@" ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
