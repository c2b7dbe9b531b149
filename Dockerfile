# The container Cloud Run builds and runs (`gcloud run deploy --source .` uses
# this file; Google's buildpacks do not support Rust, so a Rust service needs a
# Dockerfile). Two stages: a full Rust toolchain compiles one example, and a
# small image with nothing but glibc and the binary runs it (about 25-30 MB).
#
# Local build and run:
#   docker build -t remote-mcp .                              # examples/quickstart.rs
#   docker build -t remote-mcp --build-arg EXAMPLE=github .   # examples/github.rs
#   docker build -t remote-mcp --build-arg FEATURES=redis .   # with REDIS_URL support
#   docker run --rm -p 8080:8080 remote-mcp
#
# Which example is built, first match wins:
#   1. the build arg EXAMPLE, when given (`docker build --build-arg EXAMPLE=…`);
#   2. the file `.deploy-example`, which ./deploy.sh writes for the length of a
#      deploy — `gcloud run deploy --source` cannot pass build args to a
#      Dockerfile build (its --set-build-env-vars reach buildpacks only), so
#      the choice travels inside the uploaded source instead;
#   3. quickstart.
# Which cargo features are built in (e.g. `redis`, for REDIS_URL), the same
# way: the build arg FEATURES, else the file `.deploy-features` (deploy.sh
# writes `redis` there when the service has a REDIS_URL), else none.

# ── Stage 1: build ───────────────────────────────────────────────────────────
# Pinned to a Rust minor release (1.95, the toolchain the tests run with; the
# crate needs >= 1.85) on Debian 13 "trixie", the same Debian as the runtime
# image, so the glibc the binary links against is the one it runs with. To
# move to a newer Rust, change the tag (https://hub.docker.com/_/rust lists
# them, e.g. 1.96-trixie) and run tests/deploy/test_release_build.sh.
FROM rust:1.95-trixie AS build
WORKDIR /src

# The whole source tree, minus what .dockerignore (and, for Cloud Build,
# .gcloudignore) leaves out. No separate dependency-caching layer: Cloud Build
# starts from an empty cache every time, and the few dependencies download in
# seconds.
COPY . .

ARG EXAMPLE=
ARG FEATURES=
RUN set -eu; \
    name="${EXAMPLE}"; \
    if [ -z "$name" ] && [ -f .deploy-example ]; then name="$(cat .deploy-example)"; fi; \
    name="${name:-quickstart}"; \
    case "$name" in \
      *[!a-z0-9_-]*) echo "EXAMPLE must be the name of a file in examples/, got: $name" >&2; exit 1 ;; \
    esac; \
    features="${FEATURES:-}"; \
    if [ -z "$features" ] && [ -f .deploy-features ]; then features="$(cat .deploy-features)"; fi; \
    case "$features" in \
      *[!a-z0-9_,-]*) echo "FEATURES must be a comma-separated list of cargo features, got: $features" >&2; exit 1 ;; \
    esac; \
    echo "building example: $name${features:+, features: $features}"; \
    cargo build --release --locked --example "$name" ${features:+--features "$features"}; \
    cp "target/release/examples/$name" /remote-mcp

# ── Stage 2: run ─────────────────────────────────────────────────────────────
# distroless/cc: glibc, libgcc, CA certificates and nothing else — no shell, no
# package manager. Debian 13 based (the Debian 12 images reached end of life in
# September 2026), maintained by Google's distroless project, rebuilt on every
# Debian security update under the same tag. The `nonroot` tag runs as uid 65532.
# To pin an exact build, append its digest (docs/DEPLOY.md section 9):
#   FROM gcr.io/distroless/cc-debian13:nonroot@sha256:…
FROM gcr.io/distroless/cc-debian13:nonroot
COPY --from=build /remote-mcp /usr/local/bin/remote-mcp

# Cloud Run's container contract: listen on 0.0.0.0 at $PORT. Cloud Run always
# sets PORT (8080 unless `--port` says otherwise); the server also defaults to
# 8080 when it is unset, as in `docker run` above.
ENV HOST=0.0.0.0
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/remote-mcp"]
