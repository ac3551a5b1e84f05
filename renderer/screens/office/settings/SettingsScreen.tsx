// Settings of the register, in sections; each section appears only to the roles that may change
// it (db/roles.ts): legal settings and users for the manager and the administrator, backups for
// both, the interface language for everyone.
import { type ComponentType, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../../../state/session.ts';
import { can, type Permission } from '../lib/permissions.ts';
import { ScreenTitle } from '../ui/ScreenTitle.tsx';
import { BackupSection } from './BackupSection.tsx';
import { CalendarsSection } from './CalendarsSection.tsx';
import { DeadlinesSection } from './DeadlinesSection.tsx';
import { FormTemplatesSection } from './FormTemplatesSection.tsx';
import { GeneralSection } from './GeneralSection.tsx';
import { JurisdictionSection } from './JurisdictionSection.tsx';
import { LanguageSection } from './LanguageSection.tsx';
import { OperatorSection } from './OperatorSection.tsx';
import { PurposesSection } from './PurposesSection.tsx';
import { UsersSection } from './UsersSection.tsx';

export const settingsSections = [
  { id: 'operator', permission: 'settings.legal', component: OperatorSection },
  { id: 'jurisdiction', permission: 'settings.legal', component: JurisdictionSection },
  { id: 'general', permission: 'settings.legal', component: GeneralSection },
  { id: 'purposes', permission: 'settings.legal', component: PurposesSection },
  { id: 'forms', permission: 'settings.legal', component: FormTemplatesSection },
  { id: 'deadlines', permission: 'settings.legal', component: DeadlinesSection },
  { id: 'calendars', permission: 'settings.legal', component: CalendarsSection },
  { id: 'users', permission: 'users.manage', component: UsersSection },
  { id: 'backup', permission: 'backup.run', component: BackupSection },
  { id: 'language', permission: 'self', component: LanguageSection },
] as const satisfies readonly { id: string; permission: Permission; component: ComponentType }[];

export type SettingsSectionId = (typeof settingsSections)[number]['id'];

export function SettingsScreen() {
  const { t } = useTranslation();
  const role = useSession((s) => s.actor?.role);
  const visible = settingsSections.filter((s) => can(role, s.permission));
  const [active, setActive] = useState<SettingsSectionId>(visible[0]?.id ?? 'language');
  // Only a section the user picked takes the focus; on arrival the screen's own heading has it.
  const picked = useRef(false);
  const bodyRef = useRef<HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the chosen section changes
  useEffect(() => {
    if (picked.current) bodyRef.current?.querySelector<HTMLElement>('.office-section-title')?.focus();
  }, [active]);
  const current = visible.find((s) => s.id === active) ?? visible[0];
  const Section = current?.component;
  return (
    <div className="office-screen" data-testid="office-settings">
      <ScreenTitle title={t('office.settings.title')} />
      <div className="office-settings">
        <nav className="office-subnav" aria-label={t('office.settings.sections')}>
          <ul>
            {visible.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  className={`office-subnav-item${s.id === current?.id ? ' is-current' : ''}`}
                  aria-current={s.id === current?.id ? 'true' : undefined}
                  onClick={() => {
                    picked.current = true;
                    setActive(s.id);
                  }}
                  data-section={s.id}
                >
                  {t(`office.settings.nav.${s.id}`)}
                </button>
              </li>
            ))}
          </ul>
        </nav>
        <div className="office-settings-body" ref={bodyRef}>
          {Section && <Section key={current.id} />}
        </div>
      </div>
    </div>
  );
}
