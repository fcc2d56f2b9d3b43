/**
 * Seeded randomness for `canary rehearse --runs N --seed S` and bench/judge-oc.ts: the same seed
 * replays the same traffic. mulberry32 is a small, fast 32-bit generator, good enough for
 * simulation (not for anything secret).
 */

export type Rng = () => number;

/** Uniform [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for run `run` of a series seeded with `seed`: runs are independent of each other's length. */
export function runSeed(seed: number, run: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(run + 1, 0x85ebca6b)) >>> 0;
}

/** Standard normal (Box-Muller). */
export function normal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * Binomial(n, p) draw: exact by inversion while n p is small (the usual case: a few errors a
 * minute), normal approximation with continuity correction beyond (n p and n (1 - p) > 50).
 */
export function binomial(rng: Rng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  const mean = n * p;
  if (mean > 50 && n * (1 - p) > 50) {
    const x = Math.round(mean + Math.sqrt(mean * (1 - p)) * normal(rng));
    return Math.min(n, Math.max(0, x));
  }
  // Inversion: walk the pmf from 0 (p^0 (1-p)^n) upwards.
  const q = 1 - p;
  let pmf = Math.exp(n * Math.log(q));
  let cdf = pmf;
  const u = rng();
  let k = 0;
  while (u > cdf && k < n) {
    pmf *= ((n - k) / (k + 1)) * (p / q);
    k++;
    cdf += pmf;
    if (pmf < 1e-300 && k > mean) break;
  }
  return k;
}

/** Poisson(mean) draw (Knuth for small means, normal approximation beyond 50). */
export function poisson(rng: Rng, mean: number): number {
  if (!(mean > 0)) return 0;
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(rng)));
  const limit = Math.exp(-mean);
  let k = 0;
  let prod = rng();
  while (prod > limit) {
    k++;
    prod *= rng();
  }
  return k;
}

/** The z of a standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * The p-th percentile (0..100) of `n` log-normal response times (median `medianMs`, log-sd
 * `sigma`), as one minute of ALB metrics would report it. Up to 400 requests the requests are
 * drawn and the percentile taken by nearest rank; beyond, the sample percentile is drawn from its
 * asymptotic distribution (normal in log space, variance q (1 - q) / (n f(z)^2)), which is what
 * sorting thousands of draws would give, at a fraction of the cost.
 */
export function sampledPercentiles(rng: Rng, n: number, medianMs: number, sigma: number, percentiles: readonly number[]): number[] {
  if (n <= 0) return percentiles.map(() => NaN);
  if (n <= 400) {
    const xs = Array.from({ length: n }, () => medianMs * Math.exp(sigma * normal(rng))).sort((x, y) => x - y);
    return percentiles.map((pc) => xs[Math.min(n - 1, Math.max(0, Math.ceil((pc / 100) * n) - 1))]);
  }
  // One shared normal draw: neighbouring percentiles of one minute move together.
  const shared = normal(rng);
  return percentiles.map((pc) => {
    const q = pc / 100;
    const z = normalQuantile(q);
    const density = Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI);
    const sd = Math.sqrt((q * (1 - q)) / n) / density;
    return medianMs * Math.exp(sigma * (z + sd * shared));
  });
}
