import { existsSync } from 'node:fs';
import { systemClock } from '../core/clock.js';
import { ConfigError, loadConfig } from '../core/config/config.loader.js';
import type { Config } from '../core/config/config.schema.js';
import { openDatabase, sqliteFile } from '../core/db/db.js';
import { AuditService } from '../modules/audit/index.js';

/**
 * `npm run audit:verify [-- --json]`: recompute the audit hash chain of the database the server
 * would use (same config file and environment as main.ts) and say whether it is intact.
 * Exit 0: intact. Exit 1: broken (the first broken event is named). Exit 2: could not check
 * (bad config, no database, no audit table).
 */
async function main(): Promise<number> {
  const json = process.argv.includes('--json');
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    console.error(e instanceof ConfigError ? e.message : String(e));
    return 2;
  }
  // Opening a missing SQLite file would create an empty database and report it "intact".
  if (!config.databaseUrl && !existsSync(sqliteFile(config.dataDir))) {
    console.error(`No Gatehouse database at ${sqliteFile(config.dataDir)} (set GATEHOUSE_DATA_DIR or DATABASE_URL).`);
    return 2;
  }
  const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const result = await new AuditService(database.db, database.dialect, systemClock).verify();
    if (json) console.log(JSON.stringify(result));
    else if (result.ok) console.log(`Audit chain intact: ${result.checked} events checked.`);
    else console.log(`Audit chain BROKEN at event #${result.brokenAt}: ${result.reason}. ${result.checked} events before it are intact.`);
    return result.ok ? 0 : 1;
  } catch (e) {
    console.error(`Could not read the audit trail: ${(e as Error).message}`);
    return 2;
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(2);
  },
);
