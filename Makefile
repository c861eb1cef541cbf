EXTENSION  = approval_gate
MODULE_big = approval_gate
OBJS = $(patsubst %.cpp,%.o,$(wildcard src/*.cpp))
DATA = $(wildcard extension/approval_gate--*.sql)

PG_CONFIG ?= pg_config
PG_CXXFLAGS = -std=c++17 -Wno-register -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
SHLIB_LINK = -lcrypto -lstdc++

REGRESS = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=approval_gate
ISOLATION = $(patsubst specs/%.spec,%,$(sort $(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=approval_gate

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Debian's PGXS also emits LLVM bitcode with clang, without PG_CXXFLAGS.
COMPILE.cxx.bc += $(PG_CXXFLAGS)

# PGXS does not track header dependencies; every object depends on every header.
$(OBJS) $(OBJS:.o=.bc): $(wildcard src/*.hpp)
