import { describe, expect, it } from 'vitest';
import { tabsFor, TABS } from '../../client/officer/tabs.ts';

describe('the desk shows the tabs a role may use', () => {
  it('every officer schedules, books and watches; only supervisors and admins change the facility rules', () => {
    const ids = (role: 'officer' | 'supervisor' | 'admin') => tabsFor(role).map((t) => t.id);
    expect(ids('officer')).toEqual(expect.arrayContaining(['schedule', 'book', 'live', 'recordings']));
    expect(ids('officer')).not.toContain('settings');
    expect(ids('supervisor')).toContain('settings');
    expect(ids('admin')).toContain('settings');
    // the schedule opens by default; tab ids are unique (they are the URL's #id)
    expect(ids('officer')[0]).toBe('schedule');
    expect(new Set(TABS.map((t) => t.id)).size).toBe(TABS.length);
  });
});
