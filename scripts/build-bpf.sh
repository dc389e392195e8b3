#!/usr/bin/env bash
# Rebuilds every BPF object from its C source: bpf/*.bpf.c and tests/testdata/*.bpf.c -> *.bpf.o beside them.
#   scripts/build-bpf.sh           rebuild in place
#   scripts/build-bpf.sh --check   rebuild into a temp dir and fail if any committed object differs from its source
# Needs clang (Debian: clang-14) and libbpf-dev (bpf_helpers.h). The objects are committed, so `dotnet build`,
# `dotnet run` and `dotnet test` need none of this.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
CLANG=${CLANG:-$(command -v clang || command -v clang-14)}
arch=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
check=0
[ "${1:-}" = "--check" ] && check=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
for src in bpf/*.bpf.c tests/testdata/*.bpf.c; do
  [ -e "$src" ] || continue
  obj="${src%.c}.o"
  # -g for BTF (maps, CO-RE); -fdebug-prefix-map keeps the build path out of the object so it is reproducible.
  "$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_"$arch" -I bpf/include -I "$(dirname "$src")" \
    -fdebug-prefix-map="$root"=. -c "$src" -o "$out/obj.o"
  # Strip DWARF (BTF stays): smaller objects, and no absolute paths.
  llvm-strip -g "$out/obj.o" 2>/dev/null || llvm-strip-14 -g "$out/obj.o"
  if [ $check = 1 ]; then
    if ! cmp -s "$out/obj.o" "$obj"; then
      echo "stale: $obj does not match $src (run scripts/build-bpf.sh and commit the object)" >&2
      status=1
    fi
  else
    cp "$out/obj.o" "$obj"
    echo "built $obj"
  fi
done
exit $status
