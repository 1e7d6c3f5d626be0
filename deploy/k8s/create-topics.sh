#!/usr/bin/env bash
# Creates the event topics and their dead-letter topics with their partition counts and
# retention, and re-applies the retention to topics that already exist. Used by the `topics` job
# in deploy/compose.yaml and the `ideastorm-topics` Job in Kubernetes (same file).
#
# The list must match schemas/topics.py; tests/unit/test_deploy_files.py fails when they drift.
# Why each retention: docs/operations.md ("Topics").
set -euo pipefail

BOOTSTRAP="${BOOTSTRAP_SERVERS:?set BOOTSTRAP_SERVERS}"
RF="${REPLICATION_FACTOR:-1}"
BIN="${KAFKA_BIN:-/opt/kafka/bin}"
FOREVER=-1                       # projections are rebuilt from these: keep every event
DERIVED_RETENTION_MS=604800000   # 7 days: re-published from `votes`, read at once, then useless
DLQ_RETENTION_MS=7776000000      # 90 days to inspect and re-drive refused messages

create() {  # topic partitions retention.ms
  local topic="$1" partitions="$2" retention="$3" existing
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor "$RF" \
    --config "retention.ms=$retention" --config retention.bytes=-1 \
    --config cleanup.policy=delete --config min.insync.replicas="$(( RF > 1 ? 2 : 1 ))"
  # a topic created earlier (by hand, or by a service before this job ran) gets the retention too
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics \
    --entity-name "$topic" --add-config "retention.ms=$retention,retention.bytes=-1"
  existing="$("$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --describe --topic "$topic" \
    | grep -o 'PartitionCount: *[0-9]*' | grep -o '[0-9]*$')"
  if [ "$existing" != "$partitions" ]; then
    # adding partitions moves keys to other partitions: a deliberate step, see docs/operations.md
    echo "topic $topic has $existing partitions, schemas/topics.py says $partitions" >&2
    exit 1
  fi
}

create ideas.submissions 4 "$FOREVER"
create votes 4 "$FOREVER"
create status 4 "$FOREVER"
create votes.clients 4 "$DERIVED_RETENTION_MS"
create ideas.submissions.dlq 1 "$DLQ_RETENTION_MS"
create votes.dlq 1 "$DLQ_RETENTION_MS"
create status.dlq 1 "$DLQ_RETENTION_MS"
create votes.clients.dlq 1 "$DLQ_RETENTION_MS"
echo "topics ready"
