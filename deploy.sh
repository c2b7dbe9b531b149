#!/usr/bin/env bash
# Deploys this MCP server to Google Cloud Run in one command:
#
#   ./deploy.sh SERVICE REGION [--example NAME] [--allow-anyone]
#   ADMIN_PASSWORD='a long passphrase' ./deploy.sh my-service europe-west1
#   GITHUB_CLIENT_ID=… GITHUB_CLIENT_SECRET=… GITHUB_ALLOWED_USERS=alice,bob \
#     ./deploy.sh my-github europe-west1 --example github
#
# What it does, in order (docs/DEPLOY.md section 3 explains each step):
#   1. checks that gcloud is installed, logged in, and has a project;
#   2. enables the Cloud Run, Cloud Build, Artifact Registry, Secret Manager
#      and IAM APIs;
#   3. reads the service as it runs now, if it exists, so that a re-run keeps
#      what the operator chose before: service account, PUBLIC_URL, example,
#      secrets (and so the `redis` feature), request timeout, MCP_ALLOW_ANYONE;
#   4. refuses to deploy a server anyone could use (no ADMIN_PASSWORD, no
#      GitHub sign-in) unless --allow-anyone says so;
#   5. identities: a dedicated runtime service account per service (it can
#      read this service's secrets and nothing else), and a build identity
#      that may build (roles/run.builder);
#   6. secrets: creates mcp-signing-key-SERVICE on the first deploy (32
#      random bytes, piped to gcloud, never printed, never an argument);
#      stores ADMIN_PASSWORD, GITHUB_CLIENT_SECRET and REDIS_URL when set;
#      mounts each one pinned to its newest version number (not `latest`);
#   7. builds the Dockerfile with Cloud Build and deploys it, public (the
#      server's own OAuth is the gate), with a one-hour request timeout;
#   8. makes sure the service really is public (an organization policy can
#      refuse `allUsers` while gcloud only warns) and that PUBLIC_URL matches;
#   9. checks through the public URL that /health answers 200 and /mcp the
#      401 challenge, runs mcp-doctor against /mcp, and prints the connector
#      URL only when the service works.
#
# This script runs on bash 3.2 (macOS) too: no bash-4 syntax
# (tests/deploy/test_deploy.sh checks it).
set -euo pipefail

usage() {
  cat <<'EOF'
usage: ./deploy.sh SERVICE REGION [--example NAME] [--allow-anyone]

  SERVICE         Cloud Run service name: lowercase letters, digits and hyphens, e.g. my-service
  REGION          Cloud Run region, e.g. europe-west1 or us-central1
  --example NAME  which examples/NAME.rs to build and run (default: the one the service
                  runs now, else quickstart)
  --allow-anyone  deploy even without a sign-in method: anyone who finds the URL can use
                  the tools (sets MCP_ALLOW_ANYONE=1 on the service)

Optional environment variables:
  ADMIN_PASSWORD         password sign-in (stored in Secret Manager)
  GITHUB_CLIENT_ID       GitHub OAuth App client id (plain env var)
  GITHUB_CLIENT_SECRET   GitHub OAuth App client secret (stored in Secret Manager)
  GITHUB_ALLOWED_USERS   comma-separated GitHub logins allowed to sign in
  OIDC_ISSUER            OpenID Connect sign-in (--example oidc): the provider's issuer URL
  OIDC_CLIENT_ID         its client id (plain env var)
  OIDC_CLIENT_SECRET     its client secret (stored in Secret Manager)
  OIDC_ALLOWED           who may sign in: subjects, verified e-mails, @domains (comma-separated)
  OIDC_SCOPES, OIDC_DISPLAY_NAME   optional (plain env vars)
  REDIS_URL              redis://[:password@]host[:port][/db]: shared state for several
                         instances (stored in Secret Manager; builds with --features redis)
  SERVICE_ACCOUNT        runtime service account (default: the one the service runs as,
                         else a dedicated mcp-SERVICE@PROJECT.iam.gserviceaccount.com)
  PUBLIC_URL             the public origin, if not the run.app URL (custom domain); kept
                         on later deploys
  MCP_DOCTOR             command that checks the deployed server (default, when cargo is
                         installed: cargo run --quiet --release --bin mcp-doctor --)
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

note() {
  printf 'note: %s\n' "$*"
}

# Seconds between retries (IAM propagation, a service still starting).
retry_delay=${DEPLOY_RETRY_DELAY:-5}

# ── Arguments ────────────────────────────────────────────────────────────────
example=
allow_anyone=
service=
region=
extra=
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
    --allow-anyone)
      allow_anyone=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*) usage_error "unknown option: $1" ;;
    *)
      if [ -z "$service" ]; then
        service=$1
      elif [ -z "$region" ]; then
        region=$1
      else
        extra=$1
      fi
      shift
      ;;
  esac
done
if [ -z "$service" ] || [ -z "$region" ] || [ -n "$extra" ]; then
  usage_error "expected SERVICE and REGION"
fi

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

# The example's name is also a Cloud Run label value (at most 63 characters).
check_example() {
  if ! [[ $1 =~ ^[a-z0-9_-]+$ ]] || [ ${#1} -gt 63 ]; then
    usage_error "--example takes the name of a file in examples/, e.g. quickstart (got: $1)"
  fi
  if ! [ -f "examples/$1.rs" ] && ! [ -f "examples/$1/main.rs" ]; then
    die "no example named '$1' (expected examples/$1.rs)"
  fi
}
[ -z "$example" ] || check_example "$example"

# A PUBLIC_URL or REDIS_URL left over from local development would make the
# deployed server advertise localhost, or wait for a Redis it cannot reach.
# (REDIS_URL may hold a password, so it is not echoed.)
if [ -n "${PUBLIC_URL:-}" ]; then
  PUBLIC_URL=${PUBLIC_URL%/}
  if ! [[ $PUBLIC_URL =~ ^https://[a-z0-9.-]+(:[0-9]+)?$ ]]; then
    die "PUBLIC_URL is set to '$PUBLIC_URL' in your environment; on Cloud Run it must be an
  https:// origin without a path, e.g. https://mcp.example.com.
  Unset it (unset PUBLIC_URL) to keep the service's current URL."
  fi
fi
if [[ ${REDIS_URL:-} =~ ^rediss?://([^@/]*@)?(localhost|127\.|\[::1\]) ]]; then
  die "REDIS_URL in your environment points to this machine; Cloud Run needs a Redis it can reach
  (docs/DEPLOY.md section 7). Unset it (unset REDIS_URL) to deploy without Redis."
fi

# ── JSON from gcloud, without jq ─────────────────────────────────────────────
# `json_paths` turns a JSON document on stdin into one line per value,
# `PATH<TAB>VALUE`, e.g. `spec.template.spec.serviceAccountName	run@p.iam…`
# (array elements are numbered: `bindings.0.members.1	allUsers`). Strings keep
# their escapes except \" \\ \/; nothing here needs more. Plain POSIX awk, so
# that it runs with macOS's awk as with GNU awk.
json_paths() {
  awk '
    function ws() { while (pos <= n && index(" \t\r\n", substr(s, pos, 1)) > 0) pos++ }
    function str(   out, c) {
      pos++
      out = ""
      while (pos <= n) {
        c = substr(s, pos, 1)
        if (c == "\"") { pos++; return out }
        if (c == "\\") {
          c = substr(s, pos + 1, 1)
          if (c == "\"" || c == "\\" || c == "/") out = out c; else out = out "\\" c
          pos += 2
          continue
        }
        out = out c
        pos++
      }
      return out
    }
    function value(path,   c, key, i, start) {
      ws()
      c = substr(s, pos, 1)
      if (c == "{") {
        pos++; ws()
        if (substr(s, pos, 1) == "}") { pos++; return }
        while (pos <= n) {
          ws(); key = str(); ws(); pos++
          value(path == "" ? key : path "." key)
          ws(); c = substr(s, pos, 1); pos++
          if (c != ",") return
        }
      } else if (c == "[") {
        pos++; ws()
        if (substr(s, pos, 1) == "]") { pos++; return }
        for (i = 0; pos <= n; i++) {
          value(path == "" ? i : path "." i)
          ws(); c = substr(s, pos, 1); pos++
          if (c != ",") return
        }
      } else if (c == "\"") {
        print path "\t" str()
      } else {
        start = pos
        while (pos <= n && index(",]} \t\r\n", substr(s, pos, 1)) == 0) pos++
        print path "\t" substr(s, start, pos - start)
      }
    }
    { s = s $0 "\n" }
    END { n = length(s); pos = 1; value("") }
  '
}

# The value at PATH ($2) in the json_paths output $1.
json_get() {
  printf '%s\n' "$1" | awk -F'\t' -v want="$2" '$1 == want { sub(/^[^\t]*\t/, ""); print; exit }'
}

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

echo "account:  $account"
echo "project:  $project (number $project_number)"

# ── 2. APIs ──────────────────────────────────────────────────────────────────
step "Enabling the Cloud Run, Cloud Build, Artifact Registry, Secret Manager and IAM APIs"
gcloud services enable \
  run.googleapis.com \
  cloudbuild.googleapis.com \
  artifactregistry.googleapis.com \
  secretmanager.googleapis.com \
  iam.googleapis.com \
  --project "$project" ||
  die "could not enable the APIs. Is billing enabled for '$project'?
  https://console.cloud.google.com/billing/linkedaccount?project=$project"

# ── 3. The service as it runs now ────────────────────────────────────────────
# Everything a re-run must keep is read from the live service, not from this
# shell: a re-run "to update" with nothing set changes only the code.
step "Reading the current service"
live=
live_exists=
errors=$(mktemp)
if live_json=$(gcloud run services describe "$service" --region "$region" --project "$project" \
  --format json 2>"$errors"); then
  live=$(printf '%s\n' "$live_json" | json_paths)
  live_exists=1
  rm -f "$errors"
else
  err=$(cat "$errors")
  rm -f "$errors"
  case $err in
    *"Cannot find service"* | *NOT_FOUND*) ;;
    *) die "could not read service $service in $region (nothing was changed):
  $err" ;;
  esac
fi

# The env entry named $1 of the live service (first container that has it):
# `live_env NAME value` prints its plain value, `live_env NAME secret` its
# secret's name; nothing when there is none.
live_env() {
  local prefix
  [ -n "$live" ] || return 0
  prefix=$(printf '%s\n' "$live" | awk -F'\t' -v want="$1" '
    $1 ~ /^spec\.template\.spec\.containers\.[0-9]+\.env\.[0-9]+\.name$/ && $2 == want {
      sub(/name$/, "", $1); print $1; exit }')
  [ -n "$prefix" ] || return 0
  case $2 in
    value) json_get "$live" "${prefix}value" ;;
    secret) json_get "$live" "${prefix}valueFrom.secretKeyRef.name" ;;
  esac
}

if [ -n "$live_exists" ]; then
  echo "service $service exists in $region: settings not given now are kept"
else
  echo "service $service does not exist yet in $region: it will be created"
fi

# Which example: --example, else the one the service runs (label mcp-example),
# else quickstart for a new service. A service deployed by an older deploy.sh
# has no label: guessing could swap a GitHub server for the quickstart.
if [ -z "$example" ]; then
  example=$(json_get "$live" metadata.labels.mcp-example)
  if [ -n "$example" ]; then
    check_example "$example"
    echo "example:  $example (as deployed; --example NAME to change)"
  elif [ -n "$live_exists" ]; then
    die "service $service does not record which example it runs (it was deployed by an older
  deploy.sh). Name it once, e.g.:
    ./deploy.sh $service $region --example quickstart
  Later deploys remember it."
  else
    example=quickstart
  fi
fi

# PUBLIC_URL: given now; else the one the service has (a custom domain stays);
# else the deterministic https://SERVICE-PROJECT_NUMBER.REGION.run.app, known
# before the service exists. `pinned` means: never replace it with the URL
# Cloud Run reports (step 8).
public_url_pinned=
if [ -n "${PUBLIC_URL:-}" ]; then
  public_url_pinned=yes
  echo "PUBLIC_URL: $PUBLIC_URL (given)"
else
  PUBLIC_URL=$(live_env PUBLIC_URL value)
  if [ -n "$PUBLIC_URL" ]; then
    case $PUBLIC_URL in
      https://*.run.app) ;;
      *) public_url_pinned=yes ;;
    esac
    echo "PUBLIC_URL: $PUBLIC_URL (as deployed)"
  else
    PUBLIC_URL=https://$service-$project_number.$region.run.app
  fi
fi

# ── 4. Who may sign in ───────────────────────────────────────────────────────
signin=
signin_now=
if [ -n "${ADMIN_PASSWORD:-}" ] || [ -n "${GITHUB_CLIENT_ID:-}" ] || [ -n "${OIDC_CLIENT_ID:-}" ]; then
  signin=yes
  signin_now=yes
elif [ -n "$(live_env ADMIN_PASSWORD secret)$(live_env ADMIN_PASSWORD value)$(live_env GITHUB_CLIENT_ID value)$(live_env OIDC_CLIENT_ID value)" ]; then
  signin=yes
fi
live_anyone=$(live_env MCP_ALLOW_ANYONE value)
remove_anyone=
if [ -n "$allow_anyone" ]; then
  echo "WARNING: --allow-anyone: anyone who finds the URL can use this server's tools (MCP_ALLOW_ANYONE=1)"
elif [ "$live_anyone" = 1 ] && [ -n "$signin_now" ]; then
  remove_anyone=yes
  echo "a sign-in is given now: MCP_ALLOW_ANYONE is removed from the service"
elif [ "$live_anyone" = 1 ]; then
  echo "WARNING: the service stays open to anyone (MCP_ALLOW_ANYONE=1, chosen on an earlier deploy)"
elif [ -z "$signin" ]; then
  die "refusing to deploy a server anyone could use: no ADMIN_PASSWORD and no GitHub or OpenID sign-in
  is set (now or on an earlier deploy), so whoever finds the URL could call its tools.
  Choose one (docs/DEPLOY.md section 4):
    - a password:
        read -rs ADMIN_PASSWORD && export ADMIN_PASSWORD
        ./deploy.sh $service $region${example:+ --example $example}
    - GitHub sign-in: GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and GITHUB_ALLOWED_USERS with
      --example github;
    - OpenID Connect sign-in (Google, Entra ID, Okta, …): OIDC_ISSUER, OIDC_CLIENT_ID,
      OIDC_CLIENT_SECRET and OIDC_ALLOWED with --example oidc;
    - Cloud Run IAM instead of a sign-in, for clients that can send Google credentials
      (claude.ai cannot): docs/DEPLOY.md, \"Running open on purpose\";
    - or, if anyone may really use it (public, harmless tools):
        ./deploy.sh $service $region${example:+ --example $example} --allow-anyone"
fi

# ── 5. Identities ────────────────────────────────────────────────────────────
# Whether service account $1 exists: prints yes, no, or unknown (any other
# error, e.g. no permission to look accounts up; shown on stderr).
sa_exists() {
  local err
  if err=$(gcloud iam service-accounts describe "$1" --project "$project" --format='value(email)' 2>&1 >/dev/null); then
    echo yes
    return 0
  fi
  case $err in
    *NOT_FOUND* | *"does not exist"*) echo no ;;
    *)
      printf 'could not look up service account %s:\n  %s\n' "$1" "$err" >&2
      echo unknown ;;
  esac
}

# Creates service account $1 (an account id) unless it exists; prints nothing.
sa_created=
ensure_sa() {
  local id=$1 what=$2 email=$1@$project.iam.gserviceaccount.com
  if [ "$(sa_exists "$email")" = yes ]; then
    echo "$what: $email"
  else
    # "unknown" too: creating it then succeeds, or fails with the reason.
    gcloud iam service-accounts create "$id" --project "$project" \
      --display-name "$what" --description "created by deploy.sh" >/dev/null ||
      die "could not create service account $email (you need the Service Account Admin role)"
    sa_created=yes
    echo "$what: $email (created)"
  fi
}

# A dedicated runtime account per service: mcp-SERVICE, shortened with a
# checksum when longer than the 30 characters an account id may have.
runtime_sa_id() {
  local id=mcp-$service sum
  if [ ${#id} -gt 30 ]; then
    sum=$(printf '%s' "$service" | cksum)
    sum=${sum%% *}
    id=mcp-${service:0:19}-$(printf '%06d' $((sum % 1000000)))
  fi
  [ ${#id} -ge 6 ] || id=$id-run
  printf '%s' "$id"
}

step "Identities"
live_sa=$(json_get "$live" spec.template.spec.serviceAccountName)
if [ -n "${SERVICE_ACCOUNT:-}" ]; then
  runtime_sa=$SERVICE_ACCOUNT
  echo "runs as:  $runtime_sa (SERVICE_ACCOUNT)"
elif [ -n "$live_sa" ]; then
  runtime_sa=$live_sa
  echo "runs as:  $runtime_sa (as deployed; SERVICE_ACCOUNT=… to change)"
  case $runtime_sa in
    *-compute@developer.gserviceaccount.com)
      note "the Compute Engine default account can do much more than this service needs;
  SERVICE_ACCOUNT=$(runtime_sa_id)@$project.iam.gserviceaccount.com moves it to a dedicated one" ;;
  esac
else
  ensure_sa "$(runtime_sa_id)" "runtime account of MCP server $service"
  runtime_sa=$(runtime_sa_id)@$project.iam.gserviceaccount.com
fi

# Cloud Build runs `--source` builds as the project's default build account.
# In projects created since 2024 that is the Compute Engine default account,
# which no longer gets the Editor role automatically in many organizations:
# it then needs roles/run.builder, or the build is refused (403 reading the
# uploaded source). When that account does not exist at all, the build runs
# as a dedicated mcp-builder account instead (--build-service-account).
build_args=()
default_build_sa=$(gcloud builds get-default-service-account --project "$project" \
  --format='value(serviceAccountEmail)' 2>/dev/null) || default_build_sa=
default_build_sa=${default_build_sa##*/}

# Grants roles/run.builder on the project to $1; a warning, not an error, when
# refused (the operator may not be allowed to change project IAM, and the
# account may have what it needs through another role).
grant_builder() {
  if gcloud projects add-iam-policy-binding "$project" --member="serviceAccount:$1" \
    --role=roles/run.builder --condition=None --quiet >/dev/null; then
    echo "granted roles/run.builder to $1"
  else
    echo "WARNING: could not grant roles/run.builder to $1; if the build then fails with a
  permission error, ask a project owner to run:
    gcloud projects add-iam-policy-binding $project --member=serviceAccount:$1 --role=roles/run.builder"
  fi
}

case $default_build_sa in
  "")
    note "could not ask Cloud Build for its default build account (an old gcloud? gcloud components update);
  the build runs as Cloud Build's default" ;;
  *@cloudbuild.gserviceaccount.com)
    echo "builds as: $default_build_sa (Cloud Build's legacy account; it has the roles it needs)" ;;
  *)
    build_sa_state=$(sa_exists "$default_build_sa")
    if [ "$build_sa_state" = yes ]; then
      echo "builds as: $default_build_sa (the project's default build account)"
      grant_builder "$default_build_sa"
    elif [ "$build_sa_state" = unknown ]; then
      note "the build runs as $default_build_sa, which could not be checked (see above);
  if the build fails with a permission error, see docs/DEPLOY.md section 8"
    else
      echo "the default build account $default_build_sa does not exist"
      ensure_sa mcp-builder "build account of deploy.sh"
      build_sa=mcp-builder@$project.iam.gserviceaccount.com
      grant_builder "$build_sa"
      build_args=(--build-service-account "projects/$project/serviceAccounts/$build_sa")
    fi ;;
esac

# ── 6. Secrets ───────────────────────────────────────────────────────────────
# Secret values travel only through pipes into `--data-file=-`: never as a
# command-line argument (visible in `ps` and shell history) and never printed.
# `printf` is a bash builtin, so `printf '%s' "$value" | gcloud …` starts no
# process whose arguments hold the value.

# The secret that holds environment variable $1 for this service, e.g.
# MCP_SIGNING_KEY -> mcp-signing-key-my-service, ADMIN_PASSWORD -> mcp-admin-password-my-service.
secret_name() {
  local lower
  lower=$(printf '%s' "$1" | tr 'A-Z_' 'a-z-')
  lower=${lower#mcp-}
  printf 'mcp-%s-%s' "$lower" "$service"
}

# Whether secret $1 exists. Only NOT_FOUND means "no": any other error (a
# transient one, a missing permission) stops the deploy instead of being taken
# for an absent secret.
secret_exists() {
  local err
  if err=$(gcloud secrets describe "$1" --project "$project" 2>&1 >/dev/null); then
    return 0
  fi
  case $err in
    *NOT_FOUND*) return 1 ;;
    *) die "could not look up secret $1 (nothing was deployed):
  $err" ;;
  esac
}

# Creates secret $1 with the value on stdin.
create_secret() {
  gcloud secrets create "$1" --project "$project" \
    --replication-policy=automatic --data-file=- >/dev/null
}

# Lets the runtime service account read secret $1 (and only that secret: the
# binding is on the secret, not on the project). Cloud Run refuses to deploy a
# revision whose service account cannot read its secrets. A service account
# created a moment ago may take a few seconds to be known to IAM.
grant_access() {
  local attempt=1 max=1
  [ -z "$sa_created" ] || max=6
  while ! gcloud secrets add-iam-policy-binding "$1" --project "$project" \
    --member="serviceAccount:$runtime_sa" \
    --role=roles/secretmanager.secretAccessor --quiet >/dev/null; do
    if [ "$attempt" -ge "$max" ]; then
      die "could not let $runtime_sa read secret $1.
  If that service account does not exist, create it, or leave SERVICE_ACCOUNT unset to let
  deploy.sh create a dedicated one:
    gcloud iam service-accounts create mcp-runner --project $project
    SERVICE_ACCOUNT=mcp-runner@$project.iam.gserviceaccount.com ./deploy.sh $service $region"
    fi
    attempt=$((attempt + 1))
    sleep "$retry_delay"
  done
}

# The number of the newest version of secret $1: mounts name it instead of
# `latest`, which Cloud Run resolves at each instance start, so that all the
# instances of one revision hold the same value, even during a rotation.
newest_version() {
  local name
  name=$(gcloud secrets versions describe latest --secret "$1" --project "$project" --format='value(name)') ||
    die "could not read the newest version of secret $1"
  name=${name##*/}
  [[ $name =~ ^[0-9]+$ ]] || die "unexpected version name for secret $1: $name"
  printf '%s' "$name"
}

secret_refs= # ENV=SECRET:VERSION,… for --update-secrets
mount() {
  local version
  grant_access "$2"
  version=$(newest_version "$2")
  secret_refs=${secret_refs:+$secret_refs,}$1=$2:$version
  echo "$1: secret $2, version $version, readable by $runtime_sa"
}

# 32 random bytes, base64url without padding: 43 characters.
new_signing_key() {
  head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

step "Secrets (Secret Manager)"
signing_secret=$(live_env MCP_SIGNING_KEY secret)
signing_secret=${signing_secret:-$(secret_name MCP_SIGNING_KEY)}
if secret_exists "$signing_secret"; then
  echo "reusing secret $signing_secret"
else
  new_signing_key | create_secret "$signing_secret"
  echo "created secret $signing_secret"
fi
mount MCP_SIGNING_KEY "$signing_secret"

# Stores the value of environment variable $1 in its secret: created on first
# use, a new version only when the value changed (so re-runs add nothing).
store_secret() {
  local var=$1 secret=$2 current
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
}

# Each secret setting: given now (stored, then mounted), or mounted on the
# service from an earlier deploy (mounted again at its newest version, and
# granted to the runtime account, which may have just changed).
has_redis=
for var in ADMIN_PASSWORD GITHUB_CLIENT_SECRET OIDC_CLIENT_SECRET REDIS_URL; do
  secret=$(live_env "$var" secret)
  if [ -n "${!var:-}" ]; then
    store_secret "$var" "${secret:-$(secret_name "$var")}"
    mount "$var" "${secret:-$(secret_name "$var")}"
  elif [ -n "$secret" ]; then
    mount "$var" "$secret"
  else
    continue
  fi
  [ "$var" != REDIS_URL ] || has_redis=yes
done

# Other secrets mounted on the service (added by hand) stay as they are, but
# must be readable by the account this revision runs as, which may be new.
for secret in $(printf '%s\n' "$live" | awk -F'\t' '$1 ~ /\.env\.[0-9]+\.valueFrom\.secretKeyRef\.name$/ { print $2 }'); do
  case ",$secret_refs," in
    *"=$secret:"*) ;;
    *)
      grant_access "$secret"
      echo "secret $secret (mounted on the service): readable by $runtime_sa" ;;
  esac
done

# Plain environment variables. gcloud splits its lists at commas, and
# GITHUB_ALLOWED_USERS and OIDC_ALLOWED contain commas, so the list uses gcloud's alternate
# delimiter syntax `^;^A=1;B=2` (see `gcloud topic escaping`).
env_vars="PUBLIC_URL=$PUBLIC_URL"
for var in GITHUB_CLIENT_ID GITHUB_ALLOWED_USERS OIDC_ISSUER OIDC_CLIENT_ID OIDC_ALLOWED OIDC_SCOPES OIDC_DISPLAY_NAME; do
  if [ -n "${!var:-}" ]; then
    [[ ${!var} != *";"* ]] || die "$var must not contain ';'"
    env_vars="$env_vars;$var=${!var}"
    echo "$var: set as an environment variable"
  fi
done
[ -z "$allow_anyone" ] || env_vars="$env_vars;MCP_ALLOW_ANYONE=1"

# ── 7. Build and deploy ──────────────────────────────────────────────────────
# A server with a REDIS_URL must be built with the `redis` cargo feature (else
# it refuses to start and says so): given now or mounted on the service.
features=
[ -z "$has_redis" ] || features=redis

# Request timeout: one hour (Cloud Run's maximum) so that `subscriptions/listen`
# streams and long streaming tool calls are not cut at the 300 s default; a
# value the operator set on the service is kept.
timeout_args=(--timeout 3600)
live_timeout=$(json_get "$live" spec.template.spec.timeoutSeconds)
if [ -n "$live_timeout" ] && [ "$live_timeout" != 300 ] && [ "$live_timeout" != 3600 ]; then
  timeout_args=()
  echo "request timeout: ${live_timeout}s (as set on the service)"
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
  --service-account "$runtime_sa"
  --allow-unauthenticated
  --update-env-vars "^;^$env_vars"
  --update-secrets "$secret_refs"
  --update-labels "mcp-example=$example"
)
[ -z "$remove_anyone" ] || deploy_args+=(--remove-env-vars MCP_ALLOW_ANYONE)
# Optional arrays are appended with ${a[@]+"${a[@]}"}: bash 3.2 under `set -u`
# calls an empty "${a[@]}" unbound.
deploy_args+=(${timeout_args[@]+"${timeout_args[@]}"} ${build_args[@]+"${build_args[@]}"} --quiet)
gcloud "${deploy_args[@]}"
rm -f .deploy-example .deploy-features

# ── 8. Public, and at the right URL ──────────────────────────────────────────
live=$(gcloud run services describe "$service" --region "$region" --project "$project" --format json | json_paths)

# --allow-unauthenticated grants roles/run.invoker to allUsers. An organization
# policy (domain restricted sharing) can refuse that, and gcloud then only
# prints a warning and exits 0: the service answers 403 to everyone.
# Status 0: public; 1: not public; 2: the policy could not be read.
is_public() {
  local policy
  [ "$(json_get "$live" 'metadata.annotations.run.googleapis.com/invoker-iam-disabled')" != true ] || return 0
  policy=$(gcloud run services get-iam-policy "$service" --region "$region" --project "$project" --format json) ||
    return 2
  policy=$(printf '%s\n' "$policy" | json_paths)
  printf '%s\n' "$policy" | awk -F'\t' '
    $1 ~ /^bindings\.[0-9]+\.role$/ && $2 == "roles/run.invoker" { sub(/role$/, "", $1); inv[$1] = 1 }
    $1 ~ /^bindings\.[0-9]+\.members\.[0-9]+$/ && $2 == "allUsers" { sub(/members\.[0-9]+$/, "", $1); all[$1] = 1 }
    END { for (b in inv) if (b in all) found = 1; exit !found }'
}
public=0
is_public || public=$?
if [ "$public" = 2 ]; then
  note "could not read the service's IAM policy; whether it is public is checked through its URL below"
elif [ "$public" = 1 ]; then
  step "Cloud Run could not make the service public (allUsers refused, likely by the organization
    policy iam.allowedPolicyMemberDomains); turning off its invoker IAM check instead"
  gcloud run services update "$service" --region "$region" --project "$project" \
    --no-invoker-iam-check --quiet ||
    die "the service is deployed but not public: Google answers 403 to claude.ai.
  Your organization refuses allUsers and the invoker IAM check cannot be turned off
  (organization policy run.managed.requireInvokerIam). Ask an organization admin to allow
  one of them for this project, or deploy in a project outside the organization."
fi

url=$(json_get "$live" status.url)
if [ -z "$public_url_pinned" ] && [ -n "$url" ] && [ "$url" != "$PUBLIC_URL" ]; then
  step "Cloud Run reports $url; updating PUBLIC_URL to match"
  gcloud run services update "$service" --region "$region" --project "$project" \
    --update-env-vars "PUBLIC_URL=$url" --quiet
  PUBLIC_URL=$url
fi

# ── 9. Does it answer? ───────────────────────────────────────────────────────
step "Checking $PUBLIC_URL"
# Prints the HTTP status of a request (000 when there was no answer); extra
# curl arguments follow the URL path $1.
http_status() {
  local path=$1
  shift
  curl -sS -o /dev/null -w '%{http_code}' --max-time 20 "$@" "$PUBLIC_URL$path" 2>/dev/null || true
}

checks_ok=yes
if ! command -v curl >/dev/null 2>&1; then
  note "curl is not installed: the service was not checked"
else
  health=000
  for attempt in 1 2 3 4 5 6; do
    health=$(http_status /health)
    [ "$health" != 200 ] || break
    [ "$attempt" = 6 ] || sleep "$retry_delay"
  done
  headers=$(mktemp)
  mcp=$(curl -sS -o /dev/null -D "$headers" -w '%{http_code}' --max-time 20 -X POST \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    --data '{"jsonrpc":"2.0","id":1,"method":"ping"}' "$PUBLIC_URL/mcp" 2>/dev/null || true)
  challenge=
  if grep -iq '^www-authenticate: *bearer' "$headers"; then challenge=yes; fi
  rm -f "$headers"
  echo "GET  /health -> $health"
  echo "POST /mcp    -> $mcp${challenge:+ (Bearer challenge)}"
  if [ "$health" != 200 ] || [ "$mcp" != 401 ] || [ -z "$challenge" ]; then
    checks_ok=
    case $health in
      000) echo "No answer from $PUBLIC_URL. For a custom domain: is its DNS record set and does it
  point to the service (domain mapping or load balancer)? docs/DEPLOY.md section 8." ;;
      403) echo "Google answers 403: the service is not public (see the IAM step above), or the
  domain's front end refuses the request. docs/DEPLOY.md section 8." ;;
      404) echo "404: the URL reaches Google but not this service (a custom domain not mapped to it?)." ;;
      5*) echo "The service answers $health: it does not start or crashes. Its log says why:
    gcloud run services logs read $service --region $region --project $project --limit 50" ;;
      200) echo "/health works but /mcp does not answer the 401 challenge: PUBLIC_URL ($PUBLIC_URL)
  may not be the address the server is reached at (its Host check refuses others)." ;;
      *) echo "Unexpected status $health. docs/DEPLOY.md section 8." ;;
    esac
  fi
fi

if [ -z "$checks_ok" ]; then
  die "deployed, but $PUBLIC_URL/mcp does not work yet (see above); fix it and run deploy.sh
  again, or check it with: cargo run --release --bin mcp-doctor -- $PUBLIC_URL/mcp"
fi

# mcp-doctor: the whole discovery and sign-in chain, through the public URL.
doctor_cmd=${MCP_DOCTOR:-}
if [ -z "$doctor_cmd" ] && command -v cargo >/dev/null 2>&1; then
  doctor_cmd='cargo run --quiet --release --bin mcp-doctor --'
fi
if [ -z "$doctor_cmd" ]; then
  note "mcp-doctor skipped (cargo is not installed); see docs/DEPLOY.md section 8"
else
  step "mcp-doctor $PUBLIC_URL/mcp"
  read -r -a doctor_argv <<<"$doctor_cmd"
  set +e
  "${doctor_argv[@]}" "$PUBLIC_URL/mcp" 2>&1 | sed 's/^/  /'
  doctor_rc=${PIPESTATUS[0]}
  set -e
  case $doctor_rc in
    0) echo "mcp-doctor: nothing failed" ;;
    1) echo "WARNING: mcp-doctor reports failures (above); docs/DEPLOY.md section 8 says what they mean" ;;
    *) echo "WARNING: mcp-doctor did not run (exit $doctor_rc): $doctor_cmd" ;;
  esac
fi

# ── Next steps ───────────────────────────────────────────────────────────────
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
