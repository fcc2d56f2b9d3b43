/**
 * `canary rehearse --engine ecs`: a release on the ECS engine played offline. The native hook
 * (lambda/native, with the judge and decideTick inside it) is the real code; ECS is modelled
 * around it the way the ECS developer guide describes it: POST_SCALE_UP, then the strategy's
 * shift steps each followed by the PRODUCTION_TRAFFIC_SHIFT hook (called again after
 * `callBackDelay` while it answers IN_PROGRESS), then POST_PRODUCTION_TRAFFIC_SHIFT; FAILED rolls
 * production back to the stable revision. The rollback alarms are not modelled here.
 */
import { DescribeServiceDeploymentsCommand, DescribeServiceRevisionsCommand, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { DescribeRulesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { runNativeHook } from '../../../lambda/native/native-hook';
import type { NativeHookResponse } from '../../../lambda/native/types';
import { logger } from '../../../lambda/shared/logger';
import { NATIVE_CONFIG_VERSION, NativeRuntimeConfig, nativeConfigParameterName } from '../../../lib/native/native-config';
import { nativePlan } from '../../../lib/native/native-plan';
import type { CanaryRuntimeConfig } from '../../../lib/runtime-config';
import { CliError } from '../errors';
import { clock, Output } from '../output';
import { DEFAULT_ANALYSIS, DEFAULT_FINAL_STEP, DEFAULT_STEPS } from '../rehearse/defaults';
import { Scenario } from '../rehearse/scenario';
import { SIM, SimulatedAws } from '../rehearse/simulated-aws';

const CLUSTER = 'rehearsal-cluster';
const SERVICE = 'rehearsal-service';
const SERVICE_ARN = `arn:aws:ecs:eu-west-1:123456789012:service/${CLUSTER}/${SERVICE}`;
const DEPLOYMENT_ARN = `arn:aws:ecs:eu-west-1:123456789012:service-deployment/${CLUSTER}/${SERVICE}/rehearsal`;
const BLUE_REV = `arn:aws:ecs:eu-west-1:123456789012:service-revision/${CLUSTER}/${SERVICE}/1`;
const GREEN_REV = `arn:aws:ecs:eu-west-1:123456789012:service-revision/${CLUSTER}/${SERVICE}/2`;
const RULE = SIM.listener.replace(':listener/', ':listener-rule/') + '/0000000000000001';
const MAX_CALLS = 5000;

/** The rehearsal's ECS-engine configuration: the release-policy schedule and thresholds. */
export function defaultNativeConfig(): NativeRuntimeConfig {
  const steps = [...DEFAULT_STEPS, DEFAULT_FINAL_STEP];
  const { plan } = nativePlan(steps);
  return {
    version: NATIVE_CONFIG_VERSION, engine: 'ecs', clusterName: CLUSTER, serviceName: SERVICE,
    productionListenerArn: SIM.listener, productionRuleArn: RULE, targetGroupArns: [SIM.blue, SIM.green],
    strategy: plan!.strategy, stepPercent: plan!.stepPercent, steps, analysis: DEFAULT_ANALYSIS, alarmNames: [], bakeTimeMinutes: 5,
    decisionsTableName: SIM.table,
  };
}

/** The simulated account, plus the ECS-engine calls the native hook makes. */
class NativeSimulatedAws extends SimulatedAws {
  status = 'IN_PROGRESS';
  stage = 'POST_SCALE_UP';

  constructor(private readonly native: NativeRuntimeConfig, scenario: Scenario) {
    super({ serviceName: native.serviceName } as CanaryRuntimeConfig, scenario);
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ListServiceDeploymentsCommand) {
      return { serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT_ARN, targetServiceRevisionArn: GREEN_REV, status: this.status }] };
    }
    if (command instanceof DescribeServiceDeploymentsCommand) {
      return { serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT_ARN, status: this.status, lifecycleStage: this.stage, sourceServiceRevisions: [{ arn: BLUE_REV }], targetServiceRevision: { arn: GREEN_REV } }] };
    }
    if (command instanceof DescribeServiceRevisionsCommand) {
      return { serviceRevisions: [{ serviceRevisionArn: BLUE_REV, taskDefinition: 'rehearsal:1' }, { serviceRevisionArn: GREEN_REV, taskDefinition: 'rehearsal:2' }] };
    }
    if (command instanceof GetParameterCommand && command.input.Name === nativeConfigParameterName(CLUSTER, SERVICE)) {
      return { Parameter: { Name: command.input.Name, Value: JSON.stringify(this.native) } };
    }
    if (command instanceof DescribeRulesCommand) {
      const g = this.greenPercent;
      return { Rules: [{ RuleArn: RULE, Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: SIM.blue, Weight: 100 - g }, { TargetGroupArn: SIM.green, Weight: g }] } }] }] };
    }
    return super.send(command);
  }
}

export interface NativeRehearsal {
  readonly outcome: 'released' | 'rolled-back';
  readonly reason: string;
  /** Seconds from the first shift to 100 % or to the rollback. */
  readonly seconds: number;
  readonly lines: string[];
}

/** Plays one release of `config` against `scenario`. */
export async function rehearseNative(config: NativeRuntimeConfig, scenario: Scenario): Promise<NativeRehearsal> {
  const { plan, error } = nativePlan(config.steps);
  if (!plan) throw new CliError(error!);
  logger.setLogLevel('SILENT');
  const sim = new NativeSimulatedAws(config, scenario);
  const t0 = sim.nowMs;
  const lines: string[] = [`ECS strategy ${plan.strategy}${plan.stepPercent !== undefined ? ` ${plan.stepPercent} %` : ''}; schedule ${config.steps.map((s) => `${s.percent} % ${s.bakeSeconds / 60} min`).join(' → ')} → 100 %`];
  const at = () => clock((sim.nowMs - t0) / 1000);
  const deps = { clients: sim.clients, table: SIM.table, now: sim.now };
  const payload = () => ({ executionDetails: { serviceArn: SERVICE_ARN, targetServiceRevisionArn: GREEN_REV, productionTrafficWeights: { [BLUE_REV]: 100 - sim.greenPercent, [GREEN_REV]: sim.greenPercent } } });
  let calls = 0;
  const call = async (stage: string): Promise<NativeHookResponse> => {
    sim.stage = stage;
    for (;;) {
      if (++calls > MAX_CALLS) throw new CliError(`the rehearsal stopped after ${MAX_CALLS} hook calls`);
      const r = await runNativeHook(payload(), deps);
      if (r.hookStatus !== 'IN_PROGRESS') return r;
      sim.advance(r.callBackDelay ?? 30);
    }
  };
  const rollback = async (reason: string): Promise<NativeRehearsal> => {
    sim.status = 'ROLLBACK_IN_PROGRESS';
    sim.shift(0, 'ECS rollback');
    await call('PRODUCTION_TRAFFIC_SHIFT');
    lines.push(`${at()} FAILED: ECS rolls back, production 100 % on the stable revision (${reason})`);
    return { outcome: 'rolled-back', reason, seconds: (sim.nowMs - t0) / 1000, lines };
  };

  if ((await call('POST_SCALE_UP')).hookStatus === 'FAILED') return rollback('POST_SCALE_UP failed');
  for (const p of [...plan.shifts, 100]) {
    sim.shift(p, `ECS ${plan.strategy} step`);
    const before = sim.nowMs;
    const r = await call('PRODUCTION_TRAFFIC_SHIFT');
    const held = (sim.nowMs - before) / 1000;
    if (r.hookStatus === 'FAILED') {
      const reason = sim.events.flatMap((e) => (e.kind === 'decision' && e.doc.phase !== 'control' ? [e.doc.verdict.reason] : [])).pop() ?? 'the hook failed';
      return rollback(`${p} %: ${reason}`);
    }
    lines.push(`${clock((before - t0) / 1000)} ${String(p).padStart(3)} % ${held > 0 ? `held ${Math.round(held / 60)} min, passed` : 'passed through'}`);
  }
  await call('POST_PRODUCTION_TRAFFIC_SHIFT');
  lines.push(`${at()} released: production 100 % on the new revision`);
  return { outcome: 'released', reason: 'every hold passed', seconds: (sim.nowMs - t0) / 1000, lines };
}

export async function nativeRehearse(out: Output, options: { scenario: string; rate?: number }): Promise<number> {
  const scenario = Scenario.named(options.scenario);
  const config = defaultNativeConfig();
  const r = await rehearseNative(config, options.rate ? scenario.withRate(options.rate) : scenario);
  out.line(`rehearsal on the ECS engine (release-policy defaults), scenario ${options.scenario}`);
  for (const l of r.lines) out.line(`  ${l}`);
  return r.outcome === 'released' ? 0 : 1;
}
