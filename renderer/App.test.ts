import { describe, expect, it } from 'vitest';
import { visibleOfficeRoutes } from './App.tsx';
import type { OfficeRoute } from './screens/office/routes.ts';

const Screen = () => null;
const routes: OfficeRoute[] = [
  { id: 'requests', labelKey: 'office.nav.requests', roles: ['receptionist', 'manager'], component: Screen },
  { id: 'exports', labelKey: 'office.nav.exports', roles: ['manager'], component: Screen },
  { id: 'settings', labelKey: 'office.nav.settings', roles: ['manager', 'administrator'], component: Screen },
];
const actor = (role: 'receptionist' | 'manager' | 'administrator') => ({ id: 1, login: 'x', fullName: 'X', role });

describe('navigation sections after unlock', () => {
  it('shows each role only the office sections it may use', () => {
    expect(visibleOfficeRoutes(routes, actor('receptionist')).map((r) => r.id)).toEqual(['requests']);
    expect(visibleOfficeRoutes(routes, actor('manager')).map((r) => r.id)).toEqual(['requests', 'exports', 'settings']);
    expect(visibleOfficeRoutes(routes, actor('administrator')).map((r) => r.id)).toEqual(['settings']);
  });
  it('copes with no office sections and no one signed in', () => {
    expect(visibleOfficeRoutes([], actor('manager'))).toEqual([]);
    expect(visibleOfficeRoutes(routes, null)).toEqual([]);
  });
});
