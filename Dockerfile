# syntax=docker/dockerfile:1
# Build:  docker build -t marquee .
# Run:    docker run -d --name marquee -p 8080:8080 -v marquee-data:/data marquee
# See docs/deploy.md.

FROM rust:1-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p marquee \
 && install -D -m 0755 target/release/marquee /out/marquee

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 marquee \
 && useradd --system --uid 10001 --gid marquee --home-dir /data --no-create-home --shell /usr/sbin/nologin marquee \
 && mkdir -p /data \
 && chown marquee:marquee /data
COPY --from=builder /out/marquee /usr/local/bin/marquee
USER marquee:marquee
WORKDIR /data
VOLUME /data
ENV MARQUEE_DATA=/data \
    MARQUEE_LISTEN=0.0.0.0:8080
EXPOSE 8080
# No HEALTHCHECK: the slim image has no curl. Probe GET /healthz (liveness) and
# GET /readyz (readiness) from the orchestrator or load balancer instead.
ENTRYPOINT ["marquee"]
CMD ["serve"]
