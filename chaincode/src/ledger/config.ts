import { KEY } from './collections.js';
import type { TxState } from './state.js';

/** Default and bounds of the break-glass window, in hours. */
export const DEFAULT_EMERGENCY_HOURS = 4;
export const MAX_EMERGENCY_HOURS = 24;

/**
 * Default and bounds of the author's treatment window, in days: how long the practitioner who added a record
 * may still read it without a consent (unless the patient ended author access).
 */
export const DEFAULT_AUTHOR_WINDOW_DAYS = 30;
export const MAX_AUTHOR_WINDOW_DAYS = 365;

/** Channel-wide settings, changed by a majority of the orgs through `Configure` / `ConfigureAuthorWindow`. */
export interface ChannelConfig {
  emergencyHours: number;
  authorWindowDays: number;
}

/** Reads the channel config (defaults for what was never configured). */
export async function readConfig(state: TxState): Promise<ChannelConfig> {
  const stored = await state.getPublic<Partial<ChannelConfig>>(KEY.config, []);
  return {
    emergencyHours: stored?.emergencyHours ?? DEFAULT_EMERGENCY_HOURS,
    authorWindowDays: stored?.authorWindowDays ?? DEFAULT_AUTHOR_WINDOW_DAYS,
  };
}
