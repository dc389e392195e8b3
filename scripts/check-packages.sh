#!/usr/bin/env bash
# Packs Ebpf.Net (library) and Ebpf.Net.Tool (the `ebpf` tool) into artifacts/packages, checks what a user of the
# packages relies on (license, readme, repository URL and commit, version, symbols, both TFMs), then installs the
# tool from that folder alone into a temporary tool path and runs `ebpf --version`. Exit status non-zero on any miss.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out="$root/artifacts/packages"
rm -rf "$out" && mkdir -p "$out"
dotnet pack src/Ebpf/Ebpf.csproj -c Release -o "$out" -nologo -v quiet
dotnet pack src/Ebpf.Cli/Ebpf.Cli.csproj -c Release -o "$out" -nologo -v quiet

commit=$(git rev-parse HEAD)
url=https://github.com/ebpf-net/ebpf-net
failed=0
fail() { echo "check-packages: $1" >&2; failed=1; }

check() {  # check ID: the nupkg's nuspec fields and files
  local id=$1 pkg nuspec files version
  pkg=$(ls "$out/$id".[0-9]*.nupkg 2>/dev/null | head -n 1)
  [ -n "$pkg" ] || { fail "$id: no package in $out"; return; }
  version=$(basename "$pkg" .nupkg); version=${version#"$id".}
  nuspec=$(unzip -p "$pkg" "$id.nuspec")
  files=$(unzip -Z1 "$pkg")
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "$id: no MIT license expression"
  grep -q '<readme>README.md</readme>' <<<"$nuspec" || fail "$id: no <readme>"
  grep -qx 'README.md' <<<"$files" || fail "$id: README.md is not in the package"
  grep -q "<repository type=\"git\" url=\"$url\"[^>]* commit=\"$commit\"" <<<"$nuspec" || fail "$id: <repository> lacks url $url or commit $commit"
  grep -q "<version>$version</version>" <<<"$nuspec" || fail "$id: nuspec version is not $version"
  [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]] && [ "$version" != 1.0.0 ] || fail "$id: version '$version' is not from git (MinVer)"
  [ -f "$out/$id.$version.snupkg" ] || fail "$id: no symbols package $id.$version.snupkg"
  echo "$id $version: license MIT, readme, repository $url @ ${commit:0:12}, symbols"
  PACKAGE_VERSION=$version
}

check Ebpf.Net
# The listing into a variable first: `unzip | grep -q` under pipefail fails at random when grep quits early (SIGPIPE).
library_files=$(unzip -Z1 "$out/Ebpf.Net.$PACKAGE_VERSION.nupkg")
for tfm in net8.0 net10.0; do
  grep -qx "lib/$tfm/Ebpf.dll" <<<"$library_files" || fail "Ebpf.Net: no lib/$tfm/Ebpf.dll"
done
grep -qx "content/bpf/include/ebpf_net/events.bpf.h" <<<"$library_files" || fail "Ebpf.Net: no content/bpf/include/ebpf_net/events.bpf.h"
check Ebpf.Net.Tool

# Install from the local folder only (a nuget.config with that one source), as a user would with --add-source.
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
cat > "$tools/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$out" /></packageSources></configuration>
XML
dotnet tool install Ebpf.Net.Tool --version "$PACKAGE_VERSION" --tool-path "$tools/bin" --configfile "$tools/nuget.config" >/dev/null
reply=$("$tools/bin/ebpf" --version)
echo "installed tool: $reply"
[[ $reply == "ebpf $PACKAGE_VERSION (commit $commit, "* ]] || fail "ebpf --version said '$reply', expected version $PACKAGE_VERSION and commit $commit"
exit $failed
