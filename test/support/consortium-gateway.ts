import { emulatorIdToken } from '../../gateway/src/adapters/firebase-auth/emulator-id-token.js';

/**
 * A call to one consortium hospital's gateway (`gateway`, its base URL) as `uid`, with an Auth emulator token as the
 * portal would send it: JSON or multipart body, the answer's status, its JSON body (empty for binary content) and
 * its raw bytes.
 */
export async function callGateway(
  authEmulator: string,
  gateway: string,
  uid: string,
  method: string,
  url: string,
  body?: object | FormData,
): Promise<{ status: number; body: Record<string, unknown>; raw: Buffer }> {
  const token = await emulatorIdToken(authEmulator, uid);
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) };
  if (body instanceof FormData) init.body = body;
  else if (body) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${gateway}${url}`, init);
  const raw = Buffer.from(await res.arrayBuffer());
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch {
    // binary content
  }
  return { status: res.status, body: parsed, raw };
}
