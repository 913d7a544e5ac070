import { Type, type TSchema } from '@sinclair/typebox';

/** TypeBox shapes of the user and group administration routes. */
const NO_NUL = '^[^\\u0000]*$';
// PostgreSQL rejects NUL in text; refusing it at the edge keeps such input a 400, never a 500.
export const Text = (opts: { minLength?: number; maxLength: number; description?: string }) => Type.String({ pattern: NO_NUL, ...opts });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: Id });

export const Username = Type.String({
  pattern: '^[A-Za-z0-9._-]{2,50}$',
  description: '2–50 characters of A–Z a–z 0–9 . _ -; stored lower-case',
});
export const Email = Type.String({ format: 'email', maxLength: 255 });
const EmailOrEmpty = Nullable(Type.Union([Email, Type.Literal('')]));
const Locale = Nullable(Type.String({ pattern: '^([a-z]{2}(-[A-Z]{2})?)?$', maxLength: 10 }));
const Password = Type.String({ minLength: 1, maxLength: 128 });

export const RoleRefSchema = Type.Union([
  Text({ minLength: 1, maxLength: 64, description: 'role name, granted globally' }),
  Type.Object(
    { role: Text({ minLength: 1, maxLength: 64 }), project: Type.Optional(Text({ minLength: 1, maxLength: 255 })) },
    { additionalProperties: false },
  ),
]);
export const GroupRefSchema = Type.Union([Id, Text({ minLength: 1, maxLength: 100, description: 'group name' })]);
const Roles = Type.Array(RoleRefSchema, { maxItems: 100 });
const Groups = Type.Array(GroupRefSchema, { maxItems: 200 });

const StatusFilter = Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('locked')]);

export const UserFilterQuery = {
  q: Type.Optional(Text({ maxLength: 100, description: 'part of the username, display name or e-mail' })),
  role: Type.Optional(Text({ maxLength: 64 })),
  status: Type.Optional(StatusFilter),
  project: Type.Optional(Text({ maxLength: 255, description: 'users with any grant on this project' })),
};

export const ListQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
  ...UserFilterQuery,
});

export const ExportQuery = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], { default: 'csv' }),
  ...UserFilterQuery,
});

export const UserSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  email: Nullable(Type.String()),
  status: StatusFilter,
  lockedUntil: Nullable(Type.String()),
  mustChangePassword: Type.Boolean(),
  mfaEnabled: Type.Boolean(),
  passwordExpiresAt: Type.String(),
  lastLoginAt: Nullable(Type.String()),
  locale: Nullable(Type.String()),
  createdAt: Type.String(),
  roles: Type.Array(Type.String()),
  groups: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String() })),
});

export const UserList = Type.Object({
  items: Type.Array(UserSchema),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});

export const CreateUserBody = Type.Object(
  {
    username: Username,
    password: Password,
    displayName: Type.Optional(Text({ maxLength: 100 })),
    email: Type.Optional(EmailOrEmpty),
    roles: Type.Optional(Roles),
    groups: Type.Optional(Groups),
    mustChangePassword: Type.Optional(Type.Boolean({ default: true, description: 'force a change at first sign-in (seed 004)' })),
  },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    displayName: Type.Optional(Text({ maxLength: 100 })),
    email: Type.Optional(EmailOrEmpty),
    locale: Type.Optional(Locale),
    roles: Type.Optional(Roles),
    groups: Type.Optional(Groups),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ResetPasswordBody = Type.Object({ newPassword: Type.Optional(Password) }, { additionalProperties: false });
export const ResetPasswordReply = Type.Object({
  temporaryPassword: Type.Optional(Type.String({ description: 'only when generated; shown once' })),
  mustChangePassword: Type.Boolean(),
});

export const ImportBody = Type.Union([
  Type.String({ description: 'the CSV itself (Content-Type: text/csv)' }),
  Type.Object({ csv: Type.String({ minLength: 1 }), dryRun: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
]);
const RowReport = Type.Object({ row: Type.Integer(), username: Type.String(), ok: Type.Boolean(), errors: Type.Array(Type.String()) });
export const ImportDryRunReply = Type.Object({ dryRun: Type.Literal(true), valid: Type.Boolean(), rows: Type.Array(RowReport) });
export const ImportReply = Type.Object({
  imported: Type.Integer(),
  rows: Type.Array(
    Type.Object({ row: Type.Integer(), username: Type.String(), id: Type.Integer(), temporaryPassword: Type.Optional(Type.String()) }),
  ),
});

// Groups
const GroupName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$', description: 'not blank' });
const GroupDescription = Text({ maxLength: 1000 });
export const GroupSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  memberCount: Type.Integer(),
  createdAt: Type.String(),
});
export const GroupDetailSchema = Type.Object({
  ...GroupSchema.properties,
  members: Type.Array(Type.Object({ id: Type.Integer(), username: Type.String(), displayName: Type.String() })),
});
export const GroupList = Type.Object({
  items: Type.Array(GroupSchema),
  total: Type.Integer(),
  page: Type.Integer(),
  pageSize: Type.Integer(),
});
export const GroupListQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 100000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 20 }),
  q: Type.Optional(Text({ maxLength: 100 })),
});
export const CreateGroupBody = Type.Object(
  { name: GroupName, description: Type.Optional(GroupDescription) },
  { additionalProperties: false },
);
export const UpdateGroupBody = Type.Object(
  { name: Type.Optional(GroupName), description: Type.Optional(GroupDescription) },
  { additionalProperties: false, minProperties: 1 },
);
export const MembersBody = Type.Object({ userIds: Type.Array(Id, { maxItems: 5000 }) }, { additionalProperties: false });
export const MemberParams = Type.Object({ id: Id, userId: Id });
