import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const REPO = resolve(__dirname, '../../../..');
const MAIN = join(__dirname, 'bootstrap.fixture-main.ts');
const DEV_KEY = 'fixture-dev-key-0123456789abcdefgh';

interface Run {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: ChildProcess[] = [];

/** Runs the fixture main with exactly this environment (nothing inherited). */
function run(environment: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: REPO, env: environment, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  const result: Run = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((done) => child.once('exit', (code, signal) => done({ code, signal }))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (result.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
  return result;
}

async function listeningUrl(service: Run): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const match = /listening on (http:\/\/[^\s]+) \(standalone mode, development\)/.exec(service.stdout);
    if (match?.[1] !== undefined) {
      return match[1];
    }
    if (service.child.exitCode !== null) {
      throw new Error(`exited early: ${service.stderr}${service.stdout}`);
    }
    await new Promise((next) => setTimeout(next, 50));
  }
  throw new Error(`never listened: ${service.stderr}${service.stdout}`);
}

afterEach(() => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }
});

// Each case starts a fresh Node process that compiles TypeScript with tsx: a few seconds each.
describe('bootstrapService', { timeout: 60_000 }, () => {
  it('listens on HOST:PORT, logs the URL as JSON, and shuts down cleanly on SIGTERM', async () => {
    const service = run({ PORT: '0', HOST: '127.0.0.1', COHORT_API_KEY: DEV_KEY, LOG_LEVEL: 'info' });
    const url = await listeningUrl(service);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const ping = await fetch(`${url}/ping`);
    expect(ping.status).toBe(200);
    expect(ping.headers.get('x-powered-by')).toBeNull();
    expect((await fetch(`${url}/private`)).status).toBe(401);
    expect((await fetch(`${url}/private`, { headers: { authorization: `Bearer ${DEV_KEY}` } })).status).toBe(200);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);

    const listening = service.stdout.split('\n').find((line) => line.includes('listening on'));
    expect(JSON.parse(listening ?? '{}')).toMatchObject({ service: 'fixture-main', level: 'info' });

    service.child.kill('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.stdout).toContain('SIGTERM received: shutting down gracefully');
    expect(service.stdout).toContain('feature shutdown hook ran');
    expect(service.stdout).toContain('shut down cleanly');
    expect(service.stdout).not.toContain(DEV_KEY);
    expect(service.stderr).not.toContain(DEV_KEY);
  });

  it('prints a generated development key once, to stderr only, when standalone mode has none', async () => {
    const service = run({ PORT: '0' });
    const url = await listeningUrl(service);
    const key = /\n {4}([A-Za-z0-9_-]{43})\n/.exec(service.stderr)?.[1];
    expect(key).toBeDefined();
    expect(service.stderr.split(key as string)).toHaveLength(2);
    expect((await fetch(`${url}/private`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    expect(service.stdout).not.toContain(key as string);
    service.child.kill('SIGTERM');
    expect((await service.exited).code).toBe(0);
  });

  it('exits 78 naming the variable when the environment is invalid', async () => {
    const service = run({ PORT: 'eighty' });
    expect((await service.exited).code).toBe(78);
    expect(service.stderr).toMatch(/Invalid configuration \(1 problem\)[^\n]*\n {2}- PORT: /);
  });

  it('exits 78 when the config is refused while the app is built (dev key in distributed mode)', async () => {
    const service = run({ PORT: '0', COHORT_MODE: 'distributed', COHORT_API_KEY: DEV_KEY });
    expect((await service.exited).code).toBe(78);
    expect(service.stderr).toContain('COHORT_API_KEY: is the standalone development key and is refused in distributed mode');
    expect(service.stderr).not.toContain(DEV_KEY);
  });
});
