/** The SSRF-safe notification sender as configured, made once per process on first use. */
import type { Config } from '../config.js';
import type { NotificationSender } from '../core/ports.js';
import { SafeNotificationSender } from './http/notification-sender.js';

let sender: NotificationSender | undefined;

export function notificationSender(config: Config): NotificationSender {
  sender ??= new SafeNotificationSender({
    timeoutMs: config.delivery.timeoutMs,
    allowLoopback: config.delivery.allowLoopback,
    allowHttp: config.allowHttpClientUrls,
  });
  return sender;
}
