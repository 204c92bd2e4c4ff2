#!/usr/bin/env bash
# Benchmarks of the deployments as services (docs/benchmarks.md, "Services as processes", "Containers deployment");
# not tests.
#   services-as-processes.sh footprint [STARTS [LOAD_SECONDS [THREADS]]]       ServiceFootprintBenchmark
#   services-as-processes.sh transport [ROUNDS [ROUND_SECONDS [CONCURRENCY]]]  RouterTransportBenchmark
#   services-as-processes.sh containers [STARTS [CUTS]]                        ContainerDeploymentBenchmark (podman)
# Builds the cluster module's test classes (offline, never `install`: the other modules come from ~/.m2) and runs
# the main class on the test class path; the service processes it starts inherit that class path.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
what=${1:?usage: $0 footprint|transport|containers [ARGS..]}
shift
case "$what" in
  footprint) main=io.mrgc.cluster.bench.ServiceFootprintBenchmark ;;
  transport) main=io.mrgc.cluster.bench.RouterTransportBenchmark ;;
  containers) main=io.mrgc.cluster.bench.ContainerDeploymentBenchmark ;;
  *) echo "usage: $0 footprint|transport|containers [ARGS..]" >&2; exit 2 ;;
esac
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
if [[ -z "${SKIP_BUILD:-}" ]]; then
  mvn -B -q -o -pl cluster -am test-compile -DskipTests
fi
mvn -B -q -o -pl cluster dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
# The project's own jars are copied aside: `mvn install` elsewhere may rewrite them in ~/.m2 while the benchmark (and
# the processes it starts, which inherit its class path) still load classes from them.
lib=cluster/target/bench-lib
rm -rf "$lib" && mkdir -p "$lib"
cp=""
IFS=: read -ra entries < "$cp_file" || true # no newline at the end
for entry in "${entries[@]}"; do
  if [[ "$entry" == */io/mrgc/* ]]; then
    cp "$entry" "$lib/" && entry="$PWD/$lib/$(basename "$entry")"
  fi
  cp="$cp:$entry"
done
exec java -Xmx1g -cp "cluster/target/test-classes:cluster/target/classes$cp" "$main" "$@"
