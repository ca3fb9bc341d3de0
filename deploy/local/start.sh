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
# Local http: the session cookie cannot be Secure here.
export AUTH_COOKIE_SECURE="${AUTH_COOKIE_SECURE:-false}"

# Development keys (access-token key pair, link key, sealing master key): made once into
# deploy/local/.state/dev-keys.env. Every service gets AUTH_PUBLIC_KEYS, LINK_SIGNING_KEY and
# SEALING_MASTER_KEYS (read by the services that seal case texts); only identity gets AUTH_SIGNING_KEY.
DEV_KEYS_FILE="$(node deploy/local/dev-keys.mjs)"
set -a
# shellcheck source=/dev/null
source "$DEV_KEYS_FILE"
set +a
IDENTITY_SIGNING_KEY="$AUTH_SIGNING_KEY"
unset AUTH_SIGNING_KEY

# name:port of every service (the port is also its default HTTP_PORT)
SERVICES=(identity:3006 intake:3001 timeline:3005 client-notifier:3002 subject-notifier:3003 publisher:3004)

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

# A mail catcher for the e-mails of identity and client-notifier: the one listening on 127.0.0.1:1025 (compose's
# mailpit, web inbox on :8025), else a small built-in one (deploy/local/mail-catcher.mjs, inbox on :8025).
# MAIL_CATCHER=off starts none (set SMTP_* to a real server then).
if [[ "${MAIL_CATCHER:-auto}" != off && -z "${SMTP_HOST:-}" ]] &&
  ! node -e "require('net').connect(1025,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"; then
  node deploy/local/mail-catcher.mjs &
  pids+=("$!")
  echo "[start] built-in mail catcher: SMTP on 127.0.0.1:1025, inbox on http://127.0.0.1:8025"
fi

for entry in "${SERVICES[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  if [[ "$name" == identity ]]; then
    # Anomaly alerts are mailed through SMTP_* (default: a catcher on 127.0.0.1:1025, e.g. compose's mailpit;
    # without one, deliveries are retried and logged, nothing is lost).
    AUTH_SIGNING_KEY="$IDENTITY_SIGNING_KEY" HTTP_PORT="$port" \
      SMTP_HOST="${SMTP_HOST:-127.0.0.1}" SMTP_PORT="${SMTP_PORT:-1025}" SMTP_TLS="${SMTP_TLS:-none}" \
      MAIL_FROM="${MAIL_FROM:-Leak Response <noreply@leak-response.local>}" \
      node "dist/apps/$name/src/main.js" &
  elif [[ "$name" == client-notifier ]]; then
    # The correspondence with the client: mail through SMTP_* (the catcher on 127.0.0.1:1025 by default, see
    # above); acknowledgement links point at this service, case links at the timeline.
    HTTP_PORT="$port" \
      SMTP_HOST="${SMTP_HOST:-127.0.0.1}" SMTP_PORT="${SMTP_PORT:-1025}" SMTP_TLS="${SMTP_TLS:-none}" \
      MAIL_FROM="${MAIL_FROM:-Leak Response <noreply@leak-response.local>}" \
      PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$port}" \
      CASE_LINK_BASE_URL="${CASE_LINK_BASE_URL:-http://127.0.0.1:3005}" \
      node "dist/apps/$name/src/main.js" &
  elif [[ "$name" == subject-notifier ]]; then
    # The notices to the affected persons: mail through SMTP_* (the catcher on 127.0.0.1:1025 by default).
    HTTP_PORT="$port" \
      SMTP_HOST="${SMTP_HOST:-127.0.0.1}" SMTP_PORT="${SMTP_PORT:-1025}" SMTP_TLS="${SMTP_TLS:-none}" \
      MAIL_FROM="${MAIL_FROM:-Leak Response <noreply@leak-response.local>}" \
      node "dist/apps/$name/src/main.js" &
  else
    HTTP_PORT="$port" node "dist/apps/$name/src/main.js" &
  fi
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
echo "[start] first run? create the first admin (docs/identity.md):"
echo "[start]   DATABASE_URL=$DATABASE_URL DATA_RESIDENCY_REGION=$DATA_RESIDENCY_REGION node dist/apps/identity/src/cli/bootstrap-admin.js --email you@example.jp --name 'Your Name' --org-name 'Your company' --generate"
wait -n
