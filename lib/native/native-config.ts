/**
 * The contract between NativeCanaryDeployment (synth time) and the native hook (run time).
 * One JSON document per service in SSM, found from the `serviceArn` of the hook's payload, since
 * ECS gives the hook no deployment group or application to look the configuration up by.
 *
 * Free of aws-cdk-lib imports: it is bundled into the Lambda code and read by the CLI.
 */
import { CONFIG_PARAMETER_PREFIX, type AnalysisConfig, type SmokeCheckConfig } from '../runtime-config';
import type { NativeStep, NativeStrategyName } from './native-plan';

export const NATIVE_CONFIG_VERSION = 1;

export function nativeConfigParameterName(clusterName: string, serviceName: string): string {
  return `${CONFIG_PARAMETER_PREFIX}/ecs/${clusterName}/${serviceName}`;
}

/** `arn:aws:ecs:region:account:service/cluster/name` -> cluster and service names. */
export function parseServiceArn(serviceArn: string): { clusterName: string; serviceName: string } | undefined {
  const m = /^arn:[^:]+:ecs:[^:]*:\d*:service\/([^/]+)\/([^/]+)$/.exec(serviceArn);
  return m ? { clusterName: m[1], serviceName: m[2] } : undefined;
}

export interface NativeRuntimeConfig {
  readonly version: typeof NATIVE_CONFIG_VERSION;
  readonly engine: 'ecs';
  readonly clusterName: string;
  readonly serviceName: string;
  /** The production listener: its ARN gives the LoadBalancer metric dimension. */
  readonly productionListenerArn: string;
  /** The production listener rule ECS shifts. */
  readonly productionRuleArn: string;
  /** The two target groups; ECS moves the new tasks to whichever does not serve production. */
  readonly targetGroupArns: [string, string];
  readonly strategy: NativeStrategyName;
  readonly stepPercent?: number;
  /** The schedule's steps: the hook holds and judges at each of these percents. */
  readonly steps: NativeStep[];
  readonly analysis: AnalysisConfig;
  /** Names of the alarms on the service's deploymentAlarms (for status and preflight). */
  readonly alarmNames: string[];
  /** Minutes ECS keeps blue after 100 % (the deployment bake time). */
  readonly bakeTimeMinutes: number;
  readonly decisionsTableName?: string;
  readonly topicArn?: string;
  /** The test listener rule ECS points at the new revision (100 % at POST_TEST_TRAFFIC_SHIFT). */
  readonly testRuleArn?: string;
  /** Checks the smoke hook runs at POST_TEST_TRAFFIC_SHIFT, before production sees the new revision. */
  readonly smokeTests?: SmokeCheckConfig[];
  /** Container port, for smoke tests that call the green targets directly. */
  readonly containerPort?: number;
  /** Base URL the smoke tests reach the green version through; omitted: the green targets directly. */
  readonly testBaseUrl?: string;
  /**
   * Whole minutes at 100 % judged at POST_PRODUCTION_TRAFFIC_SHIFT against the stable baseline
   * (also the length of the baseline). Omitted (configurations written before it existed): no final verdict.
   */
  readonly finalVerdictWindowSeconds?: number;
}
