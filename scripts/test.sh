#!/usr/bin/env bash
# Builds everything and runs the test suites: tests/Ebpf.Tests (pure), tests/Ebpf.Gen.Tests (generated bindings compiled
# and checked against BTF) and tests/Ebpf.KernelTests (real kernel).
# Kernel tests need root; outside CI they skip with a reason when they cannot run, with CI=true they fail instead.
# Ends with one line: "N passed, N failed, N skipped". Exit status is non-zero if anything failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
config=${CONFIGURATION:-Release}
out="$root/artifacts/test-results"
rm -rf "$out" && mkdir -p "$out"

dotnet build Ebpf.Net.slnx -c "$config" -nologo -v quiet || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

status=0
for project in Ebpf.Tests Ebpf.Gen.Tests Ebpf.KernelTests; do
  exe="tests/$project/bin/$config/net10.0/$project"
  echo "=== $project"
  # The soak (10^8 events) is run by hand: "$exe" -trait Category=Soak
  "$exe" -noColor -result-xml "$out/$project.xml" -trait- Category=Soak "$@" || status=1
done

# Sum the xunit result files (attributes of each <assembly> element).
sum() { grep -ho "<assembly [^>]*" "$out"/*.xml 2>/dev/null | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' | awk '{s+=$1} END {print s+0}'; }
passed=$(sum passed); failed=$(sum failed); skipped=$(sum skipped); errors=$(sum errors)
failed=$((failed + errors))
[ -f "$out/Ebpf.Tests.xml" ] && [ -f "$out/Ebpf.Gen.Tests.xml" ] && [ -f "$out/Ebpf.KernelTests.xml" ] || { status=1; failed=$((failed + 1)); }
[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
