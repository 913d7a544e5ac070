import type { Kysely } from 'kysely';

// approval policies, requests, votes and history (issue 5)
export async function up(_db: Kysely<any>): Promise<void> {}
