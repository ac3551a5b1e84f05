import { beforeEach, describe, expect, it } from 'vitest';
import { sectionOf, useNav } from './nav.ts';

describe('navigation store', () => {
  beforeEach(() => useNav.getState().reset());

  it('goes to a card and back to where the desk came from', () => {
    const nav = useNav.getState();
    nav.go({ name: 'new-person', prefill: { fullName: 'Иванова' } });
    nav.go({ name: 'person', id: 7 }, { replace: true });
    expect(useNav.getState().route).toEqual({ name: 'person', id: 7 });
    nav.back();
    expect(useNav.getState().route).toEqual({ name: 'search' });
    nav.back();
    expect(useNav.getState().route).toEqual({ name: 'search' });
  });

  it('the search shortcut returns to the search and asks it to take focus', () => {
    const nav = useNav.getState();
    nav.go({ name: 'person', id: 3 });
    nav.focusSearch();
    expect(useNav.getState().route).toEqual({ name: 'search' });
    expect(useNav.getState().searchFocus).toBe(1);
    nav.back();
    expect(useNav.getState().route).toEqual({ name: 'person', id: 3 });
  });

  it('puts the desk screens under the search section', () => {
    expect(sectionOf({ name: 'person', id: 1 })).toBe('search');
    expect(sectionOf({ name: 'new-person' })).toBe('search');
    expect(sectionOf({ name: 'office', id: 'audit' })).toBe('office:audit');
  });

  it('forgets everything on reset (lock)', () => {
    useNav.getState().go({ name: 'person', id: 9 });
    useNav.getState().reset();
    expect(useNav.getState()).toMatchObject({ route: { name: 'search' }, history: [], searchFocus: 0 });
  });
});
