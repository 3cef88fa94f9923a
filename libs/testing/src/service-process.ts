/**
 * One Cohort service as a real child process (tsx on its `main.ts`), for end-to-end tests and the
 * distributed dev runner: start it, wait until `/health/ready` answers 200, kill it with any
 * signal, start it again with the same environment. Output is kept in memory for diagnostics.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export interface ServiceProcessOptions {
  readonly name: string;
  /** Path of the entry point relative to the repository root, e.g. `apps/dp-accountant/src/main.ts`. */
  readonly entry: string;
  readonly port: number;
  /** The child's whole environment (it inherits nothing): include PATH and whatever else it needs. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Echo the child's output (the dev runner does, tests do not). */
  readonly echo?: boolean;
}

export class ServiceProcess {
  private child: ChildProcess | undefined;
  private output: string[] = [];

  constructor(readonly options: ServiceProcessOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the process printed (stdout and stderr interleaved). */
  tail(lines = 40): string {
    return this.output.slice(-lines).join('');
  }

  async start(readyTimeoutMs = 60_000): Promise<void> {
    if (this.child !== undefined) throw new Error(`${this.options.name} is already running`);
    // Another process on the port would answer the readiness probe in this one's place.
    await assertPortFree(this.options.port, this.options.name);
    // node itself, with tsx as a loader: a signal reaches the service, not a launcher that would
    // die and leave the service running on its port.
    const child = spawn(process.execPath, ['--import', 'tsx', this.options.entry], {
      cwd: REPO_ROOT,
      env: { ...this.options.env, HOST: '127.0.0.1', PORT: String(this.options.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.output.push(text);
      if (this.output.length > 2000) this.output.splice(0, 1000);
      if (this.options.echo) process.stdout.write(`[${this.options.name}] ${text}`);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', () => {
      if (this.child === child) this.child = undefined;
    });
    await this.waitReady(readyTimeoutMs);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child === undefined) throw new Error(`${this.options.name} exited during start:\n${this.tail()}`);
      try {
        const response = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(1_000) });
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.options.name} was not ready on ${this.url} after ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** Sends `signal` and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
    this.child = undefined;
  }
}

function assertPortFree(port: number, name: string): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`${name} cannot start: 127.0.0.1:${port} is taken (${error.code ?? error.message}); stop whatever listens there`)),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort()));
  });
}
