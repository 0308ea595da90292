import { resolveKeptSecret } from './kept-secret.ts';

/**
 * The signing secret for every token. An explicit secret wins; otherwise one is generated
 * once and kept in dataDir (0600) so tokens survive restarts. Production refuses to guess.
 */
export function resolveJwtSecret(configured: string | null, dataDir: string, nodeEnv = process.env.NODE_ENV): string {
  return resolveKeptSecret({ configKey: 'jwtSecret', env: 'JWT_SECRET', fileName: 'jwt-secret' }, configured, dataDir, nodeEnv);
}
