#!/usr/bin/env bash
# Builds the local Java 17 base image localhost/mrgc-jre-base:17 from Debian packages alone (no image registry is
# needed): debootstrap bookworm minbase + openjdk-17-jre-headless + ca-certificates, from the Debian mirror apt on this
# machine already uses, imported into podman with JAVA_HOME set. In AWS the images use a registry base pinned by
# digest instead (docs/containers.md); this script is only for the local base.
#   containers/base-image.sh            builds the base if it is absent (about a minute)
#   containers/base-image.sh --force    rebuilds it
# Needs root (debootstrap), podman and debootstrap: containers/setup-host.sh (as root) installs them.
set -euo pipefail
image="${MRGC_BASE_IMAGE:-localhost/mrgc-jre-base:17}"
force=false
case "${1:-}" in
  "") ;;
  --force) force=true ;;
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "base-image.sh: unknown argument '$1' (usage: base-image.sh [--force])" >&2; exit 2 ;;
esac

for tool in podman debootstrap; do
  if ! command -v "$tool" >/dev/null; then
    echo "base-image.sh: $tool is not installed; run containers/setup-host.sh as root, or install podman runc debootstrap (apt-get install podman runc debootstrap)" >&2
    exit 2
  fi
done

if ! $force && podman image exists "$image"; then
  echo "base-image.sh: $image exists (--force rebuilds it)" >&2
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "base-image.sh: debootstrap needs root; run it as root" >&2
  exit 2
fi

# The mirror apt already uses (deb822 sources first, then a one-line sources.list); debootstrap's own default if none.
mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
if [ -z "$mirror" ]; then
  mirror="$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' \
    /etc/apt/sources.list 2>/dev/null || true)"
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
echo "base-image.sh: debootstrap bookworm (minbase, openjdk-17-jre-headless) from ${mirror:-the default mirror of debootstrap}..." >&2
debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates bookworm "$root" ${mirror:+"$mirror"} >/dev/null
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import --quiet \
  --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  - "$image" >/dev/null
size="$(podman image inspect --format '{{.Size}}' "$image")"
echo "base-image.sh: built $image, $((size / 1000000)) MB" >&2
