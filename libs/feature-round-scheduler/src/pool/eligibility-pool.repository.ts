/**
 * The scheduler's view of who may be sampled, built from client-registry's events: one device per
 * user (the user is the unit of privacy, so a user with two phones is still sampled once) — the
 * user's most recently registered device — and the user is eligible exactly when that device
 * consents to training. A device that withdraws leaves the pool in the same step, so no round
 * opened after the withdrawal was applied can sample it; consenting again brings it back.
 *
 * Keys (the round-scheduler's namespace):
 *   scheduler:pool:users           set   eligible users (what RoundsService samples from)
 *   scheduler:pool:device-of-user  hash  eligible user → the device a round would give a task to
 *   scheduler:pool:profiles        hash  that device → { userId, capabilities }  (eligibleDevices)
 *   scheduler:pool:user-state      hash  user → every known device of the user, with its consent and
 *                                        capabilities and the sequence numbers they came with
 * The first three are derived from the fourth and written with it in one batch.
 *
 * Invariants:
 * - order: registration, consent and capability events travel on different topics, so they may
 *   be applied in any order (a restart, a replay). Each device keeps the consent and the
 *   capabilities with the highest sequence number seen (registration = 0), so a late or replayed
 *   registration never undoes a withdrawal, and a redelivery changes nothing.
 * - concurrency: each change is a compare-and-set on the user's revision — the batch claims the
 *   marker of revision n+1 (`commit` with `unlessExists`), so of two writers that read revision n
 *   one applies and the other reads again. Scheduler replicas may consume different partitions.
 */
import { Inject, Injectable } from '@nestjs/common';
import { resolvedCapabilities, type ClientId, type DeviceCapabilities, type ResolvedCapabilities, type UserId } from '@cohort/contracts';
import { KEY_VALUE_STORE, type KeyValueStore, type WriteOp } from '@cohort/state';

const USERS = 'scheduler:pool:users';
const DEVICE_OF_USER = 'scheduler:pool:device-of-user';
const PROFILES = 'scheduler:pool:profiles';
const USER_STATE = 'scheduler:pool:user-state';
const revisionMarker = (userId: UserId, revision: number) => `scheduler:pool:revision:${userId}:${revision}`;
/**
 * How long a revision's marker lives: a writer slower than this between its read and its write
 * could be overtaken unnoticed — far beyond any handler, and short enough that markers, one per
 * change, do not pile up in Redis.
 */
const MARKER_TTL_MS = 10 * 60 * 1000;
const MAX_ATTEMPTS = 20;

interface PoolDevice {
  /** Null until the device's registration has been applied (a later event came first). */
  readonly registeredAt: string | null;
  readonly trainingConsent: boolean;
  readonly consentSequence: number;
  readonly capabilities: DeviceCapabilities | null;
  readonly capabilitiesSequence: number;
}

interface PoolUser {
  readonly revision: number;
  readonly devices: Readonly<Record<string, PoolDevice>>;
}

/** What a round can be restricted to; every condition given must hold. */
export interface EligibilityFilter {
  readonly minMemoryMb?: number;
  /** The battery level must be at least this; a device that reports none (a desktop) passes only while charging. */
  readonly minBatteryPercent?: number;
  readonly requireCharging?: boolean;
  readonly requireUnmeteredNetwork?: boolean;
  readonly accelerators?: readonly DeviceCapabilities['accelerator'][];
}

export interface EligibleDevice {
  readonly userId: UserId;
  readonly clientId: ClientId;
  readonly capabilities: ResolvedCapabilities;
}

@Injectable()
export class EligibilityPoolRepository {
  constructor(@Inject(KEY_VALUE_STORE) private readonly store: KeyValueStore) {}

  /** ClientRegistered: the device joins its user; its enrolment consent counts unless a later decision was applied. */
  async upsert(userId: UserId, clientId: ClientId, consent: boolean, details: { registeredAt?: string; capabilities?: DeviceCapabilities } = {}): Promise<void> {
    const registeredAt = details.registeredAt ?? new Date().toISOString();
    await this.change(userId, clientId, (device) => ({
      registeredAt,
      trainingConsent: device === undefined || device.consentSequence === 0 ? consent : device.trainingConsent,
      consentSequence: device?.consentSequence ?? 0,
      capabilities: device !== undefined && device.capabilitiesSequence > 0 ? device.capabilities : (details.capabilities ?? device?.capabilities ?? null),
      capabilitiesSequence: device?.capabilitiesSequence ?? 0,
    }));
  }

  /** ClientConsentChanged: applied when newer than what the device has; a withdrawal removes the user at once. */
  async recordConsent(userId: UserId, clientId: ClientId, consent: boolean, sequence: number): Promise<void> {
    await this.change(userId, clientId, (device) => {
      if (device !== undefined && device.consentSequence >= sequence) return undefined;
      return { ...(device ?? unregistered), trainingConsent: consent, consentSequence: sequence };
    });
  }

  /** ClientCapabilitiesUpdated: the latest profile per device (by sequence). */
  async recordCapabilities(userId: UserId, clientId: ClientId, capabilities: DeviceCapabilities, sequence: number): Promise<void> {
    await this.change(userId, clientId, (device) => {
      if (device !== undefined && device.capabilitiesSequence >= sequence) return undefined;
      return { ...(device ?? unregistered), capabilities, capabilitiesSequence: sequence };
    });
  }

  async users(): Promise<UserId[]> {
    return (await this.store.setMembers(USERS)).sort() as UserId[];
  }

  async devicesOf(userIds: readonly UserId[]): Promise<Map<UserId, ClientId>> {
    const all = await this.store.hashGetAll(DEVICE_OF_USER);
    return new Map(userIds.filter((u) => all[u] !== undefined).map((u) => [u, all[u] as ClientId]));
  }

  /** The eligible users' devices whose latest profile passes `filter`, by user id. */
  async eligibleDevices(filter: EligibilityFilter = {}): Promise<EligibleDevice[]> {
    const profiles = await this.store.hashGetAll(PROFILES);
    const devices: EligibleDevice[] = [];
    for (const [clientId, raw] of Object.entries(profiles)) {
      const profile = JSON.parse(raw) as { userId: UserId; capabilities: DeviceCapabilities };
      const capabilities = resolvedCapabilities(profile.capabilities);
      if (passes(capabilities, filter)) devices.push({ userId: profile.userId, clientId: clientId as ClientId, capabilities });
    }
    return devices.sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
  }

  /**
   * Applies `update` to one device of the user (undefined: nothing to change) and rewrites the
   * user's derived entries, as one compare-and-set on the user's revision.
   */
  private async change(userId: UserId, clientId: ClientId, update: (device: PoolDevice | undefined) => PoolDevice | undefined): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const raw = await this.store.hashGet(USER_STATE, userId);
      const user: PoolUser = raw === null ? { revision: 0, devices: {} } : (JSON.parse(raw) as PoolUser);
      const device = update(user.devices[clientId]);
      if (device === undefined) return;
      const next: PoolUser = { revision: user.revision + 1, devices: { ...user.devices, [clientId]: device } };
      const applied = await this.store.commit(
        [{ op: 'hashSet', key: USER_STATE, field: userId, value: JSON.stringify(next) }, ...derived(userId, next)],
        { unlessExists: revisionMarker(userId, next.revision), markerTtlMs: MARKER_TTL_MS },
      );
      if (applied) return;
    }
    throw new Error(`the eligibility pool entry of user ${userId} kept changing under ${MAX_ATTEMPTS} attempts to update device ${clientId}; the event will be retried`);
  }
}

const unregistered: PoolDevice = { registeredAt: null, trainingConsent: false, consentSequence: 0, capabilities: null, capabilitiesSequence: 0 };

/** The user's device a round would use: the most recently registered one (ties: the larger id). */
function poolDeviceOf(user: PoolUser): [string, PoolDevice] | undefined {
  let best: [string, PoolDevice] | undefined;
  for (const entry of Object.entries(user.devices)) {
    const [clientId, device] = entry;
    if (device.registeredAt === null) continue;
    if (best === undefined || device.registeredAt > best[1].registeredAt! || (device.registeredAt === best[1].registeredAt && clientId > best[0])) best = entry;
  }
  return best;
}

/** The users / device-of-user / profiles entries of one user, as its state implies them. */
function derived(userId: UserId, user: PoolUser): WriteOp[] {
  const chosen = poolDeviceOf(user);
  const eligible = chosen !== undefined && chosen[1].trainingConsent ? chosen : undefined;
  const ops: WriteOp[] = Object.keys(user.devices)
    .filter((clientId) => clientId !== eligible?.[0])
    .map((clientId) => ({ op: 'hashDelete', key: PROFILES, field: clientId }));
  if (eligible === undefined) {
    ops.push({ op: 'setRemove', key: USERS, members: [userId] }, { op: 'hashDelete', key: DEVICE_OF_USER, field: userId });
  } else {
    const [clientId, device] = eligible;
    ops.push({ op: 'setAdd', key: USERS, members: [userId] }, { op: 'hashSet', key: DEVICE_OF_USER, field: userId, value: clientId });
    if (device.capabilities !== null) {
      ops.push({ op: 'hashSet', key: PROFILES, field: clientId, value: JSON.stringify({ userId, capabilities: device.capabilities }) });
    } else {
      ops.push({ op: 'hashDelete', key: PROFILES, field: clientId });
    }
  }
  return ops;
}

function passes(capabilities: ResolvedCapabilities, filter: EligibilityFilter): boolean {
  if (filter.minMemoryMb !== undefined && capabilities.memoryMb < filter.minMemoryMb) return false;
  if (filter.requireCharging === true && !capabilities.charging) return false;
  if (filter.requireUnmeteredNetwork === true && !capabilities.unmeteredNetwork) return false;
  if (filter.accelerators !== undefined && !filter.accelerators.includes(capabilities.accelerator)) return false;
  if (filter.minBatteryPercent !== undefined) {
    const battery = capabilities.batteryPercent;
    if (battery === undefined ? !capabilities.charging : battery < filter.minBatteryPercent) return false;
  }
  return true;
}
