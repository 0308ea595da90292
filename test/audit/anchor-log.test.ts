import { afterAll, describe, expect, it } from 'vitest';
import { auditChainOf } from '../../server/audit/audit-chain.ts';
import { openStorage } from '../../server/storage/database.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';

describe('audit anchor in the logs', () => {
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('the server logs the anchored head (number and MAC) for a collector off the host', { timeout: 90_000 }, async () => {
    server = await startServerProcess();
    const res = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'tidak-ada', password: 'salah-sekali' }),
    });
    expect(res.status).toBe(401);
    const deadline = Date.now() + 20_000;
    let logged: { seq: number; hash: string } | undefined;
    while (!(logged = server.logs.find((l) => l.msg === 'audit chain head anchored')?.auditAnchor as typeof logged) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(logged).toMatchObject({ seq: 1 });
    const storage = await openStorage({ databaseUrl: null, dataDir: server.dataDir, anchorAudit: false });
    try {
      const row = await storage.db.selectFrom('audit_log').select(['action', 'hash']).where('seq', '=', 1).executeTakeFirstOrThrow();
      expect(row).toEqual({ action: 'officer.login_failed', hash: logged!.hash });
      expect(auditChainOf(storage.db).readAnchor()).toMatchObject({ state: 'ok', anchor: { seq: 1, hash: row.hash } });
    } finally {
      await storage.close();
    }
  });
});
