/**
 * Evaluates a rendered CloudWatch metric-math expression for one datapoint, the way CloudWatch
 * would: FILL(x, 0) is x or 0 when x has no datapoint, IF(c, a, b), ^ is exponentiation. An
 * undefined result is no datapoint (e.g. IF choosing a metric that has none).
 */
export function evaluateMetricMath(expression: string, values: Record<string, number | undefined>): number | undefined {
  const ids = Object.keys(values);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fn = new Function('IF', 'FILL', ...ids, `return ${expression.replace(/\^/g, '**')};`);
  return fn((c: unknown, a: number, b: number) => (c ? a : b), (x: number | undefined, d: number) => x ?? d, ...ids.map((k) => values[k]));
}
