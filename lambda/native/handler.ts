/** Entry point of the native lifecycle hook (bundle `native-hook`): thin, see native-hook.ts. */
import { ENV } from '../../lib/runtime-config';
import { createClients } from '../shared/clients';
import { logger } from '../shared/logger';
import { runNativeHook } from './native-hook';
import type { NativeHookEvent, NativeHookResponse } from './types';

const clients = createClients();

export async function handler(event: NativeHookEvent): Promise<NativeHookResponse> {
  const table = process.env[ENV.DECISIONS_TABLE];
  if (!table) {
    logger.error(`${ENV.DECISIONS_TABLE} is not set: failing`);
    return { hookStatus: 'FAILED' };
  }
  return runNativeHook(event, { clients, table, topicArn: process.env[ENV.NOTIFICATION_TOPIC_ARN], now: () => new Date() });
}
