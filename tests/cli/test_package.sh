# The installed package, as a user gets it: `cmake --install` of the build
# directory the binary under test comes from (BUILD_DIR/csvbloom) into a
# temporary prefix, then:
#  - the tree holds the binary, every public header, the static library, the
#    CMake package (config, version, targets), csvbloom.pc, the man page, the
#    bash completion and the license, and none of its files names the source
#    or build directory;
#  - examples/query-from-cpp configures with find_package(csvbloom CONFIG) from
#    the prefix (and not from anywhere else), builds, and answers exactly as
#    `csvbloom query` on filters built by the binary under test (a one-column
#    key, and a composite key with --trim --lowercase); its exit status
#    follows query's (0 / 1), and a corrupt filter gives exit 2;
#  - the package version file accepts this version exactly and rejects 99.0;
#  - `pkg-config --cflags --libs csvbloom` (PKG_CONFIG_PATH at the prefix)
#    names the prefix, and the same main.cpp compiled with those flags alone
#    links and gives the same answers;
#  - the prefix still works after being moved (CMake package is relocatable);
#  - DESTDIR staging installs under DESTDIR with the .pc naming the prefix.
source "$(dirname "$0")/lib.sh"
BUILD_DIR=$(cd "$(dirname "$CSVBLOOM")" && pwd)
PREFIX="$WORK/prefix"
EXAMPLE="$SRC/examples/query-from-cpp"
if [ ! -f "$BUILD_DIR/cmake_install.cmake" ]; then
  echo "FAIL: $BUILD_DIR has no cmake_install.cmake: is $CSVBLOOM in a CMake build directory?" >&2
  exit 1
fi
cache_get() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt"; }
CXX=$(cache_get CMAKE_CXX_COMPILER)
VERSION=$("$CSVBLOOM" --version | awk '{print $2}')

# ---- install ----
if ! cmake --install "$BUILD_DIR" --prefix "$PREFIX" >install.log 2>&1; then
  fail "cmake --install $BUILD_DIR --prefix $PREFIX failed:"
  tail -n 20 install.log >&2
  finish
  exit 1
fi
if [ ! -f "$PREFIX/lib/cmake/csvbloom/csvbloomConfig.cmake" ] && [ -z "$(find "$PREFIX" -name csvbloomConfig.cmake)" ]; then
  fail "no csvbloomConfig.cmake under $PREFIX: was the build configured with -DCSVBLOOM_INSTALL=OFF?"
  finish
  exit 1
fi
LIBDIR=$(dirname "$(find "$PREFIX" -name libcsvbloom.a -o -name 'libcsvbloom.so' | head -n 1)")
for f in bin/csvbloom share/man/man1/csvbloom.1 share/bash-completion/completions/csvbloom \
         share/doc/csvbloom/LICENSE; do
  [ -f "$PREFIX/$f" ] && pass || fail "not installed: $f"
done
for h in "$SRC"/include/csvbloom/*.hpp; do
  [ -f "$PREFIX/include/csvbloom/$(basename "$h")" ] && pass || fail "header not installed: $(basename "$h")"
done
[ -n "$LIBDIR" ] && [ "$LIBDIR" != . ] && pass || fail "no libcsvbloom.a (or .so) installed"
for f in cmake/csvbloom/csvbloomConfig.cmake cmake/csvbloom/csvbloomConfigVersion.cmake \
         cmake/csvbloom/csvbloomTargets.cmake pkgconfig/csvbloom.pc; do
  [ -f "$LIBDIR/$f" ] && pass || fail "not installed: ${LIBDIR#"$PREFIX"/}/$f"
done
[ -x "$PREFIX/bin/csvbloom" ] && [ "$("$PREFIX/bin/csvbloom" --version)" = "csvbloom $VERSION" ] && pass \
  || fail "installed bin/csvbloom --version is not 'csvbloom $VERSION'"
if grep -rlF -e "$SRC" -e "$BUILD_DIR" "$LIBDIR/cmake" "$LIBDIR/pkgconfig" >leaks 2>/dev/null; then
  fail "installed package files name the source or build directory: $(tr '\n' ' ' <leaks)"
else
  pass
fi
if command -v groff >/dev/null; then
  if groff -man -Tutf8 -ww -z "$PREFIX/share/man/man1/csvbloom.1" 2>groff.err && [ ! -s groff.err ]; then pass
  else fail "the installed man page has groff warnings: $(head -n 3 groff.err)"; fi
fi
bash -n "$PREFIX/share/bash-completion/completions/csvbloom" && pass || fail "the installed completion has bash syntax errors"

# ---- filters to ask, built by the binary under test ----
awk 'BEGIN { print "id,email,first,last"
  for (i = 1; i <= 500; i++) printf "%d,user%d@example.org, First%d ,LAST%d\n", i, i, i % 37, i }' > people.csv
"$CSVBLOOM" build -q -o emails.bloom --key email --capacity 1000 --fpr 0.0001 people.csv
"$CSVBLOOM" build -q -o names.bloom -k first -k last --trim --lowercase --capacity 1000 --fpr 0.0001 people.csv
KEYS=(user1@example.org user250@example.org user500@example.org nobody@example.net user501@example.org "")
NAMEKEYS=("first1,last1" "FIRST3 , Last3" "first4,last5" "first0,last37" "nobody,here")
ABSENT=(nobody@example.net user0@example.org)

# expected FILTER KEYS...: csvbloom query's verdict per key, as the example prints it.
expected() {
  local filter=$1 k; shift
  for k in "$@"; do
    if "$CSVBLOOM" query -s "$filter" "$k"; then printf 'maybe\t%s\n' "$k"; else printf 'absent\t%s\n' "$k"; fi
  done
}
# check_app APP LABEL: the example program against csvbloom query.
check_app() {
  local app=$1 label=$2
  expect_exit 0 "$app" emails.bloom "${KEYS[@]}"
  if [ "$(cat "$WORK/out")" = "$(expected emails.bloom "${KEYS[@]}")" ]; then pass
  else fail "$label: answers differ from csvbloom query:"; diff <(expected emails.bloom "${KEYS[@]}") "$WORK/out" >&2 || true; fi
  grep -q $'^maybe\tuser250@example.org$' "$WORK/out" && pass || fail "$label: a member is not 'maybe'"
  expect_exit 0 "$app" names.bloom "${NAMEKEYS[@]}"
  if [ "$(cat "$WORK/out")" = "$(expected names.bloom "${NAMEKEYS[@]}")" ]; then pass
  else fail "$label: composite-key answers differ from csvbloom query:"; diff <(expected names.bloom "${NAMEKEYS[@]}") "$WORK/out" >&2 || true; fi
  grep -q $'^maybe\tFIRST3 , Last3$' "$WORK/out" && pass || fail "$label: --trim/--lowercase not applied to a composite key"
  # Exit status 1 when no key may be present (these two are absent per csvbloom query).
  if "$CSVBLOOM" query -s emails.bloom "${ABSENT[@]}"; then
    fail "test data: csvbloom query says one of ${ABSENT[*]} may be present; pick other keys"
  else
    expect_exit 1 "$app" emails.bloom "${ABSENT[@]}"
  fi
  head -c 100 emails.bloom > corrupt.bloom
  expect_exit 2 "$app" corrupt.bloom user1@example.org
  expect_err_contains "error"
}

# ---- the CMake consumer ----
configure_example() {  # build-dir prefix-path
  cmake -S "$EXAMPLE" -B "$1" -DCMAKE_PREFIX_PATH="$2" -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF >"$1.log" 2>&1 \
    && cmake --build "$1" -j2 >>"$1.log" 2>&1
}
if configure_example consumer "$PREFIX"; then
  pass
  found=$(sed -n 's/^csvbloom_DIR:PATH=//p' consumer/CMakeCache.txt)
  [ "$found" = "$LIBDIR/cmake/csvbloom" ] && pass || fail "find_package found csvbloom in '$found', not in the prefix"
  check_app consumer/query-from-cpp "CMake consumer"
else
  fail "examples/query-from-cpp did not configure or build against $PREFIX:"
  tail -n 25 consumer.log >&2
fi

# ---- the version file ----
mkdir vcheck
cat > vcheck/CMakeLists.txt <<EOF
cmake_minimum_required(VERSION 3.25)
project(vcheck LANGUAGES CXX)
find_package(csvbloom $VERSION EXACT CONFIG REQUIRED)
find_package(csvbloom 99.0 CONFIG QUIET)
message(STATUS "too-new found: \${csvbloom_FOUND}")
EOF
if cmake -S vcheck -B vcheck/build -DCMAKE_PREFIX_PATH="$PREFIX" >vcheck.log 2>&1; then
  pass
  grep -q "too-new found: 0" vcheck.log && pass || fail "find_package(csvbloom 99.0) accepted version $VERSION"
else
  fail "find_package(csvbloom $VERSION EXACT) failed:"; tail -n 10 vcheck.log >&2
fi

# ---- pkg-config ----
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
if flags=$(pkg-config --cflags --libs csvbloom 2>pc.err); then
  pass
  case " $flags " in *" -I$PREFIX/include "*) pass ;; *) fail "pkg-config --cflags lacks -I$PREFIX/include: $flags" ;; esac
  case " $flags " in *" -L$LIBDIR "*) pass ;; *) fail "pkg-config --libs lacks -L$LIBDIR: $flags" ;; esac
  case " $flags " in *" -lcsvbloom "*) pass ;; *) fail "pkg-config --libs lacks -lcsvbloom: $flags" ;; esac
  [ "$(pkg-config --modversion csvbloom)" = "$VERSION" ] && pass || fail "pkg-config --modversion is not $VERSION"
  # shellcheck disable=SC2086  # the flags are words
  rpath=()  # a shared libcsvbloom (-DBUILD_SHARED_LIBS=ON) outside the loader's path
  [ -e "$LIBDIR/libcsvbloom.so" ] && rpath=("-Wl,-rpath,$LIBDIR")
  if "$CXX" -std=c++20 -O1 "$EXAMPLE/main.cpp" -o pc-app $flags "${rpath[@]}" 2>pc-build.log; then
    pass
    check_app ./pc-app "pkg-config consumer"
  else
    fail "main.cpp does not build with \`pkg-config --cflags --libs csvbloom\` ($flags):"; tail -n 15 pc-build.log >&2
  fi
else
  fail "pkg-config --cflags --libs csvbloom failed: $(cat pc.err)"
fi
unset PKG_CONFIG_PATH

# ---- relocation: the CMake package works from wherever the tree is moved ----
mv "$PREFIX" "$WORK/moved"
if configure_example consumer-moved "$WORK/moved"; then
  pass
  expect_exit 0 consumer-moved/query-from-cpp emails.bloom user1@example.org
else
  fail "examples/query-from-cpp did not build against the moved prefix:"; tail -n 15 consumer-moved.log >&2
fi

# ---- DESTDIR staging (what distribution packages do) ----
if DESTDIR="$WORK/stage" cmake --install "$BUILD_DIR" --prefix /opt/csvbloom >stage.log 2>&1; then
  pass
  pc=$(find "$WORK/stage/opt/csvbloom" -name csvbloom.pc | head -n 1)
  [ -n "$pc" ] && grep -qx "prefix=/opt/csvbloom" "$pc" && pass || fail "DESTDIR install: csvbloom.pc missing or prefix is not /opt/csvbloom"
  [ -x "$WORK/stage/opt/csvbloom/bin/csvbloom" ] && pass || fail "DESTDIR install: no bin/csvbloom under DESTDIR"
else
  fail "DESTDIR=... cmake --install failed: $(tail -n 5 stage.log)"
fi

finish
