#!/usr/bin/env bash
# Rebuilds the seed corpora under fuzz/corpus/<target>/ from tiny real builds (gcc, musl-gcc, go, clang-14 +
# ld64.lld-14, mingw-w64, ldconfig). Each seed is a few KB: built small, stripped, or cut down with objcopy.
# The seeds are committed; run this only to refresh them. Inputs of glibc, musl and patch start with one
# selector byte (see fuzz/Targets/FuzzTargets.cs).
set -euo pipefail
cd "$(dirname "$0")"
C=$PWD/corpus
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
rm -rf "$C"; mkdir -p "$C"/{elf,ldcache,glibc,musl,go,macho,pe,explain,patch}
small="-O1 -s -Wl,-z,noseparate-code -Wl,--build-id=sha1 -Wl,--hash-style=both"
prefix() { { printf "\\x$(printf %02x "$1")"; cat "$2"; } > "$3"; }

# ELF: a glibc program needing a library (with symbol versions), the library, a relocatable object, a static
# non-libc stub, 32-bit, big-endian and aarch64 libraries.
cat > fz.c <<'C'
int fz_value = 7;
int fz_add(int a, int b) { return a + b + fz_value; }
__asm__(".symver fz_old,fz_get@FZ_1.0");
__asm__(".symver fz_new,fz_get@@FZ_2.0");
int fz_old(void) { return 1; }
int fz_new(void) { return 2; }
C
printf 'FZ_1.0 { global: fz_add; fz_value; local: *; };\nFZ_2.0 { global: fz_get; } FZ_1.0;\n' > fz.map
cat > prog.c <<'C'
#include <stdio.h>
int fz_add(int, int);
int fz_get(void);
int main(void) { printf("%d\n", fz_add(1, fz_get())); return 0; }
C
gcc $small -shared -fPIC -Wl,--version-script=fz.map -Wl,-soname,libfz.so -o libfz.so fz.c
gcc $small -o prog prog.c -L. -lfz -Wl,-rpath,'$ORIGIN/../lib' -Wl,-z,now
gcc -O1 -c -o fz.o fz.c
aarch64-linux-gnu-gcc $small -Wl,-z,max-page-size=4096 -shared -fPIC -Wl,--version-script=fz.map -o libfz-aarch64.so fz.c
i686-linux-gnu-gcc $small -shared -fPIC -Wl,--version-script=fz.map -o libfz-i686.so fz.c
s390x-linux-gnu-gcc $small -shared -fPIC -Wl,--version-script=fz.map -o libfz-s390x.so fz.c
cp prog libfz.so fz.o libfz-aarch64.so libfz-i686.so libfz-s390x.so "$C/elf/"

# glibc model: byte 0 even = the input is the program, odd = the input is libfz.so (the other one is the seed).
prefix 0 prog "$C/glibc/prog"; prefix 1 libfz.so "$C/glibc/libfz.so"
# musl model: the same with musl-gcc builds.
musl-gcc -O1 -s -Wl,-z,noseparate-code -shared -fPIC -Wl,--version-script=fz.map -Wl,-soname,libfz.so -o libfz-musl.so fz.c
musl-gcc -O1 -s -Wl,-z,noseparate-code -o prog-musl prog.c -L. -lfz-musl -Wl,-rpath,'$ORIGIN/../lib'
prefix 0 prog-musl "$C/musl/prog"; prefix 1 libfz-musl.so "$C/musl/libfz.so"
# patch: byte 0 chooses the operations.
prefix 0 prog "$C/patch/prog-interp"; prefix 3 libfz.so "$C/patch/lib-needed"; prefix 6 prog "$C/patch/prog-rpath"

# ld.so.cache: ldconfig over a directory with the three libraries, new format and compat (old + new) format.
mkdir -p root/lib; cp libfz.so root/lib/libfz.so.1; cp libfz-i686.so root/lib/libfz32.so.1; cp "$C/elf/libfz-aarch64.so" root/lib/libfza.so.1
echo /lib > root/ld.so.conf
/sbin/ldconfig -r root -f /ld.so.conf -C /ld.so.cache -X && cp root/ld.so.cache "$C/ldcache/new.cache"
/sbin/ldconfig -r root -f /ld.so.conf -C /compat.cache -c compat -X 2>/dev/null && cp root/compat.cache "$C/ldcache/compat.cache" || true

# Go: a tiny program's build info and build ID kept, everything else cut away by objcopy.
mkdir -p gomod && cd gomod
printf 'module example.com/fz\n\ngo 1.19\n' > go.mod
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("fz") }\n' > main.go
GOCACHE=$W/gocache GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags=-s -o ../gofz . 
cd ..
objcopy -j .go.buildinfo -j .note.go.buildid -j .note.gnu.build-id gofz go-buildinfo.elf
cp go-buildinfo.elf "$C/go/"
objcopy -O binary -j .go.buildinfo gofz "$C/go/buildinfo.blob"

# Mach-O: clang-14 + ld64.lld-14 with a .tbd stub of libSystem (as the integration tests build them).
cat > libSystem.tbd <<'T'
--- !tapi-tbd
tbd-version:     4
targets:         [ x86_64-macos, arm64-macos ]
install-name:    '/usr/lib/libSystem.B.dylib'
current-version: 1311
compatibility-version: 1
exports:
  - targets:         [ x86_64-macos, arm64-macos ]
    symbols:         [ _printf, dyld_stub_binder ]
...
T
for a in arm64 x86_64; do
  printf 'int fz_value = 7;\nint fz_add(int a, int b) { return a + b + fz_value; }\n' > mfz.c
  clang-14 --target=$a-apple-macos11 -O1 -c mfz.c -o fz-$a.o
  ld64.lld-14 -arch $a -platform_version macos 11.0 12.0 -dylib -install_name @rpath/libfz.dylib -current_version 1.2.3 -o libfz-$a.dylib fz-$a.o libSystem.tbd
done
printf 'int printf(const char *, ...);\nint fz_add(int, int);\nint main(void) { printf("%%d", fz_add(1, 2)); return 0; }\n' > mprog.c
clang-14 --target=x86_64-apple-macos11 -O1 -c mprog.c -o prog-x86_64.o
ld64.lld-14 -arch x86_64 -platform_version macos 11.0 12.0 -o prog-x86_64 prog-x86_64.o libfz-x86_64.dylib libSystem.tbd -rpath @loader_path/../lib
llvm-lipo-14 -create fz-arm64.o fz-x86_64.o -segalign arm64 8 -segalign x86_64 8 -output fz-universal.o
cp libfz-x86_64.dylib prog-x86_64 fz-x86_64.o "$C/macho/"
# A universal file of two objects, slices aligned to 256 bytes (dylib slices would be page aligned, ~33 KB).
cp fz-universal.o "$C/macho/"

# PE: a mingw-w64 DLL without the C runtime (exports, an import, relocations) and a small console program.
cat > pe.c <<'C'
__declspec(dllimport) unsigned long __stdcall GetTickCount(void);
__declspec(dllexport) int fz_add(int a, int b) { return a + b + (int)GetTickCount(); }
int __stdcall DllMainCRTStartup(void *h, unsigned long r, void *p) { return 1; }
C
x86_64-w64-mingw32-gcc -O1 -s -shared -nostdlib -o fz.dll pe.c -lkernel32 -Wl,--file-alignment,512
i686-w64-mingw32-gcc -O1 -s -shared -nostdlib -o fz32.dll pe.c -lkernel32 -Wl,--file-alignment,512 -e _DllMainCRTStartup@12
cp fz.dll fz32.dll "$C/pe/"

# explain: real messages of the components the catalogues know.
cat > "$C/explain/glibc.log" <<'L'
./prog: error while loading shared libraries: libfz.so: cannot open shared object file: No such file or directory
./prog: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.38' not found (required by ./prog)
./prog: symbol lookup error: ./prog: undefined symbol: fz_get, version FZ_2.0
L
cat > "$C/explain/musl.log" <<'L'
Error loading shared library libfz.so: No such file or directory (needed by ./prog)
Error relocating ./prog: fz_get: symbol not found
L
cat > "$C/explain/linker.log" <<'L'
/usr/bin/ld: /tmp/ccX.o: in function `main':
prog.c:(.text+0x12): undefined reference to `fz_add'
/usr/bin/ld: cannot find -lfz: No such file or directory
collect2: error: ld returned 1 exit status
L
cat > "$C/explain/runtimes.log" <<'L'
Traceback (most recent call last):
  File "x.py", line 1, in <module>
OSError: libfz.so: cannot open shared object file: No such file or directory
panic: plugin.Open("fz"): plugin was built with a different version of package runtime/internal/sys
dyld[123]: Library not loaded: @rpath/libfz.dylib
  Referenced from: /tmp/prog
  Reason: tried: '/usr/lib/libfz.dylib' (no such file)
bash: ./prog: cannot execute: required file not found
L
ls -l "$C"/*
