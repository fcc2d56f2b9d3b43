/** Entry point of the ECS engine's smoke-test hook (bundle `native-smoke`): thin, see smoke.ts. */
import { ENV } from '../../lib/runtime-config';
import { createClients } from '../shared/clients';
import { runNativeSmoke } from './smoke';
import type { NativeHookEvent, NativeHookResponse } from './types';

const clients = createClients();

export function handler(event: NativeHookEvent): Promise<NativeHookResponse> {
  return runNativeSmoke(event, { clients, table: process.env[ENV.DECISIONS_TABLE], now: () => new Date() });
}
