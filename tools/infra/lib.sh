# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables below are read by the scripts that source this file
# Shared by up.sh and down.sh (sourced, never run). Holds the paths, ports and small helpers so
# that both scripts agree on where pid files live and what counts as "our" process.

INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$INFRA_DIR/../.." && pwd)"

KAFKA_HOST=127.0.0.1
KAFKA_PORT="${COHORT_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${COHORT_KAFKA_CONTROLLER_PORT:-9093}"
REDIS_HOST=127.0.0.1
REDIS_PORT="${COHORT_REDIS_PORT:-6379}"

# The version pin lives in the pom only, so that bumping it is a one-line change.
KAFKA_POM="$INFRA_DIR/kafka/pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM" | head -n 1)"
# Fixed so that the formatted storage under .data/ matches every later start, and so that
# up.sh can tell its own broker from some other broker already listening on the port.
# (base64url of the 16 bytes "cohort-dev-kraft", the form Kafka's Uuid expects.)
KAFKA_CLUSTER_ID=Y29ob3J0LWRldi1rcmFmdA

KAFKA_CACHE_DIR="$REPO_ROOT/.cache/kafka/$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_CACHE_DIR/libs"
KAFKA_DATA="$REPO_ROOT/.data/kafka"
KAFKA_LOG_DIRS="$KAFKA_DATA/kraft-combined-logs"
KAFKA_APP_LOGS="$KAFKA_DATA/logs"
KAFKA_PID_FILE="$KAFKA_DATA/kafka.pid"
KAFKA_MAIN=kafka.Kafka
KAFKA_STORAGE_MAIN=kafka.tools.StorageTool

REDIS_DATA="$REPO_ROOT/.data/redis"
REDIS_PID_FILE="$REDIS_DATA/redis.pid"

log() { printf '%s\n' "$*"; }
# Progress goes to stderr so that stdout carries only the one "ready" line per service.
info() { printf 'infra: %s\n' "$*" >&2; }
die() {
  printf 'infra: error: %s\n' "$*" >&2
  exit 1
}

# Several engineers (and parallel test runs) share one working tree; serialize up/down so two
# callers never format storage or start a second broker at the same time. Every daemon started
# under the lock must close fd 9 (`9>&-`), or it would hold the lock for its whole life.
take_infra_lock() {
  mkdir -p "$REPO_ROOT/.data"
  exec 9>"$REPO_ROOT/.data/.infra.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 300 9 || die "another infra:up/infra:down still holds .data/.infra.lock after 300 s"
  fi
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

read_pid() { [[ -s "$1" ]] && tr -dc '0-9' <"$1"; }

# A pid file can outlive its process and the pid be reused; only trust it when the command line
# still names the expected program.
pid_is() {
  local pid="$1" needle="$2"
  pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$needle"
}

kafka_pid() {
  local pid
  pid="$(read_pid "$KAFKA_PID_FILE")" || return 1
  pid_is "$pid" "$KAFKA_MAIN" && printf '%s' "$pid"
}

redis_pid() {
  local pid
  pid="$(read_pid "$REDIS_PID_FILE")" || return 1
  pid_is "$pid" redis-server && printf '%s' "$pid"
}

# SIGTERM, then wait (Kafka does a controlled shutdown and flushes its logs), then SIGKILL.
stop_pid() {
  local pid="$1" name="$2" grace="$3" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while pid_alive "$pid"; do
    if ((waited >= grace * 10)); then
      info "$name (pid $pid) still running after ${grace} s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}
