import createClient from 'openapi-fetch';
import type { components, paths } from './schema';
import { currentToken } from '../auth/session';

/** The gateway's shapes, generated from openapi/openapi.json at build time. */
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

/** A failed call as the user is shown it: the problem's title, detail, code and request id. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(readonly problem: Partial<Problem> & { status: number; detail: string }) {
    super(problem.detail);
  }
}

/** The typed client of the gateway's REST API (same origin); every call carries the signed-in user's token. */
export const api = createClient<paths>({ baseUrl: '/' });
api.use({
  onRequest({ request }) {
    const token = currentToken();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
});

/** Turns an error body and response into an ApiProblem (problem+json when the gateway answered one). */
export function toProblem(error: unknown, response: Response): ApiProblem {
  const body = (error && typeof error === 'object' ? error : {}) as Partial<Problem>;
  return new ApiProblem({
    ...body,
    status: body.status ?? response.status,
    detail: body.detail ?? response.statusText ?? 'request failed',
    requestId: body.requestId ?? response.headers.get('x-request-id') ?? undefined,
  });
}

/** Awaits an openapi-fetch call and returns its data, or throws the problem the gateway answered. */
export async function call<T>(
  promise: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await promise;
  } catch (cause) {
    throw new ApiProblem({
      status: 0,
      code: 'NETWORK',
      detail: cause instanceof Error ? cause.message : String(cause),
    });
  }
  if (!result.response.ok) throw toProblem(result.error, result.response);
  return result.data as T;
}

/** Fetches a binary response (record content, export) with the token, as a Blob; problems are thrown. */
export async function fetchBlob(url: string): Promise<{ blob: Blob; response: Response }> {
  const token = currentToken();
  let response: Response;
  try {
    response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch (cause) {
    throw new ApiProblem({
      status: 0,
      code: 'NETWORK',
      detail: cause instanceof Error ? cause.message : String(cause),
    });
  }
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => undefined);
    throw toProblem(body, response);
  }
  return { blob: await response.blob(), response };
}

/** Saves a Blob as a file download. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}
