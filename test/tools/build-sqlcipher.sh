#!/usr/bin/env bash
# Builds a stock SQLCipher 4 command-line shell, the tool a clinic would reach for if Privacy Desk
# were ever gone; test/sqlcipher-stock.test.ts opens a register with it using the key from
# `key export-raw`. Debian bookworm ships SQLCipher 3.4.1, which cannot read SQLCipher 4 files, so
# the shell is built from trixie's source package (signed by Debian, fetched with apt) with the
# upstream README's settings. The binary is cached outside the repository: re-runs take a second.
#
#   test/tools/build-sqlcipher.sh          build unless a working 4.x shell is already cached
#   test/tools/build-sqlcipher.sh --print  print the binary's path and exit
#   test/tools/build-sqlcipher.sh --deps   print the Debian packages the build needs and exit
#
# Where: $PRIVACY_DESK_SQLCIPHER_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/privacy-desk/sqlcipher4
# (test/sqlcipher-stock.test.ts looks in the same place).
set -euo pipefail

dir="${PRIVACY_DESK_SQLCIPHER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/privacy-desk/sqlcipher4}"
bin="$dir/sqlcipher"
suite="${PRIVACY_DESK_SQLCIPHER_SUITE:-trixie}"

# Build tools: a fresh bookworm machine of this kind has them; install only what is missing, and
# skip `apt-get update` when nothing is.
needed=(gcc make tcl libssl-dev zlib1g-dev dpkg-dev xz-utils)

case "${1:-}" in
  --print) echo "$bin"; exit 0 ;;
  --deps) printf '%s\n' "${needed[@]}"; exit 0 ;;
esac

cipher_version() {
  printf 'PRAGMA cipher_version;\n' | "$1" :memory: 2>/dev/null | head -n 1
}

if [ -x "$bin" ] && [[ "$(cipher_version "$bin")" == 4.* ]]; then
  echo "SQLCipher $(cipher_version "$bin") shell: $bin (cached)"
  exit 0
fi

start=$SECONDS

missing=()
for p in "${needed[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "build-sqlcipher: missing packages ${missing[*]}; run as root or install them first." >&2
    exit 1
  fi
  echo "Installing build tools: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log="$work/build.log"

# A private apt configuration holding only trixie's deb-src entry: the machine's own sources and
# package lists stay untouched. The source package is verified against trixie's signed index.
mkdir -p "$work/apt/sources.list.d" "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
cat >"$work/apt/sources.list.d/sqlcipher-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$work/apt/sources.list.d"
  -o "Dir::State::Lists=$work/apt/lists"
  -o "Dir::Cache=$work/apt/cache"
  -o "APT::Sandbox::User=root"
  -o "Debug::NoLocking=1"
)
echo "Fetching sqlcipher source from Debian $suite..."
if ! apt-get "${apt_opts[@]}" update -qq >"$log" 2>&1 \
  || ! (cd "$work/src" && apt-get "${apt_opts[@]}" source -qq sqlcipher) >>"$log" 2>&1; then
  cat "$log" >&2
  echo "build-sqlcipher: could not fetch the sqlcipher source package from Debian $suite." >&2
  exit 1
fi
src="$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'sqlcipher-*' | head -n 1)"
version="$(sed -n 's/^Version: //p' "$work"/src/sqlcipher_*.dsc | head -n 1)"
case "$version" in
  4.*) ;;
  *) echo "build-sqlcipher: Debian $suite has sqlcipher $version, not SQLCipher 4." >&2; exit 1 ;;
esac

# Flags from SQLCipher's README: SQLITE_HAS_CODEC, temp store in memory, OpenSSL's libcrypto.
# FTS5 because the register's schema has FTS5 tables; no Tcl, no readline: a shell for scripts.
echo "Building the SQLCipher ${version%%-*} shell (SQLite $(cat "$src/VERSION"); a minute or two)..."
if ! (cd "$src" \
  && ./configure --enable-tempstore=yes --enable-fts5 --disable-tcl --disable-readline \
    CFLAGS="-O2 -DSQLITE_HAS_CODEC -DSQLITE_TEMP_STORE=2" LDFLAGS="-lcrypto" \
  && make sqlcipher) >>"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "build-sqlcipher: the build failed." >&2
  exit 1
fi

got="$(cipher_version "$src/sqlcipher")"
if [[ "$got" != 4.* ]]; then
  echo "build-sqlcipher: the built shell reports cipher_version '$got', not 4.x." >&2
  exit 1
fi
mkdir -p "$dir"
install -m 0755 "$src/sqlcipher" "$bin.tmp"
mv -f "$bin.tmp" "$bin"
printf 'sqlcipher %s from Debian %s source package %s\n' "$got" "$suite" "$version" >"$dir/SOURCE"
echo "SQLCipher $got shell built in $((SECONDS - start)) s: $bin"
