import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { TokenService } from '../../server/auth/tokens.ts';
import { NikVault } from '../../server/visits/nik-vault.ts';
import { DEMO, seedDemo } from '../../server/demo/demo-data.ts';
import { findOfficerByUsername, officerAssignments, setOfficerRole } from '../../server/officers/officer-store.ts';
import { storageKinds, storageFixture } from '../helpers/storages.ts';

// Each run hashes a password (argon2, 64 MiB): slow on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000 });

describe.each(storageKinds)('demo seed and roles per facility on %s', (kind) => {
  it('keeps the demo officer a supervisor of the demo facility, and never resets an account that also belongs elsewhere', async () => {
    const fixture = await storageFixture(kind);
    const storage = await fixture.open();
    try {
      const tokens = new TokenService('demo-roles-test-secret-0123456789abcdef');
      const nikVault = new NikVault('demo-roles-test-nik-key-0123456789abcdefghij');
      const first = await seedDemo(storage, tokens, nikVault, 'http://localhost:3000');
      const officer = (await findOfficerByUsername(storage, DEMO.officerUsername))!;
      const [assignment] = await officerAssignments(storage, officer.id);
      expect(assignment!.role).toBe('supervisor');

      // Lowered by hand: the next run makes it a supervisor of the demo facility again.
      await setOfficerRole(storage, officer.id, assignment!.facilityId, 'officer');
      await seedDemo(storage, tokens, nikVault, 'http://localhost:3000');
      expect((await officerAssignments(storage, officer.id)).map((a) => a.role)).toEqual(['supervisor']);

      // Also assigned to a real facility: its password is that facility's business too.
      const other = { id: randomUUID(), code: `LP-${randomUUID().slice(0, 6)}`, name: 'Lapas Lain', kind: 'lapas', timezone: 'Asia/Jakarta', created_at: new Date().toISOString() };
      await storage.db.insertInto('facilities').values(other).execute();
      await setOfficerRole(storage, officer.id, other.id, 'officer');
      const hashBefore = (await findOfficerByUsername(storage, DEMO.officerUsername))!.password_hash;
      await expect(seedDemo(storage, tokens, nikVault, 'http://localhost:3000')).rejects.toThrow(/refusing to reset its password/);
      expect((await findOfficerByUsername(storage, DEMO.officerUsername))!.password_hash).toBe(hashBefore);
      expect(first.officerUsername).toBe(DEMO.officerUsername);
    } finally {
      await storage.close();
      await fixture.dispose();
    }
  });
});
