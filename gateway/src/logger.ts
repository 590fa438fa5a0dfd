import { pino, type Logger } from 'pino';

/**
 * The gateway's logger. Redaction is a second line of defence: code logs ids and codes only, never
 * names, CIDs, keys or tokens.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'careledger-gateway' },
    redact: {
      paths: ['req.headers.authorization', 'headers.authorization', '*.token', '*.wrappedKey', '*.wrappedKeys', '*.cid', '*.title', '*.reason', '*.displayName', 'err.config'],
      censor: '[redacted]',
    },
  });
}
