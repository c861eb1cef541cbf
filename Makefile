# approval_gate: a PGXS build. `make && make install`, then `make installcheck` against a running
# server (PGHOST/PGPORT/PGUSER as for psql). Works in tree and out of tree (VPATH, as pg_buildext builds).
EXTENSION  = approval_gate
EXTVERSION = 1.1
# The library carries the version in its name, as PostGIS does: a backend that still has the 1.0
# library loaded can load this one beside it while ALTER EXTENSION ... UPDATE runs.
MODULE_big = approval_gate-$(EXTVERSION)
OBJS = $(patsubst $(srcdir)/%.cpp,%.o,$(sort $(wildcard $(srcdir)/src/*.cpp)))
DATA = extension/approval_gate--1.0.sql extension/approval_gate--1.0.control \
       extension/approval_gate--1.1.sql extension/approval_gate--1.0--1.1.sql
DOCS = doc/approval_gate.md

PG_CONFIG ?= pg_config
PG_CPPFLAGS = -I$(srcdir)/src -DAG_EXTVERSION='"$(EXTVERSION)"'
PG_CXXFLAGS = -std=c++17 -Wno-register -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
# -Bsymbolic: the library's calls to its own functions bind to itself. PostgreSQL loads libraries
# RTLD_GLOBAL, so in a backend that still has the 1.0 library loaded (ALTER EXTENSION UPDATE run there)
# they would otherwise bind to 1.0's functions of the same names.
SHLIB_LINK = -lcrypto -lstdc++ -Wl,-Bsymbolic

REGRESS = $(patsubst $(srcdir)/sql/%.sql,%,$(sort $(wildcard $(srcdir)/sql/*.sql)))
REGRESS_OPTS = --load-extension=approval_gate
ISOLATION = $(patsubst $(srcdir)/specs/%.spec,%,$(sort $(wildcard $(srcdir)/specs/*.spec)))
ISOLATION_OPTS = --load-extension=approval_gate

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Debian's PGXS also emits LLVM bitcode with clang, without PG_CXXFLAGS.
COMPILE.cxx.bc += $(PG_CXXFLAGS)

# Out of tree (VPATH, as pg_buildext's `dh --with pgxs` builds in build-<version>/), the objects go to
# src/ under the build directory, which nothing else creates.
ifdef VPATH
$(shell mkdir -p src)
endif

# PGXS does not track header dependencies; every object depends on every header.
$(OBJS) $(OBJS:.o=.bc): $(wildcard $(srcdir)/src/*.hpp)

# Databases created before 1.1 name the library without its version: the same library answers them,
# refusing every call until ALTER EXTENSION approval_gate UPDATE brings their objects to 1.1.
install: install-compat-link
install-compat-link: install-lib
	ln -sf $(MODULE_big)$(DLSUFFIX) '$(DESTDIR)$(pkglibdir)/approval_gate$(DLSUFFIX)'
uninstall: uninstall-compat-link
uninstall-compat-link:
	rm -f '$(DESTDIR)$(pkglibdir)/approval_gate$(DLSUFFIX)'
.PHONY: install-compat-link uninstall-compat-link
