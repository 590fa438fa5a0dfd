import type { Request } from 'express';
import { AuthError } from '../ports/authenticator.js';
import { servicesOf } from './gateway-services.js';
import type { ActorRef, DeviceRef } from '../domain/actors.js';

/**
 * tsoa's hook for `@Security('bearer')`: verifies the token, then takes role and org from the ledger
 * registry. Nothing the client sends besides the token decides who it is. A user who is being erased or was
 * erased is refused (401) everywhere but on routes with the scope `erasure`. `@Security('device')` accepts
 * device credentials only (another issuer and key): a device is never a user, a user never a device.
 */
export async function expressAuthentication(request: Request, securityName: string, scopes?: string[]): Promise<ActorRef | DeviceRef> {
  if (securityName !== 'bearer' && securityName !== 'device') throw new AuthError('invalid');
  const header = request.headers.authorization;
  if (!header) throw new AuthError('missing');
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
  if (!match) throw new AuthError('malformed');
  const services = servicesOf(request);
  if (securityName === 'device') return services.devices.authenticate(match[1]);
  const { userId } = await services.authenticator.verify(match[1]);
  // The scope `erasure` (the erasure's own routes) also admits a patient being erased or erased.
  return services.registry.resolveActor(userId, { erasure: scopes?.includes('erasure') ?? false });
}
