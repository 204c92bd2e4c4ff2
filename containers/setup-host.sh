#!/usr/bin/env bash
# Prepares this machine (as root, Debian) to run MRGC's containers: installs podman, runc and debootstrap, writes the
# engine settings these machines need, and starts podman's Docker-compatible API socket (Testcontainers and the
# docker CLI use it). Installs packages, so it runs only when asked: `./mrgc up --containers` never calls it.
#   containers/setup-host.sh      prints the environment for Testcontainers at the end. Idempotent.
set -euo pipefail
sock="${MRGC_PODMAN_SOCKET:-/run/podman-api.sock}"

if [ "$(id -u)" != 0 ]; then
  echo "setup-host.sh: run as root (it installs packages and writes /etc/containers)" >&2
  exit 2
fi
if ! command -v podman >/dev/null || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc debootstrap >/dev/null
fi

# podman's default runtime (crun) refuses a hybrid cgroup layout; runc with cgroupfs runs everywhere. The API asks for
# ulimits above a machine's hard limits unless defaults are set (nofile at most `ulimit -Hn`).
mkdir -p /etc/containers/containers.conf.d
cat > /etc/containers/containers.conf.d/50-mrgc.conf <<CONF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=4096:4096"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
CONF

# A service left running from a checkout that was deleted since cannot start containers (runc: "write child: broken
# pipe" from its deleted working directory): replace it.
for pid in $(pgrep -f "podman system service .*$sock" || true); do
  if [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" != "/" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
done
if ! curl -s --unix-socket "$sock" http://podman/_ping >/dev/null 2>&1; then
  # From /, so that the service never runs in a directory that may be deleted under it.
  (cd / && nohup podman system service --time=0 "unix://$sock" >/var/log/podman-api.log 2>&1 &)
  for _ in $(seq 1 100); do curl -s --unix-socket "$sock" http://podman/_ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
curl -s --unix-socket "$sock" http://podman/_ping >/dev/null || { echo "setup-host.sh: the API socket $sock does not answer (see /var/log/podman-api.log)" >&2; exit 1; }
echo "export DOCKER_HOST=unix://$sock TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
