/**
 * The final verdict's judgement: green's metrics over the given window at 100 %, against the
 * stable baseline the stepper recorded before the first shift. Written as a decision record and
 * an outcome metric. Pure of timing: final-verdict.ts decides which minutes to judge and when.
 */
import { CanaryRuntimeConfig, ENV } from '../../lib/runtime-config';
import type { MinuteSample } from '../judge';
import type { Clients } from '../shared/clients';
import type { DeploymentContext } from '../shared/deployment-context';
import { ConfigurationError, errorMessage } from '../shared/errors';
import { logger } from '../shared/logger';
import { fetchWindow } from '../shared/metrics';
import { FinalDecisionDoc, putDecision, readStable, readState } from '../shared/records';
import type { StepperState } from './types';
import type { HookStatus } from '../shared/reporter';
import { Colors, heaviestTargetGroup, readWeights, setWeights } from '../shared/traffic';
import { judgeFinalSamples, publishFinalVerdict } from './final-decision';

export { decide, FINAL_VERDICT_METRIC } from './final-decision';

/** The part of the stepper's `state` record the final verdict reads. */
export interface StepperStateView {
  readonly colors?: Colors;
  /** The stable version's samples, recorded before production moved. */
  readonly baseline?: { readonly blue?: MinuteSample[] };
}

/** What the decision record of the final verdict holds (record-types.ts holds every record's document). */
export type { FinalDecisionDoc } from '../shared/record-types';

export interface FinalJudgeOptions {
  /** First whole minute at 100 % (inclusive). */
  readonly start: Date;
  /** End of the judged window (exclusive). */
  readonly end: Date;
  /** When the verdict is taken (the record's time). */
  readonly now: Date;
  /** The decisions table; none: no stepper baseline, no decision record. */
  readonly table?: string;
  /** @default process.env[ENV.METRICS_NAMESPACE] ?? DEFAULT_METRICS_NAMESPACE */
  readonly namespace?: string;
}

export interface FinalJudgement {
  readonly status: HookStatus;
  readonly reason: string;
  readonly doc: FinalDecisionDoc;
}

export async function judgeFinal(ctx: DeploymentContext, clients: Clients, o: FinalJudgeOptions): Promise<FinalJudgement> {
  const { config } = ctx;
  if (!o.table) logger.warn(`${ENV.DECISIONS_TABLE} is not set: no stepper baseline, no decision record`);

  const state = o.table ? await readState<StepperState>(clients, o.table, ctx.deploymentId) : undefined;
  const colors = usableColors(config, state?.colors) ?? await recordedColors(ctx, clients, o.table) ?? await colorsFromListener(clients, config);
  const window = await fetchWindow(clients, config.productionListenerArn, colors, o.start, o.end);

  // At 100 % the blue window has (almost) no traffic; the recorded baseline is the real comparison.
  const { status, reason, verdict, samples, blueSource } = judgeFinalSamples(window, state?.baseline?.blue, config.analysis);

  const doc: FinalDecisionDoc = {
    phase: 'AfterAllowTraffic',
    status,
    verdict,
    samples,
    thresholds: config.analysis,
    colors,
    blueSource,
    window: { start: o.start.toISOString(), end: o.end.toISOString() },
    ...(config.analysis.shadow === true ? { shadow: true } : {}),
  };
  await recordOutcome(ctx, clients, o.table, o.namespace, doc, o.now);
  return { status, reason, doc };
}

/** The stepper's colors, if they are the configured pair (a changed config must not mislead us). */
function usableColors(config: CanaryRuntimeConfig, colors: Colors | undefined): Colors | undefined {
  if (!colors) return undefined;
  const { blueTargetGroupArn: blue, greenTargetGroupArn: green } = colors;
  if (blue !== green && config.targetGroupArns.includes(blue) && config.targetGroupArns.includes(green)) return colors;
  logger.warn('stepper state names target groups outside the configured pair; using the production listener', { colors });
  return undefined;
}

/**
 * Green is the target group with the most production weight. Not the task set status: whether
 * CodeDeploy has made the replacement PRIMARY by AfterAllowTraffic is undocumented.
 */
export async function colorsFromListener(clients: Clients, config: CanaryRuntimeConfig): Promise<Colors> {
  const ours = (await readWeights(clients, config.productionListenerArn, config.targetGroupArns))
    .filter((t) => t.TargetGroupArn && config.targetGroupArns.includes(t.TargetGroupArn));
  const green = heaviestTargetGroup(ours);
  const blue = config.targetGroupArns.find((arn) => arn !== green);
  if (!green || !blue) {
    throw new ConfigurationError(`production listener ${config.productionListenerArn} forwards to none of ${config.targetGroupArns.join(', ')}`);
  }
  return { blueTargetGroupArn: blue, greenTargetGroupArn: green };
}

/** Decision record and outcome metric. Losing either must not change the verdict: log and go on. */
async function recordOutcome(
  ctx: DeploymentContext,
  clients: Clients,
  table: string | undefined,
  namespace: string | undefined,
  doc: FinalDecisionDoc,
  now: Date,
): Promise<void> {
  const writes: [string, Promise<unknown>][] = [
    ['outcome metric', publishFinalVerdict(`${ctx.applicationName}/${ctx.deploymentGroupName}`, doc.status, now, namespace)],
  ];
  if (table) {
    writes.push(['decision record', putDecision(clients, table, ctx.deploymentId, now, 0, doc)]);
  }
  const results = await Promise.allSettled(writes.map(([, p]) => p));
  results.forEach((r, i) => {
    if (r.status === 'rejected') logger.error(`could not write the ${writes[i][0]}`, { error: errorMessage(r.reason) });
  });
}

/** Blue and green as BeforeInstall recorded them for this deployment (every schedule records them). */
async function recordedColors(ctx: DeploymentContext, clients: Clients, table: string | undefined): Promise<Colors | undefined> {
  if (!table) return undefined;
  const doc = await readStable(clients, table, ctx.deploymentId);
  return usableColors(ctx.config, doc ? { blueTargetGroupArn: doc.blueTargetGroupArn, greenTargetGroupArn: doc.greenTargetGroupArn } : undefined);
}

/**
 * At the start of the final verdict (CodeDeploy has shifted production to 100 %), every forward of
 * the production listener to the pair is set to green 100 %: the default action and each rule.
 * [inference, docs/how-it-works-on-aws.md] Whether CodeDeploy shifts listener rules as well as the
 * default action is undocumented; with this, production is on green before the old tasks go,
 * whichever it does. Idempotent: the same weights CodeDeploy set are written again.
 */
export async function alignProductionOnGreen(ctx: DeploymentContext, clients: Clients, table: string | undefined): Promise<Colors> {
  const state = table ? await readState<StepperState>(clients, table, ctx.deploymentId) : undefined;
  const colors = usableColors(ctx.config, state?.colors) ?? await recordedColors(ctx, clients, table) ?? await colorsFromListener(clients, ctx.config);
  await setWeights(clients, ctx.config.productionListenerArn, colors, 100);
  return colors;
}
