#!/usr/bin/env bash
# The Compose Specification's JSON schema, for the compose file's offline validation
# (deploy/test/compose.int-spec.ts): the file compose-go (Docker Compose's own loader) validates
# with, taken from its Go module through the Go module proxy into the Go module cache. No Docker.
#
# Usage: tools/infra/compose-schema.sh        prints the path of compose-spec.json
#        TESSERA_COMPOSE_GO_VERSION=v2.16.2 tools/infra/compose-schema.sh
set -euo pipefail

VERSION="${TESSERA_COMPOSE_GO_VERSION:-v2.16.2}"
MODULE=github.com/compose-spec/compose-go/v2

die() { printf '[compose-schema] ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "'go' is required to fetch $MODULE@$VERSION"
# Outside any Go module, so that no go.mod around the caller is read or changed.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
info=$(go mod download -json "$MODULE@$VERSION") ||
  die "go mod download $MODULE@$VERSION failed; is the Go module proxy reachable?"
dir=$(printf '%s' "$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[[ -n $dir ]] || die "go mod download printed no module directory"
schema="$dir/schema/compose-spec.json"
[[ -f $schema ]] || die "$schema is missing from $MODULE@$VERSION"
printf '%s\n' "$schema"
