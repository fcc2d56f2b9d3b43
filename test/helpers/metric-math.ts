/**
 * A comparison of two series at one timestamp, as CloudWatch documents it ("Using math expressions",
 * comparison operators): a missing value counts as 0 when the other series has one; no datapoint
 * when neither has.
 */
function greaterThan(x: number | undefined, y: number | undefined): number | undefined {
  const [a, b] = [missingIfNaN(x), missingIfNaN(y)];
  if (a === undefined && b === undefined) return undefined;
  return (a ?? 0) > (b ?? 0) ? 1 : 0;
}

/** Arithmetic on a series without a datapoint (undefined in JavaScript: NaN) gives no datapoint. */
function missingIfNaN(x: number | undefined): number | undefined {
  return x === undefined || Number.isNaN(x) ? undefined : x;
}

/**
 * Evaluates a rendered CloudWatch metric-math expression for one datapoint, the way CloudWatch
 * would: FILL(x, 0) is x or 0 when x has no datapoint, IF(c, a, b), ^ is exponentiation. An
 * undefined result is no datapoint (e.g. IF choosing a metric that has none).
 */
export function evaluateMetricMath(expression: string, values: Record<string, number | undefined>): number | undefined {
  const ids = Object.keys(values);
  // `a > b` between two series (an id, or an id divided or multiplied by a number): CloudWatch's
  // series comparison (GT below), not JavaScript's.
  const side = '([a-z]\\w*)((?: [*/] [0-9.]+)?)';
  const text = expression.replace(/\^/g, '**').replace(new RegExp(`\\b${side} > ${side}(?![\\w.])`, 'g'),
    (m, a: string, sa: string, b: string, sb: string) => (ids.includes(a) && ids.includes(b) ? `GT(${a}${sa}, ${b}${sb})` : m));
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fn = new Function('IF', 'FILL', 'GT', ...ids, `return ${text};`);
  // IF(series, a, b) per CloudWatch: no datapoint without a condition; true with `a` missing gives 0;
  // false with `b` missing gives no datapoint.
  const IF = (c: number | boolean | undefined, a: number | undefined, b: number | undefined) =>
    (c === undefined ? undefined : c ? (missingIfNaN(a) ?? 0) : missingIfNaN(b));
  return missingIfNaN(fn(IF, (x: number | undefined, d: number) => missingIfNaN(x) ?? d, greaterThan, ...ids.map((k) => values[k])));
}

/**
 * Evaluates an alarm's metric-math queries (its `Metrics`, as rendered) for one minute of metric
 * values: the helper expressions (ReturnData false) first, in order of need, then the one the alarm
 * watches.
 */
export function evaluateAlarmQueries(queries: { Id: string; Expression?: string; ReturnData?: boolean }[], values: Record<string, number | undefined>): number | undefined {
  const expressions = new Map(queries.filter((q) => q.Expression).map((q) => [q.Id, q.Expression!]));
  const resolved: Record<string, number | undefined> = { ...values };
  const evaluate = (id: string): number | undefined => {
    if (id in resolved) return resolved[id];
    const text = expressions.get(id)!;
    for (const other of expressions.keys()) if (other !== id && new RegExp(`\\b${other}\\b`).test(text)) evaluate(other);
    resolved[id] = evaluateMetricMath(text, resolved);
    return resolved[id];
  };
  const top = queries.find((q) => q.Expression && q.ReturnData !== false)!;
  return evaluate(top.Id);
}
