/**
 * SecAgg+ benchmark: one in-process round per (clients, dim, dropout) with the real server and the
 * real client code, measuring
 *   - server CPU time (every server call of the round, user + system),
 *   - the floor: a plain modular sum of n·d words (cycling through ≥ 64 MiB of distinct vectors,
 *     so they come from memory as the server's n uploads do) plus the AES-CTR expansion of exactly
 *     the masks the server had to regenerate, and the ratio server / floor,
 *   - a representative client's CPU time for its protocol work (all five stages, masks included;
 *     quantization and training excluded; the median of three real clients), its bytes up and
 *     down, and the upload expansion over a plain 32-bit upload of d words (bytes up / 4d).
 *
 * `dropout` is the fraction of clients that vanish after sending their masked input (before
 * Unmask); the server then rebuilds their self-mask seeds from their neighbours' shares. A second
 * table (printed only) drops clients before their masked input, the path where the server must also
 * rebuild mask keys and regenerate pairwise masks.
 *
 * Simulating the other n − 1 clients honestly but affordably: they run the real SecAggClient for
 * every stage, over a `SimulationSuite` that verifies each Ed25519 signature once and replays the
 * verdict and computes each X25519 agreement once per key pair (both ends get the same value). For
 * their masked input the bench advances the real client with a one-word copy of the parameters
 * (which decrypts and stores its partners' shares exactly as usual) and builds y_u itself from the
 * client's own seeds: y_u = x_u + PRG(b_u) + Σ ±PRG(s_uv) over the partners v whose pairwise mask
 * does not cancel inside the simulated population — the representative client and clients that
 * drop before their input. Masks between two simulated contributors are left out on both ends:
 * they cancel in the sum (Bonawitz et al. 2017, §4) and the server never touches them. The server
 * uses the plain Node suite and does all of its real work; every round checks the released sum
 * against Σ x_u, so a wrong shortcut fails loudly.
 *
 * Memory: the server keeps one O(d) running sum; client vectors are generated lazily, one at a time.
 *
 * Run: npx tsx bench/secagg.bench.ts [--quick] [--breakdown] [--only=1000x100000]
 * (only a full run rewrites bench/results/secagg.json)
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
  pairwiseMaskKey,
  pairwiseSign,
  selfMaskKey,
  subtractInto,
  type ClientMessage,
  type CryptoSuite,
  type MaskedInputMessage,
  type MaskedInputRequest,
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
  /** CPU seconds per label (printed with --breakdown). */
  readonly parts = new Map<string, number>();
  time<T>(fn: () => T, label = 'other'): T {
    const t0 = cpuSeconds();
    try {
      return fn();
    } finally {
      this.add(label, cpuSeconds() - t0);
    }
  }
  async timeAsync<T>(fn: () => Promise<T>, label = 'other'): Promise<T> {
    const t0 = cpuSeconds();
    try {
      return await fn();
    } finally {
      this.add(label, cpuSeconds() - t0);
    }
  }
  private add(label: string, dt: number): void {
    this.seconds += dt;
    this.parts.set(label, (this.parts.get(label) ?? 0) + dt);
  }
}

const BREAKDOWN = process.argv.includes('--breakdown');

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

function createSimulationSuite(base: CryptoSuite): CryptoSuite {
  const verdicts = new Map<string, boolean>();
  const publicOf = new Map<string, string>();
  const agreements = new Map<string, Uint8Array>();
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
  };
}

/**
 * A simulated client's masked input: the real client handles the request with a one-word copy of
 * the parameters (so its state advances exactly as usual), and y_u is built from its own seeds with
 * only the pairwise masks that do not cancel among simulated contributors (see the header).
 */
function simulateMaskedInput(
  client: SecAggClient,
  request: MaskedInputRequest,
  x: Uint32Array,
  params: SecAggParams,
  realPair: (other: string) => boolean,
  suite: CryptoSuite,
): { client: SecAggClient; message: MaskedInputMessage } {
  const state = structuredClone(client.state);
  const { clientId, roundId } = state;
  const seed = state.selfMaskSeed!;
  const maskSecretKey = state.maskSecretKey!;
  const neighbours = new Map(state.neighbours!.map((nb) => [nb.clientId, nb]));
  const oneWord = SecAggClient.restore({ ...state, params: { ...params, dimension: 1 } }, suite);
  oneWord.maskInput(request, new Uint32Array(1));
  const advanced = SecAggClient.restore({ ...structuredClone(oneWord.state), params }, suite);
  const y = x.slice();
  addInto(y, expandMask(node, selfMaskKey(node, seed, roundId, clientId), params.dimension));
  for (const { from } of request.ciphertexts) {
    if (!realPair(from)) continue;
    const shared = suite.x25519(maskSecretKey, neighbours.get(from)!.maskPublicKey);
    const mask = expandMask(node, pairwiseMaskKey(node, shared, roundId, clientId, from), params.dimension);
    if (pairwiseSign(clientId, from) > 0) addInto(y, mask);
    else subtractInto(y, mask);
  }
  return { client: advanced, message: { stage: 'MaskedInput', roundId, clientId, maskedInput: y } };
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
  // Three representative clients at a quarter, half and three quarters of the cohort (so their
  // code runs warm, as in a long-lived app); the row reports the median of their CPU times.
  const reps = representative ? [n >> 2, n >> 1, (3 * n) >> 2] : [];
  const isRep = (i: number) => reps.includes(i);
  // Drop the last ⌊fraction·n⌋ clients other than the representatives (the ring placement is
  // random, so which ones does not matter).
  const dropCount = Math.floor(dropFraction * n);
  const candidates = ids.filter((_, i) => !isRep(i));
  const drops = new Set(candidates.slice(candidates.length - dropCount));
  const sim = createSimulationSuite(node);
  const repIds = new Set(reps.map((i) => ids[i]!));
  const realPair = (other: string) => repIds.has(other) || (dropBeforeInput && drops.has(other));
  const identity = ids.map(() => node.randomBytes(32));
  const serverWatch = new Stopwatch();
  const clientWatches = new Map(reps.map((i) => [i, new Stopwatch()]));
  const bytesUp = new Map(reps.map((i) => [i, 0]));
  const bytesDown = new Map(reps.map((i) => [i, 0]));

  // The registry's identity keys exist before the round; deriving them is not server work.
  const cohort = ids.map((clientId, i) => ({ clientId, identityPublicKey: node.ed25519PublicKey(identity[i]!) }));
  const server = serverWatch.time(() => SecAggServer.create({ params, roundId, suite: node, cohort }), 'create');
  const clients = ids.map((clientId, i) =>
    SecAggClient.create({ params, roundId, clientId, identitySecretKey: identity[i]!, suite: isRep(i) ? node : sim }),
  );
  const asClient = async <T extends ClientMessage>(i: number, request: ServerRequest | undefined, fn: () => T | Promise<T>) => {
    if (!isRep(i)) return fn();
    if (request) bytesDown.set(i, bytesDown.get(i)! + wireBytes(request));
    const message = await clientWatches.get(i)!.timeAsync(async () => fn(), (request?.stage ?? 'AdvertiseKeys') as string);
    bytesUp.set(i, bytesUp.get(i)! + wireBytes(message));
    return message;
  };
  const deliver = (m: ClientMessage) => serverWatch.time(() => server.receive(m), `receive ${m.stage}`);

  // Each stage: all clients answer first, then the server takes the messages in one tight loop, so
  // the garbage the simulated clients make is not collected on the server's clock. The masked
  // inputs are the exception: they are delivered one by one (O(d) memory, never O(n·d)).
  const stage = async <T extends ClientMessage>(answer: (i: number) => Promise<T | undefined>) => {
    const messages: T[] = [];
    for (let i = 0; i < n; i++) {
      const m = await answer(i);
      if (m) messages.push(m);
    }
    for (const m of messages) deliver(m);
  };
  await stage((i) => asClient(i, undefined, () => clients[i]!.advertiseKeys()));
  const shareRequests = serverWatch.time(() => server.closeAdvertiseKeys(), 'closeAdvertiseKeys');
  await stage(async (i) => {
    const req = shareRequests.get(ids[i]!);
    return req && asClient(i, req, () => clients[i]!.shareKeys(req));
  });
  const maskRequests = serverWatch.time(() => server.closeShareKeys(), 'closeShareKeys');
  const expected = new Uint32Array(d);
  let contributors = 0;
  for (let i = 0; i < n; i++) {
    if (dropBeforeInput && drops.has(ids[i]!)) continue;
    const req = maskRequests.get(ids[i]!)!;
    const x = inputOf(i, d, 2 ** params.modulusBits);
    addInto(expected, x);
    contributors++;
    if (isRep(i)) {
      deliver(await asClient(i, req, () => clients[i]!.maskInput(req, x)));
      continue;
    }
    const simulated = simulateMaskedInput(clients[i]!, req, x, params, realPair, sim);
    clients[i] = simulated.client;
    deliver(simulated.message);
  }
  const checkRequests = serverWatch.time(() => server.closeMaskedInput(), 'closeMaskedInput');
  await stage(async (i) => {
    const req = checkRequests.get(ids[i]!);
    return req && asClient(i, req, () => clients[i]!.signSurvivors(req));
  });
  const unmaskRequests = serverWatch.time(() => server.closeConsistencyCheck(), 'closeConsistencyCheck');
  await stage(async (i) => {
    const req = unmaskRequests.get(ids[i]!);
    if (!req || (!dropBeforeInput && drops.has(ids[i]!))) return undefined;
    return asClient(i, req, () => clients[i]!.unmask(req));
  });
  // Masks the server regenerates: one self mask per contributor, one pairwise mask per
  // (dropped-before-input client, contributing partner) pair.
  let regeneratedMasks = contributors;
  if (dropBeforeInput) {
    for (const m of server.state.members) {
      if (m.level !== 2) continue;
      regeneratedMasks += maskRequests.get(m.clientId)!.ciphertexts.filter((c) => !drops.has(c.from)).length;
    }
  }
  const result = await serverWatch.timeAsync(() => server.finish(), 'finish');
  if (BREAKDOWN) {
    console.log(`  server CPU by step (n=${n}, d=${d}): ${[...serverWatch.parts].map(([k, v]) => `${k} ${v.toFixed(3)}s`).join(', ')}`);
    for (const [i, w] of clientWatches) {
      console.log(`  client ${i} CPU by stage: ${[...w.parts].map(([k, v]) => `${k} ${(v * 1000).toFixed(1)}ms`).join(', ')}`);
    }
  }
  // The median representative by CPU time; its bytes (all three send the same message shapes).
  const median = reps.sort((a, b) => clientWatches.get(a)!.seconds - clientWatches.get(b)!.seconds)[reps.length >> 1];
  return {
    serverSeconds: serverWatch.seconds,
    clientSeconds: median === undefined ? 0 : clientWatches.get(median)!.seconds,
    bytesUp: median === undefined ? 0 : bytesUp.get(median)!,
    bytesDown: median === undefined ? 0 : bytesDown.get(median)!,
    regeneratedMasks,
    contributors,
    sum: result.sum,
    expected,
  };
}

/** Distinct vectors the floor cycles through: at least 64 MiB, so they are read from memory, not cache, as the server reads n uploads. */
const FLOOR_POOL_BYTES = 64 * 2 ** 20;

/** The floor: Σ of `words` d-word vectors mod 2^32 plus `masks` AES-256-CTR expansions of d words. */
function measureFloor(vectors: number, masks: number, d: number): number {
  const poolSize = Math.max(8, Math.min(vectors, Math.ceil(FLOOR_POOL_BYTES / (4 * d))));
  const pool = Array.from({ length: poolSize }, (_, i) => inputOf(i, d, 2 ** 32));
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
  // --only=1000x100000 runs one (clients, dim) pair at 10 % dropout, for profiling.
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split('x').map(Number);
  if (only) plan.splice(0, plan.length, [only[0]!, only[1]!]);
  const dropouts = QUICK || only ? [0.1] : [0, 0.1, 0.3];
  const rows: (Row & { k: number; t: number })[] = [];
  for (const [clients, dim] of plan) {
    for (const dropout of dropouts) {
      const row = await runRow(clients, dim, dropout, false);
      rows.push(row);
      printTable(rows.length === 1 ? 'SecAgg+ round, dropouts after masked input (node suite, one process)' : '', [row]);
    }
  }
  const before: (Row & { k: number; t: number })[] = [];
  for (const [clients, dim] of only ? [] : QUICK ? [[1_000, 100_000]] : [[100, 100_000], [1_000, 100_000]]) {
    for (const dropout of QUICK ? [0.1] : [0.1, 0.3]) before.push(await runRow(clients!, dim!, dropout, true));
  }
  printTable('SecAgg+ round, all rows again', rows);
  printTable('Dropouts BEFORE masked input (server rebuilds mask keys and pairwise masks) — printed only', before);
  if (!QUICK && !only) {
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
