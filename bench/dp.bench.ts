/**
 * DP accountant benchmark (`npx tsx bench/dp.bench.ts`; npm script `bench:dp`): time to ε for
 * T = 10 000 rounds of the Poisson-subsampled Gaussian (q = 0.01, z = 1, δ = 1e-5) with the RDP
 * accountant (exact and conservative modes; target < 5 ms) and the PLD accountant at
 * value_discretization_interval 1e-4 (target < 1 s), next to the time Google's dp_accounting took
 * for the same computation (recorded by tools/dp-fixtures/generate.py in
 * libs/dp/fixtures/timing.json, on the machine and at the time the fixtures were generated).
 *
 * Each timing is "build a fresh accountant, compose, get ε": RUNS runs after one warm-up run;
 * `seconds` is the median wall time, `cpuSeconds` the median process CPU time (user + system —
 * robust when other work shares the machine). Prints a table and writes bench/results/dp.json as
 * an array of rows {case, accountant, seconds, referenceSeconds, cpuSeconds, referenceCpuSeconds, …}.
 * (The compliance-query case of the issue needs the dp-accountant service; it is added there.)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { PldAccountant, RdpAccountant, gaussianEvent, poissonSampled, selfComposed } from '@cohort/dp';

const ROOT = resolve(__dirname, '..');
const RESULTS = resolve(ROOT, 'bench/results/dp.json');
const TIMING = resolve(ROOT, 'libs/dp/fixtures/timing.json');

interface Reference {
  case: { samplingRate: number; noiseMultiplier: number; steps: number; delta: number };
  rdp: { seconds: number; cpuSeconds?: number; epsilon: number };
  pld: { seconds: number; cpuSeconds?: number; epsilon: number };
}

interface Row {
  case: string;
  accountant: string;
  seconds: number;
  referenceSeconds: number;
  cpuSeconds: number;
  referenceCpuSeconds: number | null;
  targetSeconds: number;
  epsilon: number;
  referenceEpsilon: number;
  runs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(runs: number, f: () => number): { seconds: number; cpuSeconds: number; value: number } {
  let value = f(); // warm-up: JIT, twiddle tables
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    value = f();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { seconds: median(wall), cpuSeconds: median(cpu), value };
}

function main(): void {
  const ref = JSON.parse(readFileSync(TIMING, 'utf8')) as Reference;
  const { samplingRate: q, noiseMultiplier: z, steps, delta } = ref.case;
  const event = selfComposed(poissonSampled(q, gaussianEvent(z)), steps);
  const name = `T=${steps} PoissonSampled(q=${q}, Gaussian(z=${z})), eps at delta=${delta}`;

  const rows: Row[] = [];
  for (const mode of ['exact', 'conservative'] as const) {
    const t = time(20, () => new RdpAccountant({ mode }).compose(event).getEpsilon(delta));
    rows.push({
      case: name,
      accountant: `rdp (${mode})`,
      seconds: t.seconds,
      referenceSeconds: ref.rdp.seconds,
      cpuSeconds: t.cpuSeconds,
      referenceCpuSeconds: ref.rdp.cpuSeconds ?? null,
      targetSeconds: 0.005,
      epsilon: t.value,
      referenceEpsilon: ref.rdp.epsilon,
      runs: 20,
    });
  }
  const t = time(5, () => new PldAccountant({ valueDiscretizationInterval: 1e-4 }).compose(event).getEpsilon(delta));
  rows.push({
    case: name,
    accountant: 'pld (interval 1e-4)',
    seconds: t.seconds,
    referenceSeconds: ref.pld.seconds,
    cpuSeconds: t.cpuSeconds,
    referenceCpuSeconds: ref.pld.cpuSeconds ?? null,
    targetSeconds: 1,
    epsilon: t.value,
    referenceEpsilon: ref.pld.epsilon,
    runs: 5,
  });

  const fmt = (s: number) => (s < 0.01 ? `${(s * 1000).toFixed(2)} ms` : `${s.toFixed(3)} s`);
  console.log(`dp accountants — ${name}`);
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0].toFixed(1)}`);
  console.table(
    rows.map((r) => ({
      accountant: r.accountant,
      wall: fmt(r.seconds),
      cpu: fmt(r.cpuSeconds),
      target: fmt(r.targetSeconds),
      'dp_accounting wall': fmt(r.referenceSeconds),
      'dp_accounting cpu': r.referenceCpuSeconds === null ? '-' : fmt(r.referenceCpuSeconds),
      epsilon: r.epsilon.toFixed(6),
      'dp_accounting eps': r.referenceEpsilon.toFixed(6),
    })),
  );
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
}

main();
