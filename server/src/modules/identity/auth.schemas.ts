import { Type } from '@sinclair/typebox';

export const UserSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  lockedUntil: Type.Union([Type.String(), Type.Null()]),
  mustChangePassword: Type.Boolean(),
  mustEnrollMfa: Type.Boolean(),
  passwordExpired: Type.Boolean(),
  mfaEnabled: Type.Boolean(),
  passwordExpiresAt: Type.String(),
  lastLoginAt: Type.Union([Type.String(), Type.Null()]),
  lastLoginIp: Type.Union([Type.String(), Type.Null()]),
  locale: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  roles: Type.Optional(Type.Array(Type.String())),
});

export const TokenPairSchema = {
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer(),
  tokenType: Type.Literal('Bearer'),
};

export const LoginResponse = Type.Object({ ...TokenPairSchema, user: UserSchema });

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    encryptedPassword: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    otp: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  },
  { additionalProperties: false },
);

export const PasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: Type.String({ minLength: 1, maxLength: 1024 }) },
  { additionalProperties: false },
);

export const ApiTokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

export const SessionSchema = Type.Object({
  id: Type.Integer(),
  current: Type.Boolean(),
  createdAt: Type.String(),
  lastActiveAt: Type.String(),
  expiresAt: Type.String(),
  ipAddress: Type.Union([Type.String(), Type.Null()]),
  userAgent: Type.Union([Type.String(), Type.Null()]),
});

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });
export const OtpBody = Type.Object({ otp: Type.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false });
export const Recovery = Type.Object({ recoveryCodes: Type.Array(Type.String()) });
