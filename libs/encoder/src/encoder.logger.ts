/**
 * The logger the encoder writes to: the `(obj, msg)` shape of pino, so a pino logger (or a
 * child of it) can be passed as is. Invariant: never logs texts, pixels or embeddings — only
 * model versions, providers, counts and why something failed.
 */
export interface EncoderLogger {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/** Default when the caller passes none: warnings still surface (as a Node process warning). */
export const processWarningLogger: EncoderLogger = {
  info: () => undefined,
  warn: (obj, msg) => process.emitWarning(`${msg} ${JSON.stringify(obj)}`, { code: 'COHORT_ENCODER' }),
};
