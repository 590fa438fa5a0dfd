import type { Request } from 'express';

/** The media type of every FHIR answer. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/**
 * The base of absolute URLs in FHIR answers: the configured public URL (`CARELEDGER_PUBLIC_URL`), else
 * `http://localhost:<the port the request came in on>`. Never the request's `Host` header: the client
 * writes that, and a forged one would turn every `fullUrl` and link into a URL of the client's choice.
 */
export function gatewayBase(req: Request): string {
  const configured = req.app.locals.publicUrl as string | undefined;
  return configured ?? `http://localhost:${req.socket.localPort ?? 80}`;
}
