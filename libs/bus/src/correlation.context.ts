/**
 * The correlation id of the event being handled, kept in an AsyncLocalStorage around each
 * handler call (it works whether or not an OpenTelemetry context manager is installed). `publish`
 * defaults to it, so a chain of events caused by one request shares one correlation id; loggers
 * may read it too. Invariant: outside a handler there is no current correlation id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<string>();

/** The correlation id of the event whose handler is running, if any. */
export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

export function runWithCorrelationId<T>(correlationId: string, fn: () => T): T {
  return storage.run(correlationId, fn);
}
