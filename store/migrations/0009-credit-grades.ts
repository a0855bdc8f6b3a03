import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/**
 * Credit grades (公共信用综合评价): the model versions the hub has seen and which one is active, one
 * current grade per enterprise with its contributions and reasons, every change of grade, and the
 * grading job's position in the record change log.
 */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const CLASSES = `'A', 'B', 'C', 'D'`;

const DDL = `
-- A model version is configuration; its fingerprint (SHA-256 of its canonical JSON) pins it, so an edited
-- version is refused at start. The active model is the one activated last (highest activation_seq).
create table credit_model_versions (
  version text primary key,
  fingerprint text not null,
  first_seen_at timestamptz not null default now(),
  activated_at timestamptz,
  activated_by text,
  -- Orders activations even when two share a timestamp: the active model is the one with the highest.
  activation_seq bigint
);
create sequence credit_model_activation_seq;
create index credit_model_versions_active on credit_model_versions (activation_seq desc) where activation_seq is not null;

create table credit_grades (
  subject_uscc text primary key references subjects (uscc),
  model_version text not null references credit_model_versions (version),
  score numeric(12, 2) not null,
  class text not null check (class in (${CLASSES})),
  -- The rule that set the class regardless of points (e.g. BLACK_LIST), or null.
  capped_by text,
  -- [{indicator, dimension, points, records: [record ids]}]: the points sum exactly to score - base.
  contributions jsonb not null,
  -- Up to four [{code, points, records: [record ids]}], most costly first.
  reasons jsonb not null,
  evaluated_at timestamptz not null,
  -- The record change-log position (record_history.seq) the grade reflects.
  record_seq bigint not null
);
create index credit_grades_by_class on credit_grades (class);

create table credit_grade_history (
  id bigint generated always as identity primary key,
  subject_uscc text not null,
  model_version text not null,
  score numeric(12, 2) not null,
  class text not null check (class in (${CLASSES})),
  previous_score numeric(12, 2),
  previous_class text,
  -- RECORD_CHANGE, DECAY (a decay or publication boundary passed), MODEL_ACTIVATION or FIRST_GRADE.
  cause text not null,
  evaluated_at timestamptz not null
);
create index credit_grade_history_by_subject on credit_grade_history (subject_uscc, id desc);

create table credit_grading_state (
  id boolean primary key default true check (id),
  -- record_history.seq graded up to, committed with the grades it produced.
  watermark bigint not null default 0,
  -- The writing transaction of that change: the log is read in (tx_id, seq) order, as the change feed
  -- reads it, so a change committed late with a lower seq is not skipped.
  watermark_tx xid8 not null default '0',
  -- The last China day whose decay and publication boundaries have been graded.
  graded_through date,
  model_version text
);
insert into credit_grading_state (id) values (true);
`;
