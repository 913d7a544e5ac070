import type { Kysely } from 'kysely';

// Telegram links, link codes, sent messages and button tokens (issue 5)
export async function up(_db: Kysely<any>): Promise<void> {}
