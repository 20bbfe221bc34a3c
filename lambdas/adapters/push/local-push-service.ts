/**
 * The local runner's stand-in for SNS mobile push: endpoints are made up, and what would go to a phone
 * waits in an inbox per endpoint, where the simulator page (a device) reads it. Tests can disable an
 * endpoint, as APNs or FCM do when an app is uninstalled.
 */
import type { PushPlatform } from '../../core/model.js';
import type { PhoneNotification, PushService } from '../../core/ports.js';

const MAX_INBOX = 50;

class LocalPushService implements PushService {
  private readonly inboxes = new Map<string, PhoneNotification[]>();
  private readonly disabled = new Set<string>();

  supportsPlatform(): boolean {
    return true;
  }

  async registerDevice(device: { deviceId: string; platform: PushPlatform; pushToken: string; endpointArn?: string }): Promise<string> {
    const endpointArn = device.endpointArn ?? `arn:aws:sns:local:000000000000:endpoint/${device.platform}/ciba/${device.deviceId}`;
    this.disabled.delete(endpointArn); // a new token enables the endpoint again, as SNS does
    return endpointArn;
  }

  async notify(target: { platform: PushPlatform; endpointArn: string }, notification: PhoneNotification): Promise<'sent' | 'disabled'> {
    if (this.disabled.has(target.endpointArn)) return 'disabled';
    const inbox = this.inboxes.get(target.endpointArn) ?? [];
    inbox.push(notification);
    this.inboxes.set(target.endpointArn, inbox.slice(-MAX_INBOX));
    return 'sent';
  }

  /** What was pushed to an endpoint, oldest first, and emptied. */
  take(endpointArn: string): PhoneNotification[] {
    const inbox = this.inboxes.get(endpointArn) ?? [];
    this.inboxes.delete(endpointArn);
    return inbox;
  }

  disable(endpointArn: string): void {
    this.disabled.add(endpointArn);
  }
}

/** One per process, shared by the handlers and the local runner. */
export const localPushService = new LocalPushService();
