/**
 * `canary plan` for services on the ECS engine: from the synthesized app, the native strategy ECS
 * runs and, at each of its shift steps, whether our hook holds and judges or lets it pass.
 */
import * as fs from 'fs';
import * as path from 'path';
import { NATIVE_CONFIG_VERSION, NativeRuntimeConfig } from '../../../lib/native/native-config';
import { describeNativePlan, nativePlan, nominalNativeMinutes } from '../../../lib/native/native-plan';
import { CliError } from '../errors';
import type { Output } from '../output';
import { joinToText } from '../plan/assembly';
import { NATIVE_PREFIX } from './target';

export interface SynthesizedNativeService {
  readonly stackName: string;
  readonly path: string;
  readonly config: NativeRuntimeConfig;
}

type Template = { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> };
type Manifest = { artifacts?: Record<string, { type?: string; displayName?: string; properties?: { templateFile?: string; stackName?: string; directoryName?: string } }> };

export function nativeServicesInTemplate(stackName: string, template: Template): SynthesizedNativeService[] {
  const out: SynthesizedNativeService[] = [];
  for (const [logicalId, res] of Object.entries(template.Resources ?? {})) {
    if (res.Type !== 'AWS::SSM::Parameter' || !joinToText(res.Properties?.Name)?.startsWith(`${NATIVE_PREFIX}/`)) continue;
    const text = joinToText(res.Properties?.Value);
    let config: NativeRuntimeConfig | undefined;
    try {
      config = text ? JSON.parse(text) as NativeRuntimeConfig : undefined;
    } catch {
      config = undefined;
    }
    if (!config || config.version !== NATIVE_CONFIG_VERSION || config.engine !== 'ecs') {
      throw new CliError(`${stackName}/${logicalId}: not a version ${NATIVE_CONFIG_VERSION} ECS-engine configuration this CLI can read`);
    }
    const cdkPath = res.Metadata?.['aws:cdk:path'];
    out.push({ stackName, path: typeof cdkPath === 'string' ? cdkPath.replace(/\/RuntimeConfig\/Resource$/, '') : `${stackName}/${logicalId}`, config });
  }
  return out;
}

/** Every ECS-engine canary service of the cloud assembly in `dir` (nested assemblies included). */
export function readNativeAssembly(dir: string): SynthesizedNativeService[] {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return [];
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
  const out: SynthesizedNativeService[] = [];
  for (const [id, art] of Object.entries(manifest.artifacts ?? {})) {
    if (art.type === 'aws:cloudformation:stack' && art.properties?.templateFile) {
      const template = JSON.parse(fs.readFileSync(path.join(dir, art.properties.templateFile), 'utf8')) as Template;
      out.push(...nativeServicesInTemplate(art.properties.stackName ?? art.displayName ?? id, template));
    } else if (art.type === 'cdk:cloud-assembly' && art.properties?.directoryName) {
      out.push(...readNativeAssembly(path.join(dir, art.properties.directoryName)));
    }
  }
  return out;
}

export function renderNativeTimeline(s: SynthesizedNativeService, out: Output): void {
  const c = s.config;
  out.line(`${s.path} (stack ${s.stackName}, ECS engine)`);
  out.line(`  service ${c.serviceName} on cluster ${c.clusterName}`);
  const { plan, error } = nativePlan(c.steps);
  if (!plan) {
    out.line(`  warning: ${error}`);
    return;
  }
  for (const line of describeNativePlan(plan)) out.line(`  ${line}`);
  const nominal = nominalNativeMinutes(plan);
  const worst = nominal * (1 + Math.max(0, c.analysis.maxExtensions));
  out.line(`  100 % at ${nominal} min (worst case ${worst} min with ${c.analysis.maxExtensions} extension(s) per inconclusive hold), old tasks kept ${c.bakeTimeMinutes} min (ECS bake time)`);
  out.line('  no one-hour limit: an ECS lifecycle hook may hold up to its timeout (24 h by default); synth allows holds of up to 23 h');
}
