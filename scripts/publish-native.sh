#!/usr/bin/env bash
# Publishes the `ebpf` tool as one NativeAOT binary for this machine's runtime identifier, with trim and AOT warnings
# as errors (the library and the tool are IsAotCompatible, so their analyzers already ran in the normal build; ILC
# checks the whole program here). Prints the binary's path: artifacts/native/ebpf.
#   EBPF_NATIVE_TOOL=$(scripts/publish-native.sh) tests/Ebpf.KernelTests/bin/Release/net10.0/Ebpf.KernelTests -class …
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rid=$(dotnet --info | awk '$1 == "RID:" { print $2; exit }')
out="$root/artifacts/native"
rm -rf "$out"
dotnet publish src/Ebpf.Cli/Ebpf.Cli.csproj -c Release -r "$rid" -o "$out" -nologo -v quiet \
  -p:PublishAot=true -p:TreatWarningsAsErrors=true -p:IlcTreatWarningsAsErrors=true >&2
# The assembly is Ebpf.Cli (see its csproj); the command is `ebpf`.
mv "$out/Ebpf.Cli" "$out/ebpf"
[ -f "$out/Ebpf.Cli.dbg" ] && mv "$out/Ebpf.Cli.dbg" "$out/ebpf.dbg"
echo "$out/ebpf"
