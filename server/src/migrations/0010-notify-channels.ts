import type { Kysely } from 'kysely';

// notification channels and richer delivery log (issue 5)
export async function up(_db: Kysely<any>): Promise<void> {}
