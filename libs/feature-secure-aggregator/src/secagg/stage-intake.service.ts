/**
 * The device-facing half of a session: the view each device polls, and the intake of stage
 * messages. Every message is checked by the protocol state machine before it is stored, so a
 * replay, a message for another stage or round, an unknown device, a wrong vector length or an
 * unsigned key advertisement is refused with a 4xx and leaves the session as it was.
 *
 * Invariants:
 * - validation runs on a per-replica mirror of the session restored from the store at the start
 *   of the stage; the mirror only judges, the stored inbox and partial sums are what a close uses;
 * - masked inputs are summed as they arrive into this replica's partial sum (memory O(d) per
 *   group, never one vector per device); each acceptance writes the new partial sum together with
 *   the device's marker in one commit, so an acknowledged input is durable and counted once;
 * - a long poll (`after`) is answered when the group's stage moves on, or after SECAGG_LONG_POLL_MS.
 */
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { SECAGG_LONG_POLL_MS, type SecAggSessionSummary, type ClientId, type RoundId } from '@cohort/contracts';
import {
  SecAggError, SecAggErrorCode, SecAggServer, Stage, addInto, decodeState, fromBase64, stageIndex,
  type ClientMessage, type CryptoSuite, type MaskedInputMessage, type ProtocolStage, type ServerState,
} from '@cohort/secagg';
import { SecureAggregatorError, SecureAggregatorErrorCode } from './secure-aggregator.error';
import { SessionLifecycleService } from './session-lifecycle.service';
import { CRYPTO_SUITE, SECAGG_OPTIONS, type SecAggOptions } from './secagg.options';
import { SessionRepository, groupKey, type GroupRef, type PartialSum, type StagePointer } from './session.repository';

/** Groups whose mirror (O(n·k) state) a replica keeps; the oldest go first. */
const MAX_MIRRORS = 64;

/** How often a watched group's stage pointer is read while devices long-poll it. */
const WATCH_INTERVAL_MS = 50;

@Injectable()
export class StageIntakeService implements OnModuleDestroy {
  private readonly logger = new Logger('SecAggIntake');
  /** This process's name for its partial sums: a restarted process starts new ones. */
  private readonly replica = randomUUID();
  private readonly mirrors = new Map<string, { stage: Stage; server: SecAggServer }>();
  private readonly partials = new Map<string, PartialSum>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly watches = new Map<string, Promise<StagePointer | null>>();
  /** Set at shutdown: long polls answer at once so the HTTP server can close. */
  private closing = false;

  constructor(
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(SessionLifecycleService) private readonly lifecycle: SessionLifecycleService,
    @Inject(SECAGG_OPTIONS) private readonly options: SecAggOptions,
    @Inject(CRYPTO_SUITE) private readonly suite: CryptoSuite,
  ) {}

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    await Promise.allSettled(this.watches.values());
  }

  /** The device's view as JSON in the secagg codec: the summary plus its request of the stage. */
  async view(roundId: RoundId, clientId: ClientId, after?: Stage): Promise<string> {
    const ref = await this.locate(roundId, clientId);
    const record = (await this.sessions.round(roundId))!; // written together with the device → group map
    let pointer = await this.pointerOf(ref);
    if (after !== undefined && pointer.stage === after) pointer = (await this.watch(ref, after)) ?? pointer;
    const params = (await this.sessions.params(ref))!;
    let request: string | null = null;
    let participating: boolean;
    if (pointer.stage === Stage.AdvertiseKeys) participating = true;
    else if (pointer.stage === Stage.Finished) participating = await this.sessions.isContributor(ref, clientId);
    else if (pointer.stage === Stage.Aborted) participating = false;
    else {
      request = await this.sessions.request(ref, pointer.stage, clientId);
      participating = request !== null;
    }
    const replicas = this.options.replicaUrls;
    const summary: SecAggSessionSummary = {
      roundId,
      group: ref.group,
      groups: record.groups,
      stage: pointer.stage,
      stageDeadline: pointer.deadline,
      params,
      endpoint: replicas.length === 0 ? null : replicas[ref.group % replicas.length]!,
      participating,
      ...(pointer.abortReason === undefined ? {} : { abortReason: pointer.abortReason }),
    };
    // The request is already in the codec's JSON: splice it in rather than decode and re-encode.
    return `${JSON.stringify(summary).slice(0, -1)},"request":${request ?? 'null'}}`;
  }

  /**
   * Takes one stage message (JSON text in the codec, or the masked input's words with `signature`,
   * the base64 of the device's identity-key signature over them).
   */
  async accept(roundId: RoundId, clientId: ClientId, stage: ProtocolStage, body: string | Uint8Array, signature?: string): Promise<{ accepted: true; stage: ProtocolStage }> {
    const ref = await this.locate(roundId, clientId);
    const pointer = await this.pointerOf(ref);
    expectStage(pointer, stage);
    const mirror = await this.mirror(ref, pointer.stage);
    if (stage === Stage.MaskedInput) {
      await this.acceptMaskedInput(ref, clientId, mirror, body, signature);
    } else {
      if (typeof body !== 'string') throw new SecureAggregatorError(SecureAggregatorErrorCode.MalformedBody, `send the ${stage} message as application/json`);
      const message = parseMessage(body, roundId, clientId, stage);
      protocol(() => mirror.receive(message));
      const stored = await this.sessions.acceptMessage(ref, stage, clientId, body).catch((error: unknown) => {
        this.mirrors.delete(groupKey(ref)); // the mirror took a message the store did not: rebuild it
        throw error;
      });
      if (!stored) throw new SecureAggregatorError(SecAggErrorCode.Duplicate, `${clientId} already sent its ${stage} message`);
    }
    if ((await this.sessions.answered(ref, stage)) >= pointer.expected) {
      // Everyone expected has answered: close now rather than at the deadline (in the background).
      void this.lifecycle.closeStage(ref, stage).catch((error: unknown) => this.logger.error({ err: error, roundId, group: ref.group, stage }, 'closing a stage failed'));
    }
    return { accepted: true, stage };
  }

  private async acceptMaskedInput(ref: GroupRef, clientId: ClientId, mirror: SecAggServer, body: string | Uint8Array, signature: string | undefined): Promise<void> {
    if (typeof body === 'string' || body.byteLength % 4 !== 0) {
      throw new SecureAggregatorError(SecureAggregatorErrorCode.NotOctetStream, 'send the masked input as application/octet-stream: little-endian 32-bit words (a multiple of 4 bytes)');
    }
    const words = new Uint32Array(body.byteLength / 4);
    new Uint8Array(words.buffer).set(body);
    const message: MaskedInputMessage = { stage: Stage.MaskedInput, roundId: ref.roundId, clientId, maskedInput: words };
    protocol(() => mirror.checkMaskedInput(message));
    protocol(() => mirror.checkMaskedInputSignature(message, signature === undefined ? undefined : fromBase64(signature)));
    const key = groupKey(ref);
    await this.serialized(key, async () => {
      const current = this.partials.get(key) ?? { clients: [], sum: new Uint32Array(words.length) };
      const next: PartialSum = { clients: [...current.clients, clientId], sum: current.sum.slice() };
      addInto(next.sum, words);
      if (!(await this.sessions.acceptMaskedInput(ref, this.replica, clientId, next))) {
        throw new SecureAggregatorError(SecAggErrorCode.Duplicate, `${clientId} already sent its masked input`);
      }
      this.partials.set(key, next);
    });
  }

  /** The device's group; the round record is read only to tell an unknown round from an unknown device. */
  private async locate(roundId: RoundId, clientId: ClientId): Promise<GroupRef> {
    const group = await this.sessions.groupOf(roundId, clientId);
    if (group !== null) return { roundId, group };
    if ((await this.sessions.round(roundId)) === null) throw new SecureAggregatorError(SecureAggregatorErrorCode.RoundNotFound, `round ${roundId} has no SecAgg+ session (yet)`);
    throw new SecureAggregatorError(SecureAggregatorErrorCode.NotInSession, `device ${clientId} is not in the SecAgg+ session of round ${roundId}`);
  }

  private async pointerOf(ref: GroupRef): Promise<StagePointer> {
    const pointer = await this.sessions.pointer(ref);
    if (pointer === null) throw new SecureAggregatorError(SecureAggregatorErrorCode.RoundNotFound, `round ${ref.roundId} has no SecAgg+ session (yet)`);
    if (pointer.stage === Stage.Finished || pointer.stage === Stage.Aborted) this.forget(groupKey(ref));
    return pointer;
  }

  /** The validation mirror of the group's current stage, restored from the store once per stage. */
  private async mirror(ref: GroupRef, stage: Stage): Promise<SecAggServer> {
    const key = groupKey(ref);
    const cached = this.mirrors.get(key);
    if (cached?.stage === stage) return cached.server;
    const raw = await this.sessions.state(ref);
    if (raw === null) throw new SecureAggregatorError(SecureAggregatorErrorCode.SessionClosed, `the SecAgg+ session of round ${ref.roundId} has ended`);
    const server = SecAggServer.restore(decodeState<ServerState>(raw), this.suite);
    if (server.stage !== stage) throw new SecureAggregatorError(SecAggErrorCode.OutOfOrder, `the session moved on to ${server.stage}; try again`);
    if (cached !== undefined) this.forget(key); // a new stage: the old mirror and partial sum are history
    while (this.mirrors.size >= MAX_MIRRORS) this.forget(this.mirrors.keys().next().value!); // groups long ended
    this.mirrors.set(key, { stage, server });
    return server;
  }

  private forget(key: string): void {
    this.mirrors.delete(key);
    this.partials.delete(key);
  }

  /** Resolves when the group's stage is no longer `stage` (one poller per group), or null after the long-poll limit. */
  private watch(ref: GroupRef, stage: Stage): Promise<StagePointer | null> {
    const key = `${groupKey(ref)}:${stage}`;
    let watching = this.watches.get(key);
    if (watching === undefined) {
      watching = (async () => {
        const until = Date.now() + SECAGG_LONG_POLL_MS;
        while (Date.now() < until && !this.closing) {
          await new Promise((resolve) => setTimeout(resolve, WATCH_INTERVAL_MS));
          const pointer = await this.sessions.pointer(ref);
          if (pointer !== null && pointer.stage !== stage) return pointer;
        }
        return null;
      })().finally(() => this.watches.delete(key));
      this.watches.set(key, watching);
    }
    return watching;
  }

  /** Runs `task` after every earlier task of `key` in this process (one partial sum, one writer). */
  private serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }
}

function expectStage(pointer: StagePointer, stage: ProtocolStage): void {
  if (pointer.stage === Stage.Finished || pointer.stage === Stage.Aborted) {
    throw new SecureAggregatorError(SecureAggregatorErrorCode.SessionClosed, `the SecAgg+ session has ${pointer.stage === Stage.Finished ? 'released its sum' : 'aborted'}`);
  }
  if (pointer.stage === stage) return;
  const late = stageIndex(stage) < stageIndex(pointer.stage);
  throw new SecureAggregatorError(SecAggErrorCode.OutOfOrder, late ? `${stage} already closed; the session is at ${pointer.stage}` : `${stage} is not open yet; the session is at ${pointer.stage}`);
}

function parseMessage(text: string, roundId: RoundId, clientId: ClientId, stage: ProtocolStage): ClientMessage {
  const message = protocol(() => decodeState<ClientMessage>(text));
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new SecureAggregatorError(SecureAggregatorErrorCode.MalformedBody, 'the body must be a JSON object');
  }
  if (message.clientId !== clientId) throw new SecureAggregatorError(SecureAggregatorErrorCode.ClientIdMismatch, 'the message names another device than the X-Cohort-Client-Id header');
  if (message.roundId !== roundId) throw new SecureAggregatorError(SecAggErrorCode.WrongRound, `the message is for round ${String(message.roundId)}, not ${roundId}`);
  if (message.stage !== stage) throw new SecureAggregatorError(SecureAggregatorErrorCode.MalformedBody, `a ${String(message.stage)} message was posted to the ${stage} route`);
  return message;
}

/** Runs a protocol step; a refusal becomes the device's 4xx with the library's code. */
function protocol<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof SecAggError) throw SecureAggregatorError.fromProtocol(error);
    throw error;
  }
}
