#!/usr/bin/env bash
# Runs ./deploy.sh for real against a stand-in gcloud (tests/deploy/bin/gcloud)
# that records every call and keeps the secrets it was given, then checks what
# deploy.sh asked Google Cloud to do: first deploy, re-deploy, a URL that
# differs from the computed one, sign-in secrets, a custom service account,
# and the three ways a newcomer's machine can be unready (no gcloud, not
# logged in, no project). No network, no Google account.
#
#   bash tests/deploy/test_deploy.sh
#
# Last line: `deploy: N passed, M failed`; exits non-zero on any failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
check() {
  local what=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   - $what"
  else
    failed=$((failed + 1))
    echo "FAIL - $what"
  fi
}

# A copy of the crate root with what deploy.sh looks at, so that the test
# neither needs the real examples nor leaves files in the worktree.
fixture=$work/crate
mkdir -p "$fixture/examples"
cp "$repo/deploy.sh" "$repo/Dockerfile" "$fixture/"
touch "$fixture/examples/quickstart.rs" "$fixture/examples/github.rs"

export GCLOUD_LOG GCLOUD_STATE
out=$work/out # deploy.sh's stdout and stderr of the last run
rc=0          # its exit status

# run STATE_NAME [VAR=value ...] -- deploy.sh arguments…
# Runs deploy.sh from an unrelated directory with the stand-in gcloud first
# on PATH; the call log starts empty, the state persists per STATE_NAME.
run() {
  local state=$1
  shift
  local vars=()
  while [ "$1" != "--" ]; do
    vars+=("$1")
    shift
  done
  shift
  GCLOUD_STATE=$work/state-$state
  GCLOUD_LOG=$work/log
  : >"$GCLOUD_LOG"
  rc=0
  (cd "$work" && env "${clean_env[@]}" PATH="$here/bin:$PATH" "${vars[@]}" bash "$fixture/deploy.sh" "$@") >"$out" 2>&1 || rc=$?
}
# Settings deploy.sh reads, cleared so that the caller's shell cannot change the outcome.
clean_env=()
for var in ADMIN_PASSWORD GITHUB_CLIENT_ID GITHUB_CLIENT_SECRET GITHUB_ALLOWED_USERS REDIS_URL \
  SERVICE_ACCOUNT PUBLIC_URL FAKE_ACCOUNT FAKE_PROJECT FAKE_PROJECT_NUMBER FAKE_SERVICE_URL FAKE_MISSING_SA; do
  clean_env+=(-u "$var")
done

calls() { grep -Ec -- "$1" "$GCLOUD_LOG"; }
called() { grep -Eq -- "$1" "$GCLOUD_LOG"; }
not_called() { ! grep -Eq -- "$1" "$GCLOUD_LOG"; }
said() { grep -Fq -- "$1" "$out"; }
is() { [ "$1" = "$2" ]; }
matches() { [[ $1 =~ $2 ]]; }
secret_value() { cat "$GCLOUD_STATE/secrets/$1/$2" 2>/dev/null; }
versions() { find "$GCLOUD_STATE/secrets/$1" -type f 2>/dev/null | wc -l; }
nowhere() { ! grep -Fq -- "$1" "$GCLOUD_LOG" && ! grep -Fq -- "$1" "$out"; }
last_example() { tail -n 1 "$GCLOUD_STATE/deployed-examples" 2>/dev/null; }
last_features() { tail -n 1 "$GCLOUD_STATE/deployed-features" 2>/dev/null; }

url=https://my-service-123456789012.europe-west1.run.app
sa=123456789012-compute@developer.gserviceaccount.com

echo "# first deploy: ./deploy.sh my-service europe-west1 --example github"
run a -- my-service europe-west1 --example github
check "exits 0" is "$rc" 0
check "enables the four APIs in one call" \
  called '^services enable run.googleapis.com cloudbuild.googleapis.com artifactregistry.googleapis.com secretmanager.googleapis.com --project my-project$'
check "creates the signing-key secret exactly once" is "$(calls '^secrets create mcp-signing-key-my-service ')" 1
check "secret data comes from stdin (--data-file=-)" called '^secrets create mcp-signing-key-my-service .*--data-file=-'
key=$(secret_value mcp-signing-key-my-service 1)
check "the stored key is 32 random bytes, base64url (43 chars)" matches "$key" '^[A-Za-z0-9_-]{43}$'
check "grants secretAccessor to the default compute service account" \
  called "^secrets add-iam-policy-binding mcp-signing-key-my-service --project my-project --member=serviceAccount:$sa --role=roles/secretmanager.secretAccessor"
check "deploys exactly once" is "$(calls '^run deploy ')" 1
check "deploys service my-service from source ." called '^run deploy my-service --source \. '
check "honours the region" called '^run deploy my-service .*--region europe-west1 '
check "deploys --allow-unauthenticated" called '^run deploy .*--allow-unauthenticated'
check "sets PUBLIC_URL to the deterministic run.app URL" \
  called "^run deploy .*--update-env-vars \^;\^PUBLIC_URL=$url( |$)"
check "mounts the signing key as MCP_SIGNING_KEY" \
  called '^run deploy .*--update-secrets MCP_SIGNING_KEY=mcp-signing-key-my-service:latest( |$)'
check "the Dockerfile sees the example 'github'" is "$(last_example)" github
check "the example file is removed afterwards" test ! -e "$fixture/.deploy-example"
check "no REDIS_URL: built without cargo features" is "$(last_features)" "(none)"
check "no PUBLIC_URL correction when the URL matches" not_called '^run services update'
check "prints the connector URL" said "$url/mcp"
check "prints the claude.ai steps" said "Settings -> Connectors -> Add custom connector"
check "the key is in no gcloud argument and not in the output" nowhere "$key"

echo "# re-deploy: ./deploy.sh my-service europe-west1"
run a -- my-service europe-west1
check "exits 0" is "$rc" 0
check "looks the secret up" called '^secrets describe mcp-signing-key-my-service '
check "does not create the secret again" not_called '^secrets create'
check "the key is unchanged (one version)" is "$(versions mcp-signing-key-my-service)" 1
check "still grants access (idempotent)" called '^secrets add-iam-policy-binding mcp-signing-key-my-service '
check "still deploys" is "$(calls '^run deploy my-service ')" 1
check "keeps the service's URL as PUBLIC_URL" called "^run deploy .*PUBLIC_URL=$url( |$)"
check "the example defaults to quickstart" is "$(last_example)" quickstart
check "the key is in no gcloud argument and not in the output" nowhere "$key"

echo "# Cloud Run reports another URL than the computed one"
other=https://my-service-x7rkq2lp3a-ew.a.run.app
run b FAKE_SERVICE_URL=$other -- my-service europe-west1
check "exits 0" is "$rc" 0
check "deploys with the computed URL first" called "^run deploy .*PUBLIC_URL=$url( |$)"
check "then updates PUBLIC_URL to the reported URL" \
  called "^run services update my-service --region europe-west1 --project my-project --update-env-vars PUBLIC_URL=$other"
check "prints the reported URL as the connector URL" said "$other/mcp"

echo "# sign-in settings from the environment"
password='correct horse, battery staple'
client_secret=ghsecret-0123456789abcdef
run c "ADMIN_PASSWORD=$password" GITHUB_CLIENT_ID=Iv1.0123abcd "GITHUB_CLIENT_SECRET=$client_secret" \
  GITHUB_ALLOWED_USERS=alice,bob REDIS_URL=redis://10.0.0.3:6379 -- svc us-central1
check "exits 0" is "$rc" 0
check "ADMIN_PASSWORD stored byte for byte from stdin" is "$(secret_value mcp-admin-password-svc 1)" "$password"
check "GITHUB_CLIENT_SECRET stored from stdin" is "$(secret_value mcp-github-client-secret-svc 1)" "$client_secret"
check "REDIS_URL stored from stdin" is "$(secret_value mcp-redis-url-svc 1)" redis://10.0.0.3:6379
check "access granted on each secret" is "$(calls '^secrets add-iam-policy-binding mcp-.*-svc .*secretAccessor')" 4
check "deploy mounts all four secrets" \
  called '^run deploy .*--update-secrets MCP_SIGNING_KEY=mcp-signing-key-svc:latest,ADMIN_PASSWORD=mcp-admin-password-svc:latest,GITHUB_CLIENT_SECRET=mcp-github-client-secret-svc:latest,REDIS_URL=mcp-redis-url-svc:latest( |$)'
check "client id and allowed users are env vars (comma kept via ^;^)" \
  called '^run deploy .*--update-env-vars \^;\^PUBLIC_URL=https://svc-123456789012\.us-central1\.run\.app;GITHUB_CLIENT_ID=Iv1\.0123abcd;GITHUB_ALLOWED_USERS=alice,bob( |$)'
check "REDIS_URL given: the Dockerfile sees the feature 'redis'" is "$(last_features)" redis
check "the features file is removed afterwards" test ! -e "$fixture/.deploy-features"
check "says it builds with the redis feature" said "with --features redis"
check "the Redis URL is in no argument and not in the output" nowhere "redis://10.0.0.3:6379"
check "the password is in no argument and not in the output" nowhere "$password"
check "the client secret is in no argument and not in the output" nowhere "$client_secret"
run c "ADMIN_PASSWORD=$password" -- svc us-central1
check "same password again: exits 0" is "$rc" 0
check "REDIS_URL from an earlier deploy (its secret exists): still built with 'redis'" is "$(last_features)" redis
check "same password again: no new version" not_called '^secrets (create|versions add)'
run c "ADMIN_PASSWORD=new-$password" -- svc us-central1
check "changed password: one new version" is "$(calls '^secrets versions add mcp-admin-password-svc .*--data-file=-')" 1
check "changed password: version 2 holds it" is "$(secret_value mcp-admin-password-svc 2)" "new-$password"
check "changed password: in no argument and not in the output" nowhere "new-$password"

echo "# SERVICE_ACCOUNT set"
run d SERVICE_ACCOUNT=mcp-runner@my-project.iam.gserviceaccount.com -- my-service europe-west1
check "exits 0" is "$rc" 0
check "grants access to that account" \
  called '^secrets add-iam-policy-binding .*--member=serviceAccount:mcp-runner@my-project\.iam\.gserviceaccount\.com '
check "deploys with --service-account" \
  called '^run deploy .*--service-account mcp-runner@my-project\.iam\.gserviceaccount\.com'

echo "# the runtime service account does not exist (new project)"
run i FAKE_MISSING_SA=1 -- my-service europe-west1
check "exits non-zero" test "$rc" -ne 0
check "says how to get a service account" said "gcloud services enable compute.googleapis.com"
check "does not deploy" not_called '^run deploy'

echo "# PUBLIC_URL pinned to a custom domain"
run h PUBLIC_URL=https://mcp.example.com -- my-service europe-west1
check "exits 0" is "$rc" 0
check "deploys with the given PUBLIC_URL" called '^run deploy .*PUBLIC_URL=https://mcp\.example\.com( |$)'
check "does not replace it with the run.app URL" not_called '^run services update'
check "prints the custom domain's connector URL" said "https://mcp.example.com/mcp"

echo "# leftovers from local development in the environment"
run h PUBLIC_URL=http://localhost:8080 -- my-service europe-west1
check "PUBLIC_URL=http://localhost:8080: exits non-zero" test "$rc" -ne 0
check "PUBLIC_URL=http://localhost:8080: says it must be https" said "must be an https:// URL"
check "PUBLIC_URL=http://localhost:8080: no gcloud call" not_called '.'
run h REDIS_URL=redis://:hunter2-local@127.0.0.1:6379 -- my-service europe-west1
check "loopback REDIS_URL: exits non-zero" test "$rc" -ne 0
check "loopback REDIS_URL: says why" said "REDIS_URL in your environment points to this machine"
check "loopback REDIS_URL: its password is not echoed" nowhere "hunter2-local"

echo "# gcloud missing from PATH"
nogcloud=$work/nogcloud-bin
mkdir -p "$nogcloud"
for tool in head base64 tr cat rm env; do ln -sf "$(command -v "$tool")" "$nogcloud/$tool"; done
GCLOUD_LOG=$work/log
: >"$GCLOUD_LOG"
rc=0
(cd "$work" && env "${clean_env[@]}" PATH="$nogcloud" "$BASH" "$fixture/deploy.sh" my-service europe-west1) >"$out" 2>&1 || rc=$?
check "exits non-zero" test "$rc" -ne 0
check "says gcloud is not installed" said "gcloud) is not installed"
check "says where to get it" said "https://cloud.google.com/sdk/docs/install"

echo "# not logged in"
run e FAKE_ACCOUNT= -- my-service europe-west1
check "exits non-zero" test "$rc" -ne 0
check "says to run gcloud auth login" said "gcloud is not logged in"
check "nothing is created or deployed" not_called '^(services|secrets|run) '

echo "# no project set"
run f FAKE_PROJECT= -- my-service europe-west1
check "exits non-zero" test "$rc" -ne 0
check "says no project is set" said "no Google Cloud project is set"
check "says how to set one" said "gcloud config set project PROJECT_ID"
check "nothing is created or deployed" not_called '^(services|secrets|run) '

echo "# bad arguments"
run g -- my-service
check "missing REGION: exit 2" is "$rc" 2
check "missing REGION: prints the usage" said "usage: ./deploy.sh SERVICE REGION"
run g -- My_Service europe-west1
check "invalid service name: exit 2" is "$rc" 2
run g -- my-service europe-west1 --example nosuch
check "unknown example: exits non-zero" test "$rc" -ne 0
check "unknown example: names it" said "no example named 'nosuch'"
check "no gcloud call for bad arguments" not_called '.'

echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
