#!/usr/bin/env bash
# Deploys this MCP server to Google Cloud Run in one command:
#
#   ./deploy.sh SERVICE REGION [--example NAME]
#   ./deploy.sh my-service europe-west1
#   ADMIN_PASSWORD='a long passphrase' ./deploy.sh my-service europe-west1
#   GITHUB_CLIENT_ID=… GITHUB_CLIENT_SECRET=… GITHUB_ALLOWED_USERS=alice,bob \
#     ./deploy.sh my-github europe-west1 --example github
#
# What it does, in order (docs/DEPLOY.md explains each step):
#   1. checks that gcloud is installed, logged in, and has a project;
#   2. enables the Cloud Run, Cloud Build, Artifact Registry and Secret Manager APIs;
#   3. creates the secret mcp-signing-key-SERVICE on the first deploy (32 random
#      bytes, generated here and piped to gcloud; never printed, never an argument)
#      and lets the service's runtime service account read it;
#   4. stores ADMIN_PASSWORD, GITHUB_CLIENT_SECRET and REDIS_URL, when set in the
#      environment, as secrets the same way; GITHUB_CLIENT_ID and
#      GITHUB_ALLOWED_USERS become plain environment variables;
#   5. builds the Dockerfile with Cloud Build (with the `redis` cargo feature
#      when the service has a REDIS_URL) and deploys it, public
#      (--allow-unauthenticated: the server's own OAuth is the gate), with
#      PUBLIC_URL set to the service's https://SERVICE-PROJECT_NUMBER.REGION.run.app
#      address, which is known before the service exists;
#   6. checks the URL Cloud Run reports and corrects PUBLIC_URL if it differs;
#   7. prints the connector URL to paste into claude.ai.
#
# Safe to run again: an existing secret is reused, enabling APIs and granting
# access are idempotent, and settings given on an earlier run are kept when
# they are not given again (--update-env-vars / --update-secrets).
#
# Optional environment: SERVICE_ACCOUNT (runtime service account; default the
# project's Compute Engine default account), PUBLIC_URL (pin a custom domain).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: ./deploy.sh SERVICE REGION [--example NAME]

  SERVICE   Cloud Run service name: lowercase letters, digits and hyphens, e.g. my-service
  REGION    Cloud Run region, e.g. europe-west1 or us-central1
  --example which examples/NAME.rs to build and run (default: quickstart)

Optional environment variables:
  ADMIN_PASSWORD         password sign-in (stored in Secret Manager)
  GITHUB_CLIENT_ID       GitHub OAuth App client id (plain env var)
  GITHUB_CLIENT_SECRET   GitHub OAuth App client secret (stored in Secret Manager)
  GITHUB_ALLOWED_USERS   comma-separated GitHub logins allowed to sign in
  REDIS_URL              redis://[:password@]host[:port][/db]: shared state for several
                         instances (stored in Secret Manager; builds with --features redis)
  SERVICE_ACCOUNT        runtime service account (default: PROJECT_NUMBER-compute@developer.gserviceaccount.com)
  PUBLIC_URL             the public origin, if not the run.app URL (custom domain)
EOF
}

die() {
  printf '\ndeploy.sh: error: %s\n' "$*" >&2
  exit 1
}

usage_error() {
  printf 'deploy.sh: %s\n\n' "$*" >&2
  usage >&2
  exit 2
}

step() {
  printf '\n==> %s\n' "$*"
}

# ── Arguments ────────────────────────────────────────────────────────────────
example=quickstart
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --example)
      [ $# -ge 2 ] || usage_error "--example needs a NAME"
      example=$2
      shift 2
      ;;
    --example=*)
      example=${1#--example=}
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      positional+=("$1")
      shift
      ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || usage_error "expected SERVICE and REGION"
service=${positional[0]}
region=${positional[1]}

# Cloud Run's naming rule; checked here so that a typo fails before anything
# is created in the project.
if ! [[ $service =~ ^[a-z]([-a-z0-9]*[a-z0-9])?$ ]] || [ ${#service} -gt 49 ]; then
  usage_error "SERVICE must be 1-49 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen (got: $service)"
fi
if ! [[ $region =~ ^[a-z]+-[a-z]+[0-9]+$ ]]; then
  usage_error "REGION looks wrong (got: $region); examples: europe-west1, us-central1"
fi

# The source to upload is the directory this script lives in (the crate root),
# wherever it is run from.
case "${BASH_SOURCE[0]}" in
  */*) source_dir=${BASH_SOURCE[0]%/*} ;;
  *) source_dir=. ;;
esac
cd "$source_dir"

if ! [[ $example =~ ^[a-z0-9_-]+$ ]]; then
  usage_error "--example takes the name of a file in examples/, e.g. quickstart (got: $example)"
fi
if ! [ -f "examples/$example.rs" ] && ! [ -f "examples/$example/main.rs" ]; then
  die "no example named '$example' (expected examples/$example.rs)"
fi

# A PUBLIC_URL or REDIS_URL left over from local development would make the
# deployed server advertise localhost, or wait for a Redis it cannot reach.
# (REDIS_URL may hold a password, so it is not echoed.)
if [ -n "${PUBLIC_URL:-}" ] && [[ $PUBLIC_URL != https://* ]]; then
  die "PUBLIC_URL is set to '$PUBLIC_URL' in your environment; on Cloud Run it must be an https:// URL.
  Unset it (unset PUBLIC_URL) to use the service's run.app URL."
fi
if [[ ${REDIS_URL:-} =~ ^rediss?://([^@/]*@)?(localhost|127\.|\[::1\]) ]]; then
  die "REDIS_URL in your environment points to this machine; Cloud Run needs a Redis it can reach
  (docs/DEPLOY.md section 7). Unset it (unset REDIS_URL) to deploy without Redis."
fi

# ── 1. gcloud, login, project ────────────────────────────────────────────────
step "Checking the Google Cloud CLI"
if ! command -v gcloud >/dev/null 2>&1; then
  die "the Google Cloud CLI (gcloud) is not installed or not on PATH.
  Install it from https://cloud.google.com/sdk/docs/install, then run:
    gcloud auth login
    gcloud config set project PROJECT_ID"
fi

account=$(gcloud auth list --filter=status:ACTIVE --format='value(account)' 2>/dev/null || true)
account=${account%%$'\n'*}
if [ -z "$account" ]; then
  die "gcloud is not logged in. Run:
    gcloud auth login"
fi

project=$(gcloud config get-value project 2>/dev/null || true)
if [ -z "$project" ] || [ "$project" = "(unset)" ]; then
  die "no Google Cloud project is set. Create one at https://console.cloud.google.com/projectcreate
  (or list yours with: gcloud projects list), then run:
    gcloud config set project PROJECT_ID"
fi

project_number=$(gcloud projects describe "$project" --format='value(projectNumber)') ||
  die "cannot read project '$project' as $account (does it exist? run: gcloud projects list)"
[ -n "$project_number" ] || die "gcloud returned no project number for '$project'"

runtime_sa=${SERVICE_ACCOUNT:-$project_number-compute@developer.gserviceaccount.com}

echo "account:  $account"
echo "project:  $project (number $project_number)"
echo "service:  $service in $region, example '$example'"
echo "runs as:  $runtime_sa"

# ── 2. APIs ──────────────────────────────────────────────────────────────────
step "Enabling the Cloud Run, Cloud Build, Artifact Registry and Secret Manager APIs"
gcloud services enable \
  run.googleapis.com \
  cloudbuild.googleapis.com \
  artifactregistry.googleapis.com \
  secretmanager.googleapis.com \
  --project "$project" ||
  die "could not enable the APIs. Is billing enabled for '$project'?
  https://console.cloud.google.com/billing/linkedaccount?project=$project"

# ── 3-4. Secrets ─────────────────────────────────────────────────────────────
# Secret values travel only through pipes into `--data-file=-`: never as a
# command-line argument (visible in `ps` and shell history) and never printed.
# `printf` is a bash builtin, so `printf '%s' "$value" | gcloud …` starts no
# process whose arguments hold the value.

# The secret that holds environment variable $1 for this service, e.g.
# MCP_SIGNING_KEY -> mcp-signing-key-my-service, ADMIN_PASSWORD -> mcp-admin-password-my-service.
secret_name() {
  local lower=${1,,}
  lower=${lower//_/-}
  lower=${lower#mcp-}
  printf 'mcp-%s-%s' "$lower" "$service"
}

secret_exists() {
  gcloud secrets describe "$1" --project "$project" >/dev/null 2>&1
}

# Creates secret $1 with the value on stdin.
create_secret() {
  gcloud secrets create "$1" --project "$project" \
    --replication-policy=automatic --data-file=- >/dev/null
}

# Lets the runtime service account read secret $1; Cloud Run refuses to deploy
# a revision whose service account cannot access its secrets.
grant_access() {
  gcloud secrets add-iam-policy-binding "$1" --project "$project" \
    --member="serviceAccount:$runtime_sa" \
    --role=roles/secretmanager.secretAccessor --quiet >/dev/null ||
    die "could not let $runtime_sa read secret $1.
  If that service account does not exist: a new project gets it when the Compute Engine API
  is enabled (gcloud services enable compute.googleapis.com --project $project), or create one
  for the service and name it in SERVICE_ACCOUNT:
    gcloud iam service-accounts create mcp-runner --project $project
    SERVICE_ACCOUNT=mcp-runner@$project.iam.gserviceaccount.com ./deploy.sh $service $region"
}

# 32 random bytes, base64url without padding: 43 characters.
new_signing_key() {
  head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

secret_refs=() # ENV_NAME=SECRET:latest for --update-secrets

step "Signing key (Secret Manager)"
signing_secret=$(secret_name MCP_SIGNING_KEY)
if secret_exists "$signing_secret"; then
  echo "reusing secret $signing_secret"
else
  new_signing_key | create_secret "$signing_secret"
  echo "created secret $signing_secret"
fi
grant_access "$signing_secret"
echo "granted roles/secretmanager.secretAccessor on it to $runtime_sa"
secret_refs+=("MCP_SIGNING_KEY=$signing_secret:latest")

# Stores the value of environment variable $1 in its secret: created on first
# use, a new version only when the value changed (so re-runs add nothing).
store_secret() {
  local var=$1 secret current
  secret=$(secret_name "$var")
  if secret_exists "$secret"; then
    current=$(gcloud secrets versions access latest --secret "$secret" --project "$project" 2>/dev/null || true)
    if [ "$current" = "${!var}" ]; then
      echo "$var: secret $secret unchanged"
    else
      printf '%s' "${!var}" | gcloud secrets versions add "$secret" --project "$project" --data-file=- >/dev/null
      echo "$var: new version of secret $secret"
    fi
  else
    printf '%s' "${!var}" | create_secret "$secret"
    echo "$var: created secret $secret"
  fi
  grant_access "$secret"
  secret_refs+=("$var=$secret:latest")
}

step "Sign-in settings from the environment"
given=0
for var in ADMIN_PASSWORD GITHUB_CLIENT_SECRET REDIS_URL; do
  if [ -n "${!var:-}" ]; then
    store_secret "$var"
    given=1
  fi
done

# Plain environment variables. gcloud splits its lists at commas, and
# GITHUB_ALLOWED_USERS contains commas, so the list uses gcloud's alternate
# delimiter syntax `^;^A=1;B=2` (see `gcloud topic escaping`).
public_url_pinned=${PUBLIC_URL:+yes}
if [ -z "${PUBLIC_URL:-}" ]; then
  # An existing service keeps its URL; a new one gets the deterministic
  # https://SERVICE-PROJECT_NUMBER.REGION.run.app, known before it exists.
  PUBLIC_URL=$(gcloud run services describe "$service" --region "$region" --project "$project" \
    --format='value(status.url)' 2>/dev/null || true)
  PUBLIC_URL=${PUBLIC_URL:-https://$service-$project_number.$region.run.app}
fi
env_vars="PUBLIC_URL=$PUBLIC_URL"
for var in GITHUB_CLIENT_ID GITHUB_ALLOWED_USERS; do
  if [ -n "${!var:-}" ]; then
    [[ ${!var} != *";"* ]] || die "$var must not contain ';'"
    env_vars+=";$var=${!var}"
    echo "$var: set as an environment variable"
    given=1
  fi
done
if [ "$given" = 0 ]; then
  echo "none given (settings from an earlier deploy are kept; see docs/DEPLOY.md to add a password or GitHub sign-in)"
fi

# ── 5. Build and deploy ──────────────────────────────────────────────────────
# A server with a REDIS_URL must be built with the `redis` cargo feature (else
# it refuses to start and says so). The URL may come from this run or from an
# earlier one: --update-secrets keeps it on the service, and its secret exists.
features=
if [ -n "${REDIS_URL:-}" ] || secret_exists "$(secret_name REDIS_URL)"; then
  features=redis
fi
step "Building examples/$example.rs${features:+ with --features $features} with Cloud Build and deploying (a few minutes)"
# `--source .` builds the Dockerfile, which cannot receive build args this way;
# it reads the example's name and the features from these files instead (see
# the Dockerfile).
trap 'rm -f .deploy-example .deploy-features' EXIT
printf '%s\n' "$example" >.deploy-example
if [ -n "$features" ]; then
  printf '%s\n' "$features" >.deploy-features
else
  rm -f .deploy-features
fi

deploy_args=(
  run deploy "$service"
  --source .
  --region "$region"
  --project "$project"
  --allow-unauthenticated
  --update-env-vars "^;^$env_vars"
  --update-secrets "$(IFS=,; printf '%s' "${secret_refs[*]}")"
  --quiet
)
if [ -n "${SERVICE_ACCOUNT:-}" ]; then
  deploy_args+=(--service-account "$SERVICE_ACCOUNT")
fi
gcloud "${deploy_args[@]}"
rm -f .deploy-example .deploy-features

# ── 6. The URL Cloud Run reports ─────────────────────────────────────────────
url=$(gcloud run services describe "$service" --region "$region" --project "$project" \
  --format='value(status.url)')
if [ -z "$public_url_pinned" ] && [ -n "$url" ] && [ "$url" != "$PUBLIC_URL" ]; then
  step "Cloud Run reports $url; updating PUBLIC_URL to match"
  gcloud run services update "$service" --region "$region" --project "$project" \
    --update-env-vars "PUBLIC_URL=$url" --quiet
  PUBLIC_URL=$url
fi

# ── 7. Next steps ────────────────────────────────────────────────────────────
cat <<EOF

==> Deployed. Your MCP connector URL:

    $PUBLIC_URL/mcp

Add it to claude.ai:
  1. Settings -> Connectors -> Add custom connector
  2. Name: $service    URL: $PUBLIC_URL/mcp    -> Add
  3. Connect: claude.ai registers itself and runs the OAuth sign-in (PKCE) with this server.

Check it:   curl $PUBLIC_URL/health
Logs:       gcloud run services logs read $service --region $region --project $project
EOF
