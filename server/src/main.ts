import { buildApp } from './app.js';
import { ConfigError, ConfigStore, loadConfig } from './core/config/config.loader.js';

/** config → buildApp → background work → listen; a clean shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : e);
    process.exit(2);
  }
  const gh = await buildApp({ config, configStore: new ConfigStore(config, process.env) });
  await gh.startBackground();
  await gh.app.listen({ port: config.port, host: config.host });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    gh.app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await gh.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e: unknown) => {
  console.error('Gatehouse failed to start:', e instanceof Error ? e.message : e);
  process.exit(1);
});
