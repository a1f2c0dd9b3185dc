#!/usr/bin/env bash
# LinkDoctor benchmarks against the real tools. Prints wall times, peak memory and ratios.
#   bench/run.sh            publish the NativeAOT binary (if needed) and run everything
#   ONLY=patch bench/run.sh only the patch rows (PATCH_FILES=N programs, default 300)
# Needs: hyperfine, binutils (readelf), pax-utils (scanelf), patchelf; ./test.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=artifacts/aot/linkdoctor
if [ ! -x "$BIN" ] || [ -n "$(find src -newer "$BIN" -name '*.cs' | head -1)" ]; then
  dotnet publish src/LinkDoctor.Cli -c Release -r linux-x64 -p:PublishAot=true -o artifacts/aot >/dev/null
fi
TREE=${TREE:-/usr/lib}
ONE=${ONE:-/usr/bin/ls}
RUNS=${RUNS:-200}

mean() { # hyperfine JSON -> mean seconds
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' "$1"
}
peak() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.2f}')" "$1" "$2"; }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

if [ "${ONLY:-}" != patch ]; then

echo "== inspect of one file ($ONE), $RUNS runs each"
hyperfine -N -w 20 -r "$RUNS" --export-json "$tmp/one-ld.json" "$BIN inspect $ONE" >/dev/null
hyperfine -N -w 20 -r "$RUNS" --export-json "$tmp/one-re.json" "readelf -d $ONE" >/dev/null
hyperfine -N -w 20 -r "$RUNS" --export-json "$tmp/one-rt.json" "$BIN --version" >/dev/null
a=$(mean "$tmp/one-ld.json"); b=$(mean "$tmp/one-re.json"); c=$(mean "$tmp/one-rt.json")
printf "linkdoctor inspect  %8.2f ms\nreadelf -d          %8.2f ms\nlinkdoctor --version %7.2f ms (runtime start-up alone)\nratio linkdoctor/readelf: %s\n" \
  "$(python3 -c "print($a*1000)")" "$(python3 -c "print($b*1000)")" "$(python3 -c "print($c*1000)")" "$(ratio "$a" "$b")"

echo "== the whole tree $TREE (3 runs each, warm cache)"
python3 - "$TREE" > "$tmp/elves" <<'PY'
import os, sys
for d, _, names in os.walk(sys.argv[1]):
    for n in names:
        p = os.path.join(d, n)
        try:
            if not os.path.islink(p) and os.path.isfile(p):
                with open(p, 'rb') as f:
                    if f.read(4) == b'\x7fELF': print(p)
        except OSError:
            pass
PY
echo "$(wc -l < "$tmp/elves") ELF files"
cat > "$tmp/readelf-loop.sh" <<LOOP
while IFS= read -r f; do readelf -d "\$f" >/dev/null 2>&1; done < "$tmp/elves"
LOOP
hyperfine -N -w 1 -r 3 --export-json "$tmp/t-ld.json" "$BIN inspect -r $TREE" >/dev/null 2>&1 || true
hyperfine -w 1 -r 3 -i --export-json "$tmp/t-sc.json" "scanelf -R -n $TREE" >/dev/null 2>&1
hyperfine -w 0 -r 1 -i --export-json "$tmp/t-re.json" "bash $tmp/readelf-loop.sh" >/dev/null 2>&1
t=$(mean "$tmp/t-ld.json"); s=$(mean "$tmp/t-sc.json"); r=$(mean "$tmp/t-re.json")
echo "linkdoctor inspect -r  ${t}s  peak $(peak "$BIN" inspect -r "$TREE") KB"
echo "scanelf -R -n          ${s}s  peak $(peak scanelf -R -n "$TREE") KB"
echo "readelf -d loop        ${r}s"
echo "ratio scanelf/linkdoctor: $(ratio "$s" "$t")   readelf-loop/linkdoctor: $(ratio "$r" "$t")"

echo "== tree of every dynamic program in /usr/bin (one process) vs libtree, lddtree and ldd loops"
for f in /usr/bin/*; do
  [ -f "$f" ] && [ ! -L "$f" ] && readelf -l "$f" 2>/dev/null | grep -q "program interpreter: /lib64/ld-linux-x86-64.so.2" && echo "$f"
done > "$tmp/progs"
echo "$(wc -l < "$tmp/progs") programs"
loop() { echo "while IFS= read -r f; do $1 \"\$f\" >/dev/null 2>&1; done < $tmp/progs" > "$tmp/$2.sh"; }
loop libtree libtree; loop "/usr/bin/python3 /usr/bin/lddtree" lddtree; loop ldd ldd
{ printf "%s tree" "$BIN"; while IFS= read -r f; do printf " %s" "$f"; done < "$tmp/progs"; echo " >/dev/null"; } > "$tmp/ours.sh"
hyperfine -w 1 -r 3 -i --export-json "$tmp/tr-ld.json" "bash $tmp/ours.sh" >/dev/null 2>&1
hyperfine -w 0 -r 1 -i --export-json "$tmp/tr-lt.json" "bash $tmp/libtree.sh" >/dev/null 2>&1
hyperfine -w 0 -r 1 -i --export-json "$tmp/tr-pt.json" "bash $tmp/lddtree.sh" >/dev/null 2>&1
hyperfine -w 0 -r 1 -i --export-json "$tmp/tr-ldd.json" "bash $tmp/ldd.sh" >/dev/null 2>&1
o=$(mean "$tmp/tr-ld.json"); lt=$(mean "$tmp/tr-lt.json"); pt=$(mean "$tmp/tr-pt.json"); ld=$(mean "$tmp/tr-ldd.json")
echo "linkdoctor tree (1 process) ${o}s  peak $(peak bash "$tmp/ours.sh") KB"
echo "libtree loop                ${lt}s"
echo "lddtree loop                ${pt}s"
echo "ldd loop                    ${ld}s"
echo "ratios: libtree/linkdoctor $(ratio "$lt" "$o")   lddtree/linkdoctor $(ratio "$pt" "$o")   ldd/linkdoctor $(ratio "$ld" "$o")"

echo "== go: every Go binary on the machine (one process) vs a go version -m loop, and vs go version -m over the directories"
GODIRS=$(for d in /usr/bin /usr/sbin /usr/lib /usr/libexec /usr/local /opt; do [ -d "$d" ] && echo "$d"; done)
# shellcheck disable=SC2086
go version $GODIRS 2>/dev/null | sed -E 's/: (go|devel).*$//' > "$tmp/gobins"
echo "$(wc -l < "$tmp/gobins") Go binaries"
echo "while IFS= read -r f; do go version -m \"\$f\" >/dev/null 2>&1; done < $tmp/gobins" > "$tmp/goloop.sh"
{ printf "%s go" "$BIN"; while IFS= read -r f; do printf " %s" "$f"; done < "$tmp/gobins"; echo " >/dev/null"; } > "$tmp/goours.sh"
hyperfine -w 1 -r 5 -i --export-json "$tmp/g-ld.json" "bash $tmp/goours.sh" >/dev/null 2>&1
hyperfine -w 1 -r 3 -i --export-json "$tmp/g-loop.json" "bash $tmp/goloop.sh" >/dev/null 2>&1
hyperfine -w 1 -r 3 -i --export-json "$tmp/g-walk-ld.json" "$BIN go $GODIRS" >/dev/null 2>&1
hyperfine -w 1 -r 3 -i --export-json "$tmp/g-walk-go.json" "go version -m $GODIRS" >/dev/null 2>&1
a=$(mean "$tmp/g-ld.json"); b=$(mean "$tmp/g-loop.json"); c=$(mean "$tmp/g-walk-ld.json"); d=$(mean "$tmp/g-walk-go.json")
echo "linkdoctor go (1 process)   ${a}s  peak $(peak bash "$tmp/goours.sh") KB"
echo "go version -m loop          ${b}s"
echo "linkdoctor go DIRS          ${c}s"
echo "go version -m DIRS          ${d}s"
echo "ratios: loop/linkdoctor $(ratio "$b" "$a")   walk go/linkdoctor $(ratio "$d" "$c")"
fi # ONLY=patch skips everything above

echo "== patch --set-rpath over copies of the dynamic programs in /usr/bin (one process) vs a patchelf loop"
[ -s "$tmp/progs" ] || for f in /usr/bin/*; do
  [ -f "$f" ] && [ ! -L "$f" ] && readelf -l "$f" 2>/dev/null | grep -q "program interpreter: /lib64/ld-linux-x86-64.so.2" && echo "$f"
done > "$tmp/progs"
# The same edit as patchelf --force-rpath --set-rpath: DT_RPATH, on a fresh copy of the programs for every run.
head -n "${PATCH_FILES:-300}" "$tmp/progs" > "$tmp/patch-list"
mkdir -p "$tmp/patch-src"
while IFS= read -r f; do cp "$f" "$tmp/patch-src/"; done < "$tmp/patch-list"
echo "$(ls "$tmp/patch-src" | wc -l) programs, $(du -sh "$tmp/patch-src" | cut -f1)"
prep="rm -rf $tmp/patch-work && cp -r $tmp/patch-src $tmp/patch-work"
echo "for f in $tmp/patch-work/*; do patchelf --force-rpath --set-rpath /opt/bench/lib \"\$f\"; done" > "$tmp/patchelf-loop.sh"
hyperfine -w 1 -r 3 --prepare "$prep" --export-json "$tmp/p-ld.json" "bash -c '$BIN patch --set-rpath /opt/bench/lib --allow-unresolved $tmp/patch-work/* >/dev/null'" >/dev/null 2>&1
hyperfine -w 1 -r 3 --prepare "$prep" --export-json "$tmp/p-nf.json" "bash -c '$BIN patch --set-rpath /opt/bench/lib --allow-unresolved --no-fsync $tmp/patch-work/* >/dev/null'" >/dev/null 2>&1
hyperfine -w 1 -r 3 --prepare "$prep" --export-json "$tmp/p-pe.json" "bash $tmp/patchelf-loop.sh" >/dev/null 2>&1
p=$(mean "$tmp/p-ld.json"); n=$(mean "$tmp/p-nf.json"); q=$(mean "$tmp/p-pe.json")
eval "$prep"
echo "linkdoctor patch (verified, loader-checked, fsync)  ${p}s  peak $(peak bash -c "$BIN patch --set-rpath /opt/bench/lib --allow-unresolved $tmp/patch-work/* >/dev/null") KB"
echo "linkdoctor patch --no-fsync                         ${n}s"
echo "patchelf loop (in place, O_TRUNC, no fsync)          ${q}s"
echo "ratios: patchelf-loop/linkdoctor $(ratio "$q" "$p")   patchelf-loop/linkdoctor --no-fsync $(ratio "$q" "$n")"
