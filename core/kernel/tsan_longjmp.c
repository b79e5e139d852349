/*
** tsan_longjmp.c — only in ThreadSanitizer builds (core/meson.build adds
** it when b_sanitize has thread): gives Lua's error and yield jumps a
** longjmp that ThreadSanitizer sees.
**
** Why. Debian's liblua5.4 is built with _FORTIFY_SOURCE, so luaD_throw
** (every Lua error, and every yield of a process from C: hold, request,
** wait) leaves through glibc's __longjmp_chk. ThreadSanitizer intercepts
** setjmp, longjmp and siglongjmp but not __longjmp_chk (gcc 12's libtsan),
** so it never learns that the C frames between the setjmp and the throw
** are gone: each yield of a process leaves our instrumented frames on its
** shadow stack, which passes its 65 536 entries within a few hundred
** thousand yields and the run dies with "ThreadSanitizer: CHECK failed:
** sanitizer_stackdepot.cpp:83" (kouan run scenarios/mmc.lua --reps 4 -j 2
** --set customers=100000, before this file). Building kouan with
** -D_FORTIFY_SOURCE=0 does not help: the call is in the library, which we
** do not compile.
**
** The fix. The executable defines __longjmp_chk, which the dynamic linker
** then binds liblua's call to (the executable comes first in symbol
** lookup), as a plain longjmp, which ThreadSanitizer intercepts. What is
** lost is only fortify's check that the jump goes up the stack, in a test
** build. The meson.build of core forces the symbol into every program
** (-Wl,-u,__longjmp_chk), since nothing of ours calls it.
*/
#include <setjmp.h>

#if defined(__SANITIZE_THREAD__)
/* glibc's signature (bits/setjmp2.h); declared here because setjmp.h
** declares it only under _FORTIFY_SOURCE. */
_Noreturn void __longjmp_chk(struct __jmp_buf_tag env[1], int val);

_Noreturn void __longjmp_chk(struct __jmp_buf_tag env[1], int val)
{
    longjmp(env, val);
}
#endif
