import { createHmac } from 'node:crypto';
import { checkWebhookUrl, deliveryId, isAfter, isWebhookEvent, retryDelayMs, signatureHeader } from './webhooks.js';

describe('webhook rules', () => {
  it('waits the base after the first failure, twice as long after each further one, never more than the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, 5_000, 60_000))).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it('gives the same delivery id to the same event and webhook, another to another webhook', () => {
    expect(deliveryId('tx1', 'whk-1')).toBe(deliveryId('tx1', 'whk-1'));
    expect(deliveryId('tx1', 'whk-1')).not.toBe(deliveryId('tx1', 'whk-2'));
    expect(deliveryId('tx1', 'whk-1')).toMatch(/^dlv-[0-9a-f]{40}$/);
  });

  it('keeps the delivery ids already stored: "dlv-" and 40 hex digits of SHA-256 over "<txId>\\n<webhookId>"', () => {
    expect(deliveryId('tx1', 'whk-1')).toBe('dlv-47f881959898fda0e1ea8620b4ecd1cd1c974e03');
  });

  it('signs "<t>.<body>" with HMAC-SHA256 of the secret', () => {
    const mac = createHmac('sha256', 'whsec_x').update('1700000000.{"a":1}').digest('hex');
    expect(signatureHeader('whsec_x', 1_700_000_000, '{"a":1}')).toBe(`t=1700000000,v1=${mac}`);
  });

  it('accepts http and https URLs only, without credentials', () => {
    expect(checkWebhookUrl('https://his.example/hook')).toBe('https://his.example/hook');
    expect(checkWebhookUrl('http://10.0.0.5:8080/x')).toBe('http://10.0.0.5:8080/x');
    for (const bad of ['ftp://his.example/', 'javascript:alert(1)', 'data:text/plain,x', '/relative', 'https://u:p@his.example/', 'x'.repeat(3000)]) {
      expect(() => checkWebhookUrl(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'url' }));
    }
  });

  it('gives a new webhook the events of later blocks only', () => {
    const at = JSON.stringify({ blockNumber: '10', txId: 't' });
    expect([isAfter(10n, at), isAfter(11n, at), isAfter(3n, undefined)]).toEqual([false, true, true]);
  });

  it('sends request, consent and break-glass events, not registry ones', () => {
    expect(['AccessRequested', 'ConsentRevoked', 'EmergencyAccessOpened'].every(isWebhookEvent)).toBe(true);
    expect(['UserRegistered', 'RecordCreated', 'OrgRegistered'].some(isWebhookEvent)).toBe(false);
  });
});
