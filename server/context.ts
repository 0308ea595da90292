import type { Config } from './config/schema.ts';
import type { Logger } from './logging/logger.ts';
import type { RevocationBus } from './auth/revocation-bus.ts';
import type { TokenService } from './auth/tokens.ts';
import type { Storage } from './storage/database.ts';
import type { NikVault } from './visits/nik-vault.ts';

/** What every capability's routes and services are built from. */
export interface AppContext {
  config: Config;
  logger: Logger;
  storage: Storage;
  tokens: TokenService;
  /** Keyed hash and encryption of visitors' NIKs. */
  nikVault: NikVault;
  /** account, session and device revocations, for the live sockets to act on at once */
  revocations: RevocationBus;
  /** Base URL for links handed to people (join links, booth enrolment). */
  publicUrl: () => string;
}
