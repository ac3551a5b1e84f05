// Where a file goes (or comes from) on the machine running the host. Always a text field the user
// may edit, pre-filled with a name in the host's exports folder; in the desktop app a "Choose…"
// button beside it opens the system dialog. Browser mode has no dialogs (choosePath answers null),
// so the field is the way there.
//
//   const target = usePathChoice((d) => joinPath(d.exportsDir, name, d.pathSeparator));
//   <PathField label=… kind="save" choice={target} filters=… error=… />
//   target.path  → the absolute path to send
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChoosePathOptions, HostDefaults } from '../../../api/client.ts';
import { useClient } from '../../../api/context.ts';
import { baseName, looksAbsolute } from '../lib/paths.ts';
import { useHostDefaults } from './defaults.ts';

export interface PathChoice {
  path: string;
  // True once the user typed or chose a path; until then the path follows the suggestion.
  touched: boolean;
  setPath: (path: string) => void;
  defaults: HostDefaults | null;
  // Back to following the suggestion (after a finished export, say).
  reset: () => void;
}

export function usePathChoice(suggest: (d: HostDefaults) => string): PathChoice {
  const defaults = useHostDefaults();
  const [typed, setTyped] = useState<string | null>(null);
  const path = typed ?? (defaults ? suggest(defaults) : '');
  return { path, touched: typed !== null, setPath: setTyped, defaults, reset: () => setTyped(null) };
}

// A translation key for what is wrong with the path, or null.
export function pathProblem(choice: PathChoice): 'office.path.required' | 'office.path.absolute' | null {
  const p = choice.path.trim();
  if (p === '') return 'office.path.required';
  if (!looksAbsolute(p, choice.defaults?.pathSeparator ?? '/')) return 'office.path.absolute';
  return null;
}

export function PathField({
  label,
  kind,
  choice,
  filters,
  hint,
  error,
}: {
  label: string;
  kind: ChoosePathOptions['kind'];
  choice: PathChoice;
  filters?: ChoosePathOptions['filters'];
  hint?: string;
  error?: string | null;
}) {
  const { t } = useTranslation();
  const client = useClient();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const native = choice.defaults?.nativeDialogs === true;
  const browse = async () => {
    setBusy(true);
    try {
      const name = kind === 'save' ? baseName(choice.path) : undefined;
      const chosen = await client.choosePath({ kind, ...(name ? { defaultName: name } : {}), ...(filters ? { filters } : {}) });
      if (chosen) choice.setPath(chosen);
    } catch {
      // The field stays as it was; the user can type the path.
    } finally {
      setBusy(false);
    }
  };
  const hintText = hint ?? (native ? t('office.path.hintNative') : t('office.path.hintBrowser'));
  return (
    <div className={`field office-path${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <p id={`${id}-hint`} className="field-hint">
        {hintText}
      </p>
      <div className="office-path-row">
        <input
          id={id}
          type="text"
          className="office-path-input"
          value={choice.path}
          onChange={(e) => choice.setPath(e.target.value)}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={`${error ? `${id}-error ` : ''}${id}-hint`}
        />
        {native && (
          <button type="button" className="button" onClick={() => void browse()} disabled={busy}>
            {kind === 'save' ? t('office.path.chooseSave') : kind === 'folder' ? t('office.path.chooseFolder') : t('office.path.chooseFile')}
          </button>
        )}
      </div>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
