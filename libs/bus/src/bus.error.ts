/**
 * The one exception class of `@cohort/bus`. Every failure the bus reports to a caller is a
 * `BusError` with a string code, whatever the adapter, so callers branch on `code` and never on
 * kafkajs error text. Invariant: a rejected `publish` may or may not have reached the broker
 * (at-least-once); a rejected `subscribe` left no consumer behind.
 */
export type BusErrorCode =
  /** `publish`/`subscribe` before `start()`. */
  | 'not-started'
  /** `close()` was called on this bus (or subscription). */
  | 'closed'
  /** An argument broke the port's rules (empty group, negative retries, bad eventId, ...). */
  | 'invalid-argument'
  /** The payload does not match the event definition's schema: nothing was sent. */
  | 'invalid-payload'
  /** The encoded event is larger than `MAX_EVENT_BYTES`: use a claim check (`BlobRef`). */
  | 'oversized'
  /** The broker did not take the message (unreachable, timed out, refused). */
  | 'publish-failed'
  /** Topic creation failed at start or on first use. */
  | 'topic-setup-failed'
  /** The consumer could not join its group in time. */
  | 'subscribe-failed';

export class BusError extends Error {
  override readonly name = 'BusError';

  constructor(
    readonly code: BusErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Both adapters refuse publish/subscribe before start() and after close() the same way. */
export function assertBusOpen(closed: boolean, started: boolean): void {
  if (closed) throw new BusError('closed', 'this bus was closed; create a new one');
  if (!started) throw new BusError('not-started', 'call start() before publishing or subscribing');
}
