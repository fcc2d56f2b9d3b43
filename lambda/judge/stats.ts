/**
 * The few distributions the judge tests with, exact where it matters (binomial tails through the
 * regularized incomplete beta function) and dependency-free, so the Lambda bundle stays small.
 * Pure functions; inputs outside their domain give the "no evidence" answer (p = 1).
 */

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9): about 15 significant digits. */
export function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b), a, b > 0, 0 <= x <= 1. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(x > 0)) return 0;
  if (!(x < 1)) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  const front = Math.exp(lnFront);
  // The continued fraction converges fast on this side of the mean; use the symmetry otherwise.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(X >= k) for X ~ Binomial(n, p): the exact one-sided p-value of k successes when the true rate is p. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (!(k > 0)) return 1;
  if (k > n) return 0;
  if (!(p > 0)) return 0;
  if (!(p < 1)) return 1;
  // P(X >= k) = I_p(k, n - k + 1) (the beta-binomial identity).
  return clamp01(incompleteBeta(p, k, n - k + 1));
}

/** P(T > t) for Student's t with `df` degrees of freedom. */
export function studentTUpper(t: number, df: number): number {
  if (!(df > 0) || Number.isNaN(t)) return 1;
  if (t === Infinity) return 0;
  if (t === -Infinity) return 1;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return clamp01(t > 0 ? tail : 1 - tail);
}

/** P(Z > z) for a standard normal Z (erfc by its continued-fraction-free Chebyshev fit, |error| < 1.2e-7). */
export function normalUpper(z: number): number {
  if (Number.isNaN(z)) return 1;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc = t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return clamp01(z >= 0 ? erfc / 2 : 1 - erfc / 2);
}

/**
 * One-sided Mann-Whitney U test that the `xs` tend to be larger than the `ys`: the p-value of
 * the observed U under "same distribution", by the normal approximation with the tie correction
 * and a continuity correction (fine from about 8 values a side, the judge's minimum).
 */
export function mannWhitneyGreater(xs: readonly number[], ys: readonly number[]): { u: number; pValue: number } {
  const n1 = xs.length;
  const n2 = ys.length;
  if (n1 === 0 || n2 === 0) return { u: 0, pValue: 1 };
  const all = [...xs.map((v) => ({ v, x: true })), ...ys.map((v) => ({ v, x: false }))].sort((a, b) => a.v - b.v);
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j + 1 < all.length && all[j + 1].v === all[i].v) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k].x) rankSumX += midRank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return { u, pValue: 1 };
  const z = (u - (n1 * n2) / 2 - 0.5) / Math.sqrt(variance);
  return { u, pValue: normalUpper(z) };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
