import { createContext, useContext } from 'react';
import type { RegisterClient } from './client.ts';

export const ClientContext = createContext<RegisterClient | null>(null);

export function useClient(): RegisterClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('RegisterClient is not provided');
  return client;
}
