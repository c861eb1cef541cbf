/*
 * Preloaded next to libasan by run.sh. Works around a start-up hang of uninstrumented programs
 * (postgres, psql) under LD_PRELOAD=libasan.so on Debian bookworm (glibc 2.36, GCC 12):
 *
 * the ASan runtime is initialised lazily by the first malloc, which here comes from the
 * constructor of libp11-kit (pulled in by libldap -> libgnutls) while it holds glibc's
 * setlocale lock inside newlocale(). The runtime's initialisation looks up swift_demangle
 * with dlsym() and calls dlerror() to clear the failure; formatting that error message goes
 * through gettext, which takes the setlocale lock again in the same thread, and the corrupted
 * lock state leaves the process blocked in bindtextdomain() a moment later.
 *
 * When swift_demangle exists, dlsym() succeeds, dlerror() has nothing to format and never
 * enters gettext. The sanitizers only call it for Swift-mangled names ("_T..."), never seen
 * here; returning NULL means "not demangled".
 */
#include <stddef.h>

char *
swift_demangle(const char *mangled, size_t mangled_len, char *out, size_t *out_len, unsigned flags)
{
	(void) mangled;
	(void) mangled_len;
	(void) out;
	(void) out_len;
	(void) flags;
	return NULL;
}

/*
 * UBSan's options. The UBSan runtime reads UBSAN_OPTIONS from /proc/self/environ, and in a
 * backend that area has been overwritten by the process title (ps_status.c) by the time the
 * runtime looks, so UBSAN_OPTIONS is silently ignored there. The runtime also asks this hook,
 * which this preloaded library provides; run.sh compiles the options in.
 */
#ifdef UBSAN_DEFAULT_OPTIONS
const char *
__ubsan_default_options(void)
{
	return UBSAN_DEFAULT_OPTIONS;
}
#endif
