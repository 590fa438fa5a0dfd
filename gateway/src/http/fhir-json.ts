import type { Request } from 'express';

/** The media type of every FHIR answer. */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** How the caller reached the gateway (scheme and host), for absolute links in FHIR answers. */
export function gatewayBase(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
