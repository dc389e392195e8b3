#!/usr/bin/env bash
# Coverage-guided fuzzing of the object parsers with AFL++ and SharpFuzz (tests/Ebpf.Fuzz).
#   scripts/fuzz.sh TARGET [SECONDS]   fuzz TARGET (elf | btf | btfext | symbols) for SECONDS (default 60); symbols is the
#                                      uprobe ELF symbol reader (native executables, not BPF objects)
#   scripts/fuzz.sh seeds              rewrite tests/Ebpf.Fuzz/corpus/{elf,btf,btfext,symbols}/ from the committed objects and
#                                      the crafted inputs (keeps other regression inputs, named crash-*)
# Installs afl++ (apt, needs root) and the SharpFuzz instrumenter (dotnet tool, into artifacts/fuzz/tools) when they
# are missing; builds tests/Ebpf.Fuzz in Release; instruments a copy of Ebpf.dll in artifacts/fuzz/TARGET/bin; runs
# afl-fuzz on it; then replays every crash and hang through the uninstrumented harness to name the exception.
# Findings: artifacts/fuzz/TARGET/findings/default/{crashes,hangs}. Replay one by hand:
#   dotnet tests/Ebpf.Fuzz/bin/Release/net10.0/Ebpf.Fuzz.dll TARGET FILE-OR-DIR...
# Exit status: 0 nothing found, 1 crashes or (confirmed) hangs found, 2 usage or setup error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
corpus=tests/Ebpf.Fuzz/corpus
sharpfuzz_version=2.3.0

usage() { echo "usage: scripts/fuzz.sh {elf|btf|btfext|symbols} [SECONDS] | scripts/fuzz.sh seeds" >&2; exit 2; }

# --- seeds: the committed objects up to 10 KB, their .BTF and .BTF/.BTF.ext pairs, and crafted inputs (tests/Ebpf.Fuzz/Seeds.cs).
seeds() {
  dotnet build tests/Ebpf.Fuzz -c Release -nologo -v quiet >/dev/null
  dotnet tests/Ebpf.Fuzz/bin/Release/net10.0/Ebpf.Fuzz.dll seeds "$corpus" tests/testdata/*.bpf.o bpf/*.bpf.o
}

[ $# -ge 1 ] || usage
case "$1" in
  seeds) seeds; exit 0 ;;
  elf|btf|btfext|symbols) target=$1 ;;
  *) usage ;;
esac
seconds=${2:-60}
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || usage

# --- tools
if ! command -v afl-fuzz >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "afl-fuzz is missing: run as root to install it (apt-get install afl++)" >&2; exit 2; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null; }
fi
tools=artifacts/fuzz/tools
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version "$sharpfuzz_version" --tool-path "$tools" >/dev/null
fi

# --- build: a normal Release build (used to replay findings), and an instrumented copy for AFL.
dotnet build tests/Ebpf.Fuzz -c Release -nologo -v quiet >/dev/null
release=tests/Ebpf.Fuzz/bin/Release/net10.0
work=artifacts/fuzz/$target
rm -rf "$work" && mkdir -p "$work"
cp -r "$release" "$work/bin"
"$tools/sharpfuzz" "$work/bin/Ebpf.dll" >/dev/null

# --- the corpus must pass before fuzzing: name a regression here (AFL would only abort its dry run on it).
if ! dotnet "$release/Ebpf.Fuzz.dll" "$target" "$corpus/$target" > "$work/corpus.log"; then
  echo "the $target corpus crashes the harness (a regression):" >&2; grep '^CRASH' "$work/corpus.log" >&2; exit 1
fi

# --- fuzz
echo "=== afl-fuzz: target $target, ${seconds}s, seeds $corpus/$target ($(ls "$corpus/$target" | wc -l) files)"
# dotnet itself is not instrumented (SharpFuzz instruments the IL): skip AFL's binary check. The child .NET runtime needs
# more than AFL's default memory limit and fork-server start-up time. A core_pattern pipe does not matter here.
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
AFL_FORKSRV_INIT_TMOUT=60000 \
  afl-fuzz -i "$corpus/$target" -o "$work/findings" -x tests/Ebpf.Fuzz/bpf.dict -m none -t "${FUZZ_TIMEOUT_MS:-5000}" -V "$seconds" \
    -- dotnet "$work/bin/Ebpf.Fuzz.dll" "$target" > "$work/afl.log" 2>&1 || {
  echo "afl-fuzz failed; last lines of $work/afl.log:" >&2; tail -20 "$work/afl.log" >&2; exit 2; }

stats=$work/findings/default/fuzzer_stats
stat() { awk -F' *: *' -v k="$1" '$1==k {print $2}' "$stats"; }
echo "execs $(stat execs_done) at $(stat execs_per_sec)/s; corpus $(stat corpus_count) inputs; edges $(stat edges_found) (map coverage $(stat bitmap_cvg)); crashes $(stat saved_crashes); hangs $(stat saved_hangs)"

# --- findings: replay each without AFL to name it; a hang counts only if it still takes > 20 s uninstrumented.
status=0
crashes=$work/findings/default/crashes
hangs=$work/findings/default/hangs
if [ -n "$(ls -A "$crashes" 2>/dev/null | grep -v README)" ]; then
  status=1
  echo "=== crashes ($crashes):"
  dotnet "$release/Ebpf.Fuzz.dll" "$target" "$crashes" | grep -v '^accepted\|^rejected' || true
fi
for h in "$hangs"/id*; do
  [ -e "$h" ] || continue
  if timeout 20 dotnet "$release/Ebpf.Fuzz.dll" "$target" "$h" >/dev/null 2>&1; then
    echo "hang not reproduced outside AFL (a slow moment on a shared machine?): $h"
  else
    status=1
    echo "HANG or crash on replay: $h"
  fi
done
echo "findings: $work/findings/default"
exit $status
