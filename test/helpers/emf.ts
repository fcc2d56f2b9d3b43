/**
 * The EMF lines (CloudWatch embedded metric format) the code under test writes. Powertools Metrics
 * writes them with console.log in its dev mode, which the tests switch on (with metrics kept
 * enabled: dev mode alone disables them) so that the lines can be caught.
 */
export interface EmfLine {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: { readonly Namespace: string; readonly Dimensions: string[][]; readonly Metrics: { Name: string; Unit?: string }[] }[];
  };
  readonly [member: string]: unknown;
}

export function captureEmf(): { lines: EmfLine[]; restore: () => void } {
  const saved = { dev: process.env.POWERTOOLS_DEV, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const lines: EmfLine[] = [];
  const spy = jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
    const text = String(line);
    if (text.includes('"_aws"')) lines.push(JSON.parse(text) as EmfLine);
  });
  return {
    lines,
    restore: () => {
      spy.mockRestore();
      for (const [key, value] of [['POWERTOOLS_DEV', saved.dev], ['POWERTOOLS_METRICS_DISABLED', saved.disabled]] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}

/** `Name dim=value ... value=n` for each metric of each line, like the fakes' logs. */
export function describeEmf(lines: EmfLine[]): string[] {
  return lines.flatMap((l) => l._aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) =>
    `${m.Name} ${d.Dimensions[0].map((k) => `${k}=${String(l[k])}`).join(' ')} value=${String(l[m.Name])}`)));
}
