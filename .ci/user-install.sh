#!/usr/bin/env bash
# CI: install FlowGuard as palette users do (issue 17). Packs the root package (its prepack build) and every package
# the build emits (dist/packages), installs them into scratch user dirs with `npm install --omit=dev` while python3,
# make and the C/C++ compilers are not on PATH, then boots each user dir on Node-RED 4.1 / Node 20 and on Node-RED 5 /
# Node 24 (scripts/user-install-check.js): every declared type registers, nothing lazy is loaded with an empty flow,
# RSS +15 MiB at most, no new warning; an idempotency gate on the SQLite store works on Node 24 (node:sqlite) and fails
# with the one clear NO_SQLITE_DRIVER error on Node 20 (no better-sqlite3 build without a compiler).
# User dirs: split (the all-in-one with core and the three service packages), core (alone: no service SDK may be
# installed), clone (the root tarball alone). Finally `npx <sandbox tarball>` must start the three sandboxes.
# npm's cache (~/.npm) and .ci/nr5 (Node-RED 5) are reused between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# Outside the repository: from inside it, require() would walk up into the repository's node_modules and find what
# the user dir lacks (better-sqlite3 built here, for one).
WORK="${TMPDIR:-/tmp}/flowguard-user-install"
rm -rf "$WORK"
mkdir -p "$WORK/tgz" "$WORK/bin"

echo "-- pack"
npm pack --silent --pack-destination "$WORK/tgz" >/dev/null   # prepack: the release build, which also emits dist/packages
mv "$WORK/tgz/flowguard-node-red-integrations-"*.tgz "$WORK/root.tgz"
for dir in dist/packages/*/; do (cd "$dir" && npm pack --silent --pack-destination "$WORK/tgz" >/dev/null); done
ls -l "$WORK/root.tgz" "$WORK/tgz"

echo "-- a PATH without compilers"
for tool in node npm npx sh bash env cat rm mkdir ls uname grep sed tar chmod cp mv ln dirname basename; do
  ln -s "$(readlink -f "$(command -v "$tool")")" "$WORK/bin/$tool"
done
for compiler in python3 python make g++ gcc cc c++ clang; do
  if PATH="$WORK/bin" command -v "$compiler" >/dev/null; then echo "$compiler is still reachable"; exit 1; fi
done

install_user_dir() {   # install_user_dir <name> <tarball>...
  local dir="$WORK/$1"; shift
  mkdir -p "$dir"
  echo '{"name":"flowguard-user","private":true}' > "$dir/package.json"
  local start=$SECONDS
  (cd "$dir" && PATH="$WORK/bin" npm install --omit=dev --no-audit --no-fund --loglevel=error "$@" >"$dir/install.log" 2>&1) \
    || { echo "install into $dir failed:"; tail -30 "$dir/install.log"; exit 1; }
  echo "$(basename "$dir"): installed in $((SECONDS - start)) s, $(find "$dir/node_modules" -name package.json -path '*/node_modules/*/package.json' -not -path '*/node_modules/*/node_modules/*' | wc -l) packages, $(du -sm "$dir/node_modules" | cut -f1) MB"
}

echo "-- install with compilers hidden"
install_user_dir split "$WORK"/tgz/flowguard-node-red-*.tgz
install_user_dir core "$WORK"/tgz/flowguard-node-red-core-*.tgz
install_user_dir clone "$WORK/root.tgz"
for sdk in stripe jsforce snowflake-sdk; do
  if [ -d "$WORK/core/node_modules/$sdk" ]; then echo "the core alone installed $sdk"; exit 1; fi
done

echo "-- Node-RED 4.1 on Node $(node --version)"
for dir in split core clone; do node scripts/user-install-check.js "$WORK/$dir" --sqlite=no-driver; done

echo "-- Node-RED 5 on Node 24"
NR5_DIR="$ROOT/.ci/nr5"
if [ ! -f "$NR5_DIR/node_modules/node-red/package.json" ]; then
  mkdir -p "$NR5_DIR"
  echo '{"name":"nr5-leg","private":true}' > "$NR5_DIR/package.json"
  npm install --prefix "$NR5_DIR" --no-audit --no-fund --no-save node-red@5 >/dev/null
fi
for dir in split core clone; do
  NODE_RED_PATH="$NR5_DIR/node_modules/node-red/lib/red.js" npx -y -p node@24 -- node scripts/user-install-check.js "$WORK/$dir" --sqlite=works
done

echo "-- npx <sandbox package> (from the registry: npx @flowguard/sandbox)"
SANDBOX_OUT="$WORK/sandbox.out"
# its own process group (setsid), so npx and the sandbox under it stop together
(cd "$WORK" && exec setsid env PATH="$WORK/bin" STRIPE_SANDBOX_PORT=0 SALESFORCE_SANDBOX_PORT=0 SALESFORCE_PUBSUB_PORT=0 SNOWFLAKE_SANDBOX_PORT=0 \
  npx -y --package="$(ls "$WORK"/tgz/flowguard-sandbox-*.tgz)" flowguard-sandbox >"$SANDBOX_OUT" 2>&1) &
SANDBOX_PID=$!
for _ in $(seq 1 120); do grep -q '"stripe"' "$SANDBOX_OUT" 2>/dev/null && break; sleep 1; done
kill -- "-$SANDBOX_PID" 2>/dev/null || true
grep -q '"testKey":"sk_test_flowguard_sandbox"' "$SANDBOX_OUT" || { echo "npx <sandbox> did not start the sandboxes:"; cat "$SANDBOX_OUT"; exit 1; }
echo "sandbox package: $(head -c 200 "$SANDBOX_OUT")…"
