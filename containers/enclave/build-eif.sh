#!/usr/bin/env bash
# Builds the Nitro Enclave image file (EIF) from the enclave container image and prints its measurements (PCR0, PCR1,
# PCR2; PCR8 when signed) with the KMS key-policy condition that admits only this enclave (docs/security.md §3).
# Runs on an AWS build host: nitro-cli (aws-nitro-enclaves-cli) and a Docker daemon holding the enclave image
# (nitro-cli build-enclave reads images from Docker: `podman save IMAGE | docker load`, or build it there with
# docker and --build-arg BASE=<registry base pinned by digest>). It cannot run on a machine without nitro-cli.
#
# Usage: containers/enclave/build-eif.sh --region REGION [--vsock-port PORT] [--kms-endpoint URL]
#            [--image IMAGE] [--output FILE.eif] [--signing-certificate CERT.pem --private-key KEY.pem]
#   --region        the region of the tenants' KMS keys (EnclaveMain's first argument; mode aws)
#   --vsock-port    the enclave's vsock port (default 5000; the agent's enclave.port)
#   --kms-endpoint  KMS endpoint override, e.g. the in-enclave forwarder to the parent's vsock-proxy
#   --image         the enclave image (default localhost/mrgc-enclave:dev, from ./mrgc images build)
#   --output        the EIF (default mrgc-enclave-REGION.eif)
# An enclave gets no mounts, no network and no arguments at run time, so EnclaveMain's arguments become the CMD of a
# thin image layered on --image here (FROM it, nothing downloaded): they are part of PCR0, one EIF per region.
set -euo pipefail
usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
region="" port=5000 endpoint="" image=localhost/mrgc-enclave:dev output="" cert="" key=""
while [ $# -gt 0 ]; do
  case "$1" in
    --region) region="${2:-}"; shift 2 || break ;;
    --vsock-port) port="${2:-}"; shift 2 || break ;;
    --kms-endpoint) endpoint="${2:-}"; shift 2 || break ;;
    --image) image="${2:-}"; shift 2 || break ;;
    --output) output="${2:-}"; shift 2 || break ;;
    --signing-certificate) cert="${2:-}"; shift 2 || break ;;
    --private-key) key="${2:-}"; shift 2 || break ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build-eif.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

if ! command -v nitro-cli >/dev/null; then
  usage >&2
  cat >&2 <<MSG

build-eif.sh: nitro-cli is not installed, so this cannot run on this machine. It needs an AWS build host (e.g. an
EC2 instance with Amazon Linux 2023) with the aws-nitro-enclaves-cli package and a Docker daemon that holds the
enclave image. Everything before the EIF is tested here: ./mrgc images build makes the enclave image, and the
cluster module's ImagesTest runs it in mode local (docs/containers.md).
MSG
  exit 2
fi
if ! command -v docker >/dev/null; then
  echo "build-eif.sh: nitro-cli build-enclave reads the image from a Docker daemon, and docker is not installed" >&2
  exit 2
fi
if [ -z "$region" ] || ! [[ "$region" =~ ^[a-z0-9-]+$ ]] || ! [[ "$port" =~ ^[0-9]+$ ]] \
   || { [ -n "$endpoint" ] && ! [[ "$endpoint" =~ ^https?://[A-Za-z0-9.:/_-]+$ ]]; }; then
  usage >&2
  exit 2
fi
if { [ -n "$cert" ] && [ -z "$key" ]; } || { [ -z "$cert" ] && [ -n "$key" ]; }; then
  echo "build-eif.sh: --signing-certificate and --private-key go together" >&2
  exit 2
fi
output="${output:-mrgc-enclave-$region.eif}"

# EnclaveMain <region> <vsock port> [KMS endpoint], as the image's CMD.
cmd="\"$region\", \"$port\""
[ -n "$endpoint" ] && cmd="$cmd, \"$endpoint\""
aws_image="${image%:*}-aws:$region"
printf 'FROM %s\nCMD [%s]\n' "$image" "$cmd" | docker build --quiet -t "$aws_image" - >/dev/null
echo "build-eif.sh: $aws_image = $image with CMD [$cmd]" >&2

args=(build-enclave --docker-uri "$aws_image" --output-file "$output")
[ -n "$cert" ] && args+=(--signing-certificate "$cert" --private-key "$key")
json="$(nitro-cli "${args[@]}")"
pcr() { printf '%s' "$json" | tr -d '\n' | grep -o "\"$1\": *\"[0-9a-fA-F]*\"" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/' || true; }
pcr0="$(pcr PCR0)" pcr1="$(pcr PCR1)" pcr2="$(pcr PCR2)" pcr8="$(pcr PCR8)"
if [ -z "$pcr0" ] || [ -z "$pcr1" ] || [ -z "$pcr2" ]; then
  echo "build-eif.sh: no Measurements in nitro-cli's answer:" >&2
  printf '%s\n' "$json" >&2
  exit 1
fi
zeros="$(printf '0%.0s' $(seq 1 96))"
if [ "$pcr0" = "$zeros" ]; then
  echo "build-eif.sh: PCR0 is all zeros (a debug measurement); never put it in a key policy" >&2
  exit 1
fi

echo "EIF: $output"
echo "PCR0: $pcr0"
echo "PCR1: $pcr1"
echo "PCR2: $pcr2"
[ -n "$pcr8" ] && echo "PCR8: $pcr8"
echo
echo "KMS key policy: the condition of the AttestedEnclaveOnly statement (docs/security.md §3); during a rollout allow"
echo "the old and the new PCR0 (a list of values):"
cat <<JSON
"Condition": {
  "StringEqualsIgnoreCase": {
    "kms:RecipientAttestation:ImageSha384": "$pcr0",
    "kms:RecipientAttestation:PCR0": "$pcr0",
    "kms:RecipientAttestation:PCR1": "$pcr1",
    "kms:RecipientAttestation:PCR2": "$pcr2"$([ -n "$pcr8" ] && printf ',\n    "kms:RecipientAttestation:PCR8": "%s"' "$pcr8")
  },
  "StringEquals": {"kms:EncryptionContext:mrgc:tenant": "<tenant>"}
}
JSON
