#!/usr/bin/env bash
# Stops the Kafka broker and Redis server that up.sh started (found by their pid files). Servers
# that up.sh merely reused are left alone. Caches (.cache/) and data (.data/) stay, so the next
# `npm run infra:up` is quick.
#
# --purge also deletes .data/kafka and .data/redis: every topic a test ever created is replayed
# and reloaded at broker start, so a long-lived data dir makes restarts slower over time.
set -euo pipefail

# shellcheck source=tools/infra/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=false
case "${1:-}" in
  "") ;;
  --purge) purge=true ;;
  *) die "usage: down.sh [--purge]" ;;
esac

take_infra_lock

if pid="$(kafka_pid)"; then
  # A clean shutdown avoids log recovery on the next start; 30 s is generous for one node.
  stop_pid "$pid" kafka 30
  log "kafka stopped (pid $pid)"
else
  log "kafka not running (no live pid in .data/kafka/kafka.pid)"
fi
rm -f "$KAFKA_PID_FILE"

if pid="$(redis_pid)"; then
  stop_pid "$pid" redis 10
  log "redis stopped (pid $pid)"
else
  log "redis not running (no live pid in .data/redis/redis.pid)"
fi
rm -f "$REDIS_PID_FILE"

if $purge; then
  rm -rf "$KAFKA_DATA" "$REDIS_DATA"
  log "removed .data/kafka and .data/redis"
fi
