import { isIP } from 'node:net';
import { z } from 'zod';
import { notificationsSchema } from '../notifications/config-schema.ts';

const port = z.number().int().min(1).max(65535);
const ipAddress = z.string().refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address');
const nullablePath = z.string().min(1).nullable();

/** Points per window for one key (client address or registration number). */
const rateLimit = z.strictObject({
  points: z.number().int().min(1).max(1_000_000),
  durationSeconds: z.number().int().min(1).max(86_400),
});
/** Failures per window for one target across all clients; beyond it failures are answered slowly. */
const failureCeiling = rateLimit.extend({
  slowdownMs: z.number().int().min(0).max(30_000).default(2000),
});
const category = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'must be a lower-case key like perlengkapan_mandi');

const publicServicesSchema = z.strictObject({
  complaints: z.strictObject({
    /** Officers must respond within this many working days (Mon–Fri, minus holidays). */
    responseWorkingDays: z.number().int().min(1).max(60),
    /** Public holidays (YYYY-MM-DD) skipped when counting working days. */
    holidays: z.array(z.iso.date()),
    attachmentMaxBytes: z.number().int().min(1024).max(20 * 1024 * 1024),
  }),
  driveThru: z.strictObject({
    /** Item categories families may declare. */
    itemCategories: z.array(category).min(1),
    /** Category → reason shown to the family; such items are refused at booking. */
    prohibitedCategories: z.record(category, z.string().min(1).max(300)),
  }),
  rateLimits: z.strictObject({
    remisiLookupPerClient: rateLimit,
    /** Failed lookups per (registration number, client): that client is then refused for it. */
    remisiFailuresPerRegistrationAndClient: rateLimit,
    /** Failed lookups per registration number across all clients, beyond which failures are slowed. */
    remisiLookupPerRegistration: failureCeiling,
    complaintSubmitPerClient: rateLimit,
    driveThruBookingPerClient: rateLimit,
    /** Bookings refused as not_registered per (registration number, client): that client is then refused for it. */
    driveThruUnregisteredPerRegistrationAndClient: rateLimit,
    /** Bookings refused as not_registered per registration number across all clients, beyond which refusals are slowed. */
    driveThruUnregisteredPerRegistration: failureCeiling,
    /** Status checks with a tracking code (complaints and drive-thru tickets). */
    trackingPerClient: rateLimit,
  }),
});

/** Officer sign-in: how much password hashing and guessing the server accepts. */
const officerLoginSchema = z.strictObject({
  /** argon2 verifications running at once (64 MiB each); a login beyond them gets 429 busy. */
  maxConcurrentHashes: z.number().int().min(1).max(64),
  /** Login attempts of any kind per client (IPv6: per /64). */
  attemptsPerClient: rateLimit,
  /** Failed logins per username and client. */
  failuresPerUsernameAndClient: rateLimit,
  /** Failed logins per username from all clients together. */
  failuresPerUsername: rateLimit,
  /** Days a client that signed in as a user stays exempt from that user's failuresPerUsername (0: never). */
  trustedClientDays: z.number().int().min(0).max(365),
});

/** Call time limits and officer actions. */
const supervisionSchema = z.strictObject({
  /** Seconds before the deadline at which both parties get a timeWarning; distinct, 1 s–1 h. */
  warningOffsetsSeconds: z
    .array(z.number().int().min(1).max(3600))
    .max(5)
    .refine((a) => new Set(a).size === a.length, 'offsets must be distinct'),
  /** Largest single extension an officer may grant, in minutes. */
  maxExtensionMinutes: z.number().int().min(1).max(120),
});

export const configSchema = z
  .object({
    http: z.strictObject({
      host: z.string().min(1),
      port: port.or(z.literal(0)),
      tlsCert: nullablePath,
      tlsKey: nullablePath,
      /** Base URL printed in join links; derived from host/port when null. */
      publicUrl: z.url().nullable(),
    }),
    mediasoup: z.strictObject({
      listenIp: ipAddress,
      /** Address (IP or host name) given to browsers in ICE candidates; auto-detected when null. */
      announcedAddress: z.string().min(1).nullable(),
      /**
       * single: every WebRTC transport of worker i shares one UDP and one TCP port, rtcPort + i
       * (a WebRtcServer; browsers fall back to ICE-TCP on it). range: each transport takes its own
       * UDP and TCP port from rtcMinPort–rtcMaxPort.
       */
      rtcPortMode: z.enum(['single', 'range']),
      /** Base port of rtcPortMode single (UDP and TCP); 0: any free port of rtcMinPort–rtcMaxPort (tests). */
      rtcPort: port.or(z.literal(0)),
      /** Transports of rtcPortMode range, and recording's loopback transports to the recorders in both modes. */
      rtcMinPort: port,
      rtcMaxPort: port,
      /** 0 means one worker per CPU core. */
      workers: z.number().int().min(0).max(256),
      logLevel: z.enum(['debug', 'warn', 'error', 'none']),
    }),
    recordingsDir: z.string().min(1),
    /** Recordings older than this many days are deleted by the retention job. */
    recordingRetentionDays: z.number().int().min(1).max(3650),
    /** true: a call whose recording cannot start does not start. */
    recordingFailClosed: z.boolean(),
    /** A track's recording must have started this long after its first RTP packet (else recordingFailClosed applies). */
    recordingStartLimitMs: z.number().int().min(500).max(60_000),
    dataDir: z.string().min(1),
    /** null: embedded SQLite under dataDir; postgres://… : PostgreSQL. */
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .nullable(),
    /**
     * Live state is held in memory: one node only. Several nodes sharing live state (Redis) are
     * not built yet, so a configured Redis URL is refused instead of being silently ignored.
     */
    redisUrl: z.null({ error: 'not supported yet: live state is kept in memory and only one node is supported; leave it unset' }),
    /** null: generated once and kept in dataDir (refused when NODE_ENV=production). */
    jwtSecret: z.string().min(32, 'must be at least 32 characters').nullable(),
    /** Keys the NIK lookup hash and encryption; null: generated once in dataDir (refused when NODE_ENV=production). */
    nikKey: z.string().min(32, 'must be at least 32 characters').nullable(),
    /** HMAC key of the audit chain; null: generated once and kept in dataDir (refused when NODE_ENV=production). */
    auditKey: z.string().min(32, 'must be at least 32 characters').nullable(),
    /** ffmpeg repairs a recording whose writer did not end cleanly (and the tests encode media with it). */
    ffmpegPath: z.string().min(1),
    /** The recorder writing each party's WebM (server/recording/recorder, built by npm run setup); relative to the project root. */
    recorderPath: z.string().min(1),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    /** Remisi lookup, pengaduan and drive-thru: limits and policy. */
    publicServices: publicServicesSchema,
    supervision: supervisionSchema,
    officerLogin: officerLoginSchema,
    /** Messages to families: channels per facility and the outbox sender (see server/notifications). */
    notifications: notificationsSchema,
    /** Call signalling (socket.io) connections. */
    signalling: z.strictObject({
      /** Open call connections per client address (IPv6: per /64); more are refused with too_many_connections. */
      maxConnectionsPerAddress: z.number().int().min(1).max(10_000),
    }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.mediasoup.rtcMinPort > c.mediasoup.rtcMaxPort) {
      ctx.addIssue({
        code: 'custom',
        path: ['mediasoup', 'rtcMaxPort'],
        message: 'must be >= mediasoup.rtcMinPort',
      });
    }
    const m = c.mediasoup;
    if (m.rtcPortMode === 'single' && m.rtcPort !== 0) {
      const last = m.rtcPort + Math.max(1, m.workers) - 1;
      if (last > 65535) {
        ctx.addIssue({ code: 'custom', path: ['mediasoup', 'rtcPort'], message: `worker ports run up to rtcPort + workers - 1 = ${last}, above 65535` });
      } else if (m.rtcPort <= m.rtcMaxPort && last >= m.rtcMinPort) {
        ctx.addIssue({
          code: 'custom',
          path: ['mediasoup', 'rtcPort'],
          message: `ports ${m.rtcPort}–${last} (one per worker) must lie outside rtcMinPort–rtcMaxPort (${m.rtcMinPort}–${m.rtcMaxPort}), which recording uses`,
        });
      }
    }
    if ((c.http.tlsCert === null) !== (c.http.tlsKey === null)) {
      ctx.addIssue({
        code: 'custom',
        path: ['http', c.http.tlsCert === null ? 'tlsCert' : 'tlsKey'],
        message: 'http.tlsCert and http.tlsKey must be given together',
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

type EnvKind = 'string' | 'int' | 'nullable-string';

/** Environment variable → config key. One place, also rendered in the README's table. */
export const envOverrides: ReadonlyArray<{ env: string; key: string; kind: EnvKind }> = [
  { env: 'HTTP_HOST', key: 'http.host', kind: 'string' },
  { env: 'PORT', key: 'http.port', kind: 'int' },
  { env: 'TLS_CERT', key: 'http.tlsCert', kind: 'nullable-string' },
  { env: 'TLS_KEY', key: 'http.tlsKey', kind: 'nullable-string' },
  { env: 'PUBLIC_URL', key: 'http.publicUrl', kind: 'nullable-string' },
  { env: 'MEDIASOUP_LISTEN_IP', key: 'mediasoup.listenIp', kind: 'string' },
  { env: 'MEDIASOUP_ANNOUNCED_ADDRESS', key: 'mediasoup.announcedAddress', kind: 'nullable-string' },
  { env: 'RTC_PORT_MODE', key: 'mediasoup.rtcPortMode', kind: 'string' },
  { env: 'RTC_PORT', key: 'mediasoup.rtcPort', kind: 'int' },
  { env: 'RTC_MIN_PORT', key: 'mediasoup.rtcMinPort', kind: 'int' },
  { env: 'RTC_MAX_PORT', key: 'mediasoup.rtcMaxPort', kind: 'int' },
  { env: 'MEDIASOUP_WORKERS', key: 'mediasoup.workers', kind: 'int' },
  { env: 'MEDIASOUP_LOG_LEVEL', key: 'mediasoup.logLevel', kind: 'string' },
  { env: 'RECORDINGS_DIR', key: 'recordingsDir', kind: 'string' },
  { env: 'RECORDING_RETENTION_DAYS', key: 'recordingRetentionDays', kind: 'int' },
  { env: 'RECORDING_START_LIMIT_MS', key: 'recordingStartLimitMs', kind: 'int' },
  { env: 'DATA_DIR', key: 'dataDir', kind: 'string' },
  { env: 'DATABASE_URL', key: 'databaseUrl', kind: 'nullable-string' },
  { env: 'REDIS_URL', key: 'redisUrl', kind: 'nullable-string' },
  { env: 'JWT_SECRET', key: 'jwtSecret', kind: 'nullable-string' },
  { env: 'NIK_KEY', key: 'nikKey', kind: 'nullable-string' },
  { env: 'AUDIT_KEY', key: 'auditKey', kind: 'nullable-string' },
  { env: 'FFMPEG_PATH', key: 'ffmpegPath', kind: 'string' },
  { env: 'RECORDER_PATH', key: 'recorderPath', kind: 'string' },
  { env: 'LOG_LEVEL', key: 'logLevel', kind: 'string' },
  { env: 'LOGIN_MAX_CONCURRENT_HASHES', key: 'officerLogin.maxConcurrentHashes', kind: 'int' },
  { env: 'SIGNALLING_MAX_CONNECTIONS_PER_ADDRESS', key: 'signalling.maxConnectionsPerAddress', kind: 'int' },
];
