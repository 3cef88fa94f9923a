/**
 * The logger the bus writes to: the `(obj, msg)` shape of pino, so a pino logger (or a child of
 * it) can be passed as is. Invariant: the bus never logs payloads or message values, only where a
 * message is (topic, partition, offset), its ids and why it failed.
 */
export interface BusLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

export const noopBusLogger: BusLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Name and message of an error, for a log line or a header; never its `cause` chain's data. */
export function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: typeof error, message: String(error) };
}
