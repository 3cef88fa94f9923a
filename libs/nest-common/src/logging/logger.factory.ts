/**
 * A pino logger for code outside Nest (the CLI, the device simulator, scripts), with the same
 * format and redaction as the services' loggers.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/common-config.schema';
import { cohortLoggerOptions } from './logger.options';

export interface CreateLoggerOptions {
  readonly level?: LogLevel;
  /** Where the JSON lines go (default: stdout). */
  readonly destination?: DestinationStream;
}

export function createLogger(service: string, options: CreateLoggerOptions = {}): Logger {
  const settings = cohortLoggerOptions(service, options.level ?? 'info');
  return options.destination === undefined ? pino(settings) : pino(settings, options.destination);
}
