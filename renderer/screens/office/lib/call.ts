// Operations that write a file (register and marketing exports) are read with a tolerant shape,
// FileResult below: a size is shown whenever the operation reports one. A host that does not know
// an operation answers 'unknown_operation', which the screens show as "not available in this
// version" rather than as an error.
import type { CallOptions, RegisterClient } from '../../../api/client.ts';
import { errorCode } from '../../../api/errors.ts';

export function callOp<T>(client: RegisterClient, op: string, input: unknown, options?: CallOptions): Promise<T> {
  return client.call(op as never, input as never, options) as Promise<T>;
}

export function isUnavailable(err: unknown): boolean {
  return errorCode(err) === 'unknown_operation';
}

export interface FileResult {
  path: string;
  rows?: number;
  count?: number;
  sha256?: string;
  // Shown when the operation reports it.
  bytes?: number;
  size?: number;
}
