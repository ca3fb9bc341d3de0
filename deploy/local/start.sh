#!/usr/bin/env bash
# Starts the whole system on this machine: PostgreSQL databases and Kafka (deploy/local/infra.sh),
# then every service as its own process, each on its own port. Ctrl-C stops the services (the
# broker keeps running for the next start; `npm run infra:down` stops it).
#
# Environment: DATABASE_URL, KAFKA_BROKERS and every variable of docs/configuration.md are passed on.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/leak_response}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export DATA_RESIDENCY_REGION="${DATA_RESIDENCY_REGION:-jp}"
export NODE_ENV="${NODE_ENV:-development}"
export KAFKAJS_NO_PARTITIONER_WARNING=1

# name:port of every service (the port is also its default HTTP_PORT)
SERVICES=(intake:3001 timeline:3005)

bash deploy/local/infra.sh up
[[ -d dist/apps ]] || npm run build

pids=()
stop() {
  trap - INT TERM EXIT
  echo "[start] stopping services"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop INT TERM EXIT

for entry in "${SERVICES[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  HTTP_PORT="$port" node "dist/apps/$name/src/main.js" &
  pids+=("$!")
done

for entry in "${SERVICES[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  for _ in $(seq 1 120); do
    if node -e "fetch('http://127.0.0.1:$port/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then
      echo "[start] $name ready on http://127.0.0.1:$port (API docs: /docs)"
      continue 2
    fi
    sleep 0.5
  done
  echo "[start] $name did not become ready on port $port; see its log lines above" >&2
  exit 1
done
echo "[start] all services ready; Ctrl-C stops them"
wait -n
