# parbench Makefile: build, test, benchmarks, sanitizer builds.
#
#   make                       build/parbench
#   make test                  install missing packages, build, all tests
#   make bench                 the reference experiments (see README)
#   make bench-metg            METG(50%) per runner against its target
#   make bench-pyramid         the pyramid's strategies, warm and cold, 1 and 2 workers
#   make docker-bench          the reference experiment in Docker containers
#   make docker-test           the same at smoke scale, with assertions
#   make plots REPORT=r.json   charts of a report (build/plots, gnuplot)
#   make fuzz [FUZZ_TIME=60]   libFuzzer targets of the readers (see below)
#   make SANITIZE=address,undefined test   /   make SANITIZE=thread test
#
# Objects go to a directory named after the sanitizer set, so switching
# SANITIZE never links stale objects; build/parbench is always the binary
# of the last build.

CC       ?= cc
SANITIZE ?=
comma    := ,
WERROR   ?=
PKGS     := hwloc libcjson libcurl libmicrohttpd libtiff-4 liburing
# The build only asks pkg-config (scripts/check-build-deps.sh prints the
# apt-get line when something is missing); `make deps` installs, and
# `make test` / `make bench` call it first.  The flags are looked up when
# used (=, not :=), so a `make test` that has just installed them builds.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)
# MPI=0 builds without MPICH: the mpi runner is then listed as
# unavailable, with the reason.  The default follows MPICH's presence.
MPI ?= $(if $(shell pkg-config --exists mpich 2>/dev/null && echo y),1,0)

OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN     := -Wall -Wextra $(if $(WERROR),-Werror)
ALLCFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) -I. -Ibuild $(PKG_CFLAGS)
# The mpi runner's ranks (runners/mpi_rank.c, mpi_loops.c) call MPI, and
# only those files see MPI's headers; the driver never calls MPI_Init.
# With MPI=1 every binary links libmpich so build/parbench can be a rank.
ifeq ($(MPI),1)
MPI_CFLAGS = $(shell pkg-config --cflags mpich)
MPI_LIBS   = $(shell pkg-config --libs mpich)
else
ALLCFLAGS += -DPB_NO_MPI
endif
LDLIBS   = $(PKG_LIBS) $(MPI_LIBS) -lm -pthread

ifneq ($(SANITIZE),)
ALLCFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -DPB_SANITIZE='"$(SANITIZE)"' 
LDFLAGS   += -fsanitize=$(SANITIZE)
OBJ := build/obj-$(subst $(comma),-,$(SANITIZE))
else
OBJ := build/obj
endif

# kernels are the hot loops: let the compiler vectorise them.
$(OBJ)/kernels/%.o: private ALLCFLAGS += -O3
$(OBJ)/runners/mpi_rank.o $(OBJ)/runners/mpi_loops.o: private ALLCFLAGS += $(MPI_CFLAGS)

# Workloads and runners kept outside the tree (README: "Adding a workload
# or a runner"): EXTRA_WORKLOADS=path/NAME.c, a file exporting `const
# struct workload_ops wl_NAME`; EXTRA_RUNNERS=path/NAME.c, one exporting
# `const struct runner runner_NAME` (several: space-separated).  They are
# compiled in and join the tables through build/extra_plugins.h, which
# kernels/list.h and runners/list.h include; no file of the tree changes.
EXTRA_WORKLOADS ?=
EXTRA_RUNNERS   ?=
KERNEL_SRC := $(wildcard kernels/*.c) $(EXTRA_WORKLOADS)
RUNNER_SRC := $(if $(filter 1,$(MPI)),$(wildcard runners/*.c),$(filter-out runners/mpi_rank.c runners/mpi_loops.c,$(wildcard runners/*.c))) $(EXTRA_RUNNERS)
BENCH_SRC  := $(filter-out bench/cli/main.c,$(wildcard bench/*/*.c))
LIB_OBJ    := $(patsubst %.c,$(OBJ)/%.o,$(KERNEL_SRC) $(RUNNER_SRC) $(BENCH_SRC))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,build/tests/%,$(UNIT_SRC))

.PHONY: all clean test test-run unit e2e bench bench-peers bench-kernels bench-runners bench-io bench-pyramid bench-mpi bench-metg docker-bench docker-test deps plots fuzz fuzz-check fuzz-build FORCE
all: build/parbench

# Relink when the flags change (e.g. SANITIZE added or removed).
$(OBJ)/flags: FORCE
	@sh scripts/check-build-deps.sh $(MPI)
	@mkdir -p $(@D)
	@echo '$(CC) $(ALLCFLAGS) $(LDFLAGS) $(LDLIBS)' | cmp -s - $@ || echo '$(CC) $(ALLCFLAGS) $(LDFLAGS) $(LDLIBS)' > $@

$(OBJ)/%.o: %.c $(OBJ)/flags
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -MMD -MP -c -o $@ $<

# The commit a report was made with; rewritten only when it changes.
build/build_commit.h: FORCE
	@mkdir -p $(@D)
	@c=$$(git describe --always --dirty 2>/dev/null || echo unknown); \
	 echo "#define PB_COMMIT \"$$c\"" | cmp -s - $@ || \
	 echo "#define PB_COMMIT \"$$c\"" > $@
$(OBJ)/bench/report/report.o: build/build_commit.h

# The plug-ins named by EXTRA_WORKLOADS / EXTRA_RUNNERS as list entries;
# rewritten only when they change.
plugin_entries = $(foreach f,$(1),X($(basename $(notdir $(f)))))
build/extra_plugins.h: FORCE
	@mkdir -p $(@D)
	@{ echo '/* written by make from EXTRA_WORKLOADS and EXTRA_RUNNERS */'; \
	   echo '#define PB_EXTRA_WORKLOADS(X) $(call plugin_entries,$(EXTRA_WORKLOADS))'; \
	   echo '#define PB_EXTRA_RUNNERS(X) $(call plugin_entries,$(EXTRA_RUNNERS))'; \
	 } >$@.new && { cmp -s $@.new $@ && rm -f $@.new || mv $@.new $@; }
$(OBJ)/kernels/workload.o $(OBJ)/runners/common.o: build/extra_plugins.h

$(OBJ)/libparbench.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Which object directory the binaries were last linked from: switching
# SANITIZE back and forth must relink even though no object changed.
build/variant: FORCE
	@mkdir -p $(@D)
	@echo '$(OBJ)' | cmp -s - $@ || echo '$(OBJ)' > $@

build/parbench: $(OBJ)/bench/cli/main.o $(OBJ)/libparbench.a build/variant
	$(CC) $(LDFLAGS) -o $@ $(filter %.o %.a,$^) $(LDLIBS)

build/tests/%: tests/unit/%.c $(OBJ)/libparbench.a build/variant
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(CHECK_CFLAGS) $(LDFLAGS) -o $@ $< $(OBJ)/libparbench.a $(CHECK_LIBS) $(LDLIBS)

build/tools/%: scripts/%.c $(OBJ)/libparbench.a build/variant
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -O3 $(LDFLAGS) -o $@ $< $(OBJ)/libparbench.a $(LDLIBS)

deps:
	sh scripts/deps.sh --test

# Every binary links MPICH, whose UCX layer hooks mmap/madvise at load
# time; ThreadSanitizer's interceptors crash inside those hooks (in
# pthread_create), so TSan test runs turn the hooks off.
TEST_ENV := $(if $(filter thread,$(subst $(comma), ,$(SANITIZE))),UCX_MEM_MMAP_HOOK_MODE=none)
# A sanitized e2e run leaves out the scripts that build other trees or
# check Python and text (they run no C code of parbench's that the others
# do not), t_bench (the smoke `make bench`: every runner, workload and
# peer in it is run sanitized by t_runners, t_peers, t_pyramid, t_mpi*),
# t_load (400,000 tasks a runner: its descriptor, memory and zombie
# checks are the plain run's; its memory bound is not ASan's allocator's),
# and the final check of every report (export, compare and plot of 240
# reports: the readers are fuzzed under ASan by fuzz-check), so that
# .ci/run, which runs both, stays within its time.  Plain `make test`
# runs everything.
ifneq ($(SANITIZE),)
TEST_ENV += E2E_SKIP="t_build t_plugin t_peers_proto t_docker t_schema t_readme t_bench t_load" E2E_VALIDATE=0 \
            E2E_SKIP_WHY="sanitizer run: see TEST_ENV in the Makefile"
endif

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $(TEST_ENV) CK_FORK=yes $$t; done

e2e: build/parbench
	@$(TEST_ENV) bash tests/e2e/run.sh

# deps first, in a make of its own: this one's flags were looked up before
# anything was installed.
test:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory test-run

test-run: build/parbench $(UNIT_BIN) build/tools/bench_kernels
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-check
	@$(MAKE) --no-print-directory e2e

# The main job: the reference experiments' matrix, with the Python peers
# beside the C runners (PEERS=0 leaves them out), charts, a table.
# SCALE=smoke (seconds), default (about 5 minutes on 2 cores), full.  The
# peers' Python modules are optional: a peer whose modules are missing is
# listed as unavailable and left out.
SCALE ?= default
bench:
	@sh scripts/deps.sh
	@sh scripts/deps.sh --bench || echo "make bench: the Python peers' modules are not installed: those peers are left out" >&2
	@$(MAKE) --no-print-directory build/parbench
	SCALE=$(SCALE) bash scripts/bench.sh

# C runners against the Python peers on the same work (fork vs
# multiprocessing.Pool, pthreads vs ThreadPoolExecutor, mpi vs Dask, ...),
# with ratios, and each model's METG(50%): scripts/bench-peers.sh.
bench-peers:
	@sh scripts/deps.sh
	@sh scripts/deps.sh --bench || echo "make bench-peers: the Python peers' modules are not installed: those peers are left out" >&2
	@$(MAKE) --no-print-directory build/parbench
	SCALE=$(SCALE) bash scripts/bench-peers.sh

# Charts of a report: make plots REPORT=r.json [PLOTS_DIR=dir] [PLOT_FORMAT=svg]
PLOTS_DIR   ?= build/plots
PLOT_FORMAT ?= png
plots: build/parbench
	@test -n "$(REPORT)" || { echo "usage: make plots REPORT=report.json [PLOTS_DIR=$(PLOTS_DIR)] [PLOT_FORMAT=png|svg]" >&2; exit 2; }
	build/parbench plot "$(REPORT)" --out "$(PLOTS_DIR)" --format $(PLOT_FORMAT)

bench-kernels: build/tools/bench_kernels
	sh scripts/bench-kernels.sh

bench-runners: build/parbench
	bash scripts/bench-runners.sh

# Reference 002 offline: url at 50 ms on the embedded server (single,
# pthreads/fork/async 4-16) and prime (single, pthreads 1-4, fork 2-64).
bench-io: build/parbench
	bash scripts/bench-io.sh

# Reference 003: the pyramid's strategies side by side at 1 and 2
# workers, warm and cold page cache, with ratios; then read/mmap/io_uring.
bench-pyramid: build/parbench
	bash scripts/bench-pyramid.sh

# mpi versus fork and pthreads on the image workload (prints PASS/MISS).
bench-mpi: build/parbench
	bash scripts/bench-mpi.sh

# METG(50%) of pthreads, fork, mpi static and mpi dynamic at 2 workers,
# each beside its target (MET/MISS); report and chart in results/.
bench-metg: build/parbench
	bash scripts/bench-metg.sh

# The reference cluster in Docker: head + 2 workers over MPI, and pool
# containers with 2 and 4 CPUs; one gathered report, charts and table in
# results/docker-<time>-<scale>/.  Without an engine, as root, one is
# started and stopped again (scripts/docker-engine.sh; README: Docker).
docker-bench:
	SCALE=$(SCALE) bash docker/bench.sh

# docker-bench at SCALE=smoke with assertions (docker/test.sh): limits seen
# in each container, MPI across containers, an OOM kill under a container's
# limit, nothing left behind.
docker-test: build/parbench
	bash docker/test.sh

# ---- fuzzing ---------------------------------------------------------------
# libFuzzer targets, one per reader: tests/fuzz/fuzz_<name>.c, seed corpus
# tests/fuzz/corpus/<name>/ (see tests/fuzz/fuzz.h).  They need clang and
# its libFuzzer (Debian: clang, libclang-rt-14-dev); the project's sources
# are compiled again with clang, ASan and UBSan into build/fuzz/ (only for
# the targets: everything else keeps $(CC); their warnings are the main
# build's business, the targets' own are checked here).
#   make fuzz [FUZZ_TIME=60] [FUZZ_TARGETS="matrix urls"]
#       each target for FUZZ_TIME seconds; inputs it finds go to
#       build/fuzz/corpus-new/<name>/, crashes to build/fuzz/crash-<name>-*
#   make fuzz-check
#       each target once over its corpus (part of `make test`); SKIP when
#       clang or libFuzzer is missing
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
FUZZ_TARGETS ?= $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE -pthread -O1 -g -fno-omit-frame-pointer \
                -fsanitize=address,undefined -fno-sanitize-recover=all \
                -I. -Ibuild $(PKG_CFLAGS) $(MPI_CFLAGS) $(if $(filter 1,$(MPI)),,-DPB_NO_MPI)
FUZZ_LIB_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(KERNEL_SRC) $(RUNNER_SRC) $(BENCH_SRC))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -w -MMD -MP -c -o $@ $<
build/fuzz/obj/bench/report/report.o: build/build_commit.h
build/fuzz/obj/kernels/workload.o build/fuzz/obj/runners/common.o: build/extra_plugins.h

build/fuzz/libparbench.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libparbench.a
	@echo "$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(WARN) -fsanitize=fuzzer -o $@ $< \
	    build/fuzz/libparbench.a $(LDLIBS)

fuzz-build: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)

fuzz fuzz-check:
	@MAKE="$(MAKE)" FUZZ_CC="$(FUZZ_CC)" FUZZ_TIME="$(FUZZ_TIME)" \
	 FUZZ_TARGETS="$(FUZZ_TARGETS)" WERROR="$(WERROR)" \
	 bash tests/fuzz/run.sh $(subst fuzz-,,$@)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
