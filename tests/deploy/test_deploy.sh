#!/usr/bin/env bash
# Runs ./deploy.sh for real against stand-ins for gcloud and curl
# (tests/deploy/bin/) that record every call, keep what they were told
# (service accounts, IAM, secrets, the deployed service) and answer — and
# refuse — the way Google Cloud does, then checks what deploy.sh asked for and
# what it printed: first deploy and re-deploys that keep the operator's
# choices, identities, secrets pinned to versions, an open server, an
# organization that refuses allUsers, a build account that is missing or
# lacks its role, transient errors, the checks through the public URL and
# mcp-doctor, the build context, and bash 3.2 syntax. No network, no Google
# account.
#
#   bash tests/deploy/test_deploy.sh
#
# Last line: `deploy: N passed, M failed`; exits non-zero on any failure.
# Written for bash 3.2 as deploy.sh is (checked below).
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
touch "$fixture/examples/quickstart.rs" "$fixture/examples/github.rs" "$fixture/examples/oidc.rs"

export GCLOUD_LOG GCLOUD_STATE DOCTOR_LOG
DOCTOR_LOG=$work/doctor-log
out=$work/out         # deploy.sh's stdout and stderr of the last run
rc=0                  # its exit status
all=$work/all-calls   # every gcloud call of every run (for the docs check)
: >"$all"
run_path=$here/bin:$PATH

# run STATE_NAME [VAR=value ...] -- deploy.sh arguments…
# Runs deploy.sh from an unrelated directory with the stand-ins first on
# PATH and MCP_DOCTOR pointing at a fake; the call logs start empty, the
# state persists per STATE_NAME.
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
  : >"$DOCTOR_LOG"
  rc=0
  (cd "$work" && env "${clean_env[@]}" PATH="$run_path" DEPLOY_RETRY_DELAY=0 \
    MCP_DOCTOR="$here/fake-doctor.sh" ${vars[@]+"${vars[@]}"} "$BASH" "$fixture/deploy.sh" "$@") >"$out" 2>&1 || rc=$?
  grep -v '^curl ' "$GCLOUD_LOG" >>"$all"
}
# Settings deploy.sh and the fakes read, cleared so that the caller's shell cannot change the outcome.
clean_env=()
for var in ADMIN_PASSWORD GITHUB_CLIENT_ID GITHUB_CLIENT_SECRET GITHUB_ALLOWED_USERS REDIS_URL \
  OIDC_ISSUER OIDC_CLIENT_ID OIDC_CLIENT_SECRET OIDC_ALLOWED OIDC_SCOPES OIDC_DISPLAY_NAME \
  SERVICE_ACCOUNT PUBLIC_URL MCP_DOCTOR FAKE_ACCOUNT FAKE_PROJECT FAKE_PROJECT_NUMBER FAKE_SERVICE_URL \
  FAKE_MISSING_COMPUTE_SA FAKE_LEGACY_BUILD_SA FAKE_NO_EDITOR FAKE_DRS FAKE_REQUIRE_INVOKER_IAM \
  FAKE_SECRETS_UNAVAILABLE FAKE_IAM_DENIED FAKE_SA_PROPAGATION FAKE_UNREACHABLE_HOSTS FAKE_HEALTH_STATUS FAKE_DOCTOR_RC; do
  clean_env+=(-u "$var")
done

calls() { grep -Ec -- "$1" "$GCLOUD_LOG"; }
called() { grep -Eq -- "$1" "$GCLOUD_LOG"; }
not_called() { ! grep -Eq -- "$1" "$GCLOUD_LOG"; }
said() { grep -Fq -- "$1" "$out"; }
not_said() { ! grep -Fq -- "$1" "$out"; }
is() { [ "$1" = "$2" ]; }
not() { ! "$@"; }
matches() { [[ $1 =~ $2 ]]; }
secret_value() { cat "$GCLOUD_STATE/secrets/$1/$2" 2>/dev/null; }
versions() { find "$GCLOUD_STATE/secrets/$1" -type f -name '[0-9]*' 2>/dev/null | wc -l | tr -d ' '; }
readers() { cat "$GCLOUD_STATE/secrets/$1/readers" 2>/dev/null; }
nowhere() { ! grep -Fq -- "$1" "$GCLOUD_LOG" && ! grep -Fq -- "$1" "$out"; }
last_example() { tail -n 1 "$GCLOUD_STATE/deployed-examples" 2>/dev/null; }
last_features() { tail -n 1 "$GCLOUD_STATE/deployed-features" 2>/dev/null; }
last_build_account() { tail -n 1 "$GCLOUD_STATE/build-accounts" 2>/dev/null; }
# What the live service (in the fake's state) has: svc NAME FILE
svc() { cat "$GCLOUD_STATE/services/$1/$2" 2>/dev/null; }
svc_has() { grep -qxF -- "$3" "$GCLOUD_STATE/services/$1/$2" 2>/dev/null; }
deployed() { said "==> Deployed. Your MCP connector URL:"; }
# The fake gcloud itself, on the current state (to play the operator).
fake_gcloud() { GCLOUD_LOG=$work/operator-log "$here/bin/gcloud" "$@"; }

url=https://my-service-123456789012.europe-west1.run.app
compute=123456789012-compute@developer.gserviceaccount.com
runner=mcp-my-service@my-project.iam.gserviceaccount.com
password='correct horse, battery staple'

echo "# first deploy: ADMIN_PASSWORD=… ./deploy.sh my-service europe-west1"
run a "ADMIN_PASSWORD=$password" -- my-service europe-west1
check "exits 0" is "$rc" 0
check "enables the five APIs in one call" \
  called '^services enable run.googleapis.com cloudbuild.googleapis.com artifactregistry.googleapis.com secretmanager.googleapis.com iam.googleapis.com --project my-project$'
check "reads the live service as JSON first" called '^run services describe my-service --region europe-west1 --project my-project --format json$'
check "creates a dedicated runtime service account mcp-my-service" \
  called '^iam service-accounts create mcp-my-service --project my-project '
check "creates the signing-key secret exactly once" is "$(calls '^secrets create mcp-signing-key-my-service ')" 1
check "secret data comes from stdin (--data-file=-)" called '^secrets create mcp-signing-key-my-service .*--data-file=-'
key=$(secret_value mcp-signing-key-my-service 1)
check "the stored key is 32 random bytes, base64url (43 chars)" matches "$key" '^[A-Za-z0-9_-]{43}$'
check "only the dedicated account may read the signing key" is "$(readers mcp-signing-key-my-service)" "$runner"
check "only the dedicated account may read the password" is "$(readers mcp-admin-password-my-service)" "$runner"
check "no secret is granted to the Compute Engine default account" not_called "secrets add-iam-policy-binding .*$compute"
check "deploys exactly once" is "$(calls '^run deploy ')" 1
check "deploys service my-service from source ." called '^run deploy my-service --source \. '
check "honours the region" called '^run deploy my-service .*--region europe-west1 '
check "runs as the dedicated account" called "^run deploy .*--service-account $runner "
check "deploys --allow-unauthenticated" called '^run deploy .*--allow-unauthenticated'
check "sets PUBLIC_URL to the deterministic run.app URL" \
  called "^run deploy .*--update-env-vars \^;\^PUBLIC_URL=$url( |$)"
check "mounts the signing key pinned to version 1, not latest" \
  called '^run deploy .*--update-secrets MCP_SIGNING_KEY=mcp-signing-key-my-service:1,ADMIN_PASSWORD=mcp-admin-password-my-service:1( |$)'
check "request timeout one hour" called '^run deploy .*--timeout 3600( |$)'
check "records the example in a label" called '^run deploy .*--update-labels mcp-example=quickstart( |$)'
check "the Dockerfile sees the example 'quickstart'" is "$(last_example)" quickstart
check "the example file is removed afterwards" test ! -e "$fixture/.deploy-example"
check "no REDIS_URL: built without cargo features" is "$(last_features)" "(none)"
check "checks that the service is public" called '^run services get-iam-policy my-service --region europe-west1 --project my-project --format json$'
check "no PUBLIC_URL correction when the URL matches" not_called '^run services update'
check "checks /health through the public URL" called "^curl .* $url/health$"
check "checks the 401 challenge of POST /mcp" called "^curl .*-X POST .* $url/mcp$"
check "says what they answered" said "POST /mcp    -> 401 (Bearer challenge)"
check "runs mcp-doctor on the public /mcp URL" is "$(cat "$DOCTOR_LOG")" "$url/mcp"
check "prints mcp-doctor's summary" said "summary: 2 passed, 0 warnings, 0 failed"
check "prints the connector URL" said "$url/mcp"
check "prints the claude.ai steps" said "Settings -> Connectors -> Add custom connector"
check "the key is in no gcloud argument and not in the output" nowhere "$key"
check "the password is in no gcloud argument and not in the output" nowhere "$password"

echo "# re-deploy with nothing set: ./deploy.sh my-service europe-west1"
run a -- my-service europe-west1
check "exits 0" is "$rc" 0
check "creates no secret and no service account" not_called '^(secrets create|iam service-accounts create)'
check "the key is unchanged (one version)" is "$(versions mcp-signing-key-my-service)" 1
check "keeps running as the account the service has" called "^run deploy .*--service-account $runner "
check "keeps PUBLIC_URL" called "^run deploy .*PUBLIC_URL=$url( |$)"
check "keeps the password mounted (pinned)" called '^run deploy .*ADMIN_PASSWORD=mcp-admin-password-my-service:1( |,|$)'
check "keeps the example (label)" is "$(last_example)" quickstart
check "the key is in no gcloud argument and not in the output" nowhere "$key"

echo "# done-when: custom domain, SERVICE_ACCOUNT and --example github, then a run with nothing"
own=runner@my-project.iam.gserviceaccount.com
mkdir -p "$work/state-k/sas" && touch "$work/state-k/sas/$own" # the operator created it
run k PUBLIC_URL=https://mcp.example.com SERVICE_ACCOUNT=$own GITHUB_CLIENT_ID=Iv1.0123abcd \
  GITHUB_CLIENT_SECRET=ghsecret-0123456789abcdef GITHUB_ALLOWED_USERS=alice -- my-github europe-west1 --example github
check "first run: exits 0" is "$rc" 0
check "first run: builds github" is "$(last_example)" github
check "first run: connector on the custom domain" said "https://mcp.example.com/mcp"
run k -- my-github europe-west1
check "second run: exits 0" is "$rc" 0
check "second run: still runs as SERVICE_ACCOUNT" is "$(svc my-github sa)" "$own"
check "second run: deploys with --service-account $own" called "^run deploy .*--service-account $own "
check "second run: grants secrets to that account, never to Compute's" not_called "secrets add-iam-policy-binding .*$compute"
check "second run: PUBLIC_URL stays the custom domain" called '^run deploy .*PUBLIC_URL=https://mcp\.example\.com( |;|$)'
check "second run: PUBLIC_URL is not replaced by the run.app URL" not_called '^run services update'
check "second run: the service's PUBLIC_URL is the custom domain" svc_has my-github env PUBLIC_URL=https://mcp.example.com
check "second run: the example stays github" is "$(last_example)" github
check "second run: the GitHub secret stays mounted" called '^run deploy .*GITHUB_CLIENT_SECRET=mcp-github-client-secret-my-github:1'
check "second run: connector on the custom domain" said "https://mcp.example.com/mcp"
check "second run: the custom domain answers the 401 challenge" said "POST /mcp    -> 401 (Bearer challenge)"

echo "# a new SERVICE_ACCOUNT on a re-run: earlier secrets follow it"
mkdir -p "$work/state-a/sas" && touch "$work/state-a/sas/other@my-project.iam.gserviceaccount.com"
run a SERVICE_ACCOUNT=other@my-project.iam.gserviceaccount.com -- my-service europe-west1
check "exits 0" is "$rc" 0
check "the password secret (set on an earlier run) is granted to the new account" \
  called '^secrets add-iam-policy-binding mcp-admin-password-my-service .*--member=serviceAccount:other@my-project\.iam\.gserviceaccount\.com '
check "the service runs as the new account" is "$(svc my-service sa)" other@my-project.iam.gserviceaccount.com
# A secret the operator mounted by hand also follows a new account.
mkdir -p "$work/state-a/secrets/my-api-key"
printf 'k' >"$work/state-a/secrets/my-api-key/1"
echo other@my-project.iam.gserviceaccount.com >"$work/state-a/secrets/my-api-key/readers"
echo MY_API_KEY=my-api-key:1 >>"$work/state-a/services/my-service/secrets"
touch "$work/state-a/sas/third@my-project.iam.gserviceaccount.com"
run a SERVICE_ACCOUNT=third@my-project.iam.gserviceaccount.com -- my-service europe-west1
check "a hand-mounted secret: exits 0" is "$rc" 0
check "a hand-mounted secret: granted to the new account" \
  called '^secrets add-iam-policy-binding my-api-key .*--member=serviceAccount:third@my-project\.iam\.gserviceaccount\.com '
check "a hand-mounted secret: left at its version" svc_has my-service secrets MY_API_KEY=my-api-key:1
run a SERVICE_ACCOUNT=$runner -- my-service europe-west1
check "back to the dedicated account: exits 0" is "$rc" 0

echo "# Cloud Run reports another URL than the computed one"
other=https://my-service-x7rkq2lp3a-ew.a.run.app
run b FAKE_SERVICE_URL=$other ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "exits 0" is "$rc" 0
check "deploys with the computed URL first" called "^run deploy .*PUBLIC_URL=$url( |$)"
check "then updates PUBLIC_URL to the reported URL" \
  called "^run services update my-service --region europe-west1 --project my-project --update-env-vars PUBLIC_URL=$other"
check "prints the reported URL as the connector URL" said "$other/mcp"
run b FAKE_SERVICE_URL=$other -- my-service europe-west1
check "re-run: keeps the reported URL, no correction needed" not_called '^run services update'

echo "# sign-in settings from the environment"
client_secret=ghsecret-0123456789abcdef
run c "ADMIN_PASSWORD=$password" GITHUB_CLIENT_ID=Iv1.0123abcd "GITHUB_CLIENT_SECRET=$client_secret" \
  GITHUB_ALLOWED_USERS=alice,bob REDIS_URL=redis://10.0.0.3:6379 -- svc us-central1
check "exits 0" is "$rc" 0
check "ADMIN_PASSWORD stored byte for byte from stdin" is "$(secret_value mcp-admin-password-svc 1)" "$password"
check "GITHUB_CLIENT_SECRET stored from stdin" is "$(secret_value mcp-github-client-secret-svc 1)" "$client_secret"
check "REDIS_URL stored from stdin" is "$(secret_value mcp-redis-url-svc 1)" redis://10.0.0.3:6379
check "access granted on each secret" is "$(calls '^secrets add-iam-policy-binding mcp-.*-svc .*secretAccessor')" 4
check "deploy mounts all four secrets, pinned" \
  called '^run deploy .*--update-secrets MCP_SIGNING_KEY=mcp-signing-key-svc:1,ADMIN_PASSWORD=mcp-admin-password-svc:1,GITHUB_CLIENT_SECRET=mcp-github-client-secret-svc:1,REDIS_URL=mcp-redis-url-svc:1( |$)'
check "client id and allowed users are env vars (comma kept via ^;^)" \
  called '^run deploy .*--update-env-vars \^;\^PUBLIC_URL=https://svc-123456789012\.us-central1\.run\.app;GITHUB_CLIENT_ID=Iv1\.0123abcd;GITHUB_ALLOWED_USERS=alice,bob( |$)'
check "the service got GITHUB_ALLOWED_USERS with its comma" svc_has svc env GITHUB_ALLOWED_USERS=alice,bob
check "REDIS_URL given: the Dockerfile sees the feature 'redis'" is "$(last_features)" redis
check "the features file is removed afterwards" test ! -e "$fixture/.deploy-features"
check "says it builds with the redis feature" said "with --features redis"
check "the Redis URL is in no argument and not in the output" nowhere "redis://10.0.0.3:6379"
check "the password is in no argument and not in the output" nowhere "$password"
check "the client secret is in no argument and not in the output" nowhere "$client_secret"

echo "# OpenID Connect sign-in (--example oidc)"
oidc_secret=oidc-secret-0123456789abcdef
run o OIDC_ISSUER=https://accounts.google.com OIDC_CLIENT_ID=123.apps.googleusercontent.com \
  "OIDC_CLIENT_SECRET=$oidc_secret" OIDC_ALLOWED=@example.com,bob@example.org -- my-oidc europe-west1 --example oidc
check "exits 0: an OpenID sign-in counts as a sign-in" is "$rc" 0
check "OIDC_CLIENT_SECRET stored from stdin" is "$(secret_value mcp-oidc-client-secret-my-oidc 1)" "$oidc_secret"
check "OIDC_CLIENT_SECRET mounted, pinned" called '^run deploy .*--update-secrets .*OIDC_CLIENT_SECRET=mcp-oidc-client-secret-my-oidc:1'
check "issuer, client id and allowlist are env vars (comma kept via ^;^)" \
  called '^run deploy .*--update-env-vars \^;\^PUBLIC_URL=[^ ]*;OIDC_ISSUER=https://accounts\.google\.com;OIDC_CLIENT_ID=123\.apps\.googleusercontent\.com;OIDC_ALLOWED=@example\.com,bob@example\.org( |$)'
check "not deployed open" not_called '^run deploy .*MCP_ALLOW_ANYONE'
check "the OpenID client secret is in no argument and not in the output" nowhere "$oidc_secret"
run o -- my-oidc europe-west1
check "re-run with nothing: still a sign-in, exits 0" is "$rc" 0
check "re-run: the OpenID secret stays mounted" called '^run deploy .*OIDC_CLIENT_SECRET=mcp-oidc-client-secret-my-oidc:1'
run c "ADMIN_PASSWORD=$password" -- svc us-central1
check "same password again: exits 0" is "$rc" 0
check "REDIS_URL mounted on the service: still built with 'redis'" is "$(last_features)" redis
check "same password again: no new version" not_called '^secrets (create|versions add)'
run c "ADMIN_PASSWORD=new-$password" -- svc us-central1
check "changed password: one new version" is "$(calls '^secrets versions add mcp-admin-password-svc .*--data-file=-')" 1
check "changed password: version 2 holds it" is "$(secret_value mcp-admin-password-svc 2)" "new-$password"
check "changed password: the new revision mounts version 2" called '^run deploy .*ADMIN_PASSWORD=mcp-admin-password-svc:2( |,|$)'
check "changed password: in no argument and not in the output" nowhere "new-$password"

echo "# a transient Secret Manager error is not taken for a missing secret"
run c FAKE_SECRETS_UNAVAILABLE=1 -- svc us-central1
check "exits non-zero" test "$rc" -ne 0
check "shows the error" said "UNAVAILABLE: The service is currently unavailable."
check "creates nothing and does not deploy" not_called '^(secrets create|run deploy)'

echo "# rotating the signing key: the next deploy pins the new version"
printf '%s' "rotated-key-0123456789abcdef0123456789abcdef" |
  GCLOUD_STATE=$work/state-c fake_gcloud secrets versions add mcp-signing-key-svc --project my-project --data-file=- 2>/dev/null
run c -- svc us-central1
check "exits 0" is "$rc" 0
check "mounts MCP_SIGNING_KEY at version 2" called '^run deploy .*MCP_SIGNING_KEY=mcp-signing-key-svc:2( |,|$)'
check "the service holds version 2, not latest" svc_has svc secrets MCP_SIGNING_KEY=mcp-signing-key-svc:2
printf 'MCP_SIGNING_KEY=mcp-signing-key-svc:latest\n' >>"$work/state-c/services/svc/secrets"
run c -- svc us-central1
check "a mount at 'latest' (older deploy.sh) is pinned to a number" svc_has svc secrets MCP_SIGNING_KEY=mcp-signing-key-svc:2
check "... and 'latest' is gone" test "$(grep -c ':latest' "$work/state-c/services/svc/secrets")" = 0

echo "# request timeout"
check "a new service gets 3600 s" is "$(svc svc timeout)" 3600
echo 900 >"$work/state-c/services/svc/timeout"
run c -- svc us-central1
check "a timeout the operator set (900 s) is kept" is "$(svc svc timeout)" 900
check "... by passing no --timeout" not_called '^run deploy .*--timeout'

echo "# no sign-in: refused unless --allow-anyone"
run o -- open-service europe-west1
check "exits non-zero" test "$rc" -ne 0
check "says why" said "refusing to deploy a server anyone could use"
check "says how to set a password" said "read -rs ADMIN_PASSWORD && export ADMIN_PASSWORD"
check "mentions Cloud Run IAM" said "Cloud Run IAM"
check "names the flag" said "--allow-anyone"
check "creates nothing and does not deploy" not_called '^(secrets create|iam service-accounts create|run deploy)'
run o -- open-service europe-west1 --allow-anyone
check "--allow-anyone: exits 0" is "$rc" 0
check "--allow-anyone: sets MCP_ALLOW_ANYONE=1" called '^run deploy .*--update-env-vars \^;\^PUBLIC_URL=[^ ]*;MCP_ALLOW_ANYONE=1( |$)'
check "--allow-anyone: warns" said "anyone who finds the URL can use this server's tools"
check "--allow-anyone: the server started (deploy accepted)" deployed
run o -- open-service europe-west1
check "re-run without the flag: keeps the earlier choice" is "$rc" 0
check "re-run without the flag: warns that it stays open" said "stays open to anyone"
run o ADMIN_PASSWORD=pw-0123456789 -- open-service europe-west1
check "a password given later: MCP_ALLOW_ANYONE removed" called '^run deploy .*--remove-env-vars MCP_ALLOW_ANYONE'
check "a password given later: gone from the service" test "$(grep -c MCP_ALLOW_ANYONE "$work/state-o/services/open-service/env")" = 0

echo "# SERVICE_ACCOUNT that does not exist"
run i SERVICE_ACCOUNT=nobody@my-project.iam.gserviceaccount.com ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "exits non-zero" test "$rc" -ne 0
check "says how to get a service account" said "gcloud iam service-accounts create"
check "does not deploy" not_called '^run deploy'

echo "# a freshly created account takes a moment to be known to IAM"
run p FAKE_SA_PROPAGATION=2 ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "exits 0" is "$rc" 0
check "retried the first grant" is "$(calls '^secrets add-iam-policy-binding mcp-signing-key-my-service ')" 3

echo "# build identity: Compute default account without Editor (organizations since 2024)"
run n FAKE_NO_EDITOR=1 ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "asks Cloud Build for its default account" called '^builds get-default-service-account --project my-project'
check "grants roles/run.builder to it" \
  called "^projects add-iam-policy-binding my-project --member=serviceAccount:$compute --role=roles/run.builder"
check "the build succeeds" is "$rc" 0
check "built as the Compute account" is "$(last_build_account)" "$compute"

echo "# build identity: the Compute default account does not exist"
run m FAKE_MISSING_COMPUTE_SA=1 FAKE_NO_EDITOR=1 ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "exits 0" is "$rc" 0
check "creates a build account mcp-builder" called '^iam service-accounts create mcp-builder --project my-project '
check "grants it roles/run.builder" \
  called '^projects add-iam-policy-binding my-project --member=serviceAccount:mcp-builder@my-project\.iam\.gserviceaccount\.com --role=roles/run.builder'
check "builds with --build-service-account" \
  called '^run deploy .*--build-service-account projects/my-project/serviceAccounts/mcp-builder@my-project\.iam\.gserviceaccount\.com'
check "built as mcp-builder" is "$(last_build_account)" mcp-builder@my-project.iam.gserviceaccount.com
check "runs as the dedicated runtime account" is "$(svc my-service sa)" "$runner"

echo "# build identity: Cloud Build's legacy account"
run l FAKE_LEGACY_BUILD_SA=1 ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "exits 0" is "$rc" 0
check "grants no project role" not_called '^projects add-iam-policy-binding'

echo "# build identity: service accounts cannot be looked up (no permission)"
run t FAKE_IAM_DENIED=1 ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "exits 0 (the default build account is used as it is)" is "$rc" 0
check "says the build account could not be checked" said "which could not be checked"
check "shows gcloud's reason" said "PERMISSION_DENIED"

echo "# an organization refuses allUsers (gcloud only warns)"
run d FAKE_DRS=1 ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "exits 0" is "$rc" 0
check "turns off the invoker IAM check" \
  called '^run services update my-service --region europe-west1 --project my-project --no-invoker-iam-check'
check "the service answers the 401 challenge" said "POST /mcp    -> 401 (Bearer challenge)"
check "prints the connector URL" deployed
run e FAKE_DRS=1 FAKE_REQUIRE_INVOKER_IAM=1 ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "both refused: exits non-zero" test "$rc" -ne 0
check "both refused: says the service is not public" said "deployed but not public"
check "both refused: no connector URL" not deployed

echo "# the service does not answer"
run h FAKE_HEALTH_STATUS=503 ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "503 on /health: exits non-zero" test "$rc" -ne 0
check "503 on /health: says where the log is" said "gcloud run services logs read my-service"
check "503 on /health: no connector URL" not deployed
check "503 on /health: mcp-doctor not run" test ! -s "$DOCTOR_LOG"
run h PUBLIC_URL=https://mcp.example.org FAKE_UNREACHABLE_HOSTS=mcp.example.org -- my-service europe-west1
check "custom domain without DNS: exits non-zero" test "$rc" -ne 0
check "custom domain without DNS: says to check DNS" said "is its DNS record set"
check "custom domain without DNS: no connector URL" not deployed

echo "# mcp-doctor"
run a FAKE_DOCTOR_RC=1 -- my-service europe-west1
check "failures: deploy still exits 0" is "$rc" 0
check "failures: its FAIL line is shown" said "FAIL  authorization server metadata"
check "failures: a warning points to troubleshooting" said "mcp-doctor reports failures"
fakecargo=$work/fakecargo
mkdir -p "$fakecargo"
cat >"$fakecargo/cargo" <<'EOF'
#!/bin/sh
echo "$*" >>"$DOCTOR_LOG"
echo "summary: from cargo"
EOF
chmod +x "$fakecargo/cargo"
GCLOUD_STATE=$work/state-a GCLOUD_LOG=$work/log
: >"$DOCTOR_LOG"
rc=0
(cd "$work" && env "${clean_env[@]}" PATH="$fakecargo:$run_path" DEPLOY_RETRY_DELAY=0 "$BASH" "$fixture/deploy.sh" my-service europe-west1) >"$out" 2>&1 || rc=$?
check "MCP_DOCTOR unset, cargo installed: exits 0" is "$rc" 0
check "MCP_DOCTOR unset: runs cargo run --quiet --release --bin mcp-doctor -- URL/mcp" \
  is "$(cat "$DOCTOR_LOG")" "run --quiet --release --bin mcp-doctor -- $url/mcp"
# A PATH with the stand-ins and the system tools deploy.sh needs, but no cargo.
tools=$work/tools
mkdir -p "$tools"
for tool in bash env head base64 tr cat rm awk sed grep cksum mktemp sleep find wc mkdir touch cp mv tail; do
  ln -sf "$(command -v "$tool")" "$tools/$tool"
done
: >"$DOCTOR_LOG"
rc=0
(cd "$work" && env "${clean_env[@]}" PATH="$here/bin:$tools" DEPLOY_RETRY_DELAY=0 "$BASH" "$fixture/deploy.sh" my-service europe-west1) >"$out" 2>&1 || rc=$?
check "no cargo: exits 0" is "$rc" 0
check "no cargo: says mcp-doctor was skipped" said "mcp-doctor skipped"
check "no cargo: still prints the connector URL" deployed

echo "# a service deployed by an older deploy.sh (no example label)"
run q ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1 --example github
: >"$work/state-q/services/my-service/labels"
run q -- my-service europe-west1
check "without --example: exits non-zero" test "$rc" -ne 0
check "without --example: asks for it once" said "--example quickstart"
check "without --example: does not deploy" not_called '^run deploy'
run q -- my-service europe-west1 --example github
check "with --example: exits 0 and records it" svc_has my-service labels mcp-example=github

echo "# a Cloud Run error that is not 'not found' stops before any change"
mkdir -p "$work/state-r/services/my-service"
echo europe-west1 >"$work/state-r/services/my-service/region"
echo 300 >"$work/state-r/services/my-service/timeout" # no sa/env files: describe breaks
run r ADMIN_PASSWORD=pw-0123456789 -- my-service europe-west1
check "exits non-zero" test "$rc" -ne 0
check "does not deploy" not_called '^run deploy'

echo "# PUBLIC_URL with a trailing slash"
run s ADMIN_PASSWORD=pw-0123456789 PUBLIC_URL=https://mcp.example.net/ -- my-service europe-west1
check "exits 0" is "$rc" 0
check "deploys the origin without the slash" called '^run deploy .*PUBLIC_URL=https://mcp\.example\.net( |;|$)'

echo "# leftovers from local development in the environment"
run h PUBLIC_URL=http://localhost:8080 -- my-service europe-west1
check "PUBLIC_URL=http://localhost:8080: exits non-zero" test "$rc" -ne 0
check "PUBLIC_URL=http://localhost:8080: says it must be https" said "must be an
  https:// origin"
check "PUBLIC_URL=http://localhost:8080: no gcloud call" not_called '.'
run h REDIS_URL=redis://:hunter2-local@127.0.0.1:6379 -- my-service europe-west1
check "loopback REDIS_URL: exits non-zero" test "$rc" -ne 0
check "loopback REDIS_URL: says why" said "REDIS_URL in your environment points to this machine"
check "loopback REDIS_URL: its password is not echoed" nowhere "hunter2-local"

echo "# gcloud missing from PATH"
rc=0
: >"$GCLOUD_LOG"
(cd "$work" && env "${clean_env[@]}" PATH="$tools" "$BASH" "$fixture/deploy.sh" my-service europe-west1) >"$out" 2>&1 || rc=$?
check "exits non-zero" test "$rc" -ne 0
check "says gcloud is not installed" said "gcloud) is not installed"
check "says where to get it" said "https://cloud.google.com/sdk/docs/install"

echo "# not logged in"
run e FAKE_ACCOUNT= -- my-service europe-west1
check "exits non-zero" test "$rc" -ne 0
check "says to run gcloud auth login" said "gcloud is not logged in"
check "nothing is created or deployed" not_called '^(services|secrets|run|iam) '

echo "# no project set"
run f FAKE_PROJECT= -- my-service europe-west1
check "exits non-zero" test "$rc" -ne 0
check "says no project is set" said "no Google Cloud project is set"
check "says how to set one" said "gcloud config set project PROJECT_ID"
check "nothing is created or deployed" not_called '^(services|secrets|run|iam) '

echo "# bad arguments"
run g -- my-service
check "missing REGION: exit 2" is "$rc" 2
check "missing REGION: prints the usage" said "usage: ./deploy.sh SERVICE REGION"
run g -- my-service europe-west1 extra
check "a third positional argument: exit 2" is "$rc" 2
run g -- My_Service europe-west1
check "invalid service name: exit 2" is "$rc" 2
run g -- my-service europe-west1 --example nosuch
check "unknown example: exits non-zero" test "$rc" -ne 0
check "unknown example: names it" said "no example named 'nosuch'"
check "no gcloud call for bad arguments" not_called '.'

echo "# deploy.sh's JSON reader on other awks (macOS has the one true awk)"
sed -n '/^json_paths() {/,/^}/p' "$repo/deploy.sh" >"$work/json_paths.sh"
GCLOUD_STATE=$work/state-c GCLOUD_LOG=/dev/null "$here/bin/gcloud" run services describe svc \
  --region us-central1 --format json >"$work/service.json"
tr -d '\n' <"$work/service.json" >"$work/service-compact.json"
# jp: deploy.sh's json_paths, on stdin.
jp() {
  # shellcheck source=/dev/null # deploy.sh's function, cut out above
  . "$work/json_paths.sh" && json_paths
}
reference=$(jp <"$work/service.json")
check "json_paths reads the service's account" matches "$reference" 'spec\.template\.spec\.serviceAccountName	mcp-svc@'
check "json_paths: compact JSON reads the same" is "$(jp <"$work/service-compact.json")" "$reference"
for other_awk in original-awk "busybox awk" "gawk --posix" mawk; do
  command -v "${other_awk%% *}" >/dev/null 2>&1 || continue
  mkdir -p "$work/awk"
  printf '#!/bin/sh\nexec %s "$@"\n' "$other_awk" >"$work/awk/awk"
  chmod +x "$work/awk/awk"
  check "json_paths with $other_awk reads the same" \
    is "$(PATH="$work/awk:$PATH" jp <"$work/service.json")" "$reference"
done

echo "# the build context (.gcloudignore, .dockerignore)"
# Both files are written so that gitignore and Docker syntax agree on them
# (anchored or **/ patterns); git check-ignore evaluates them.
ctx=$work/ignore
git init -q "$ctx"
ignored() { (cd "$ctx" && git check-ignore --no-index -q "$1"); }
for file in .gcloudignore .dockerignore; do
  cp "$repo/$file" "$ctx/.gitignore"
  for path in .env .env.local src/.env server.pem certs/tls.key sa-key.json my-project-key.json \
    credentials.json target/release/x fuzz/corpus/a tests/run.sh tests/interop/node_modules/x \
    docs/DEPLOY.md docs/EXAMPLES.md bench/run.sh .git/config; do
    check "$file leaves out $path" ignored "$path"
  done
  for path in Cargo.toml Cargo.lock src/lib.rs src/oauth/token.rs examples/quickstart.rs README.md \
    ARCHITECTURE.md docs/FLOW.md docs/DESIGN.md docs/SECURITY.md .deploy-example .deploy-features Dockerfile; do
    check "$file keeps $path" not ignored "$path"
  done
done
# Every file the crate compiles in with include_str!/include_bytes! is kept.
for included in $(cd "$repo" && grep -rhoE 'include_(str|bytes)!\("[^"]+"\)' src examples |
  sed -E 's/.*\("([^"]+)"\).*/\1/' | sed 's#^\.\./##' | sort -u); do
  for file in .gcloudignore .dockerignore; do
    cp "$repo/$file" "$ctx/.gitignore"
    check "$file keeps $included (include_str! in src/)" not ignored "$included"
  done
done

echo "# the Dockerfile's images"
froms=$(grep -E '^FROM ' "$repo/Dockerfile")
check "builder pinned to a Rust minor on Debian 13" matches "$froms" 'FROM rust:1\.[0-9]+-trixie AS build'
builder_minor=$(printf '%s\n' "$froms" | sed -nE 's/^FROM rust:1\.([0-9]+)-.*/\1/p')
crate_minor=$(sed -nE 's/^rust-version = "1\.([0-9]+)".*/\1/p' "$repo/Cargo.toml")
check "builder Rust >= the crate's rust-version" test "${builder_minor:-0}" -ge "${crate_minor:-999}"
check "runtime is distroless cc on Debian 13, nonroot" matches "$froms" 'FROM gcr\.io/distroless/cc-debian13:nonroot'
check "no Debian 12 image left" not matches "$froms" 'debian12|bookworm'

echo "# bash 3.2: no bash-4-only syntax in the deploy scripts"
# Parameter case changes ${x,,} ${x^^} ${x,} ${x^} and ${x@Q}; associative
# arrays and namerefs; mapfile/readarray; coproc; &>> and |&; case ;& and ;;&;
# globstar; wait -n; [[ -v; negative array subscripts; $EPOCHSECONDS,
# $BASHPID; printf %(…)T.
# Comment lines, and the lines of this check marked `# bash4-check`, are skipped.
bash4() {
  grep -nE '\$\{[A-Za-z0-9_]+(\[[^]]*\])?(,|\^)|\$\{[A-Za-z0-9_]+@[A-Za-z]\}|(declare|local|typeset|readonly) +-[a-zA-Z]*[An]|(^|[^A-Za-z_-])(mapfile|readarray|coproc)([^A-Za-z_-]|$)|&>>|\|&|;;&|[^;];&([[:space:]]|$)|globstar|wait +-n|\[\[ +-v |\[-[0-9]+\]\}|EPOCHSECONDS|EPOCHREALTIME|BASHPID|%\([^)]*\)T' "$@" | # bash4-check
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*#|# bash4-check'
}
# Under `set -u`, bash 3.2 (before 4.4) calls an empty "${a[@]}" unbound:
# optional arrays must be expanded as ${a[@]+"${a[@]}"}. Arrays that are
# never empty are listed here.
empty_arrays() {
  grep -nE '"\$\{[A-Za-z_][A-Za-z0-9_]*\[@\]\}"' "$@" | grep -vE '\+"\$\{' |
    grep -vE '"\$\{(deploy_args|doctor_argv|clean_env|scripts|BASH_SOURCE)\[@\]\}"' |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*#|# bash4-check'
}
cat >"$work/bash4-samples" <<'EOF'
lower=${1,,}
upper=${x^^}
first=${x^}
quoted=${x@Q}
declare -A map
local -n ref=x
mapfile -t lines <file
readarray lines <file
cmd &>>log
cmd |& tee log
a) x ;&
b) y ;;&
shopt -s globstar
wait -n
[[ -v x ]]
last=${arr[-1]}
now=$EPOCHSECONDS
printf '%(%s)T' -1
EOF
check "the bash-4 check finds each of its $(wc -l <"$work/bash4-samples" | tr -d ' ') samples" \
  test "$(bash4 "$work/bash4-samples" | wc -l | tr -d ' ')" = "$(wc -l <"$work/bash4-samples" | tr -d ' ')"
cat >"$work/empty-sample" <<'EOF'
run "${opts[@]}"
EOF
check "the empty-array check finds its sample" test -n "$(empty_arrays "$work/empty-sample")"
# This file is checked without the sample heredocs just above.
# shellcheck disable=SC2016 # the $work here is text to match, not to expand
sed -e '/^cat >"$work\/bash4-samples"/,/^EOF$/d' -e '/^cat >"$work\/empty-sample"/,/^EOF$/d' \
  "$here/test_deploy.sh" >"$work/test_deploy.sh"
scripts=("$repo/deploy.sh" "$work/test_deploy.sh" "$here"/bin/*)
for f in "$here"/*.sh; do [ "$f" = "$here/test_deploy.sh" ] || scripts+=("$f"); done
offending=$(bash4 "${scripts[@]}")
check "no bash-4-only syntax in deploy.sh and tests/deploy" is "$offending" ""
[ -z "$offending" ] || printf '%s\n' "$offending"
offending=$(empty_arrays "${scripts[@]}")
check "no possibly empty \"\${a[@]}\" under set -u" is "$offending" ""
[ -z "$offending" ] || printf '%s\n' "$offending"

echo "# docs/DEPLOY.md matches the script"
# Every kind of gcloud call deploy.sh made in this test (first three words)
# is shown in docs/DEPLOY.md.
# (The subcommand words: up to the first name, flag or value.)
kinds=$(awk '{ k = $1; for (i = 2; i <= NF; i++) { if ($i !~ /^[a-z-]+$/ || $i ~ /^(mcp-|my-|open-|--)/ || $i == "svc" || $i == "latest") break; k = k " " $i } print k }' "$all" | sort -u)
while IFS= read -r kind; do
  [ -n "$kind" ] || continue
  check "docs/DEPLOY.md shows 'gcloud $kind'" grep -qF -- "gcloud $kind" "$repo/docs/DEPLOY.md"
done <<EOF
$kinds
EOF
for text in --allow-anyone MCP_ALLOW_ANYONE "Running open on purpose" "--timeout 3600" mcp-doctor MCP_DOCTOR \
  roles/run.builder --build-service-account --no-invoker-iam-check cc-debian13 "--max-instances 1" \
  log-streaming run-sources- cloud-run-source-deploy "gcloud iam service-accounts delete"; do
  check "docs/DEPLOY.md mentions $text" grep -qF -- "$text" "$repo/docs/DEPLOY.md"
done
check "docs/DEPLOY.md no longer names cc-debian12" not grep -qF cc-debian12 "$repo/docs/DEPLOY.md"

echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
