/**
 * Test support (not exported from index.ts): drives one SecAgg+ round in process, with clients
 * that stop answering at a chosen stage, optional JSON round trips of every state between steps,
 * and a record of everything the server received (its view, for the privacy tests).
 *
 * Invariant: the harness only passes messages along; it never reads a client's secrets except
 * through `clientStates`, which the privacy test uses for its positive control.
 */
import type { SecAggClient as ClientType } from './client';
import { SecAggClient } from './client';
import type { CryptoSuite } from './crypto-suite';
import type { AggregateResult, ClientMessage, ServerRequest } from './messages';
import { modulusMask, type SecAggParams } from './params';
import { SecAggError } from './secagg-error';
import { SecAggServer } from './server';
import { Stage, stageIndex, type ProtocolStage } from './stages';
import { decodeState, encodeState } from './state-codec';

export interface RoundOptions {
  readonly params: SecAggParams;
  readonly serverSuite: CryptoSuite;
  readonly clientSuite?: CryptoSuite;
  readonly roundId?: string;
  /** x_u per client (cohort order); random words below 2^b when omitted. */
  readonly inputs?: readonly Uint32Array[];
  /** Client index → the stage whose message it never sends (it is gone from then on). */
  readonly dropAt?: ReadonlyMap<number, ProtocolStage>;
  /** Round-trip every client and server state through encodeState/decodeState between steps. */
  readonly serialize?: boolean;
  /** Called before the server receives each honest message: tests inject bad messages here. */
  readonly beforeDeliver?: (context: HookContext, message: ClientMessage) => void | Promise<void>;
  /** Called before a client handles each request: tests inject bad requests here. */
  readonly beforeHandle?: (context: HookContext, request: ServerRequest, client: ClientType) => void | Promise<void>;
}

export interface HookContext {
  readonly server: SecAggServer;
  readonly clientIndex: number;
  readonly clientIds: readonly string[];
  readonly roundId: string;
  /** Every request the server has sent so far. */
  readonly sent: readonly { to: string; request: ServerRequest }[];
}

export interface RoundRun {
  readonly result?: AggregateResult;
  readonly error?: SecAggError;
  readonly inputs: readonly Uint32Array[];
  readonly clientIds: readonly string[];
  /** Σ inputs of result.contributors mod 2^b (when the round finished). */
  readonly expected?: Uint32Array;
  /** Every message the server received, in order. */
  readonly serverView: readonly ClientMessage[];
  /** Every request the server sent, in order. */
  readonly serverSent: readonly { to: string; request: ServerRequest }[];
  readonly server: SecAggServer;
  /** Snapshots of each client's state after AdvertiseKeys (holds its round secrets). */
  readonly clientStatesAfterAdvertise: readonly string[];
}

export async function runRound(options: RoundOptions): Promise<RoundRun> {
  const { params, serverSuite } = options;
  const clientSuite = options.clientSuite ?? serverSuite;
  const roundId = options.roundId ?? 'round-1';
  const n = params.clients;
  const mask = modulusMask(params.modulusBits);
  const inputs =
    options.inputs ??
    Array.from({ length: n }, () => {
      const words = new Uint32Array(clientSuite.randomBytes(params.dimension * 4).buffer.slice(0));
      for (let i = 0; i < words.length; i++) words[i] = words[i]! & mask;
      return words;
    });
  const clientIds = Array.from({ length: n }, (_, i) => `client-${String(i).padStart(3, '0')}`);
  const identity = clientIds.map(() => clientSuite.randomBytes(32));
  let server = SecAggServer.create({
    params,
    roundId,
    suite: serverSuite,
    cohort: clientIds.map((clientId, i) => ({ clientId, identityPublicKey: clientSuite.ed25519PublicKey(identity[i]!) })),
  });
  let clients: ClientType[] = clientIds.map((clientId, i) =>
    SecAggClient.create({ params, roundId, clientId, identitySecretKey: identity[i]!, suite: clientSuite }),
  );
  const serverView: ClientMessage[] = [];
  const serverSent: { to: string; request: ServerRequest }[] = [];
  const clientStatesAfterAdvertise: string[] = [];
  const dropped = (i: number, stage: ProtocolStage) => {
    const at = options.dropAt?.get(i);
    return at !== undefined && stageIndex(at) <= stageIndex(stage);
  };
  const roundTrip = () => {
    if (!options.serialize) return;
    server = SecAggServer.restore(decodeState(encodeState(server.state)), serverSuite);
    clients = clients.map((c) => SecAggClient.restore(decodeState(encodeState(c.state)), clientSuite));
  };
  const context = (clientIndex: number): HookContext => ({ server, clientIndex, clientIds, roundId, sent: serverSent });
  const deliver = async (i: number, m: ClientMessage) => {
    await options.beforeDeliver?.(context(i), m);
    serverView.push(m);
    server.receive(options.serialize ? decodeState<ClientMessage>(encodeState(m)) : m);
  };
  const handle = async (i: number, request: ServerRequest) => {
    await options.beforeHandle?.(context(i), request, clients[i]!);
  };
  const requestsFor = (map: Map<string, ServerRequest>) => {
    for (const [to, request] of map) serverSent.push({ to, request });
    return map;
  };

  try {
    for (const [i, c] of clients.entries()) {
      if (dropped(i, Stage.AdvertiseKeys)) continue;
      const message = c.advertiseKeys();
      clientStatesAfterAdvertise[i] = encodeState(c.state);
      await deliver(i, message);
    }
    roundTrip();
    const shareRequests = requestsFor(server.closeAdvertiseKeys());
    roundTrip();
    for (const [i, c] of clients.entries()) {
      const req = shareRequests.get(clientIds[i]!);
      if (!req || req.stage !== Stage.ShareKeys || dropped(i, Stage.ShareKeys)) continue;
      await handle(i, req);
      await deliver(i, await c.shareKeys(req));
    }
    roundTrip();
    const maskRequests = requestsFor(server.closeShareKeys());
    roundTrip();
    for (const [i, c] of clients.entries()) {
      const req = maskRequests.get(clientIds[i]!);
      if (!req || req.stage !== Stage.MaskedInput || dropped(i, Stage.MaskedInput)) continue;
      await handle(i, req);
      await deliver(i, c.maskInput(req, inputs[i]!));
    }
    roundTrip();
    const checkRequests = requestsFor(server.closeMaskedInput());
    roundTrip();
    for (const [i, c] of clients.entries()) {
      const req = checkRequests.get(clientIds[i]!);
      if (!req || req.stage !== Stage.ConsistencyCheck || dropped(i, Stage.ConsistencyCheck)) continue;
      await handle(i, req);
      await deliver(i, c.signSurvivors(req));
    }
    roundTrip();
    const unmaskRequests = requestsFor(server.closeConsistencyCheck());
    roundTrip();
    for (const [i, c] of clients.entries()) {
      const req = unmaskRequests.get(clientIds[i]!);
      if (!req || req.stage !== Stage.Unmask || dropped(i, Stage.Unmask)) continue;
      await handle(i, req);
      await deliver(i, c.unmask(req));
    }
    roundTrip();
    const result = await server.finish();
    const expected = new Uint32Array(params.dimension);
    for (const id of result.contributors) {
      const x = inputs[clientIds.indexOf(id)]!;
      for (let j = 0; j < expected.length; j++) expected[j] = expected[j]! + x[j]!;
    }
    for (let j = 0; j < expected.length; j++) expected[j] = expected[j]! & mask;
    return { result, expected, inputs, clientIds, serverView, serverSent, server, clientStatesAfterAdvertise };
  } catch (error) {
    if (!(error instanceof SecAggError)) throw error;
    return { error, inputs, clientIds, serverView, serverSent, server, clientStatesAfterAdvertise };
  }
}
