import { createHmac } from 'node:crypto';
import { byStatus, post, type SendInput, type SendOutcome } from './http.js';

/** `X-Gatehouse-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body bytes, keyed with the secret. */
export function webhookSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The plain JSON body, unless the channel has its own (rendered) JSON template. */
export function webhookBody(input: SendInput): unknown {
  const m = input.message;
  if (m.payload !== undefined) return m.payload;
  return {
    event: m.event,
    severity: m.severity,
    language: m.language,
    title: m.title,
    text: m.text,
    link: m.link,
    project: m.project,
    environment: m.environment,
    vars: m.vars,
    deliveryId: input.deliveryId,
    sentAt: input.now.toISOString(),
  };
}

export async function sendWebhook(input: SendInput): Promise<SendOutcome> {
  const request = JSON.stringify(webhookBody(input));
  const headers: Record<string, string> = {
    'x-gatehouse-event': input.message.event,
    'x-gatehouse-delivery': String(input.deliveryId),
  };
  if (input.secret) headers['x-gatehouse-signature'] = webhookSignature(request, input.secret);
  const answer = await post(input.url!, request, headers, input.timeoutMs);
  return byStatus(answer, request, input.now);
}
