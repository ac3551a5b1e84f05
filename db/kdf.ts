import { hashRaw } from '@node-rs/argon2';

// Algorithm is an ambient const enum, which erasable-syntax TypeScript cannot import: 2 = Argon2id.
const argon2id = 2;

// Argon2id is memory-hard: a stolen keyring cannot be brute-forced on a GPU much faster than on a
// reception PC. Parameters travel with each slot so they can be raised later without breaking old
// slots. Defaults tuned here (2 cores) to ~0.4-0.6 s per derivation; see README for the figure.
export interface KdfParams {
  alg: 'argon2id';
  m: number; // memory, KiB
  t: number; // passes
  p: number; // lanes
  salt: string; // base64
}

export const defaultKdf: Omit<KdfParams, 'salt'> = { alg: 'argon2id', m: 131072, t: 8, p: 1 };

// Tests set PRIVACY_DESK_TEST_FAST_KDF=1 so hundreds of unlocks stay fast; never honoured unless
// running under vitest, so a production slot cannot be made weak by an environment variable.
function effectiveParams(p: Omit<KdfParams, 'salt'>): Omit<KdfParams, 'salt'> {
  if (process.env.VITEST && process.env.PRIVACY_DESK_TEST_FAST_KDF === '1') return { ...p, m: 1024, t: 1 };
  return p;
}

export function newKdfParams(salt: Buffer): KdfParams {
  return { ...effectiveParams(defaultKdf), salt: salt.toString('base64') };
}

export async function deriveKey(secret: string, params: KdfParams): Promise<Buffer> {
  const out = await hashRaw(secret.normalize('NFC'), {
    algorithm: argon2id,
    memoryCost: params.m,
    timeCost: params.t,
    parallelism: params.p,
    outputLen: 32,
    salt: Buffer.from(params.salt, 'base64'),
  });
  return Buffer.from(out);
}
