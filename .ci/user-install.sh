#!/usr/bin/env bash
# CI: install FlowGuard as palette users do (issue 17). Packs the root package (its prepack build) and every package
# the build emits (dist/packages), installs them into scratch user dirs with `npm install --omit=dev` while python3,
# make and the C/C++ compilers are not on PATH, then boots each user dir on Node-RED 4.1 / Node 20 and on Node-RED 5 /
# Node 24 (scripts/user-install-check.js): every declared type registers, nothing lazy is loaded with an empty flow,
# RSS +15 MiB at most, no new warning; an idempotency gate on the SQLite store works on Node 24 (node:sqlite) and fails
# with the one clear NO_SQLITE_DRIVER error on Node 20 (no better-sqlite3 build without a compiler; where npm fetched a
# prebuilt one, the gate runs on it in split and clone, and core's is removed to check the error).
# User dirs: split (the all-in-one with core and the three service packages), core (alone: no service SDK may be
# installed), clone (the root tarball alone). Finally `npx <sandbox tarball>` must start the three sandboxes.
# The installs run side by side, and so do the Node 20 and Node 24 legs (each boots Node-RED alone once as the baseline).
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
    || { echo "install into $dir failed:"; tail -30 "$dir/install.log"; return 1; }
  echo "$(basename "$dir"): installed in $((SECONDS - start)) s, $(grep -o 'added [0-9]* packages' "$dir/install.log"), $(du -sm "$dir/node_modules" | cut -f1) MB"
}

# Node-RED 5 for the Node 24 leg, fetched while the user dirs install.
NR5_DIR="$ROOT/.ci/nr5"
NODE24="$(npx -y -p node@24 -- node -p process.execPath)"
install_nr5() {
  [ -f "$NR5_DIR/node_modules/node-red/package.json" ] && return 0
  mkdir -p "$NR5_DIR"
  echo '{"name":"nr5-leg","private":true}' > "$NR5_DIR/package.json"
  # on Node 24: node-red 5 declares node >= 22.9
  PATH="$(dirname "$NODE24"):$PATH" npm install --prefix "$NR5_DIR" --no-audit --no-fund --no-save --loglevel=error node-red@5 >/dev/null
}

# The installs run side by side (mostly waiting on the registry); each reports on its own line and any failure fails.
echo "-- install with compilers hidden"
pids=()
install_user_dir split "$WORK"/tgz/flowguard-node-red-*.tgz & pids+=($!)
install_user_dir core "$WORK"/tgz/flowguard-node-red-core-*.tgz & pids+=($!)
install_user_dir clone "$WORK/root.tgz" & pids+=($!)
install_nr5 & pids+=($!)
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
[ "$status" = 0 ] || exit 1
for sdk in stripe jsforce snowflake-sdk; do
  if [ -d "$WORK/core/node_modules/$sdk" ]; then echo "the core alone installed $sdk"; exit 1; fi
done

# The two legs run side by side, each on its own user dirs: the Node 24 ones share the installed files with the
# Node 20 ones (hard links) but not the files Node-RED writes (flows, settings, .config.*.json, the SQLite file).
for dir in split core clone; do
  mkdir -p "$WORK/$dir-24"
  cp "$WORK/$dir/package.json" "$WORK/$dir-24/"
  cp -al "$WORK/$dir/node_modules" "$WORK/$dir-24/node_modules"
done
# Where npm could fetch a prebuilt better-sqlite3 (no compiler needed), the Node 20 gate runs on it (auto); core's is
# removed, as on a machine that can fetch none, so the clear error is checked on Node 20 either way.
if [ -d "$WORK/core/node_modules/better-sqlite3" ]; then
  echo "better-sqlite3 installed from a prebuilt binary; removed from core's Node 20 user dir"
  rm -rf "$WORK/core/node_modules/better-sqlite3"
fi
echo "-- Node-RED 4.1 on Node $(node --version) and Node-RED 5 on Node $("$NODE24" --version)"
node scripts/user-install-check.js "$WORK/baseline-20" "$WORK"/{split,core,clone} --sqlite=auto >"$WORK/leg20.log" 2>&1 & leg20=$!
NODE_RED_PATH="$NR5_DIR/node_modules/node-red/lib/red.js" "$NODE24" scripts/user-install-check.js "$WORK/baseline-24" "$WORK"/{split,core,clone}-24 --sqlite=works >"$WORK/leg24.log" 2>&1 & leg24=$!
status=0
wait "$leg20" || status=1
wait "$leg24" || status=1
cat "$WORK/leg20.log" "$WORK/leg24.log"
[ "$status" = 0 ] || exit 1

echo "-- npx <sandbox package> (from the registry: npx @flowguard/sandbox)"
SANDBOX_OUT="$WORK/sandbox.out"
# its own process group (setsid), so npx and the sandbox under it stop together
(cd "$WORK" && exec setsid env PATH="$WORK/bin" STRIPE_SANDBOX_PORT=0 SALESFORCE_SANDBOX_PORT=0 SALESFORCE_PUBSUB_PORT=0 SNOWFLAKE_SANDBOX_PORT=0 \
  npx -y --package="$(ls "$WORK"/tgz/flowguard-sandbox-*.tgz)" flowguard-sandbox >"$SANDBOX_OUT" 2>&1) &
SANDBOX_PID=$!
for _ in $(seq 1 120); do grep -q '"stripe"' "$SANDBOX_OUT" 2>/dev/null && break; sleep 1; done
# Each sandbox accepts the credentials the examples' first comments name (not just the ones it prints).
sandbox_ok=0
head -1 "$SANDBOX_OUT" | node -e '
  const info = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const form = (o) => new URLSearchParams(o);
  (async () => {
    const stripe = await fetch(`${info.stripe.url}/v1/customers`, { headers: { authorization: "Bearer sk_test_flowguard_sandbox" } });
    const salesforce = await fetch(`${info.salesforce.url}/services/oauth2/token`, { method: "POST",
      body: form({ grant_type: "client_credentials", client_id: "flowguard-client", client_secret: "flowguard-secret" }) });
    const snowflake = await (await fetch(`${info.snowflake.url}/session/v1/login-request`, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ data: { ACCOUNT_NAME: "sandbox", LOGIN_NAME: "sandbox", PASSWORD: "sandbox" } }) })).json();
    const failed = [stripe.ok || "stripe", salesforce.ok || "salesforce", snowflake.success || "snowflake"].filter((x) => x !== true);
    if (failed.length) throw new Error(`refused the examples\x27 credentials: ${failed.join(", ")}`);
  })().catch((err) => { console.error(err.message); process.exit(1); });
' || sandbox_ok=1
kill -- "-$SANDBOX_PID" 2>/dev/null || true
[ "$sandbox_ok" = 0 ] || { echo "npx <sandbox> did not start the sandboxes as the examples expect:"; cat "$SANDBOX_OUT"; exit 1; }
echo "sandbox package: $(head -c 200 "$SANDBOX_OUT")…"
