// The one check the commands acting on running apps share: the server's platform must be here.
// A bare local CLI (no server on this data dir) has none, and says so.
import type { Services } from '../../services.js';
import type { AppPlatform } from '../../deploy/types.js';
import { SlipwayError } from '../../errors.js';

export function requirePlatform(services: Services): AppPlatform {
  if (!services.platform) throw new SlipwayError('E_SERVER_NOT_RUNNING', 'the Slipway server is not running', 1);
  return services.platform;
}
