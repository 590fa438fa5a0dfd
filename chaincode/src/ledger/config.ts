import { KEY } from './collections.js';
import type { TxState } from './state.js';

/** Default and bounds of the break-glass window, in hours. */
export const DEFAULT_EMERGENCY_HOURS = 4;
export const MAX_EMERGENCY_HOURS = 24;

/** Channel-wide settings, changed by a majority of the orgs through `Configure`. */
export interface ChannelConfig {
  emergencyHours: number;
}

/** Reads the channel config (defaults when never configured). */
export async function readConfig(state: TxState): Promise<ChannelConfig> {
  return (await state.getPublic<ChannelConfig>(KEY.config, [])) ?? { emergencyHours: DEFAULT_EMERGENCY_HOURS };
}
