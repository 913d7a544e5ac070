import { Migrator, type Kysely, type Migration } from 'kysely';

/**
 * Runs the ordered, forward-only migrations. They are passed in (not read from a folder) so the
 * same list works from TypeScript sources and compiled output.
 */

export async function migrateToLatest(db: Kysely<any>, migrations: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'core_migrations',
    migrationLockTableName: 'core_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  return (results ?? []).map((r) => r.migrationName);
}
