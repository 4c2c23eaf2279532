#!/usr/bin/env bash
# Helm for the chart's offline validation, built from the Go module proxy (no release download,
# no Docker) and cached outside the repository:
#   $TESSERA_INFRA_HOME/helm/<version>/helm   (default ~/.cache/tessera-infra)
#
# Usage: tools/infra/helm.sh           builds on the first run (~1-3 min), prints the binary's path
#        TESSERA_HELM_VERSION=v3.21.4 tools/infra/helm.sh   a specific version (module major from it)
#
# Without TESSERA_HELM_VERSION it builds Helm v4 and falls back to Helm v3 when that build fails.
# Idempotent: a cached binary that answers `helm version` is reused at once.
set -euo pipefail

INFRA_HOME="${TESSERA_INFRA_HOME:-$HOME/.cache/tessera-infra}"
HELM_HOME="$INFRA_HOME/helm"
DEFAULT_VERSIONS=(v4.3.2 v3.21.4)

log() { printf '[helm] %s\n' "$*" >&2; }
die() { printf '[helm] ERROR: %s\n' "$*" >&2; exit 1; }

# The module path of a version: helm.sh/helm/v4 for v4.x, helm.sh/helm/v3 for v3.x.
module_of() {
  local major=${1#v}
  major=${major%%.*}
  [[ $major =~ ^[0-9]+$ ]] || die "not a Helm version: $1"
  echo "helm.sh/helm/v$major"
}

binary_of() { echo "$HELM_HOME/$1/helm"; }

cached() {
  local bin
  bin=$(binary_of "$1")
  [[ -x $bin ]] && "$bin" version >/dev/null 2>&1
}

# The link flags Helm's Makefile sets: the version `helm version` prints, and for Helm 3 the
# Kubernetes version it assumes without a cluster (from its client-go; Helm 4 reads it from the
# build info), which `kubeVersion` constraints are checked against. go install alone leaves 1.20.
ldflags_of() {
  local module=$1 version=$2 flags gomod minor pkg
  flags="-s -w -X $module/internal/version.version=$version"
  if [[ $module == helm.sh/helm/v3 ]]; then
    gomod=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
    minor=$(sed -n 's:^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*:\1:p' "$gomod" | head -n1)
    [[ -n $minor ]] || { log "could not read the client-go version of $module@$version"; return 1; }
    for pkg in pkg/lint/rules pkg/chartutil; do
      flags+=" -X $module/$pkg.k8sVersionMajor=1 -X $module/$pkg.k8sVersionMinor=$minor"
    done
  fi
  echo "$flags"
}

# build <version>: go install into a temporary GOBIN, then moved into place (no half-built binary).
build() {
  local version=$1 module dir tmp start=$SECONDS
  module=$(module_of "$version")
  dir="$HELM_HOME/$version"
  tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  log "building Helm $version ($module/cmd/helm@$version) from the Go module proxy into $dir (first run only)..."
  local ldflags
  ldflags=$(ldflags_of "$module" "$version") || return 1
  if ! CGO_ENABLED=0 GOBIN="$tmp" go install -trimpath -ldflags "$ldflags" \
    "$module/cmd/helm@$version" >"$tmp.log" 2>&1; then
    log "go install of Helm $version failed:"
    tail -n 30 "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    return 1
  fi
  rm -f "$tmp.log"
  rm -rf "$dir"
  mv "$tmp" "$dir"
  log "built Helm $version in $((SECONDS - start))s"
}

main() {
  command -v flock >/dev/null 2>&1 || die "'flock' is required (util-linux)"
  local versions=("${DEFAULT_VERSIONS[@]}") version
  [[ -n ${TESSERA_HELM_VERSION:-} ]] && versions=("$TESSERA_HELM_VERSION")

  for version in "${versions[@]}"; do
    if cached "$version"; then
      binary_of "$version"
      return 0
    fi
  done

  command -v go >/dev/null 2>&1 || die "'go' is required to build Helm (Go 1.24+)"
  mkdir -p "$HELM_HOME"
  # One build at a time; a second caller waits and then finds the binary cached.
  exec 9>"$HELM_HOME/.lock"
  flock 9
  for version in "${versions[@]}"; do
    if cached "$version" || build "$version"; then
      binary_of "$version"
      return 0
    fi
    log "Helm $version could not be built; trying the next version"
  done
  die "no Helm version could be built (${versions[*]}); is the Go module proxy reachable?"
}

main "$@"
