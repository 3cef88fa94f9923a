/**
 * ONNX Runtime session creation with execution-provider selection.
 *
 * `cpu` uses the CPU provider bundled in onnxruntime-node. `cuda` asks for the CUDA provider
 * first, with CPU listed after it so ORT places the few nodes CUDA lacks on the CPU (its normal
 * partitioning). onnxruntime-node's npm package does not ship the CUDA provider libraries
 * (docs/encoder.md says how a GPU host provides them); when they cannot be loaded, session
 * creation throws, and we fall back to a CPU-only session and report `fellBack` — the caller logs
 * a warning and counts it. Any other failure (a broken model) is not hidden by a fallback.
 */
import { InferenceSession } from 'onnxruntime-node';
import { EncoderSetupError } from './encoder.error';

export type ExecutionProvider = 'cpu' | 'cuda';

export interface SessionOptions {
  readonly provider: ExecutionProvider;
  readonly intraOpThreads?: number;
  readonly deviceId?: number;
}

export interface CreatedSession {
  readonly session: InferenceSession;
  readonly provider: ExecutionProvider;
  /** Why the requested provider was not used (undefined when it was). */
  readonly fallbackReason?: string;
}

function providerList(options: SessionOptions): InferenceSession.ExecutionProviderConfig[] {
  switch (options.provider) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return [{ name: 'cuda', deviceId: options.deviceId ?? 0 }, 'cpu'];
  }
}

function baseOptions(options: SessionOptions): InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    ...(options.intraOpThreads !== undefined ? { intraOpNumThreads: options.intraOpThreads } : {}),
  };
}

/** A provider that failed to load says so in ORT's message; model errors say something else. */
function isProviderUnavailable(message: string): boolean {
  return /AppendExecutionProvider|providers_(shared|cuda)|Failed to load (shared )?library|CUDA|cuda/i.test(message);
}

export async function createSession(model: Uint8Array, options: SessionOptions): Promise<CreatedSession> {
  if (options.intraOpThreads !== undefined && (!Number.isInteger(options.intraOpThreads) || options.intraOpThreads < 0)) {
    throw new EncoderSetupError('invalid-option', 'intraOpThreads must be a non-negative integer (0 = ORT default)');
  }
  try {
    const session = await InferenceSession.create(model, {
      ...baseOptions(options),
      executionProviders: providerList(options),
    });
    return { session, provider: options.provider };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (options.provider === 'cpu' || !isProviderUnavailable(message)) {
      throw new EncoderSetupError('session-failed', `ONNX Runtime could not create a session: ${message}`, { cause: error });
    }
    try {
      const session = await InferenceSession.create(model, { ...baseOptions(options), executionProviders: ['cpu'] });
      return { session, provider: 'cpu', fallbackReason: message };
    } catch (cpuError) {
      throw new EncoderSetupError('session-failed', `ONNX Runtime could not create a CPU session either: ${String(cpuError)}`, {
        cause: cpuError,
      });
    }
  }
}
