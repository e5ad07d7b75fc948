#!/bin/sh
# build-dirtier.sh CC OUTPUT START.S MAIN.c LINKER-SCRIPT
# The dirtying guest is a 32-bit freestanding multiboot kernel: no libc, no
# host flags (sanitizers, PIE) apply to it.
set -eu
cc=$1 out=$2 start=$3 main=$4 script=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags="-m32 -ffreestanding -fno-pic -fno-pie -fno-stack-protector -fno-builtin -nostdlib -O2 -Wall -Wextra -Werror"
"$cc" $flags -c "$start" -o "$tmp/start.o"
"$cc" $flags -c "$main" -o "$tmp/main.o"
ld -m elf_i386 -z noexecstack --no-warn-rwx-segments -T "$script" -o "$out" "$tmp/start.o" "$tmp/main.o"
