// Checks a captured webhook request the way its receiver would: signature and timestamp headers.
import {
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type VerifyResult,
} from '../../alerts/receivers/webhook.js';

export function verifyHit(
  hit: { raw: string; headers: Record<string, string | string[] | undefined> },
  secret: string,
): VerifyResult {
  return verifyWebhookSignature({
    secret,
    body: hit.raw,
    timestamp: hit.headers[TIMESTAMP_HEADER] as string,
    signature: hit.headers[SIGNATURE_HEADER] as string,
  });
}
