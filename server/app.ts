import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { Server as SocketServer } from 'socket.io';
import { AuditAnchorError } from './audit/audit-chain.ts';
import { resolveJwtSecret } from './auth/jwt-secret.ts';
import { logoutRoutes } from './auth/logout-routes.ts';
import { RevocationBus } from './auth/revocation-bus.ts';
import { TokenService } from './auth/tokens.ts';
import type { AppContext } from './context.ts';
import type { Config } from './config/schema.ts';
import { projectRoot } from './config/load.ts';
import { familyRoutes } from './family/routes.ts';
import { healthRoutes } from './health/routes.ts';
import { errorHandler, notFound } from './http/errors.ts';
import { openApiRoutes } from './http/openapi-routes.ts';
import { securityHeaders, socketSecurityHeaders } from './http/security-headers.ts';
import type { Logger } from './logging/logger.ts';
import { resolveAnnouncedAddress } from './media/announced-address.ts';
import { WorkerPool } from './media/worker-pool.ts';
import { officerAuthRoutes } from './officers/routes.ts';
import { publicServicesRoutes } from './public-services/routes.ts';
import { CallService } from './calls/call-service.ts';
import { MemoryLiveState } from './live-state/live-state.ts';
import { attachCallSignalling } from './signalling/call-socket.ts';
import { ConnectionGuards } from './signalling/connection-guards.ts';
import { OfficerMonitoring } from './monitoring/officer-monitoring.ts';
import { visitAdminRoutes } from './visits/admin-routes.ts';
import { MissedVisitSweep } from './visits/missed-sweep.ts';
import { VisitReminderSweep } from './visits/reminder-sweep.ts';
import { familyBookingRoutes } from './family/booking-routes.ts';
import { buildChannels } from './notifications/channels.ts';
import { notificationRoutes } from './notifications/routes.ts';
import { OutboxSender } from './notifications/sender.ts';
import { protectClearNiks } from './visits/nik-at-rest.ts';
import { NikVault, resolveNikSecret } from './visits/nik-vault.ts';
import { openStorage, type Storage } from './storage/database.ts';
import { RecordingRetention } from './recording/retention.ts';
import { recordingRoutes } from './recording/routes.ts';
import { recoverInterruptedRecordings } from './recording/recovery.ts';
import { supervisionRoutes } from './supervision/routes.ts';
import { joinCheckRoutes } from './calls/join-check-routes.ts';

export interface App {
  readonly ctx: AppContext;
  /** The express app (its router stack is what the OpenAPI test checks the document against). */
  readonly web: express.Express;
  readonly config: Config;
  readonly storage: Storage;
  readonly pool: WorkerPool;
  readonly io: SocketServer;
  readonly announcedAddress: string;
  /** Reminders before visits (tests drive it with runOnce(now)). */
  readonly reminders: VisitReminderSweep;
  /** Marks missed visits and tells their families (tests drive it with runOnce(now)). */
  readonly missedSweep: MissedVisitSweep;
  /** Live calls on this node (media plane + call rules). */
  readonly calls: CallService;
  /** Base URL the server is reachable at (publicUrl, else derived from the bound address). */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts storage, the mediasoup worker pool and the HTTP + socket.io server. */
export async function startApp(config: Config, logger: Logger): Promise<App> {
  const jwtSecret = resolveJwtSecret(config.jwtSecret, config.dataDir);
  // First: a channel whose secret is missing stops the start-up (exit 78) before anything opens.
  const channels = buildChannels(config.notifications);
  const nikVault = new NikVault(resolveNikSecret(config.nikKey, config.dataDir));
  let lastAnchorLog = 0;
  const storage = await openStorage({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onBackgroundError: (err) => logger.warn({ err: err.message }, 'idle database connection lost; the pool reconnects'),
    auditKey: config.auditKey,
    onAuditAnchorError: (err) => logger.error({ err: err.message, ...(err instanceof AuditAnchorError ? { audit: err.context } : {}) }, 'audit anchor not moved'),
    // a copy of the anchor off the host, for a log collector: at most once a minute
    onAuditAnchored: (anchor) => {
      if (Date.now() - lastAnchorLog < 60_000) return;
      lastAnchorLog = Date.now();
      logger.info({ auditAnchor: anchor }, 'audit chain head anchored');
    },
  });
  try {
    await protectClearNiks(storage, nikVault, logger);
  } catch (err) {
    await storage.close();
    throw err;
  }
  logger.info({ kind: storage.kind, location: storage.location }, 'storage ready');
  // Before any call can record again: rows left `recording` by a server that did not stop cleanly.
  try {
    await recoverInterruptedRecordings({ config, storage, logger });
  } catch (err) {
    await storage.close();
    throw err;
  }

  const announcedAddress = resolveAnnouncedAddress(config.mediasoup.listenIp, config.mediasoup.announcedAddress);
  let pool: WorkerPool;
  try {
    pool = await WorkerPool.create(
      {
        count: config.mediasoup.workers,
        rtcMinPort: config.mediasoup.rtcMinPort,
        rtcMaxPort: config.mediasoup.rtcMaxPort,
        logLevel: config.mediasoup.logLevel,
        webRtcServer: config.mediasoup.rtcPortMode === 'single'
          ? {
            listenIp: config.mediasoup.listenIp,
            announcedAddress: announcedAddress !== config.mediasoup.listenIp ? announcedAddress : undefined,
            basePort: config.mediasoup.rtcPort,
          }
          : undefined,
      },
      logger,
    );
  } catch (err) {
    await storage.close();
    throw err;
  }
  let url = '';
  const ctx: AppContext = { config, logger, storage, tokens: new TokenService(jwtSecret), nikVault, revocations: new RevocationBus(), publicUrl: () => url };

  const web = express();
  web.disable('x-powered-by');
  web.set('trust proxy', 'loopback');
  web.use(securityHeaders());
  web.use(express.json({ limit: '100kb' }));
  web.use(healthRoutes(ctx, pool));
  web.use('/api', officerAuthRoutes(ctx));
  web.use('/api', logoutRoutes(ctx));
  web.use('/api', publicServicesRoutes(ctx));
  web.use('/api', visitAdminRoutes(ctx));
  web.use('/api', recordingRoutes(ctx));
  web.use('/api', notificationRoutes(ctx));
  web.use('/api', familyRoutes(ctx));
  web.use('/api', familyBookingRoutes(ctx));
  // The call service starts with the socket server below; requests only arrive after that.
  web.use('/api', supervisionRoutes(ctx, () => calls));
  web.use('/api', joinCheckRoutes(ctx, () => calls));
  web.use('/api', openApiRoutes(ctx));
  const missedSweep = new MissedVisitSweep(storage, logger, undefined, ctx.publicUrl);
  missedSweep.start();
  const reminders = new VisitReminderSweep(ctx);
  reminders.start();
  const outbox = new OutboxSender(storage, logger, config.notifications, channels);
  outbox.start();
  const retention = new RecordingRetention(ctx);
  retention.start();
  const clientDist = path.join(projectRoot, 'dist', 'client');
  if (existsSync(clientDist)) web.use(express.static(clientDist, { index: 'index.html', maxAge: '1h' }));
  web.use(notFound);
  web.use(errorHandler(logger));

  const tls = config.http.tlsCert && config.http.tlsKey
    ? { cert: readFileSync(config.http.tlsCert), key: readFileSync(config.http.tlsKey) }
    : null;
  const server = tls ? https.createServer(tls, web) : http.createServer(web);
  // Short heartbeats: a dead link (no TCP close, e.g. a phone losing signal) is noticed in
  // ≤10 s on both sides instead of the default 45 s, so the reconnect grace starts in time.
  // A transport that opens no call within connectTimeout is closed (socket.io's default is 45 s).
  const guards = new ConnectionGuards(config.signalling.maxConnectionsPerAddress);
  const io = new SocketServer(server, {
    maxHttpBufferSize: 64 * 1024, serveClient: false, pingInterval: 5_000, pingTimeout: 5_000, connectTimeout: 10_000, allowRequest: guards.allowRequest,
  });
  guards.attach(io);
  io.engine.use(socketSecurityHeaders(!!tls));
  const calls = CallService.create({ ctx, pool, liveState: MemoryLiveState.create(), listenIp: config.mediasoup.listenIp, announcedAddress });
  const callSignalling = attachCallSignalling(io, calls, logger, new OfficerMonitoring(ctx, calls), { revocations: ctx.revocations, guards });


  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.address === '0.0.0.0' || bound.address === '::' ? 'localhost' : bound.address;
  url = config.http.publicUrl?.replace(/\/$/, '') ?? `${tls ? 'https' : 'http'}://${shownHost}:${bound.port}`;
  logger.info({ url, announcedAddress }, 'http server listening');

  let closing: Promise<void> | undefined;
  return {
    ctx, config, storage, pool, io, announcedAddress, url, calls, web, reminders, missedSweep,
    close() {
      closing ??= (async () => {
        callSignalling.close();
        await calls.close();
        io.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        pool.close();
        await outbox.stop();
        await missedSweep.stop();
        await reminders.stop();
        await retention.stop();
        await storage.close();
        logger.info('stopped');
      })();
      return closing;
    },
  };
}
