#!/usr/bin/env bash
# fuzz/run.sh TARGET [SECONDS] [MAX_EXECS]
# One AFL++ campaign (under nice -n 19) against one LinkDoctor fuzz target (fuzz/Targets/FuzzTargets.cs):
# builds fuzz/LinkDoctor.Fuzz, instruments LinkDoctor.Core.dll with SharpFuzz, runs afl-fuzz on the seeds of
# fuzz/corpus/TARGET with the target's dictionaries for SECONDS (default 600) or until MAX_EXECS executions,
# then prints afl's numbers (executions, edges found, bitmap coverage), appends them to fuzz/campaigns.tsv and
# replays every crash and hang with its stack trace (with the uninstrumented copy in fuzz/out/replay-TARGET). Findings stay in fuzz/out/TARGET (not committed); a fixed
# finding is kept as tests/fuzz-regressions/TARGET/<name>, which the normal test suite replays.
#   Targets: elf ldcache glibc musl go macho pe explain patch
#   Environment: FUZZ_RESUME=1 continues the previous campaign of TARGET instead of starting from the seeds;
#   FUZZ_TIMEOUT_MS (default 3000) is the per-input time bound afl reports as a hang.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [MAX_EXECS]}
seconds=${2:-600}
max_execs=${3:-}
case $target in elf|ldcache|glibc|musl|go|macho|pe|explain|patch) ;; *) echo "run.sh: unknown target $target" >&2; exit 2 ;; esac

command -v afl-fuzz >/dev/null || { echo "run.sh: afl-fuzz not found (Debian: apt-get install afl++)" >&2; exit 2; }
sharpfuzz=$(command -v sharpfuzz || true)
if [ -z "$sharpfuzz" ]; then
  sharpfuzz=$here/.tools/sharpfuzz
  [ -x "$sharpfuzz" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$here/.tools" >/dev/null
fi

# Build (serialised: campaigns may run side by side), then give this campaign its own copy with
# LinkDoctor.Core.dll instrumented by SharpFuzz, so a rebuild never changes a running campaign's binary.
mkdir -p "$here/out"
bin=$here/out/bin-$target
plain=$here/out/replay-$target
(
  flock 9
  nice -n 19 dotnet build "$here/LinkDoctor.Fuzz/LinkDoctor.Fuzz.csproj" -c Release -o "$here/out/build" -v q -nologo >"$here/out/build.log" 2>&1 \
    || { grep -E "error|warning" "$here/out/build.log" >&2; exit 1; }
  rm -rf "$bin" "$plain"; cp -r "$here/out/build" "$bin"; cp -r "$here/out/build" "$plain"
) 9>"$here/out/build.lock"
"$sharpfuzz" "$bin/LinkDoctor.Core.dll" >/dev/null

dicts=()
case $target in
  elf|glibc|musl|patch) dicts=(elf) ;;
  go) dicts=(go elf macho pe) ;;
  *) dicts=("$target") ;;
esac
xargs=()
for d in "${dicts[@]}"; do xargs+=(-x "$here/dict/$d.dict"); done

out=$here/out/$target
input=$here/corpus/$target
if [ "${FUZZ_RESUME:-0}" = 1 ] && [ -d "$out/default" ]; then input=-; else rm -rf "$out"; fi
mkdir -p "$out"
limit=(-V "$seconds")
[ -n "$max_execs" ] && limit+=(-E "$max_execs")

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=60000 DOTNET_TieredPGO=0
export LINKDOCTOR_FUZZ_CORPUS=$here/corpus
echo "run.sh: afl-fuzz on $target for ${seconds}s${max_execs:+ or $max_execs executions}; log in $out/afl.log" >&2
nice -n 19 afl-fuzz -i "$input" -o "$out" "${xargs[@]}" -t "${FUZZ_TIMEOUT_MS:-3000}" -m none "${limit[@]}" \
  -- dotnet "$bin/LinkDoctor.Fuzz.dll" "$target" >"$out/afl.log" 2>&1 || { tail -30 "$out/afl.log" >&2; exit 1; }

stats=$out/default/fuzzer_stats
get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
execs=$(get execs_done); runtime=$(get run_time); edges=$(get edges_found); cvg=$(get bitmap_cvg)
crashes=$(get saved_crashes); hangs=$(get saved_hangs); paths=$(get corpus_count); eps=$(get execs_per_sec)
printf '%s: %s executions in %ss (%s/s), %s edges found, bitmap coverage %s, corpus %s, %s crashes, %s hangs\n' \
  "$target" "$execs" "$runtime" "$eps" "$edges" "$cvg" "$paths" "$crashes" "$hangs"
[ -f "$here/campaigns.tsv" ] || printf 'target\texecutions\tseconds\texecs_per_sec\tedges_found\tbitmap_cvg\tcrashes\thangs\tnote\n' > "$here/campaigns.tsv"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$execs" "$runtime" "$eps" "$edges" "$cvg" "$crashes" "$hangs" "$(date -u +%FT%TZ)" >> "$here/campaigns.tsv"

shopt -s nullglob
found=("$out"/default/crashes/id:* "$out"/default/hangs/id:*)
if ((${#found[@]})); then
  echo "run.sh: replaying ${#found[@]} findings:" >&2
  # Instrumented code only runs under afl-fuzz (it writes to afl's coverage map): replay with the plain copy.
  dotnet "$plain/LinkDoctor.Fuzz.dll" "$target" "${found[@]}" || true
fi
