import { ConfigError, loadConfig } from './config/load.ts';
import { createLogger } from './logging/logger.ts';
import { startApp } from './app.ts';
import { stopOnSignals } from './shutdown.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let app;
  try {
    app = await startApp(config, logger);
  } catch (err) {
    logger.fatal({ err }, err instanceof ConfigError ? err.message : 'start-up failed');
    process.exit(err instanceof ConfigError ? 78 : 1);
  }
  stopOnSignals(app, logger);
}

void main();
