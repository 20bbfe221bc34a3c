/** The push service as configured: SNS when deployed, the local stand-in locally, none when unset. */
import { SNSClient } from '@aws-sdk/client-sns';
import type { Config } from '../config.js';
import type { PushService } from '../core/ports.js';
import { localPushService } from './push/local-push-service.js';
import { SnsPushService } from './push/sns-push-service.js';

let service: PushService | undefined;

export function pushService(config: Config): PushService | undefined {
  const setting = config.push;
  if (!setting) return undefined;
  service ??= setting.kind === 'local' ? localPushService : new SnsPushService(new SNSClient({ region: config.region }), setting.platformApplications);
  return service;
}
