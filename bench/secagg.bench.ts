/**
 * SecAgg+ benchmark: one in-process round per (clients, dim, dropout) with the real server and the
 * real client code, measuring
 *   - server CPU time (every server call of the round, user + system),
 *   - the floor: a plain modular sum of the same n·d words plus the AES-CTR expansion of exactly
 *     the masks the server had to regenerate, and the ratio server / floor,
 *   - one representative client's CPU time for its protocol work (all five stages, masks included;
 *     quantization and training excluded), its bytes up and down, and the upload expansion over a
 *     plain 32-bit upload of d words (bytes up / 4d).
 *
 * `dropout` is the fraction of clients that vanish after sending their masked input (before
 * Unmask); the server then rebuilds their self-mask seeds from their neighbours' shares. A second
 * table (printed only) drops clients before their masked input, the path where the server must also
 * rebuild mask keys and regenerate pairwise masks.
 *
 * Simulating the other n − 1 clients honestly but affordably: they run the real SecAggClient over a
 * `SimulationSuite` that (1) verifies each Ed25519 signature once and replays the verdict, (2)
 * computes each X25519 agreement once per key pair (both ends get the same value), and (3) skips the
 * AES expansion of pairwise masks between two simulated clients that both send inputs — those
 * masks cancel in the sum (Bonawitz et al. 2017, §4), so both ends add zero instead. Pairwise masks
 * that involve the representative client or a client that drops before its input are expanded for
 * real. The server uses the plain Node suite and does all of its real work; every round checks the
 * released sum against Σ x_u, so a wrong shortcut would fail loudly.
 *
 * Memory: the server keeps one O(d) running sum; client vectors are generated lazily, one at a time.
 *
 * Run: npx tsx bench/secagg.bench.ts [--quick]   (full runs rewrite bench/results/secagg.json)
 */
import * as nodeCrypto from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SecAggClient,
  SecAggServer,
  addInto,
  createNodeCryptoSuite,
  createSecAggParams,
  expandMask,
  type ClientMessage,
  type CryptoSuite,
  type SecAggParams,
  type ServerRequest,
} from '@cohort/secagg';

const QUICK = process.argv.includes('--quick');
const node = createNodeCryptoSuite(nodeCrypto);
const GROUP_SIZE = 1000;
const CORRUPT_FRACTION = 0.05;

interface Row {
  clients: number;
  dim: number;
  dropout: number;
  serverSeconds: number;
  floorSeconds: number;
  clientSeconds: number;
  bytesUpPerClient: number;
  bytesDownPerClient: number;
  expansion: number;
}

// ---------------------------------------------------------------------------------------------
// CPU time and wire size

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

class Stopwatch {
  seconds = 0;
  time<T>(fn: () => T): T {
    const t0 = cpuSeconds();
    try {
      return fn();
    } finally {
      this.seconds += cpuSeconds() - t0;
    }
  }
  async timeAsync<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = cpuSeconds();
    try {
      return await fn();
    } finally {
      this.seconds += cpuSeconds() - t0;
    }
  }
}

/** Payload bytes of a message: raw byte fields, UTF-8 strings, 4 bytes per number; no framing. */
function wireBytes(value: unknown): number {
  if (value instanceof Uint8Array || value instanceof Uint32Array) return value.byteLength;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return 4;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + wireBytes(v), 0);
  if (value && typeof value === 'object') return Object.values(value).reduce((n: number, v) => n + wireBytes(v), 0);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// The simulation suite for the n − 1 non-representative clients

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Reads the (lo, hi) client ids out of a pairwise-mask HKDF info (length-prefixed fields). */
function pairwiseParties(info: Uint8Array): [string, string] | undefined {
  const fields: string[] = [];
  const view = new DataView(info.buffer, info.byteOffset, info.byteLength);
  for (let o = 0; o + 4 <= info.length; ) {
    const len = view.getUint32(o);
    fields.push(Buffer.from(info.subarray(o + 4, o + 4 + len)).toString('utf8'));
    o += 4 + len;
  }
  return fields[1] === 'pairwise-mask' ? [fields[3]!, fields[4]!] : undefined;
}

function createSimulationSuite(base: CryptoSuite, realPairs: (a: string, b: string) => boolean): CryptoSuite {
  const verdicts = new Map<string, boolean>();
  const publicOf = new Map<string, string>();
  const agreements = new Map<string, Uint8Array>();
  const elided = new Set<string>();
  return {
    ...base,
    name: 'simulation',
    x25519PublicKey: (sk) => {
      const pk = base.x25519PublicKey(sk);
      publicOf.set(hex(sk), hex(pk));
      return pk;
    },
    x25519: (sk, pk) => {
      const mine = publicOf.get(hex(sk));
      const theirs = hex(pk);
      if (mine === undefined) return base.x25519(sk, pk);
      const key = mine < theirs ? mine + theirs : theirs + mine;
      let shared = agreements.get(key);
      if (!shared) agreements.set(key, (shared = base.x25519(sk, pk)));
      return shared;
    },
    ed25519Verify: (pk, msg, sig) => {
      const key = hex(sig) + hex(pk) + hex(base.sha256(msg));
      let ok = verdicts.get(key);
      if (ok === undefined) verdicts.set(key, (ok = base.ed25519Verify(pk, msg, sig)));
      return ok;
    },
    hkdfSha256: (ikm, salt, info, length) => {
      const out = base.hkdfSha256(ikm, salt, info, length);
      const parties = pairwiseParties(info);
      if (parties && !realPairs(parties[0], parties[1])) elided.add(hex(out));
      return out;
    },
    aes256Ctr: (key, counter, data) => (elided.has(hex(key)) ? new Uint8Array(data.length) : base.aes256Ctr(key, counter, data)),
  };
}

// ---------------------------------------------------------------------------------------------
// One group (shard) of one round

interface GroupRun {
  serverSeconds: number;
  clientSeconds: number;
  bytesUp: number;
  bytesDown: number;
  regeneratedMasks: number;
  contributors: number;
  sum: Uint32Array;
  expected: Uint32Array;
}

/** x_u, generated lazily: a cheap deterministic pattern below 2^b (the server never looks inside). */
function inputOf(u: number, d: number, bound: number): Uint32Array {
  const x = new Uint32Array(d);
  for (let j = 0; j < d; j++) x[j] = (Math.imul(u + 1, 2654435761) + j * 40503) % bound >>> 0;
  return x;
}

async function runGroup(
  params: SecAggParams,
  roundId: string,
  dropFraction: number,
  dropBeforeInput: boolean,
  representative: boolean,
): Promise<GroupRun> {
  const n = params.clients;
  const d = params.dimension;
  const ids = Array.from({ length: n }, (_, i) => `device-${String(i).padStart(6, '0')}`);
  const rep = representative ? 0 : -1;
  // Drop the last ⌊fraction·n⌋ clients (the ring placement is random, so which ones does not matter).
  const dropCount = Math.floor(dropFraction * n);
  const drops = new Set(ids.slice(n - dropCount));
  const realPairs = (a: string, b: string) => a === ids[rep] || b === ids[rep] || (dropBeforeInput && (drops.has(a) || drops.has(b)));
  const sim = createSimulationSuite(node, realPairs);
  const identity = ids.map(() => node.randomBytes(32));
  const serverWatch = new Stopwatch();
  const clientWatch = new Stopwatch();
  let bytesUp = 0;
  let bytesDown = 0;

  const server = serverWatch.time(() =>
    SecAggServer.create({
      params,
      roundId,
      suite: node,
      cohort: ids.map((clientId, i) => ({ clientId, identityPublicKey: node.ed25519PublicKey(identity[i]!) })),
    }),
  );
  const clients = ids.map((clientId, i) =>
    SecAggClient.create({ params, roundId, clientId, identitySecretKey: identity[i]!, suite: i === rep ? node : sim }),
  );
  const asClient = async <T extends ClientMessage>(i: number, request: ServerRequest | undefined, fn: () => T | Promise<T>) => {
    if (i !== rep) return fn();
    if (request) bytesDown += wireBytes(request);
    const message = await clientWatch.timeAsync(async () => fn());
    bytesUp += wireBytes(message);
    return message;
  };
  const deliver = (m: ClientMessage) => serverWatch.time(() => server.receive(m));

  for (let i = 0; i < n; i++) deliver(await asClient(i, undefined, () => clients[i]!.advertiseKeys()));
  const shareRequests = serverWatch.time(() => server.closeAdvertiseKeys());
  for (let i = 0; i < n; i++) {
    const req = shareRequests.get(ids[i]!)!;
    deliver(await asClient(i, req, () => clients[i]!.shareKeys(req)));
  }
  const maskRequests = serverWatch.time(() => server.closeShareKeys());
  const expected = new Uint32Array(d);
  let contributors = 0;
  for (let i = 0; i < n; i++) {
    if (dropBeforeInput && drops.has(ids[i]!)) continue;
    const req = maskRequests.get(ids[i]!)!;
    const x = inputOf(i, d, 2 ** params.modulusBits);
    addInto(expected, x);
    contributors++;
    deliver(await asClient(i, req, () => clients[i]!.maskInput(req, x)));
  }
  const checkRequests = serverWatch.time(() => server.closeMaskedInput());
  for (let i = 0; i < n; i++) {
    const req = checkRequests.get(ids[i]!);
    if (req) deliver(await asClient(i, req, () => clients[i]!.signSurvivors(req)));
  }
  const unmaskRequests = serverWatch.time(() => server.closeConsistencyCheck());
  for (let i = 0; i < n; i++) {
    const req = unmaskRequests.get(ids[i]!);
    if (!req || (!dropBeforeInput && drops.has(ids[i]!))) continue;
    deliver(await asClient(i, req, () => clients[i]!.unmask(req)));
  }
  // Masks the server regenerates: one self mask per contributor, one pairwise mask per
  // (dropped-before-input client, contributing partner) pair.
  let regeneratedMasks = contributors;
  if (dropBeforeInput) {
    for (const m of server.state.members) {
      if (m.level !== 2) continue;
      regeneratedMasks += maskRequests.get(m.clientId)!.ciphertexts.filter((c) => !drops.has(c.from)).length;
    }
  }
  const result = await serverWatch.timeAsync(() => server.finish());
  return {
    serverSeconds: serverWatch.seconds,
    clientSeconds: clientWatch.seconds,
    bytesUp,
    bytesDown,
    regeneratedMasks,
    contributors,
    sum: result.sum,
    expected,
  };
}

/** The floor: Σ of `words` d-word vectors mod 2^32 plus `masks` AES-256-CTR expansions of d words. */
function measureFloor(vectors: number, masks: number, d: number): number {
  const pool = Array.from({ length: 8 }, (_, i) => inputOf(i, d, 2 ** 32));
  const acc = new Uint32Array(d);
  const key = node.randomBytes(32);
  const t0 = cpuSeconds();
  for (let v = 0; v < vectors; v++) addInto(acc, pool[v % pool.length]!);
  for (let m = 0; m < masks; m++) expandMask(node, key, d);
  return cpuSeconds() - t0;
}

async function runRow(clients: number, dim: number, dropout: number, dropBeforeInput: boolean): Promise<Row & { k: number; t: number }> {
  const groups = Math.ceil(clients / GROUP_SIZE);
  const groupSize = clients / groups;
  // The round is planned for at least 10 % dropouts (and for the measured rate when higher).
  const params = createSecAggParams({
    clients: groupSize,
    dimension: dim,
    modulusBits: 32,
    clipRange: 1,
    scale: 2 ** 16,
    corruptFraction: CORRUPT_FRACTION,
    dropoutFraction: Math.max(0.1, dropout),
  });
  let serverSeconds = 0;
  let clientRun: GroupRun | undefined;
  let vectors = 0;
  let masks = 0;
  for (let g = 0; g < groups; g++) {
    const run = await runGroup(params, `bench-${clients}-${dim}-${dropout}/shard-${g}`, dropout, dropBeforeInput, g === 0);
    if (Buffer.compare(Buffer.from(run.sum.buffer), Buffer.from(run.expected.buffer)) !== 0) {
      throw new Error(`released sum differs from Σ x_u (n=${clients}, d=${dim}, dropout=${dropout}, shard ${g})`);
    }
    serverSeconds += run.serverSeconds;
    vectors += run.contributors;
    masks += run.regeneratedMasks;
    clientRun ??= run;
  }
  const floorSeconds = measureFloor(vectors, masks, dim);
  return {
    clients,
    dim,
    dropout,
    serverSeconds: round(serverSeconds),
    floorSeconds: round(floorSeconds),
    clientSeconds: round(clientRun!.clientSeconds),
    bytesUpPerClient: clientRun!.bytesUp,
    bytesDownPerClient: clientRun!.bytesDown,
    expansion: round(clientRun!.bytesUp / (4 * dim)),
    k: params.degree,
    t: params.threshold,
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

function printTable(title: string, rows: (Row & { k: number; t: number })[]): void {
  console.log(`\n${title}`);
  console.log(
    'clients   dim      drop  k/t     server s  floor s  server/floor  client ms  up/client B  down/client B  expansion',
  );
  for (const r of rows) {
    console.log(
      [
        String(r.clients).padEnd(9),
        String(r.dim).padEnd(8),
        `${Math.round(r.dropout * 100)}%`.padEnd(5),
        `${r.k}/${r.t}`.padEnd(7),
        r.serverSeconds.toFixed(3).padStart(8),
        r.floorSeconds.toFixed(3).padStart(8),
        (r.serverSeconds / r.floorSeconds).toFixed(2).padStart(13),
        (r.clientSeconds * 1000).toFixed(1).padStart(10),
        String(r.bytesUpPerClient).padStart(12),
        String(r.bytesDownPerClient).padStart(14),
        r.expansion.toFixed(4).padStart(10),
      ].join(' '),
    );
  }
}

async function main(): Promise<void> {
  // Skipped: n = 10 000 at d = 10^6 — the server alone must sum 10^10 words and expand 10^4 masks
  // of 4 MB (≈ 40 GB of AES-CTR), several minutes per row on two cores; memory would be fine.
  const plan: [number, number][] = QUICK
    ? [
        [100, 10_000],
        [1_000, 100_000],
      ]
    : [
        [100, 10_000],
        [100, 100_000],
        [100, 1_000_000],
        [1_000, 10_000],
        [1_000, 100_000],
        [1_000, 1_000_000],
        [10_000, 10_000],
        [10_000, 100_000],
      ];
  const dropouts = QUICK ? [0.1] : [0, 0.1, 0.3];
  const rows: (Row & { k: number; t: number })[] = [];
  for (const [clients, dim] of plan) {
    for (const dropout of dropouts) {
      const row = await runRow(clients, dim, dropout, false);
      rows.push(row);
      printTable(rows.length === 1 ? 'SecAgg+ round, dropouts after masked input (node suite, one process)' : '', [row]);
    }
  }
  const before: (Row & { k: number; t: number })[] = [];
  for (const [clients, dim] of QUICK ? [[1_000, 100_000]] : [[100, 100_000], [1_000, 100_000]]) {
    for (const dropout of QUICK ? [0.1] : [0.1, 0.3]) before.push(await runRow(clients!, dim!, dropout, true));
  }
  printTable('SecAgg+ round, all rows again', rows);
  printTable('Dropouts BEFORE masked input (server rebuilds mask keys and pairwise masks) — printed only', before);
  if (!QUICK) {
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    const json = rows.map(({ k: _k, t: _t, ...row }) => row);
    writeFileSync(join(dir, 'secagg.json'), `${JSON.stringify(json, null, 2)}\n`);
    console.log(`\nwrote ${join(dir, 'secagg.json')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
