# Multi-stage build of the gateway image.
#   docker build -t gateway .
#   docker run --rm -p 8080:8080 gateway                      # shipped conf/ (admin stays on the container's loopback)
#   docker run --rm -p 8080:8080 -p 127.0.0.1:9090:9090 -v "$PWD/my-gateway:/etc/gateway:ro" gateway --config /etc/gateway/gateway.yml
#   (your own configuration, docs/operations/deploy.md; deploy/gateway/ is docker-compose's and needs its services)
# Works with the classic builder and BuildKit alike (no BuildKit-only syntax).

# ---- build ---------------------------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src

# The poms first, and a warm-up build of the (still source-less) modules: it downloads every plugin and dependency
# into a layer that is rebuilt only when a pom changes. It is an optimisation only, hence "|| true".
# (dependency:go-offline cannot be used: it fails on the reactor siblings, which are not in any repository.)
COPY pom.xml ./
COPY gateway-core/pom.xml gateway-core/
COPY gateway-filters/pom.xml gateway-filters/
COPY gateway-server/pom.xml gateway-server/
COPY loadtest/pom.xml loadtest/
RUN mvn -B -q -ntp -Dmaven.repo.local=/m2 -DskipTests -pl gateway-server -am package >/dev/null 2>&1 || true; \
    rm -rf gateway-core/target gateway-filters/target gateway-server/target

# The real build. Only the server and the modules it needs (-am): the JMH benchmarks module is not in the image.
COPY . .
RUN mvn -B -q -ntp -Dmaven.repo.local=/m2 -DskipTests -pl gateway-server -am package \
 && cp gateway-server/target/gateway-server.jar /src/gateway-server.jar

# ---- runtime -------------------------------------------------------------------------------------------------
FROM eclipse-temurin:17-jre

# The Ubuntu-based Temurin images ship curl (used by HEALTHCHECK); install it should a base image lack it.
RUN if ! command -v curl >/dev/null 2>&1; then \
        apt-get update \
     && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
     && rm -rf /var/lib/apt/lists/*; \
    fi \
 && groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --home-dir /app --no-create-home --shell /usr/sbin/nologin gateway \
 && mkdir -p /app/logs && chown 10001:10001 /app/logs   # writable, for access-log output: file (logs/access.log)

WORKDIR /app
COPY --from=build /src/gateway-server.jar /app/gateway-server.jar
COPY conf/ /app/conf/

USER 10001:10001
EXPOSE 8080 9090
# No pid file: java is PID 1 here, and /app is not writable by the gateway user.
ENV GATEWAY_PID_FILE=

# Readiness of the admin listener (200 once configured and bound, 503 while draining).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:9090/health/ready || exit 1

# java is PID 1 and gets SIGTERM itself: the gateway drains (readiness 503, in-flight requests finish) and exits 0.
# Give `docker stop` more than the configured drain-timeout (docker stop -t 35, compose stop_grace_period).
# Extra JVM options: JAVA_TOOL_OPTIONS="-Xmx256m ...".
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/gateway-server.jar"]
CMD ["--config", "/app/conf/gateway.yml"]
