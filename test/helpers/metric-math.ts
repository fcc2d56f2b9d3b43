/** MAX([a, b]) over time series, per minute: the larger present value [inference: a series without a datapoint in the minute is left out]. */
function maxOfPresent(xs: (number | undefined)[]): number | undefined {
  const present = xs.filter((x): x is number => x !== undefined);
  return present.length === 0 ? undefined : Math.max(...present);
}

/**
 * Evaluates a rendered CloudWatch metric-math expression for one datapoint, the way CloudWatch
 * would: FILL(x, 0) is x or 0 when x has no datapoint, IF(c, a, b), ^ is exponentiation. An
 * undefined result is no datapoint (e.g. IF choosing a metric that has none).
 */
export function evaluateMetricMath(expression: string, values: Record<string, number | undefined>): number | undefined {
  const ids = Object.keys(values);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const fn = new Function('IF', 'FILL', 'MAX', ...ids, `return ${expression.replace(/\^/g, '**')};`);
  return fn((c: unknown, a: number, b: number) => (c ? a : b), (x: number | undefined, d: number) => x ?? d, maxOfPresent, ...ids.map((k) => values[k]));
}

/**
 * Evaluates an alarm's metric-math queries (its `Metrics`, as rendered) for one minute of metric
 * values: the helper expressions (ReturnData false) first, in order of need, then the one the alarm
 * watches. MAX([a, b]) is the larger of the values present (undefined when none is).
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
