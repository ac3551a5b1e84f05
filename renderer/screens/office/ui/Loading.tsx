import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorBox } from '../../../components/Messages.tsx';
import { isUnavailable } from '../lib/call.ts';
import { Unavailable } from './Unavailable.tsx';
import type { Loaded } from './useLoader.ts';

// The three faces of something loaded: a waiting line, the register's refusal, or the content.
export function LoadedView<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ReactNode }) {
  const { t } = useTranslation();
  if (state.status === 'loading')
    return (
      <p className="loading" role="status">
        {t('office.common.loading')}
      </p>
    );
  if (state.status === 'failed') return isUnavailable(state.error) ? <Unavailable /> : <ErrorBox error={state.error} />;
  return <>{children(state.data)}</>;
}
