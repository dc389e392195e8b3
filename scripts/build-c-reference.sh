#!/usr/bin/env bash
# Builds the libbpf C reference consumer used by the benchmarks (bench tooling only; the library never needs it):
#   bench/c-reference/build/libebpf_cref.so   shared library the C# benchmark P/Invokes (API: bench/c-reference/cref.h)
#   bench/c-reference/build/cref              CLI for quick checks: cref drain --size 64 --records 1000000
# Needs a C compiler (clang, else cc), pkg-config and libbpf-dev (Debian 12: libbpf 1.1). No network. Idempotent:
# every run rebuilds both outputs from source into a temp dir and then replaces them.
# The BPF object it loads, bpf/bench.bpf.o, is committed; scripts/build-bpf.sh rebuilds it.
#   CC=gcc scripts/build-c-reference.sh     pick the compiler
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/bench/c-reference"
out="$src/build"

die() { echo "build-c-reference: $*" >&2; exit 1; }

CC=${CC:-$(command -v clang || command -v clang-14 || command -v cc || true)}
[ -n "$CC" ] && command -v "$CC" >/dev/null || die "no C compiler found (${CC:-none}; install clang: apt-get install clang)"
command -v pkg-config >/dev/null || die "pkg-config not found (apt-get install pkg-config)"
pkg-config --exists libbpf || die "libbpf not found by pkg-config (apt-get install libbpf-dev)"
[ -f /usr/include/linux/perf_event.h ] || die "kernel UAPI headers missing (apt-get install linux-libc-dev)"
[ -f "$root/bpf/bench.bpf.o" ] || die "bpf/bench.bpf.o missing (run scripts/build-bpf.sh)"

cflags="-std=gnu11 -O2 -g -Wall -Wextra -fPIC -fvisibility=hidden $(pkg-config --cflags libbpf)"
libs="$(pkg-config --libs libbpf) -lpthread"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2086 # flags are word lists
"$CC" $cflags -shared -Wl,-soname,libebpf_cref.so -o "$tmp/libebpf_cref.so" "$src/cref.c" "$src/cref_load.c" $libs
# The CLI links the shared library (so the CLI also tests it) and finds it beside itself.
# shellcheck disable=SC2086
"$CC" $cflags -o "$tmp/cref" "$src/cref_cli.c" -L"$tmp" -lebpf_cref -Wl,-rpath,'$ORIGIN' $libs

mkdir -p "$out"
mv -f "$tmp/libebpf_cref.so" "$tmp/cref" "$out/"
echo "built $out/libebpf_cref.so"
echo "built $out/cref (libbpf $(pkg-config --modversion libbpf), $("$CC" --version | head -1))"
