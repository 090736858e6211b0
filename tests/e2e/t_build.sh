#!/usr/bin/env bash
# The build (issue 11, "Build"): `make` only asks pkg-config and, when
# something is missing, prints the one apt-get line and stops without
# running a package manager; `make MPI=0` (what a machine without MPICH's
# development files gets) builds everything else and lists mpi as
# unavailable with the reason.  Built from a copy of the tracked files.
. "$(dirname "$0")/lib.sh"

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    skip "build checks" "not a git checkout: the tracked files cannot be listed"
    exit 0
fi
src="$TMPD/src"
mkdir -p "$src"
git ls-files -z | xargs -0 cp --parents -t "$src"
# and what the work tree adds that git does not track yet (a change being
# tested before it is committed)
git ls-files -z --others --exclude-standard | xargs -0 -r cp --parents -t "$src"

# Missing packages: pkg-config finds nothing; make says what to install.
t0=$(date +%s)
err=$(PKG_CONFIG_LIBDIR="$TMPD/nowhere" make -C "$src" --no-print-directory build/parbench 2>&1)
rc=$?
eq "missing packages: make fails" 2 "$rc"
eq "missing packages: the one apt-get line" True "$(case $err in
    *"parbench: build: missing (pkg-config):"*"apt-get install libhwloc-dev"*"make deps"*) echo True ;;
    *) echo "$err" | tail -3 ;; esac)"
eq "missing packages: no compiler or package manager ran" True \
   "$([ ! -e "$src/build/obj/kernels/hash.o" ] && [ $(( $(date +%s) - t0 )) -lt 30 ] && echo True)"

# MPI=0: the rest builds and runs; mpi is listed, unavailable, with why.
if make -C "$src" --no-print-directory -j2 MPI=0 build/parbench >"$TMPD/build.log" 2>&1; then
    _record PASS "make MPI=0 builds"
    pb="$src/build/parbench"
    eq "MPI=0: mpi listed as unavailable, with the reason" True \
       "$("$pb" list | grep -q 'UNAVAILABLE: parbench was built without MPI' && echo True)"
    eq "MPI=0: mpi's own line says unavailable (what the bench scripts grep)" True \
       "$("$pb" list | grep -qE '^ *mpi .*unavailable' && echo True)"
    expect_exit 2 "MPI=0: --runner mpi refused" "$pb" run --runner mpi --output "$TMPD/x.json"
    ok "MPI=0: fork runs" "$pb" run --workload prime --limit 100000 --runner fork --workers 2 \
        --repeat 1 --warmup 0 --quiet --output "$TMPD/fork.json"
    eq "MPI=0: not linked with MPICH" 0 "$(ldd "$pb" | grep -c mpich)"
else
    _record FAIL "make MPI=0 builds" "$(tail -5 "$TMPD/build.log")"
fi
