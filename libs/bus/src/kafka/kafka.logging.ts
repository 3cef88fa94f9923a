/**
 * Routes kafkajs's own log lines into the bus logger instead of the console. Only warnings and
 * errors are kept; the ones kafkajs emits during every ordinary rebalance or shutdown are demoted
 * to info so that an operator's error stream carries only real trouble.
 * Invariant: kafkajs never logs message values, and neither do we: only its fields that locate a
 * problem (namespace, group, topic, broker, error text) are forwarded.
 */
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { BusLogger } from '../bus.logger';

/** kafkajs messages that describe normal group life (rebalances, leaving, retries that succeed). */
const ROUTINE = [
  /rebalanc/i,
  /rejoin/i,
  /not the correct coordinator/i,
  /generation id is not valid/i,
  /re-joining/i,
  /not aware of this member/i,
  /Restarting the consumer/i,
  /Connection timeout/i,
  /coordinator is (loading|not available)/i,
  /does not host this topic-partition/i,
  /no leader for this topic-partition/i,
  /leader is not available/i,
  // Retried by kafkajs; if the retries run out, publish rejects or the consumer crash is logged.
  /not the leader for that topic-partition/i,
];

const FORWARDED = ['groupId', 'memberId', 'topic', 'partition', 'broker', 'clientId', 'error', 'retryCount', 'retryTime', 'type', 'code'];

export function kafkaLogCreator(logger: BusLogger): logCreator {
  return () => (entry: LogEntry) => {
    const fields: Record<string, unknown> = { kafkajs: entry.namespace };
    for (const name of FORWARDED) {
      const value: unknown = entry.log[name];
      if (value === undefined) continue;
      fields[name] = value instanceof Error ? `${value.name}: ${value.message}` : value;
    }
    const message = `kafkajs: ${entry.log.message}`;
    // Protocol errors arrive as "Response Heartbeat(...)" with the reason in `error`.
    const text = `${entry.log.message} ${typeof entry.log['error'] === 'string' ? entry.log['error'] : ''}`;
    if (ROUTINE.some((pattern) => pattern.test(text))) logger.info(fields, message);
    else if (entry.level === logLevel.ERROR) logger.error(fields, message);
    else if (entry.level === logLevel.WARN) logger.warn(fields, message);
  };
}

/** kafkajs headers (Buffer, string or arrays of them) as plain strings; the last value wins. */
export function headersToStrings(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    out[name] = typeof value === 'string' ? value : value.toString('utf8');
  }
  return out;
}
