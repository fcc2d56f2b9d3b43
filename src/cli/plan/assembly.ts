/**
 * The canary services of a synthesized app, read offline from its cloud assembly (cdk.out):
 * every AWS::SSM::Parameter named /cdk-ecs-canary/... carries the runtime configuration as an
 * Fn::Join of JSON text and CloudFormation tokens (cluster, listener and target group ARNs).
 * Tokens become `${LogicalId}` / `${LogicalId.Attribute}` placeholders, so the JSON parses and
 * every number the schedule needs (steps, bakes, thresholds) is there as written.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../../../lambda/shared/deployment-context';
import { CONFIG_PARAMETER_PREFIX, CONSTRUCT_PATH_METADATA, CanaryRuntimeConfig } from '../../../lib/runtime-config';
import { CliError } from '../errors';

export interface CodeDeployRouting {
  readonly type: string;
  /** TimeBasedCanary: percent and minutes of the first shift. TimeBasedLinear: percent and minutes per shift. */
  readonly percent?: number;
  readonly minutes?: number;
  /** The deployment config's name when it is a CodeDeploy predefined one. */
  readonly name?: string;
}

export interface SynthesizedService {
  readonly stackName: string;
  /** Construct path of the canary deployment (aws:cdk:path), or stack/logicalId without path metadata. */
  readonly path: string;
  readonly logicalId: string;
  readonly config: CanaryRuntimeConfig;
  /** CodeDeploy's part of the schedule, from the deployment group's deployment config. */
  readonly routing?: CodeDeployRouting;
  /** From the deployment group, when the configuration document does not carry it. */
  readonly terminationWaitMinutes?: number;
}

type Template = { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> };

interface Manifest {
  artifacts?: Record<string, { type?: string; displayName?: string; properties?: { templateFile?: string; stackName?: string; directoryName?: string } }>;
}

/** `{ Ref: X }` -> `${X}`, `{ Fn::GetAtt: [X, Y] }` -> `${X.Y}`, anything else `${Token}`. */
export function placeholder(token: unknown): string {
  const t = token as Record<string, unknown>;
  if (t && typeof t.Ref === 'string') return `\${${t.Ref}}`;
  const att = t?.['Fn::GetAtt'];
  if (Array.isArray(att)) return `\${${att.join('.')}}`;
  if (typeof att === 'string') return `\${${att}}`;
  const fn = t && typeof t === 'object' ? Object.keys(t)[0] : undefined;
  return `\${${fn ?? 'Token'}}`;
}

/**
 * The text of a CloudFormation string value: plain, or Fn::Join with '' of strings and tokens.
 * A token inside a JSON string becomes placeholder text; one outside becomes a quoted
 * placeholder, so the result stays valid JSON either way.
 */
export function joinToText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const join = (value as Record<string, unknown> | undefined)?.['Fn::Join'];
  if (!Array.isArray(join) || join.length !== 2 || !Array.isArray(join[1])) return undefined;
  const [sep, parts] = join as [string, unknown[]];
  let text = '';
  let inString = false;
  let escaped = false;
  parts.forEach((part, i) => {
    if (i > 0) text += sep;
    if (typeof part === 'string') {
      for (const ch of part) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = !inString;
      }
      text += part;
    } else {
      const p = placeholder(part);
      text += inString ? p : JSON.stringify(p);
    }
  });
  return text;
}

/** `/cdk-ecs-canary/<application>/<group>` exactly: other parameters live deeper under the prefix (e.g. `.../appspec`). */
function isCanaryName(name: unknown): boolean {
  const text = joinToText(name);
  if (text === undefined || !text.startsWith(`${CONFIG_PARAMETER_PREFIX}/`)) return false;
  return text.slice(CONFIG_PARAMETER_PREFIX.length + 1).split('/').length === 2;
}

function refsIn(value: unknown): string[] {
  const join = (value as Record<string, unknown> | undefined)?.['Fn::Join'];
  const parts = Array.isArray(join) && Array.isArray(join[1]) ? (join[1] as unknown[]) : [];
  return parts.map((p) => (p as { Ref?: unknown })?.Ref).filter((r): r is string => typeof r === 'string');
}

function routingOf(template: Template, group: Record<string, unknown> | undefined): CodeDeployRouting | undefined {
  const name = group?.DeploymentConfigName;
  if (typeof name === 'string') return { type: name === 'CodeDeployDefault.ECSAllAtOnce' ? 'AllAtOnce' : 'Predefined', name };
  const ref = (name as { Ref?: string } | undefined)?.Ref;
  const props = ref ? template.Resources?.[ref]?.Properties : undefined;
  const trc = props?.TrafficRoutingConfig as Record<string, Record<string, number> | string> | undefined;
  if (!trc) return undefined;
  const type = String(trc.Type ?? 'AllAtOnce');
  const canary = trc.TimeBasedCanary as Record<string, number> | undefined;
  const linear = trc.TimeBasedLinear as Record<string, number> | undefined;
  if (canary) return { type, percent: canary.CanaryPercentage, minutes: canary.CanaryInterval };
  if (linear) return { type, percent: linear.LinearPercentage, minutes: linear.LinearInterval };
  return { type };
}

/** Canary services in one template. */
export function servicesInTemplate(stackName: string, template: Template): SynthesizedService[] {
  const out: SynthesizedService[] = [];
  for (const [logicalId, res] of Object.entries(template.Resources ?? {})) {
    if (res.Type !== 'AWS::SSM::Parameter' || !isCanaryName(res.Properties?.Name)) continue;
    const text = joinToText(res.Properties?.Value);
    const source = `${stackName}/${logicalId}`;
    if (text === undefined) throw new CliError(`${source}: the configuration value is not a string or an Fn::Join this CLI can read`);
    let config: CanaryRuntimeConfig;
    try {
      config = parseConfig(text, source);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const groupId = refsIn(res.Properties?.Name).find((r) => template.Resources?.[r]?.Type === 'AWS::CodeDeploy::DeploymentGroup');
    const group = groupId ? template.Resources?.[groupId]?.Properties : undefined;
    const bg = group?.BlueGreenDeploymentConfiguration as { TerminateBlueInstancesOnDeploymentSuccess?: { TerminationWaitTimeInMinutes?: number } } | undefined;
    const ownPath = res.Metadata?.[CONSTRUCT_PATH_METADATA];
    const cdkPath = res.Metadata?.['aws:cdk:path'];
    out.push({
      stackName,
      path: typeof ownPath === 'string' ? ownPath
        : typeof cdkPath === 'string' ? cdkPath.replace(/\/RuntimeConfig\/Resource$/, '') : source,
      logicalId,
      config,
      routing: routingOf(template, group),
      terminationWaitMinutes: bg?.TerminateBlueInstancesOnDeploymentSuccess?.TerminationWaitTimeInMinutes,
    });
  }
  return out;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Every canary service of the cloud assembly in `dir`, nested assemblies (stages) and nested stacks included. */
export function readAssembly(dir: string): SynthesizedService[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) {
    throw new CliError(`no cloud assembly at ${dir}: run \`npx cdk synth\` first (or pass --app <cdk.out directory>)`);
  }
  const manifest = readJson<Manifest>(manifestFile);
  const out: SynthesizedService[] = [];
  for (const [id, art] of Object.entries(manifest.artifacts ?? {})) {
    if (art.type === 'aws:cloudformation:stack' && art.properties?.templateFile) {
      const name = art.properties.stackName ?? art.displayName ?? id;
      out.push(...servicesInTemplate(name, readJson<Template>(path.join(dir, art.properties.templateFile))));
    } else if (art.type === 'cdk:cloud-assembly' && art.properties?.directoryName) {
      out.push(...readAssembly(path.join(dir, art.properties.directoryName)));
    }
  }
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.nested.template.json')).sort()) {
    out.push(...servicesInTemplate(file.replace(/\.nested\.template\.json$/, ''), readJson<Template>(path.join(dir, file))));
  }
  return out;
}

/** Narrows to the services whose path, logical id or service name contains `filter`. */
export function selectServices(all: SynthesizedService[], filter: string | undefined): SynthesizedService[] {
  if (!filter) return all;
  return all.filter((s) => s.path.includes(filter) || s.logicalId.includes(filter) || s.config.serviceName.includes(filter));
}

/**
 * The numbers of a configuration that CloudFormation sets at deploy time (CfnParameter, Fn::GetAtt):
 * read offline they are placeholder texts. `rehearse` needs every one of them as a number.
 */
export function deployTimeNumbers(config: CanaryRuntimeConfig): string[] {
  const out: string[] = [];
  const check = (where: string, value: unknown) => {
    if (value !== undefined && typeof value !== 'number') out.push(`${where} (${String(value)})`);
  };
  config.steps.forEach((s, i) => { check(`steps[${i}].percent`, s.percent); check(`steps[${i}].bakeSeconds`, s.bakeSeconds); });
  if (config.finalStep) { check('finalStep.percent', config.finalStep.percent); check('finalStep.bakeSeconds', config.finalStep.bakeSeconds); }
  for (const [key, value] of Object.entries(config.analysis)) {
    if (typeof value !== 'boolean' && key !== 'onInconclusive') check(`analysis.${key}`, value);
  }
  check('finalVerdictWindowSeconds', config.finalVerdictWindowSeconds);
  check('terminationWaitSeconds', config.terminationWaitSeconds);
  check('alarmTiming.breachMinutes', config.alarmTiming?.breachMinutes);
  check('alarmTiming.evaluationMinutes', config.alarmTiming?.evaluationMinutes);
  return out;
}
