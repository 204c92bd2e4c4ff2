#!/usr/bin/env bash
# Builds MRGC's container images from the Maven build's outputs (`./mrgc images build` runs this after its build
# check; it can also run on its own after `mvn -DskipTests package`):
#   localhost/mrgc:TAG          every service (containers/Containerfile; the command picks one)
#   localhost/mrgc-enclave:TAG  the enclave service alone (containers/Containerfile.enclave)
# Usage: containers/build-images.sh [--base IMAGE] [--tag TAG]
#   --base IMAGE  the Java 17 base (default localhost/mrgc-jre-base:17, built by containers/base-image.sh when absent);
#                 in AWS a registry base pinned by digest, e.g. eclipse-temurin:17-jre@sha256:... (docs/containers.md)
#   --tag TAG     the images' tag (default dev)
# Build contexts are staged under target/images/{service,enclave}; nothing is downloaded by the image builds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_base=localhost/mrgc-jre-base:17
base="$default_base"
tag=dev
usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --base) [ $# -ge 2 ] || { usage >&2; exit 2; }; base="$2"; shift 2 ;;
    --base=*) base="${1#--base=}"; shift ;;
    --tag) [ $# -ge 2 ] || { usage >&2; exit 2; }; tag="$2"; shift 2 ;;
    --tag=*) tag="${1#--tag=}"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "images build: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

if ! command -v podman >/dev/null; then
  cat >&2 <<MSG
images build: podman is not installed (MRGC builds and runs its images with podman; no Docker engine is needed).
Get it with: sudo containers/setup-host.sh   (installs podman, runc and debootstrap, and configures them for this host)
         or: sudo apt-get install podman runc debootstrap
MSG
  exit 2
fi

version="0.1.0-SNAPSHOT"
cluster_jar="$root/cluster/target/cluster-$version.jar"
enclave_jar="$root/enclave-bridge/target/enclave-bridge-$version.jar"
for built in "$cluster_jar" "$root/cluster/target/lib" "$enclave_jar" "$root/enclave-bridge/target/lib"; do
  if [ ! -e "$built" ]; then
    echo "images build: $built is missing; build first: ./mrgc images build (builds when needed) or mvn -DskipTests package" >&2
    exit 2
  fi
done

case "$(uname -m)" in
  x86_64) jna_dir=linux-x86-64; netty_arch=x86_64; netty_classifier=linux-x86_64 ;;
  aarch64) jna_dir=linux-aarch64; netty_arch=aarch_64; netty_classifier=linux-aarch_64 ;;
  *) echo "images build: unsupported architecture $(uname -m)" >&2; exit 2 ;;
esac

# One member of a jar into a file (the JDK's jar tool or unzip; both read a zip).
extract() { # JAR MEMBER OUT
  if command -v unzip >/dev/null; then unzip -p "$1" "$2" > "$3"; else (cd "$(dirname "$3")" && jar xf "$1" "$2" && mv "$2" "$3"); fi
  [ -s "$3" ] || { echo "images build: $2 not found in $1" >&2; exit 1; }
}

# Native libraries, loaded from /app/native (java.library.path, jna.boot.library.path): nothing is unpacked at run
# time into a read-only root or a noexec /tmp.
stage_native() { # LIBDIR OUT
  mkdir -p "$2"
  local jna
  jna="$(ls "$1"/jna-[0-9]*.jar | head -n 1)"
  extract "$jna" "com/sun/jna/$jna_dir/libjnidispatch.so" "$2/libjnidispatch.so"
  local epoll
  epoll="$(ls "$1"/netty-transport-native-epoll-*-"$netty_classifier".jar 2>/dev/null | head -n 1 || true)"
  if [ -n "$epoll" ]; then
    extract "$epoll" "META-INF/native/libnetty_transport_native_epoll_$netty_arch.so" \
      "$2/libnetty_transport_native_epoll_$netty_arch.so"
  fi
}

stage="$root/target/images"
rm -rf "$stage"
mkdir -p "$stage/service/lib" "$stage/service/bin" "$stage/enclave/lib" "$stage/enclave/bin"
cp "$root"/cluster/target/lib/*.jar "$cluster_jar" "$stage/service/lib/"
cp "$root"/containers/bin/mrgc "$root"/containers/bin/healthcheck "$stage/service/bin/"
stage_native "$root/cluster/target/lib" "$stage/service/native"
# The enclave: enclave-bridge and its runtime classpath, plus slf4j-simple (a test dependency of enclave-bridge) so
# that its logs reach stderr.
cp "$root"/enclave-bridge/target/lib/*.jar "$enclave_jar" "$stage/enclave/lib/"
cp "$root"/cluster/target/lib/slf4j-simple-*.jar "$stage/enclave/lib/"
cp "$root"/containers/enclave/bin/enclave "$root"/containers/enclave/bin/healthcheck "$stage/enclave/bin/"
stage_native "$root/enclave-bridge/target/lib" "$stage/enclave/native"

if [ "$base" = "$default_base" ]; then
  "$root/containers/base-image.sh"
fi

revision="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
# The commit's time as every layer's time, so that the same inputs give the same image (where podman allows).
epoch="$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)"
build() { # IMAGE CONTAINERFILE CONTEXT
  echo "images build: $1 (base $base)" >&2
  local previous
  previous="$(podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true)"
  podman build --quiet --format docker --timestamp "$epoch" --build-arg "BASE=$base" --build-arg "VERSION=$version" \
    --build-arg "REVISION=$revision" -f "$2" -t "$1" "$3" >/dev/null
  # The image this build replaced, now untagged: removed unless a container still uses it.
  if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$1")" ]; then
    podman rmi "$previous" >/dev/null 2>&1 || true
  fi
}
service="localhost/mrgc:$tag"
enclave="localhost/mrgc-enclave:$tag"
build "$service" "$root/containers/Containerfile" "$stage/service"
build "$enclave" "$root/containers/Containerfile.enclave" "$stage/enclave"
for image in "$service" "$enclave"; do
  size="$(podman image inspect --format '{{.Size}}' "$image")"
  echo "$image  $((size / 1000000)) MB"
done
