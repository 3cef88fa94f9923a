import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEVICE_KEY, startTestApp, type TestApp } from '../common/test-app.fixture';
import { createLogger } from './logger.factory';
import { REDACTED } from './logger.options';

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

describe('createLogger', () => {
  it('writes JSON lines with service, level label and ISO time', () => {
    const { lines, destination } = capture();
    createLogger('simulator', { destination }).info({ roundId: 'r-1', correlationId: 'c-1' }, 'round opened');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: 'simulator', level: 'info', msg: 'round opened', roundId: 'r-1', correlationId: 'c-1' });
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('redacts secrets at the top level and nested, whatever object they sit in', () => {
    const { lines, destination } = capture();
    createLogger('simulator', { destination }).info(
      {
        apiKey: 'top-api-key',
        key: 'top-key',
        device: { apiKey: 'nested-api-key', key: 'k1', secret: 's1', seed: 'seed1', mask: 'm1', share: 'sh1', shares: ['sh2'], password: 'pw1' },
        session: { secagg: { seed: 'deep-seed', mask: 'deep-mask', shares: ['deep-share'], privateKey: 'deep-pk' } },
        req: { headers: { authorization: 'Bearer top-secret-bearer', 'user-agent': 'ua' } },
        user: { token: 't1', passphrase: 'pp1', name: 'visible' },
        roundId: 'r-7',
      },
      'with secrets',
    );
    const line = lines[0] as Record<string, Record<string, unknown>>;
    expect(line.apiKey).toBe(REDACTED);
    expect(line.key).toBe(REDACTED);
    expect(line.device).toEqual({
      apiKey: REDACTED,
      key: REDACTED,
      secret: REDACTED,
      seed: REDACTED,
      mask: REDACTED,
      share: REDACTED,
      shares: REDACTED,
      password: REDACTED,
    });
    expect(line.session?.secagg).toEqual({ seed: REDACTED, mask: REDACTED, shares: REDACTED, privateKey: REDACTED });
    expect((line.req?.headers as Record<string, unknown>).authorization).toBe(REDACTED);
    expect((line.req?.headers as Record<string, unknown>)['user-agent']).toBe('ua');
    expect(line.user).toEqual({ token: REDACTED, passphrase: REDACTED, name: 'visible' });
    expect(line.roundId).toBe('r-7');
    const text = JSON.stringify(lines);
    for (const secret of ['top-api-key', 'top-key', 'nested-api-key', 's1', 'seed1', 'm1', 'sh1', 'sh2', 'pw1', 'deep-seed', 'deep-mask', 'deep-share', 'deep-pk', 'top-secret-bearer', 't1', 'pp1']) {
      expect(text, secret).not.toContain(`"${secret}"`);
    }
  });

  it('redacts at any depth, in arrays, case-insensitively and in child bindings, without touching the caller\'s object', () => {
    const { lines, destination } = capture();
    const logged = { a: { b: { c: { d: { e: { Seed: 'deep5', kept: 1 } } } } }, devices: [{ clientId: 'c1', apiKey: 'arr-key' }], headers: { Authorization: 'Bearer hdr' } };
    createLogger('simulator', { destination }).child({ apiKey: 'bound-key', component: 'sdk' }).warn(logged, 'nested');
    const line = lines[0] as Record<string, unknown>;
    expect(line).toMatchObject({
      apiKey: REDACTED,
      component: 'sdk',
      a: { b: { c: { d: { e: { Seed: REDACTED, kept: 1 } } } } },
      devices: [{ clientId: 'c1', apiKey: REDACTED }],
      headers: { Authorization: REDACTED },
    });
    expect(logged.devices[0]?.apiKey).toBe('arr-key');
    expect(logged.a.b.c.d.e.Seed).toBe('deep5');
    expect(JSON.stringify(lines)).not.toMatch(/deep5|arr-key|bound-key|Bearer hdr/);
  });

  it('respects the level', () => {
    const { lines, destination } = capture();
    const logger = createLogger('cli', { destination, level: 'warn' });
    logger.info('hidden');
    logger.warn('shown');
    expect(lines.map((line) => line.msg)).toEqual(['shown']);
  });
});

describe('request logging', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ http: { jsonLimit: 64 } });
  });
  afterAll(() => t.close());

  const requestLines = () => t.logs.filter((line) => line.req !== undefined && line.res !== undefined);
  /** The request line is written at the response's `finish`, which may follow the client's read. */
  const requestLine = (correlationId: string) =>
    vi.waitFor(() => {
      const line = requestLines().find((entry) => entry.correlationId === correlationId);
      if (line === undefined) {
        throw new Error(`no request line for ${correlationId} yet`);
      }
      return line;
    });

  it('logs one line per request with service, correlationId and a redacted Authorization header', async () => {
    const response = await fetch(`${t.url}/things/mine`, { headers: { authorization: `Bearer ${DEVICE_KEY}`, 'x-correlation-id': 'corr-42' } });
    expect(response.headers.get('x-correlation-id')).toBe('corr-42');
    const line = (await requestLine('corr-42')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(line).toMatchObject({ service: 'fixture', level: 'info', correlationId: 'corr-42' });
    expect(line.req?.headers?.authorization).toBe(REDACTED);
    expect(line.res?.statusCode).toBe(200);
    expect(JSON.stringify(t.logs)).not.toContain(DEVICE_KEY);
  });

  it('makes up a correlation id when the caller sends none or a strange one', async () => {
    const response = await fetch(`${t.url}/things/open`, { headers: { 'x-correlation-id': 'bad id with spaces' } });
    expect(response.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('does not log probes and scrapes per request', async () => {
    const before = requestLines().length;
    await fetch(`${t.url}/health/live`);
    await fetch(`${t.url}/health/ready`);
    await fetch(`${t.url}/metrics`);
    await fetch(`${t.url}/things/open`);
    await vi.waitFor(() => expect(requestLines().length).toBeGreaterThan(before));
    const added = requestLines().slice(before);
    expect(added.map((line) => (line.req as { url: string }).url)).toEqual(['/things/open']);
  });

  it('still logs a request whose body is refused (body parsing runs after request logging), at warn', async () => {
    await fetch(`${t.url}/things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEVICE_KEY}`, 'content-type': 'application/json', 'x-correlation-id': 'corr-413' },
      body: JSON.stringify({ name: 'x'.repeat(200) }),
    });
    const line = await requestLine('corr-413');
    expect(line).toMatchObject({ level: 'warn', res: { statusCode: 413 } });
  });
});
