import { Type } from '@sinclair/typebox';

const NStr = Type.Union([Type.String(), Type.Null()]);
const Name = Type.String({ minLength: 1, maxLength: 255 });

export const Mode = Type.Union([
  Type.Literal('any'),
  Type.Literal('all'),
  Type.Object({ quorum: Type.Integer({ minimum: 1, maximum: 1000 }) }, { additionalProperties: false }),
]);

const Approvers = Type.Object(
  {
    users: Type.Optional(Type.Array(Name, { maxItems: 500, uniqueItems: true })),
    groups: Type.Optional(Type.Array(Name, { maxItems: 500, uniqueItems: true })),
    roles: Type.Optional(Type.Array(Name, { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);

const Level = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), approvers: Approvers, mode: Mode },
  { additionalProperties: false },
);

const Reminder = Type.Object(
  {
    firstMinutes: Type.Optional(Type.Number({ minimum: 0.1, maximum: 1440 })),
    backoff: Type.Optional(Type.Number({ minimum: 1, maximum: 10 })),
    max: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  },
  { additionalProperties: false },
);

const TimeoutAction = Type.Union([Type.Literal('reject'), Type.Literal('approve')]);

export const PolicyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    project: Type.String({ minLength: 1, maxLength: 200 }),
    environment: Type.String({ minLength: 1, maxLength: 200 }),
    levels: Type.Array(Level, { minItems: 1, maxItems: 10 }),
    timeoutMinutes: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 43_200 }), Type.Null()])),
    timeoutAction: Type.Optional(Type.Union([TimeoutAction, Type.Null()])),
    allowSelfApproval: Type.Optional(Type.Boolean()),
    reminder: Type.Optional(Type.Union([Reminder, Type.Null()])),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const PolicySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  project: Type.String(),
  environment: Type.String(),
  levels: Type.Array(Level),
  timeoutMinutes: Type.Union([Type.Number(), Type.Null()]),
  timeoutAction: Type.Union([TimeoutAction, Type.Null()]),
  allowSelfApproval: Type.Boolean(),
  reminder: Type.Union([Reminder, Type.Null()]),
  enabled: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const UserRef = Type.Union([Type.Object({ id: Type.Integer(), username: Type.String() }), Type.Null()]);

export const Status = Type.Union(['pending', 'approved', 'rejected', 'timeout', 'withdrawn'].map((s) => Type.Literal(s)));

export const ApprovalSchema = Type.Object({
  id: Type.Integer(),
  subjectType: Type.String(),
  subjectId: Type.String(),
  project: Type.String(),
  env: Type.String(),
  environment: Type.String(),
  build: Type.Union([Type.Integer(), Type.String(), Type.Null()]),
  job: NStr,
  version: NStr,
  description: NStr,
  action: NStr,
  inputId: NStr,
  summary: Type.String(),
  facts: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Null()])),
  status: Type.String(),
  outcome: NStr,
  timeoutAction: Type.String(),
  currentLevel: Type.Integer(),
  levelCount: Type.Integer(),
  urgent: Type.Boolean(),
  policyId: Type.Union([Type.Integer(), Type.Null()]),
  requestedBy: UserRef,
  createdAt: Type.String(),
  deadlineAt: Type.String(),
  decidedAt: NStr,
  decidedBy: UserRef,
  comment: NStr,
  reason: NStr,
  followUp: Type.String(),
  followUpError: NStr,
  workStartedAt: NStr,
});

export const DetailSchema = Type.Intersect([
  ApprovalSchema,
  Type.Object({
    levels: Type.Array(
      Type.Object({
        index: Type.Integer(),
        name: Type.String(),
        mode: Mode,
        required: Type.Integer(),
        status: Type.String(),
        approvers: Type.Array(
          Type.Object({
            id: Type.Integer(),
            username: Type.String(),
            displayName: Type.String(),
            decision: NStr,
            comment: NStr,
            via: NStr,
            at: NStr,
          }),
        ),
      }),
    ),
    history: Type.Array(
      Type.Object({
        at: Type.String(),
        action: Type.String(),
        user: UserRef,
        via: NStr,
        comment: NStr,
        level: Type.Union([Type.Integer(), Type.Null()]),
      }),
    ),
  }),
]);

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
