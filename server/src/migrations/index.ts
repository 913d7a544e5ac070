import type { Migration } from 'kysely';
import * as m0001 from './0001-core.js';
import * as m0002 from './0002-audit.js';
import * as m0003 from './0003-identity.js';
import * as m0004 from './0004-access.js';
import * as m0005 from './0005-notify.js';
import * as m0006 from './0006-jenkins.js';
import * as m0007 from './0007-runs.js';
import * as m0008 from './0008-automation.js';
import * as m0009 from './0009-approvals.js';
import * as m0010 from './0010-notify-channels.js';
import * as m0011 from './0011-approvals-telegram.js';
import * as m0012 from './0012-approvals-stage.js';

/** Every migration in order. Frozen once released: change the schema with a new file. */
export const migrations: Record<string, Migration> = {
  '0001-core': m0001,
  '0002-audit': m0002,
  '0003-identity': m0003,
  '0004-access': m0004,
  '0005-notify': m0005,
  '0006-jenkins': m0006,
  '0007-runs': m0007,
  '0008-automation': m0008,
  '0009-approvals': m0009,
  '0010-notify-channels': m0010,
  '0011-approvals-telegram': m0011,
  '0012-approvals-stage': m0012,
};
