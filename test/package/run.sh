#!/usr/bin/env bash
# Package test: builds the Debian package (debian/, pg_buildext) with dpkg-buildpackage in a
# throwaway copy of the working tree, checks what the .deb holds, installs it with apt-get, and
# runs the pg_regress suite (sql/, expected/) against the installed files on a throwaway cluster,
# without building anything else. Four checks: build, contents, install, regress. Prints
# "package: N passed, M failed" last and exits non-zero when any check failed.
# Logs stay in a temporary directory, printed only in part (and kept) when a check fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
pg=15
pg_config=/usr/lib/postgresql/$pg/bin/pg_config
package=postgresql-$pg-approval-gate
start=$SECONDS

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "package: $1: ok"; }
bad() { failed=$((failed + 1)); echo "package: $1: FAILED: $2" >&2; }
summary() { echo "package: $passed passed, $failed failed"; }

work=$(mktemp -d -t approval_gate-package.XXXXXX)
chmod 755 "$work"   # apt reads ./<deb> as its _apt user
logs=$work/logs
mkdir "$logs"
keep_logs() {  # copy the logs out of the throwaway directory, which is removed on exit
    local kept
    kept=$(mktemp -d -t approval_gate-package-logs.XXXXXX)
    cp -a "$logs/." "$kept/"
    echo "package: logs kept in $kept" >&2
}
trap 'rm -rf "$work"' EXIT

# --- what the build and the test need ------------------------------------------------------------
needed=(debhelper devscripts dpkg-dev fakeroot make g++ libssl-dev git postgresql-server-dev-all
        "postgresql-$pg" "postgresql-client-$pg" "postgresql-server-dev-$pg" postgresql-common)
missing=()
for p in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "package: installing ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    {
        "${sudo_cmd[@]}" apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
            -o DPkg::Lock::Timeout=600 "${missing[@]}"
    } >"$logs/deps.log" 2>&1 || { tail -n 20 "$logs/deps.log" >&2; echo "package: could not install ${missing[*]}" >&2; exit 1; }
fi

# --- a throwaway copy of the working tree --------------------------------------------------------
# Every file git knows or would add (tracked, and untracked unless ignored), as it is on disk now:
# no build artefacts, no results of earlier runs, and nothing written back into the repository.
src=$work/approval-gate
mkdir "$src"
if git -C "$repo" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$repo" ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do
            if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi   # skip deleted tracked files
        done |
        tar --null -T - -cf - | tar -xf - -C "$src"
else
    tar --exclude-vcs --exclude='./build' --exclude='./build-*' --exclude='*.o' --exclude='*.bc' \
        --exclude='*.so' --exclude='./results' --exclude='./regression.*' --exclude='./output_iso' \
        --exclude='./tmp_check' --exclude='./log' --exclude='*.deb' -cf - . | tar -xf - -C "$src"
fi

version=$(cd "$src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb=${package}_${version}_${arch}.deb
extversion=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$src/approval_gate.control")

# --- 1. build ------------------------------------------------------------------------------------
# nocheck: the suite runs below, against the installed package; noddebs: no -dbgsym package.
# pg_buildext runs make without -j whatever DEB_BUILD_OPTIONS says: MAKEFLAGS gives it the cores.
build_ok=
jobs=$(nproc)
t=$SECONDS
if (cd "$src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$jobs" MAKEFLAGS="-j$jobs" \
        dpkg-buildpackage -us -uc -b) \
        >"$logs/build.log" 2>&1 && [ -f "$work/$deb" ]; then
    build_ok=1
    ok "build $deb ($((SECONDS - t))s)"
else
    tail -n 40 "$logs/build.log" >&2
    bad build "dpkg-buildpackage -us -uc -b did not produce $deb (log above)"
fi

# --- 2. contents ---------------------------------------------------------------------------------
if [ "$build_ok" ] && ! dpkg-deb -c "$work/$deb" >"$logs/contents.txt" 2>&1; then
    head -n 5 "$logs/contents.txt" >&2
    bad contents "dpkg-deb -c $deb cannot list it"
elif [ "$build_ok" ]; then
    # "path" for files and directories, "path -> target" for links, without the leading "./"
    listing=$(awk '{ p = $6; sub(/^\.\//, "", p); if ($7 == "->") p = p " -> " $8; print p }' "$logs/contents.txt")
    libdir=usr/lib/postgresql/$pg/lib
    extdir=usr/share/postgresql/$pg/extension
    expected=("$libdir/approval_gate-$extversion.so"
              "$libdir/approval_gate.so -> approval_gate-$extversion.so"
              "$extdir/approval_gate.control")
    for f in "$src"/extension/approval_gate--*.sql "$src"/extension/approval_gate--*.control; do
        [ -e "$f" ] && expected+=("$extdir/$(basename "$f")")
    done
    absent=()
    for e in "${expected[@]}"; do
        grep -Fxq -- "$e" <<<"$listing" || absent+=("$e")
    done
    if [ ${#absent[@]} -eq 0 ]; then
        ok "contents (${#expected[@]} files)"
    else
        for e in "${absent[@]}"; do echo "package:   missing from $deb: $e" >&2; done
        bad contents "${#absent[@]} of ${#expected[@]} expected files missing from $deb (its listing: contents.txt in the kept logs)"
    fi
else
    bad contents "not checked: no package was built"
fi

# --- 3. install ----------------------------------------------------------------------------------
install_ok=
if [ "$build_ok" ]; then
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    # --reinstall: the same version may be installed already, from an earlier run
    if (cd "$work" && DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --reinstall \
            --no-install-recommends -o DPkg::Lock::Timeout=600 "./$deb") >"$logs/install.log" 2>&1; then
        installed=$(dpkg-query -W -f='${Status} ${Version}' "$package" 2>/dev/null || true)
        # dpkg --verify: every installed file still has the checksum the package recorded
        if [ "$installed" != "install ok installed $version" ]; then
            bad install "dpkg reports \"$installed\" for $package, expected \"install ok installed $version\""
        elif ! "${sudo_cmd[@]}" dpkg --verify "$package" >"$logs/verify.txt" 2>&1 || [ -s "$logs/verify.txt" ]; then
            cat "$logs/verify.txt" >&2
            bad install "installed files differ from the package (dpkg --verify $package, above)"
        else
            install_ok=1
            ok "install $package $version"
        fi
    else
        tail -n 20 "$logs/install.log" >&2
        bad install "apt-get install ./$deb failed (log above)"
    fi
else
    bad install "not run: no package was built"
fi

# --- 4. pg_regress against the installed package -------------------------------------------------
# In the copy (the same sql/ and expected/ as the repository; results/ and regression.* land there,
# not in the repository). `make installcheck` with PGXS builds nothing: it runs pg_regress on
# REGRESS with REGRESS_OPTS, then pg_isolation_regress on ISOLATION, which is emptied here.
# pg_virtualenv takes its port from PGPORT (its -p names a package whose debian/ dir to load from).
if [ "$install_ok" ]; then
    port=$("$repo/scripts/free-port.sh")
    t=$SECONDS
    if (cd "$src" && PGPORT=$port pg_virtualenv -t -v "$pg" \
            make -s installcheck ISOLATION= PG_CONFIG="$pg_config") >"$logs/regress.log" 2>&1; then
        ok "regress: $(grep -E 'tests? passed' "$logs/regress.log" | tr -d '=' | xargs) ($((SECONDS - t))s)"
    else
        cp "$src"/regression.diffs "$src"/regression.out "$logs/" 2>/dev/null || true
        grep -E '^(not ok|# |.*\.\.\. FAILED)|tests? (passed|failed)' "$logs/regress.log" | head -n 30 >&2 ||
            tail -n 20 "$logs/regress.log" >&2
        bad regress "pg_regress against the installed package (diffs: regression.diffs in the kept logs)"
    fi
else
    bad regress "not run: the package is not installed"
fi

[ "$failed" -eq 0 ] || keep_logs
echo "package: took $((SECONDS - start))s"
summary
[ "$failed" -eq 0 ]
