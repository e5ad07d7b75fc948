/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Multiboot (v1) entry of the memory-dirtying test guest: a stack, then C. */
        .set MB_MAGIC, 0x1BADB002
        .set MB_FLAGS, 0x00000003          /* page-aligned modules, memory info */
        .section .multiboot, "a"
        .align 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

        .section .bss
        .align 16
stack_bottom:
        .skip 16384
stack_top:

        .section .text
        .global _start
_start:
        mov $stack_top, %esp
        push %ebx                           /* multiboot info */
        push %eax                           /* multiboot magic */
        call dirtier_main
1:      cli
        hlt
        jmp 1b

        .section .note.GNU-stack, "", @progbits
