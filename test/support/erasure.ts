/** Erasure answers 202 and goes on in the background: these wait for it through its status resource. */
import type { Response, Test } from 'supertest';

export interface ErasureClient {
  get(url: string): Test;
  post(url: string, body?: object): Test;
}

/** Polls `GET /v1/patients/{id}/erasure` until the erasure finished (or stopped with an error); its last body. */
export async function waitForErasure(client: ErasureClient, patientId: string, timeoutMs = 120_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { body } = (await client.get(`/v1/patients/${patientId}/erasure`).expect(200)) as Response & { body: Record<string, unknown> };
    if (body.finished === true || (body.running === false && body.error !== undefined)) return body;
    if (Date.now() > until) throw new Error(`the erasure of ${patientId} did not finish in ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Asks for the erasure (202, its status at Location) and waits until it finished; the final status. */
export async function eraseAndWait(client: ErasureClient, patientId: string, timeoutMs?: number): Promise<Record<string, unknown>> {
  const started = await client.post(`/v1/patients/${patientId}/erasure`).expect(202);
  if (started.headers.location !== `/v1/patients/${patientId}/erasure`) throw new Error(`unexpected Location ${String(started.headers.location)}`);
  const done = await waitForErasure(client, patientId, timeoutMs);
  if (done.finished !== true) throw new Error(`the erasure of ${patientId} stopped: ${JSON.stringify(done)}`);
  return done;
}
