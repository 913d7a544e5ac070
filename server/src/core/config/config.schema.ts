import { Type, type Static } from '@sinclair/typebox';

/**
 * Everything Gatehouse can be configured with. Values come from a JSON file (GATEHOUSE_CONFIG, or
 * gatehouse.json in the data directory) overlaid by environment variables; see config.loader.ts.
 * `restart` marks the parts a hot reload cannot change.
 */
const Duration = Type.String({ pattern: '^\\d+(ms|s|m|h|d)$', description: 'e.g. 30s, 15m, 8h, 30d' });

export const SecuritySchema = Type.Object({
  bcryptCost: Type.Integer({ minimum: 4, maximum: 15, default: 12 }),
  accessTokenTtl: Type.String({ ...Duration, default: '8h' }),
  refreshTokenTtl: Type.String({ ...Duration, default: '30d' }),
  singleSession: Type.Boolean({ default: false }),
  mfaEnforced: Type.Boolean({ default: false }),
  mfaIssuer: Type.String({ minLength: 1, maxLength: 64, default: 'Gatehouse' }),
  rsaLogin: Type.Boolean({ default: true }),
  passwordMaxAgeDays: Type.Integer({ minimum: 1, maximum: 3650, default: 180 }),
  passwordReminderDays: Type.Integer({ minimum: 0, maximum: 365, default: 7 }),
  lockoutThreshold: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  lockoutMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
});

export const BackupSchema = Type.Object({
  enabled: Type.Boolean({ default: true }),
  cron: Type.String({ minLength: 9, default: '0 3 * * *' }),
  timezone: Type.String({ minLength: 1, default: 'UTC' }),
  retention: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
});

export const RetentionSchema = Type.Object({
  notificationsDays: Type.Integer({ minimum: 1, default: 90 }),
  finishedJobsDays: Type.Integer({ minimum: 1, default: 14 }),
  cron: Type.String({ minLength: 9, default: '30 3 * * *' }),
});

export const SmtpSchema = Type.Object({
  host: Type.String({ default: '' }),
  port: Type.Integer({ minimum: 1, maximum: 65535, default: 587 }),
  secure: Type.Boolean({ default: false, description: 'TLS from the first byte (port 465)' }),
  requireTls: Type.Boolean({ default: false, description: 'insist on STARTTLS' }),
  user: Type.String({ default: '' }),
  password: Type.String({ default: '' }),
  from: Type.String({ default: 'Gatehouse <gatehouse@localhost>' }),
  tlsRejectUnauthorized: Type.Boolean({ default: true }),
});

export const RunsSchema = Type.Object({
  maxOutputBytesPerTarget: Type.Integer({
    minimum: 1024,
    maximum: 1 << 30,
    default: 1 << 20,
    description: 'stdout + stderr kept per target',
  }),
  logRetentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
});

export const JenkinsSchema = Type.Object({
  url: Type.String({ default: '', description: 'the first Jenkins server (JENKINS_URL); empty: none from config' }),
  user: Type.String({ default: '' }),
  token: Type.String({ default: '', description: 'API token; stored encrypted in the database at start' }),
  proxyUrl: Type.String({ default: '', description: 'HTTP proxy for calls to Jenkins' }),
  timeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000 }),
  syncIntervalMinutes: Type.Integer({ minimum: 0, maximum: 1440, default: 5, description: '0: only on demand' }),
  syncConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 8 }),
  rateLimitPerMinute: Type.Integer({ minimum: 1, maximum: 100_000, default: 120, description: 'per user, calls that reach Jenkins' }),
  breakerThreshold: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
  breakerResetSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
  logPollMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 1000, description: 'how often a live log asks Jenkins for more' }),
});

export const ApprovalsSchema = Type.Object({
  timeoutMinutes: Type.Integer({ minimum: 1, maximum: 43_200, default: 30, description: 'default for policies without one' }),
  timeoutAction: Type.Union([Type.Literal('reject'), Type.Literal('approve')], { default: 'reject' }),
  reminderFirstMinutes: Type.Number({ minimum: 0.1, maximum: 1440, default: 5 }),
  reminderBackoff: Type.Number({ minimum: 1, maximum: 10, default: 1.5, description: 'each interval is this times the last' }),
  reminderMax: Type.Integer({ minimum: 0, maximum: 100, default: 6 }),
  productionPattern: Type.String({ default: '/^(prod|production|prd)([-_].*)?$/i', description: 'environments whose requests are urgent' }),
  maxWaitSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 3600, description: 'longest wait=true request held open' }),
  consecutiveFailures: Type.Integer({
    minimum: 0,
    maximum: 100,
    default: 3,
    description: 'failed builds of a branch in a row that notify; 0: never',
  }),
});

export const TelegramSchema = Type.Object({
  token: Type.String({ default: '', description: 'bot token (TELEGRAM_BOT_TOKEN); empty: Telegram off' }),
  apiRoot: Type.String({ default: 'https://api.telegram.org', description: 'Bot API root, no trailing slash' }),
  proxyUrl: Type.String({ default: '', description: 'HTTP proxy for calls to Telegram' }),
  mode: Type.Union([Type.Literal('polling'), Type.Literal('webhook')], { default: 'polling' }),
  webhookSecret: Type.String({ default: '', description: 'X-Telegram-Bot-Api-Secret-Token in webhook mode' }),
  approvalChats: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
    default: [],
    description: 'chat ids that get every approval message (linked approvers also get a direct message)',
  }),
});

export const NotifySchema = Type.Object({
  language: Type.Union([Type.Literal('zh-CN'), Type.Literal('en')], {
    default: 'zh-CN',
    description: 'for messages to channels, not users',
  }),
  webhookTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  attempts: Type.Integer({ minimum: 1, maximum: 20, default: 5 }),
});

export const ConfigSchema = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  host: Type.String({ default: '0.0.0.0' }),
  dataDir: Type.String({ minLength: 1, default: './data' }),
  databaseUrl: Type.String({ default: '' }),
  publicUrl: Type.String({ default: '' }),
  secretKey: Type.String({ default: '', description: '32 bytes, base64; generated into the data directory when empty' }),
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
  timezone: Type.String({ default: 'UTC' }),
  security: SecuritySchema,
  backup: BackupSchema,
  retention: RetentionSchema,
  smtp: SmtpSchema,
  jenkins: JenkinsSchema,
  runs: RunsSchema,
  approvals: ApprovalsSchema,
  telegram: TelegramSchema,
  notify: NotifySchema,
});

export type Config = Static<typeof ConfigSchema>;

/** Keys whose change needs a restart; everything else is applied by a hot reload. */
export const RESTART_KEYS = ['port', 'host', 'dataDir', 'databaseUrl', 'secretKey', 'bodyLimitBytes'] as const;

/**
 * Environment variables and the config path each one sets. Any other setting can be set as
 * `GATEHOUSE__SECTION__KEY` (see envPath in config.env.ts: case-insensitive, single underscores
 * ignored, so GATEHOUSE__SECURITY__LOCKOUT_MINUTES sets security.lockoutMinutes).
 */
export const ENV_MAP: Record<string, string> = {
  PORT: 'port',
  HOST: 'host',
  GATEHOUSE_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  GATEHOUSE_PUBLIC_URL: 'publicUrl',
  GATEHOUSE_SECRET_KEY: 'secretKey',
  GATEHOUSE_LOG_LEVEL: 'logLevel',
  GATEHOUSE_TIMEZONE: 'timezone',
  SMTP_HOST: 'smtp.host',
  SMTP_PORT: 'smtp.port',
  SMTP_USER: 'smtp.user',
  SMTP_PASSWORD: 'smtp.password',
  SMTP_FROM: 'smtp.from',
  JENKINS_URL: 'jenkins.url',
  JENKINS_USER: 'jenkins.user',
  JENKINS_TOKEN: 'jenkins.token',
  TELEGRAM_BOT_TOKEN: 'telegram.token',
  TELEGRAM_API_ROOT: 'telegram.apiRoot',
  TELEGRAM_PROXY: 'telegram.proxyUrl',
};
