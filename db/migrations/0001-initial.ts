import type { Migration } from './index.ts';

// The first schema. Rules that must hold whoever writes to the file (the app, a script, someone
// with the key and a SQL shell) are triggers and CHECKs here, not only TypeScript:
// - consent events, audit rows and closed blocks are append-only;
// - a blocked person cannot be edited or given a new consent;
// - a destroyed person is a tombstone: no personal fields, never changed again, never deleted;
// - only an active manager can sign a destruction act;
// - the marketing list view leaves out blocked and destroyed people.
// ё is folded to е for the name index here; FTS5's unicode61 folds the case of Cyrillic, Kazakh
// and Latin letters itself. The indexes are contentless (no second copy of names and phones) and
// entries leave them through FTS5's 'delete' command with the old values, which the triggers have:
// with secure-delete on, that removes the words from the index pages at once. (contentless_delete
// would only write a tombstone and leave the words in the pages until a merge.)
const sql = /* sql */ `
CREATE TABLE register_info (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  register_id TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value))
) STRICT;
-- Consent form template versions (db/form-templates.ts) are kept forever as saved: a signed form
-- names its version. The INSERT check also stops INSERT OR REPLACE, whose delete fires no trigger.
CREATE TRIGGER settings_form_templates_no_replace BEFORE INSERT ON settings
WHEN NEW.key GLOB 'form_template:*' AND EXISTS (SELECT 1 FROM settings WHERE key = NEW.key)
BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER settings_form_templates_no_update BEFORE UPDATE ON settings
WHEN OLD.key GLOB 'form_template:*' OR NEW.key GLOB 'form_template:*'
BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER settings_form_templates_no_delete BEFORE DELETE ON settings
WHEN OLD.key GLOB 'form_template:*'
BEGIN SELECT RAISE(ABORT, 'append_only'); END;

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  login TEXT NOT NULL UNIQUE,
  full_name TEXT NOT NULL CHECK (length(trim(full_name)) > 0),
  position TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL CHECK (role IN ('receptionist', 'manager', 'administrator')),
  language TEXT NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'kk', 'en')),
  created_at TEXT NOT NULL,
  disabled_at TEXT
) STRICT;

CREATE TABLE purposes (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  title_ru TEXT NOT NULL,
  title_kk TEXT NOT NULL,
  title_en TEXT NOT NULL,
  data_categories TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(data_categories)),
  is_marketing INTEGER NOT NULL DEFAULT 0 CHECK (is_marketing IN (0, 1)),
  requires_written INTEGER NOT NULL DEFAULT 0 CHECK (requires_written IN (0, 1)),
  default_term_days INTEGER CHECK (default_term_days IS NULL OR default_term_days > 0),
  legal_basis TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE calendars (
  country TEXT NOT NULL CHECK (country IN ('RU', 'KZ')),
  year INTEGER NOT NULL,
  source TEXT NOT NULL,
  -- 'unconfirmed': the shipped data could not be checked against the official text; the UI says so.
  status TEXT NOT NULL DEFAULT 'official' CHECK (status IN ('official', 'unconfirmed')),
  note TEXT NOT NULL DEFAULT '',
  holidays TEXT NOT NULL CHECK (json_valid(holidays)),
  workdays TEXT NOT NULL CHECK (json_valid(workdays)),
  updated_at TEXT NOT NULL,
  updated_by INTEGER REFERENCES users(id),
  PRIMARY KEY (country, year)
) STRICT;

CREATE TABLE destruction_acts (
  id INTEGER PRIMARY KEY,
  number TEXT NOT NULL UNIQUE,
  act_date TEXT NOT NULL,
  operator_name TEXT NOT NULL,
  operator_address TEXT NOT NULL,
  processor_name TEXT,
  processor_address TEXT,
  destroyed_by TEXT NOT NULL CHECK (json_valid(destroyed_by) AND json_array_length(destroyed_by) > 0),
  categories TEXT NOT NULL CHECK (json_valid(categories) AND json_array_length(categories) > 0),
  paper_media TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(paper_media)),
  information_system TEXT NOT NULL,
  method TEXT NOT NULL,
  reason TEXT NOT NULL,
  retain_until TEXT NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL
) STRICT;

CREATE TRIGGER destruction_acts_manager_only BEFORE INSERT ON destruction_acts
WHEN NOT EXISTS (SELECT 1 FROM users WHERE id = NEW.created_by AND role = 'manager' AND disabled_at IS NULL)
BEGIN SELECT RAISE(ABORT, 'manager_only'); END;
CREATE TRIGGER destruction_acts_no_update BEFORE UPDATE ON destruction_acts
BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER destruction_acts_no_delete BEFORE DELETE ON destruction_acts
BEGIN SELECT RAISE(ABORT, 'append_only'); END;

CREATE TABLE persons (
  id INTEGER PRIMARY KEY,
  full_name TEXT,
  phone TEXT CHECK (phone IS NULL OR phone GLOB '+[1-9][0-9]*'),
  email TEXT,
  email_fold TEXT,
  source TEXT NOT NULL CHECK (source IN ('website_form', 'callback', 'appointment', 'walk_in', 'phone_call', 'import', 'other')),
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  destroyed_act_id INTEGER REFERENCES destruction_acts(id),
  CHECK (
    (destroyed_act_id IS NULL AND full_name IS NOT NULL AND length(trim(full_name)) > 0)
    OR (destroyed_act_id IS NOT NULL AND full_name IS NULL AND phone IS NULL AND email IS NULL AND email_fold IS NULL)
  )
) STRICT;
CREATE INDEX persons_phone ON persons(phone) WHERE phone IS NOT NULL;
CREATE INDEX persons_email_fold ON persons(email_fold) WHERE email_fold IS NOT NULL;

-- Prefix indexes up to 6 characters: without one, a prefix such as "алекс" merges the doclists of
-- every word it starts (Александр, Алексеевна, ...), ~17 ms at 1M people; longer words are
-- narrowed through the 6-character index by db/search.ts.
CREATE VIRTUAL TABLE person_names USING fts5(
  name, content = '',
  tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3 4 5 6'
);
INSERT INTO person_names(person_names, rank) VALUES ('secure-delete', 1);
CREATE VIRTUAL TABLE person_phones USING fts5(digits, content = '', tokenize = 'trigram');
INSERT INTO person_phones(person_phones, rank) VALUES ('secure-delete', 1);

CREATE TRIGGER persons_index_insert AFTER INSERT ON persons BEGIN
  INSERT INTO person_names(rowid, name)
    SELECT NEW.id, replace(replace(NEW.full_name, 'ё', 'е'), 'Ё', 'Е') WHERE NEW.full_name IS NOT NULL;
  INSERT INTO person_phones(rowid, digits) SELECT NEW.id, substr(NEW.phone, 2) WHERE NEW.phone IS NOT NULL;
END;
CREATE TRIGGER persons_index_update AFTER UPDATE OF full_name, phone ON persons BEGIN
  INSERT INTO person_names(person_names, rowid, name)
    SELECT 'delete', OLD.id, replace(replace(OLD.full_name, 'ё', 'е'), 'Ё', 'Е') WHERE OLD.full_name IS NOT NULL;
  INSERT INTO person_phones(person_phones, rowid, digits) SELECT 'delete', OLD.id, substr(OLD.phone, 2) WHERE OLD.phone IS NOT NULL;
  INSERT INTO person_names(rowid, name)
    SELECT NEW.id, replace(replace(NEW.full_name, 'ё', 'е'), 'Ё', 'Е') WHERE NEW.full_name IS NOT NULL;
  INSERT INTO person_phones(rowid, digits) SELECT NEW.id, substr(NEW.phone, 2) WHERE NEW.phone IS NOT NULL;
END;
CREATE TRIGGER persons_destroyed_frozen BEFORE UPDATE ON persons
WHEN OLD.destroyed_act_id IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'person_destroyed'); END;
CREATE TRIGGER persons_blocked_no_edit BEFORE UPDATE OF full_name, phone, email, email_fold, source ON persons
WHEN NEW.destroyed_act_id IS NULL AND EXISTS (SELECT 1 FROM blocks WHERE person_id = OLD.id AND ended_at IS NULL)
BEGIN SELECT RAISE(ABORT, 'person_blocked'); END;
CREATE TRIGGER persons_no_delete BEFORE DELETE ON persons
BEGIN SELECT RAISE(ABORT, 'append_only'); END;

CREATE TABLE act_subjects (
  act_id INTEGER NOT NULL REFERENCES destruction_acts(id),
  person_id INTEGER NOT NULL UNIQUE REFERENCES persons(id),
  subject_ref TEXT NOT NULL,
  categories TEXT NOT NULL CHECK (json_valid(categories)),
  PRIMARY KEY (act_id, person_id)
) STRICT;
CREATE TRIGGER act_subjects_no_update BEFORE UPDATE ON act_subjects
BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER act_subjects_no_delete BEFORE DELETE ON act_subjects
BEGIN SELECT RAISE(ABORT, 'append_only'); END;

CREATE TABLE consent_events (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons(id),
  purpose_id INTEGER NOT NULL REFERENCES purposes(id),
  kind TEXT NOT NULL CHECK (kind IN ('given', 'withdrawn', 'refused', 'expired', 'renewed')),
  effective_date TEXT NOT NULL CHECK (effective_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  channel TEXT NOT NULL CHECK (channel IN ('paper', 'website', 'electronic', 'phone', 'email', 'in_person', 'other')),
  form_version TEXT,
  paper_form_number TEXT,
  received_by INTEGER REFERENCES users(id),
  valid_until TEXT,
  representative_name TEXT,
  representative_authority TEXT,
  note TEXT,
  recorded_by INTEGER NOT NULL REFERENCES users(id),
  recorded_at TEXT NOT NULL,
  CHECK (kind NOT IN ('given', 'renewed') OR channel <> 'paper' OR (form_version IS NOT NULL AND paper_form_number IS NOT NULL))
) STRICT;
CREATE INDEX consent_events_person ON consent_events(person_id, purpose_id, effective_date, id);
CREATE INDEX consent_events_purpose ON consent_events(purpose_id, person_id);

CREATE TRIGGER consent_events_guard_insert BEFORE INSERT ON consent_events BEGIN
  SELECT RAISE(ABORT, 'person_destroyed')
    WHERE (SELECT destroyed_act_id FROM persons WHERE id = NEW.person_id) IS NOT NULL;
  SELECT RAISE(ABORT, 'person_blocked')
    WHERE NEW.kind IN ('given', 'renewed')
      AND EXISTS (SELECT 1 FROM blocks WHERE person_id = NEW.person_id AND ended_at IS NULL);
END;
-- The only change ever allowed: erasing the free-text personal fields of a destroyed person.
CREATE TRIGGER consent_events_append_only BEFORE UPDATE ON consent_events
WHEN NOT (
  (SELECT destroyed_act_id FROM persons WHERE id = OLD.person_id) IS NOT NULL
  AND NEW.representative_name IS NULL AND NEW.representative_authority IS NULL AND NEW.note IS NULL
  AND NEW.id IS OLD.id AND NEW.person_id IS OLD.person_id AND NEW.purpose_id IS OLD.purpose_id
  AND NEW.kind IS OLD.kind AND NEW.effective_date IS OLD.effective_date AND NEW.channel IS OLD.channel
  AND NEW.form_version IS OLD.form_version AND NEW.paper_form_number IS OLD.paper_form_number
  AND NEW.received_by IS OLD.received_by AND NEW.valid_until IS OLD.valid_until
  AND NEW.recorded_by IS OLD.recorded_by AND NEW.recorded_at IS OLD.recorded_at
)
BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN SELECT RAISE(ABORT, 'append_only'); END;

-- Scans of signed forms live inside the encrypted file; destruction deletes them (secure_delete
-- zeroes the freed pages).
CREATE TABLE scans (
  id INTEGER PRIMARY KEY,
  consent_event_id INTEGER NOT NULL REFERENCES consent_events(id),
  person_id INTEGER NOT NULL REFERENCES persons(id),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  mime TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (size = length(content)),
  content BLOB NOT NULL,
  added_by INTEGER NOT NULL REFERENCES users(id),
  added_at TEXT NOT NULL
) STRICT;
CREATE INDEX scans_person ON scans(person_id);
CREATE TRIGGER scans_guard_insert BEFORE INSERT ON scans BEGIN
  SELECT RAISE(ABORT, 'person_destroyed')
    WHERE (SELECT destroyed_act_id FROM persons WHERE id = NEW.person_id) IS NOT NULL;
END;
CREATE TRIGGER scans_no_update BEFORE UPDATE ON scans
BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER scans_delete_only_destroyed BEFORE DELETE ON scans
WHEN (SELECT destroyed_act_id FROM persons WHERE id = OLD.person_id) IS NULL
BEGIN SELECT RAISE(ABORT, 'append_only'); END;

CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  person_id INTEGER REFERENCES persons(id),
  type TEXT NOT NULL CHECK (type IN ('access', 'correction', 'withdrawal', 'stop_processing', 'block', 'destroy', 'regulator_demand')),
  received_at TEXT NOT NULL CHECK (received_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
  channel TEXT NOT NULL CHECK (channel IN ('in_person', 'post', 'email', 'phone', 'website', 'regulator', 'other')),
  requester_kind TEXT NOT NULL CHECK (requester_kind IN ('subject', 'representative', 'regulator', 'other')),
  requester TEXT,
  jurisdiction TEXT NOT NULL CHECK (jurisdiction IN ('RU', 'KZ')),
  rule TEXT NOT NULL CHECK (json_valid(rule)),
  extended_at TEXT,
  extension_notice TEXT,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  answer TEXT,
  closed_at TEXT,
  closed_by INTEGER REFERENCES users(id),
  opened_by INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
  CHECK ((extended_at IS NULL) = (extension_notice IS NULL))
) STRICT;
CREATE INDEX requests_open ON requests(status, received_at);
CREATE INDEX requests_person ON requests(person_id);

CREATE TABLE blocks (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons(id),
  reason TEXT NOT NULL CHECK (reason IN ('inaccurate_data', 'unlawful_processing', 'subject_request', 'representative_request', 'regulator_request', 'destruction_pending', 'other')),
  requested_by TEXT NOT NULL CHECK (requested_by IN ('subject', 'representative', 'regulator', 'operator')),
  note TEXT,
  request_id INTEGER REFERENCES requests(id),
  began_at TEXT NOT NULL,
  began_by INTEGER NOT NULL REFERENCES users(id),
  ended_at TEXT,
  ended_by INTEGER REFERENCES users(id),
  outcome TEXT CHECK (outcome IN ('corrected', 'destroyed', 'unblocked_unconfirmed', 'unblocked_lawful', 'other')),
  outcome_note TEXT,
  CHECK ((ended_at IS NULL) = (outcome IS NULL))
) STRICT;
CREATE UNIQUE INDEX blocks_one_open ON blocks(person_id) WHERE ended_at IS NULL;
CREATE TRIGGER blocks_guard_insert BEFORE INSERT ON blocks BEGIN
  SELECT RAISE(ABORT, 'person_destroyed')
    WHERE (SELECT destroyed_act_id FROM persons WHERE id = NEW.person_id) IS NOT NULL;
END;
-- A block may be ended once; its history is never rewritten (free text is erased on destruction).
CREATE TRIGGER blocks_end_once BEFORE UPDATE ON blocks
WHEN NOT (
  (OLD.ended_at IS NULL AND NEW.id IS OLD.id AND NEW.person_id IS OLD.person_id AND NEW.reason IS OLD.reason
    AND NEW.requested_by IS OLD.requested_by AND NEW.note IS OLD.note AND NEW.request_id IS OLD.request_id
    AND NEW.began_at IS OLD.began_at AND NEW.began_by IS OLD.began_by)
  OR ((SELECT destroyed_act_id FROM persons WHERE id = OLD.person_id) IS NOT NULL
    AND NEW.note IS NULL AND NEW.outcome_note IS NULL AND NEW.ended_at IS OLD.ended_at AND NEW.outcome IS OLD.outcome
    AND NEW.began_at IS OLD.began_at AND NEW.reason IS OLD.reason)
)
BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER blocks_no_delete BEFORE DELETE ON blocks
BEGIN SELECT RAISE(ABORT, 'append_only'); END;

CREATE TABLE verifications (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES persons(id),
  reason TEXT,
  marked_at TEXT NOT NULL,
  marked_by INTEGER NOT NULL REFERENCES users(id),
  cleared_at TEXT,
  cleared_by INTEGER REFERENCES users(id),
  outcome TEXT CHECK (outcome IN ('confirmed', 'corrected', 'destroyed')),
  CHECK ((cleared_at IS NULL) = (outcome IS NULL))
) STRICT;
CREATE UNIQUE INDEX verifications_one_open ON verifications(person_id) WHERE cleared_at IS NULL;
CREATE TRIGGER verifications_guard_insert BEFORE INSERT ON verifications BEGIN
  SELECT RAISE(ABORT, 'person_destroyed')
    WHERE (SELECT destroyed_act_id FROM persons WHERE id = NEW.person_id) IS NOT NULL;
END;
-- A mark is cleared once; afterwards only destruction may erase its free-text reason.
CREATE TRIGGER verifications_clear_once BEFORE UPDATE ON verifications
WHEN NOT (
  NEW.id IS OLD.id AND NEW.person_id IS OLD.person_id AND NEW.marked_at IS OLD.marked_at AND NEW.marked_by IS OLD.marked_by
  AND (
    (OLD.cleared_at IS NULL AND NEW.reason IS OLD.reason)
    OR ((SELECT destroyed_act_id FROM persons WHERE id = OLD.person_id) IS NOT NULL AND NEW.reason IS NULL
      AND NEW.cleared_at IS OLD.cleared_at AND NEW.cleared_by IS OLD.cleared_by AND NEW.outcome IS OLD.outcome)
  )
)
BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER verifications_no_delete BEFORE DELETE ON verifications
BEGIN SELECT RAISE(ABORT, 'append_only'); END;

-- Append-only, hash-chained event log. Rows name people by id only, never by name, phone or
-- e-mail, so destruction never has to touch the log.
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  user_id INTEGER,
  login TEXT,
  action TEXT NOT NULL,
  entity TEXT,
  entity_id INTEGER,
  details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_entity ON audit(entity, entity_id);
CREATE INDEX audit_at ON audit(at);
-- Rows are appended only at the end, numbered without gaps. This also stops INSERT OR REPLACE,
-- whose implicit delete fires no DELETE trigger.
CREATE TRIGGER audit_append_at_end BEFORE INSERT ON audit
WHEN NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM audit)
BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'append_only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'append_only'); END;

-- Current consent state per person and purpose: the latest event by effective date, then by the
-- order it was recorded in.
CREATE VIEW consent_current AS
SELECT * FROM (
  SELECT e.*, row_number() OVER (
    PARTITION BY e.person_id, e.purpose_id ORDER BY e.effective_date DESC, e.id DESC
  ) AS rn
  FROM consent_events e
) WHERE rn = 1;

CREATE VIEW marketing_list AS
SELECT p.id, p.full_name, p.phone, p.email
FROM persons p
WHERE p.destroyed_act_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.person_id = p.id AND b.ended_at IS NULL)
  AND EXISTS (
    SELECT 1 FROM consent_current c JOIN purposes u ON u.id = c.purpose_id
    WHERE c.person_id = p.id AND u.is_marketing = 1 AND c.kind IN ('given', 'renewed')
      AND (c.valid_until IS NULL OR c.valid_until >= date('now', 'localtime'))
  );
`;

export const m0001: Migration = {
  version: 1,
  name: 'initial',
  up: (db) => db.exec(sql),
};
