/**
 * The answer a Lambda-backed custom resource owes CloudFormation: a PUT of the outcome to the
 * pre-signed S3 URL in the event. Without it the stack waits (up to an hour) and then fails.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** The fields of a custom resource request this module reads. */
export interface CustomResourceRequest {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
}

export interface CustomResourceOutcome {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly physicalResourceId: string;
  /** Shown in the stack's events when FAILED: no secrets. */
  readonly reason?: string;
  readonly data?: Readonly<Record<string, string>>;
}

export function isCustomResourceRequest(event: unknown): event is CustomResourceRequest {
  const candidate = event as Partial<CustomResourceRequest> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.RequestType === 'string' && typeof candidate.ResponseURL === 'string';
}

export function sendCustomResourceResponse(request: CustomResourceRequest, outcome: CustomResourceOutcome, timeoutMs = 10_000): Promise<void> {
  const body = JSON.stringify({
    Status: outcome.status,
    // CloudFormation shows at most 4 KB of reason.
    Reason: (outcome.reason ?? (outcome.status === 'SUCCESS' ? 'OK' : 'failed')).slice(0, 4000),
    PhysicalResourceId: outcome.physicalResourceId,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    ...(outcome.data ? { Data: outcome.data } : {}),
  });
  const url = new URL(request.ResponseURL);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    // The pre-signed URL was signed for an empty Content-Type.
    const put = send(url, { method: 'PUT', headers: { 'Content-Type': '', 'Content-Length': Buffer.byteLength(body) }, timeout: timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => ((response.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`CloudFormation response URL answered ${response.statusCode}`))));
    });
    put.on('timeout', () => put.destroy(new Error('CloudFormation response URL timed out')));
    put.on('error', reject);
    put.end(body);
  });
}
