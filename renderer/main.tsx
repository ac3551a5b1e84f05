import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { ClientContext } from './api/context.ts';
import { pickClient } from './api/pick-client.ts';
import { initI18n } from './i18n/index.ts';
import './styles/app.css';

initI18n();
const client = pickClient();
const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <ClientContext value={client}>
      <App />
    </ClientContext>
  </StrictMode>,
);
