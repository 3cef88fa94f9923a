/**
 * Chooses the degree k of the Harary graph and the Shamir threshold t for SecAgg+
 * (Bell, Bonawitz, Gascón, Lepoint, Raykova, "Secure Single-Server Aggregation with
 * (Poly)Logarithmic Overhead", CCS 2020, §3–4), following the analysis Google's
 * implementation of that paper uses for Harary graphs with randomly placed clients
 * (federated-compute, `fcp/secagg/server/graph_parameter_finder.cc`), re-derived here.
 *
 * Model: n clients are placed on a ring in uniformly random order; each is joined to the k/2
 * nearest on either side (the Harary graph H_{k,n}, k even). At most A = ⌈γn⌉ clients are
 * corrupt (colluding with the server) and at most D = ⌊δn⌋ drop out. A is rounded up: a plan that
 * allows 1.6 colluders in a group of 8 allows 2, and any γ > 0 allows at least one (flooring sized
 * every group under 1/γ clients for none: k = 2, t = 2, which two colluders either side of a
 * client break). For one client, its number of
 * corrupt neighbours X ~ Hypergeometric(n, A, k) and its number of surviving neighbours
 * S ~ Hypergeometric(n, n − D, k). Three events are bounded, by a union bound over the n clients:
 *
 *   1. security, connectivity: removing the A + D bad clients must not split the honest survivors,
 *      or the server learns partial sums. A Harary graph only splits if two disjoint runs of k/2
 *      consecutive ring positions are all bad, so
 *        P_split ≤ n(n − k − 1)/2 · (A+D)!(n−k)! / (n!(A+D−k)!)   and we need P_split < 2^-(σ+1);
 *   2. security, threshold: no honest client may have t corrupt neighbours (they could rebuild its
 *      mask key), so t is the least value with  n · P[X ≥ t] < 2^-(σ+1);
 *   3. correctness: every client keeps ≥ t surviving neighbours,  n · P[S ≤ t − 1] < 2^-η.
 *
 * The least even k for which some t satisfies 2 and 3 (and 1 holds) wins, with the least such t
 * (cheapest reconstruction). σ = 40, η = 20 by default (the 40-bit security and 2^-20
 * failure probability). The corrupt-client bound counts in the σ budget twice (events 1 and 2),
 * hence σ + 1 for each.
 *
 * Invariant: the returned (k, t) satisfy all three inequalities as computed in log space; the spec
 * checks them against the values Google's implementation publishes for its curious-server model.
 */
import { SecAggError, SecAggErrorCode, requireParameter } from './secagg-error';

export interface HararyGraphRequirements {
  /** Cohort (or shard) size n. */
  readonly clients: number;
  /** Assumed fraction γ of clients colluding with the server, in [0, 1). */
  readonly corruptFraction: number;
  /** Assumed fraction δ of clients that drop out anywhere in the round, in [0, 1). */
  readonly dropoutFraction: number;
  /** Statistical security σ in bits (default 40). */
  readonly securityBits?: number;
  /** Correctness η: failure probability below 2^-η (default 20). */
  readonly correctnessBits?: number;
}

export interface HararyGraphChoice {
  readonly clients: number;
  /** A = ⌈γn⌉: the colluding clients the choice is secure against (0 only for γ = 0). */
  readonly corruptClients: number;
  /** D = ⌊δn⌋: the dropouts it is sized for. */
  readonly droppedClients: number;
  /** Degree k (even): number of neighbours that hold each client's shares. */
  readonly degree: number;
  /** Shamir threshold t. */
  readonly threshold: number;
  /** log2 of the bound on each bad event, for the record. */
  readonly log2SplitProbability: number;
  readonly log2ThresholdBreachProbability: number;
  readonly log2CorrectnessFailureProbability: number;
}

const LN2 = Math.LN2;
/** Guards ⌊δn⌋ and ⌈γn⌉ against float noise (0.33·10 = 3.3000000000000003, 0.1·10 = 1). */
const EPSILON = 1e-12;

/** A = ⌈γn⌉ colluders (≥ 1 for any γ > 0); float noise above an integer is not rounded up. */
function corruptClientsOf(n: number, gamma: number): number {
  return gamma > 0 ? Math.max(1, Math.ceil(gamma * n * (1 - EPSILON))) : 0;
}

export function chooseHararyParameters(req: HararyGraphRequirements): HararyGraphChoice {
  const { clients: n, corruptFraction: gamma, dropoutFraction: delta } = req;
  const sigma = req.securityBits ?? 40;
  const eta = req.correctnessBits ?? 20;
  requireParameter(Number.isInteger(n) && n >= 3 && n <= 10_000_000, 'clients', 'must be an integer in [3, 10^7]', n);
  requireParameter(gamma >= 0 && gamma < 1, 'corruptFraction', 'must be in [0, 1)', gamma);
  requireParameter(delta >= 0 && delta < 1, 'dropoutFraction', 'must be in [0, 1)', delta);
  requireParameter(gamma + delta <= 0.9, 'corruptFraction + dropoutFraction', 'must be ≤ 0.9 for a feasible graph', gamma + delta);
  requireParameter(sigma > 0 && sigma <= 128, 'securityBits', 'must be in (0, 128]', sigma);
  requireParameter(eta > 0 && eta <= 64, 'correctnessBits', 'must be in (0, 64]', eta);

  const corrupt = corruptClientsOf(n, gamma);
  const dropped = Math.floor((delta + EPSILON) * n);
  const survivors = n - dropped;
  const lnF = logFactorials(n);
  const lnSecurity = -(sigma + 1) * LN2 - Math.log(n);
  const lnCorrectness = -eta * LN2 - Math.log(n);

  for (let k = 2; k < n - 1; k += 2) {
    const lnSplit = lnSplitProbability(n, k, corrupt + dropped, lnF);
    if (lnSplit >= -(sigma + 1) * LN2) continue;
    // Least t with P[X ≥ t] < 2^-(σ+1)/n, X = corrupt neighbours.
    const upper = upperTails(n, corrupt, k, lnF);
    let tSecure = 0;
    while (tSecure <= k && upper[tSecure]! >= lnSecurity) tSecure++;
    const t = Math.max(tSecure, 2);
    if (t > k) continue;
    // Need P[S ≤ t − 1] < 2^-η/n, S = surviving neighbours.
    const lnFail = lowerTail(n, survivors, k, t - 1, lnF);
    if (lnFail >= lnCorrectness) continue;
    return {
      clients: n,
      corruptClients: corrupt,
      droppedClients: dropped,
      degree: k,
      threshold: t,
      log2SplitProbability: lnSplit / LN2,
      log2ThresholdBreachProbability: (Math.log(n) + (upper[t] ?? -Infinity)) / LN2,
      log2CorrectnessFailureProbability: (Math.log(n) + lnFail) / LN2,
    };
  }
  throw new SecAggError(
    SecAggErrorCode.NoFeasibleGraph,
    `no Harary degree k < n − 1 meets σ=${sigma}, η=${eta} for n=${n}, γ=${gamma} (${corrupt} corrupt), δ=${delta} (${dropped} dropped); use the complete graph (k = n − 1) with an explicit threshold`,
  );
}

/** ln P[two disjoint runs of k/2 bad positions] bound, event 1. */
function lnSplitProbability(n: number, k: number, bad: number, lnF: Float64Array): number {
  if (k > bad) return -Infinity;
  return (
    Math.log(n) + Math.log(n - k - 1) - LN2 + lnF[bad]! + lnF[n - k]! - lnF[n]! - lnF[bad - k]!
  );
}

/** ln of the hypergeometric pmf: population N, marked K, draws m, x marked drawn. */
function lnPmf(N: number, K: number, m: number, x: number, lnF: Float64Array): number {
  if (x < 0 || x > m || x > K || m - x > N - K) return -Infinity;
  return lnChoose(K, x, lnF) + lnChoose(N - K, m - x, lnF) - lnChoose(N, m, lnF);
}

function lnChoose(a: number, b: number, lnF: Float64Array): number {
  return lnF[a]! - lnF[b]! - lnF[a - b]!;
}

/** out[t] = ln P[X ≥ t] for t = 0..m+1. */
function upperTails(N: number, K: number, m: number, lnF: Float64Array): Float64Array {
  const out = new Float64Array(m + 2).fill(-Infinity);
  for (let x = m; x >= 0; x--) out[x] = logAdd(out[x + 1]!, lnPmf(N, K, m, x, lnF));
  return out;
}

/** ln P[X ≤ upTo]. */
function lowerTail(N: number, K: number, m: number, upTo: number, lnF: Float64Array): number {
  let acc = -Infinity;
  for (let x = 0; x <= upTo; x++) acc = logAdd(acc, lnPmf(N, K, m, x, lnF));
  return acc;
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

let cachedLogFactorials = new Float64Array([0]);

/** ln(i!) for i = 0..n, exact sums of logs (no Stirling error), cached across calls. */
function logFactorials(n: number): Float64Array {
  if (cachedLogFactorials.length > n) return cachedLogFactorials;
  const out = new Float64Array(n + 1);
  out.set(cachedLogFactorials);
  for (let i = cachedLogFactorials.length; i <= n; i++) out[i] = out[i - 1]! + Math.log(i);
  cachedLogFactorials = out;
  return out;
}

/**
 * The graph a session of `clients` clients runs on: the Harary graph of `chooseHararyParameters`,
 * or — where no k < n − 1 qualifies (very small groups) — the complete graph of Bonawitz et al.
 * with t = max(2, ⌊(n − 1)/2⌋ + 1, A + 1), A = ⌈γn⌉: an honest majority, and more shares than the
 * colluders hold (every client is everyone's neighbour, so the bound is deterministic).
 *
 * Refuses (NO_FEASIBLE_GRAPH) a group in which A + 1 > n − 1, i.e. fewer than two honest clients:
 * no threshold protects them, and the sum of one honest input is that input. The caller merges
 * groups or refuses the round. Correctness under dropouts is not checked here: with more than
 * n − 1 − t dropouts the session aborts and releases nothing.
 */
export function sessionGraph(req: HararyGraphRequirements): { readonly degree: number; readonly threshold: number } {
  try {
    const { degree, threshold } = chooseHararyParameters(req);
    return { degree, threshold };
  } catch (error) {
    if (!(error instanceof SecAggError) || error.code !== SecAggErrorCode.NoFeasibleGraph) throw error;
    const n = req.clients;
    const corrupt = corruptClientsOf(n, req.corruptFraction);
    const threshold = Math.max(2, Math.floor((n - 1) / 2) + 1, corrupt + 1);
    if (threshold > n - 1) {
      throw new SecAggError(
        SecAggErrorCode.NoFeasibleGraph,
        `a group of n=${n} is too small for ${corrupt} corrupt clients (γ=${req.corruptFraction}): even the complete graph needs t = ${threshold} > n − 1 shares; merge groups or refuse the round`,
      );
    }
    return { degree: n - 1, threshold };
  }
}
