# syntax=docker/dockerfile:1
# One image for every Bestiary process: the `bestiary` binary (api, worker, web, migrate and
# the admin commands), the `ai-service` binary and the built SPA. Compose picks the process
# with `command:`. Build: `docker build -t bestiary .`

ARG RUST_VERSION=1.95
# Must equal the `wasm-bindgen` version in Cargo.lock (a test checks it).
ARG WASM_BINDGEN_VERSION=0.2.130

# ---- build: binaries in release, the SPA as wasm ------------------------------------------
FROM rust:${RUST_VERSION}-bookworm AS build
ARG WASM_BINDGEN_VERSION
RUN apt-get update \
 && apt-get install -y --no-install-recommends brotli \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add wasm32-unknown-unknown \
 && cargo install wasm-bindgen-cli --version "${WASM_BINDGEN_VERSION}"
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY domain domain
COPY api-types api-types
COPY commands commands
COPY projections projections
COPY redis-link redis-link
COPY bench bench
COPY worker worker
COPY ai-service ai-service
COPY web web
COPY migrations migrations
COPY src src
ENV CARGO_TARGET_DIR=/src/target
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p bestiary -p ai-service \
 && web/build \
 && mkdir -p /out \
 && cp target/release/bestiary target/release/ai-service /out/ \
 && cp -r web/dist /out/web-dist

# ---- runtime: the binaries, the SPA, curl for health checks; no build tools, not root -----
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin bestiary
COPY --from=build /out/bestiary /out/ai-service /usr/local/bin/
COPY --from=build /out/web-dist /app/web/dist
WORKDIR /app
ENV WEB_DIST=/app/web/dist \
    API_ADDR=0.0.0.0:8000 \
    AI_SERVICE_ADDR=0.0.0.0:8001 \
    WEB_ADDR=0.0.0.0:8501
USER bestiary
EXPOSE 8000 8001 8501
CMD ["bestiary", "api"]
