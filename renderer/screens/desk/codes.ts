// The register's code lists, as the desk offers them in selects. The renderer may not import db/
// values, only types: each list is checked against the register's own type, so tsc fails if the
// register gains or loses a code and this file does not follow.
import type { blockReasons, blockRequesters, unblockOutcomes } from '../../../db/blocks.ts';
import type { consentChannels } from '../../../db/consents.ts';
import type { RequestType } from '../../../db/deadlines.ts';
import type { PersonSource } from '../../../db/persons.ts';
import type { requestChannels, requesterKinds } from '../../../db/requests.ts';

// `list` must name every member of T, and nothing else.
function every<T extends string>() {
  return <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : never)): L => list;
}

export const personSources = every<PersonSource>()(['walk_in', 'phone_call', 'appointment', 'callback', 'website_form', 'import', 'other']);
// What the desk picks for a new person (an import names itself).
export const deskSources = personSources.filter((s) => s !== 'import');

export type ConsentChannel = (typeof consentChannels)[number];
export const channels = every<ConsentChannel>()(['paper', 'in_person', 'phone', 'email', 'website', 'electronic', 'other']);

export type BlockReason = (typeof blockReasons)[number];
export const reasons = every<BlockReason>()([
  'inaccurate_data',
  'unlawful_processing',
  'subject_request',
  'representative_request',
  'regulator_request',
  'destruction_pending',
  'other',
]);

export type BlockRequester = (typeof blockRequesters)[number];
export const requesters = every<BlockRequester>()(['subject', 'representative', 'regulator', 'operator']);

export type UnblockOutcome = (typeof unblockOutcomes)[number];
export const outcomes = every<UnblockOutcome>()(['corrected', 'unblocked_unconfirmed', 'unblocked_lawful', 'other']);

export const requestTypes = every<RequestType>()(['access', 'correction', 'withdrawal', 'stop_processing', 'block', 'destroy', 'regulator_demand']);

export type RequestChannel = (typeof requestChannels)[number];
export const requestChannelList = every<RequestChannel>()(['in_person', 'post', 'email', 'phone', 'website', 'regulator', 'other']);

export type RequesterKind = (typeof requesterKinds)[number];
export const requesterKindList = every<RequesterKind>()(['subject', 'representative', 'regulator', 'other']);
