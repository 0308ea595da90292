import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config/load.ts';
import { publicServicesConfigFile } from '../helpers/public-services.ts';

describe('publicServices configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({}).publicServices;
    expect(c.complaints.responseWorkingDays).toBe(5);
    expect(c.complaints.attachmentMaxBytes).toBe(5 * 1024 * 1024);
    expect(c.driveThru.prohibitedCategories).toHaveProperty('ponsel');
    expect(c.rateLimits.remisiLookupPerRegistration).toEqual({ points: 10, durationSeconds: 3600, slowdownMs: 2000 });
    expect(c.rateLimits.remisiFailuresPerRegistrationAndClient).toEqual({ points: 5, durationSeconds: 3600 });
  });

  it('takes overrides from a config file and names a bad key', () => {
    const ok = loadConfig({ CONFIG_FILE: publicServicesConfigFile({ complaints: { responseWorkingDays: 3, holidays: ['2025-08-18'] } }) });
    expect(ok.publicServices.complaints).toMatchObject({ responseWorkingDays: 3, holidays: ['2025-08-18'], attachmentMaxBytes: 5242880 });
    const bad = (ps: Record<string, unknown>) => () => loadConfig({ CONFIG_FILE: publicServicesConfigFile(ps) });
    expect(bad({ complaints: { responseWorkingDays: 0 } })).toThrow(/publicServices\.complaints\.responseWorkingDays/);
    expect(bad({ rateLimits: { remisiLookupPerClient: { points: 0 } } })).toThrow(/publicServices\.rateLimits\.remisiLookupPerClient\.points/);
    expect(bad({ driveThru: { prohibitedCategories: { 'Bad Key': 'x' } } })).toThrow(ConfigError);
    expect(bad({ complaints: { holidays: ['17-08-2025'] } })).toThrow(/holidays/);
    expect(bad({ unknown: 1 })).toThrow(/Unrecognized key/);
  });
});
