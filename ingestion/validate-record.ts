import { hash } from 'node:crypto';
import { parseAmountWan } from './amounts.js';
import { parseCalendarDate } from './dates.js';
import { checkResidentId, checkUscc, maskIdentityNumber, normalizeIdentifier } from './identifiers.js';
import { derivePenaltyValidity, inspectionValidTo, penaltyPublicationEnd, type PublicationRules } from './publication.js';
import {
  KIND_LAYOUTS,
  LIST_SEPARATORS,
  NATURAL_PERSON,
  isRecordKind,
  type FieldSpec,
  type KindLayout,
  type RecordKind,
  type RecordStatus,
} from './record-kinds.js';
import { storableText } from '../store/storable-json.js';
import { textOf, tidyText, toHalfWidth, unstorableCharacter } from './text.js';

/** A record in standard columns, as a connector hands it to the ingestion core. */
export interface IncomingRecord {
  readonly kind: string;
  /** The agency's own id; defaults to the record's document number. */
  readonly sourceRecordId?: string | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
  /**
   * The agency's row this record was mapped from, and by which connector: kept with a quarantined
   * record so it can be mapped again after a mapping fix.
   */
  readonly origin?: { readonly connector: string; readonly row: Readonly<Record<string, unknown>> } | undefined;
}

/** Why a record was refused: which field, which rule, what value (masked if personal). */
export interface Rejection {
  readonly field: string;
  readonly rule: string;
  readonly value: string | null;
  readonly message: string;
}

export type FieldValue = string | readonly string[];

export interface ValidatedRecord {
  readonly kind: RecordKind;
  readonly sourceRecordId: string;
  readonly subjectUscc: string | null;
  readonly subjectName: string;
  readonly subjectCategory: string;
  readonly eventDate: string;
  readonly validFrom: string | null;
  readonly validTo: string | null;
  readonly publicationEnd: string | null;
  readonly documentNo: string | null;
  readonly status: RecordStatus;
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** `fields` as JSON text, made once for the content hash and reused by the write. */
  readonly fieldsJson: string;
  readonly contentHash: string;
}

export interface ValidationContext {
  /** Today in China Standard Time, ISO date; decides ACTIVE vs EXPIRED. */
  readonly today: string;
  readonly publication: PublicationRules;
  /** USCCs whose failing check digit is accepted (configured allow-list and operator overrides). */
  readonly acceptedChecksumFailures: ReadonlySet<string>;
}

export type ValidationResult = { readonly ok: true; readonly record: ValidatedRecord } | { readonly ok: false; readonly rejections: readonly Rejection[] };

const KNOWN_CODES = Object.fromEntries(
  Object.entries(KIND_LAYOUTS).map(([kind, layout]) => [kind, new Set(layout.fields.map((spec) => spec.code))]),
) as unknown as Record<RecordKind, ReadonlySet<string>>;
const MAX_SOURCE_ID_LENGTH = 128;
const MAX_REPORTED_VALUE_LENGTH = 120;
const RESIDENT_ID_TYPES = new Set(['身份证', '居民身份证', '001', '111', 'SFZ']);

/**
 * Validates and normalises one record; all problems are reported together, not just the first.
 * Identifiers, codes, numbers and dates are normalised; free text is kept as sent (see tidyText).
 * A required column the source omits is derived where the rules allow (`derivedBy`).
 */
export function validateRecord(input: IncomingRecord, context: ValidationContext): ValidationResult {
  const kind = toHalfWidth(textOf(input.kind)).toUpperCase();
  if (!isRecordKind(kind)) {
    return reject([
      {
        field: 'kind',
        rule: 'ENUM',
        value: report(storableText(textOf(input.kind))),
        message: `kind must be one of ${Object.keys(KIND_LAYOUTS).join(', ')}`,
      },
    ]);
  }
  const layout = KIND_LAYOUTS[kind];
  const rejections: Rejection[] = [];
  const fields: Record<string, FieldValue> = {};
  const known = KNOWN_CODES[kind];

  for (const code in input.fields) {
    if (!known.has(code)) {
      const shown = storableText(code);
      rejections.push({ field: shown, rule: 'UNKNOWN_FIELD', value: null, message: `${shown} is not a ${kind} column of the standard` });
    }
  }
  const present = new Set<string>();
  for (const spec of layout.fields) {
    const raw = input.fields[spec.code];
    const text = raw === undefined || raw === null ? '' : readAs(spec, textOf(raw));
    if (text === '') {
      if (spec.derivedBy) deriveInto(spec, spec.derivedBy, fields, rejections);
      else if (spec.required) rejections.push({ field: spec.code, rule: 'REQUIRED', value: null, message: `${spec.label} (${spec.code}) is required` });
      continue;
    }
    present.add(spec.code);
    const unstorable = unstorableCharacter(text);
    if (unstorable) {
      const shown = spec.type === 'identityNumber' ? maskIdentityNumber(storableText(text)) : report(storableText(text));
      rejections.push({ field: spec.code, rule: 'CONTROL_CHARACTER', value: shown, message: `${spec.label} (${spec.code}) contains ${unstorable}` });
      continue;
    }
    const parsed = parseField(spec, text, context);
    if ('rejection' in parsed) rejections.push(parsed.rejection);
    else fields[spec.code] = parsed.value;
  }
  rejections.push(...checkSubjectRules(layout, fields, present));
  rejections.push(...checkDateOrder(layout, fields));

  const sourceRecordId = toHalfWidth(textOf(input.sourceRecordId)) || asText(fields[layout.documentNo]);
  const unstorableId = sourceRecordId ? unstorableCharacter(sourceRecordId) : undefined;
  if (!sourceRecordId) {
    rejections.push({ field: 'sourceRecordId', rule: 'REQUIRED', value: null, message: 'a source record id (or a document number) is required' });
  } else if (unstorableId) {
    rejections.push({
      field: 'sourceRecordId',
      rule: 'CONTROL_CHARACTER',
      value: report(storableText(sourceRecordId)),
      message: `the source record id contains ${unstorableId}`,
    });
  } else if (sourceRecordId.length > MAX_SOURCE_ID_LENGTH) {
    rejections.push({
      field: 'sourceRecordId',
      rule: 'MAX_LENGTH',
      value: report(sourceRecordId),
      message: `must be at most ${MAX_SOURCE_ID_LENGTH} characters`,
    });
  }
  if (rejections.length > 0 || !sourceRecordId) return reject(rejections);
  return { ok: true, record: assemble(kind, layout, sourceRecordId, fields, context) };
}

/** Free text as sent (tidied), anything else in its normal form (half-width, trimmed) before parsing. */
function readAs(spec: FieldSpec, raw: string): string {
  return spec.type === 'text' ? tidyText(raw) : toHalfWidth(raw);
}

/**
 * Derives a column the source omitted into `fields` by its `derivedBy` rule, in its layout position (the columns it
 * is derived from come earlier in the layout), or adds the rejection saying why it cannot be. Adds
 * nothing when those columns are missing or invalid: that is reported already.
 */
function deriveInto(spec: FieldSpec, rule: NonNullable<FieldSpec['derivedBy']>, fields: Record<string, FieldValue>, rejections: Rejection[]): void {
  DERIVATIONS[rule](spec, fields, rejections);
}

/** CF_YXQ from the decision date and the penalty types (derivePenaltyValidity). */
function derivePenaltyValidityInto(spec: FieldSpec, fields: Record<string, FieldValue>, rejections: Rejection[]): void {
  const decisionDate = asText(fields['CF_JDRQ']);
  const types = fields['CF_CFLB'];
  if (!decisionDate || !Array.isArray(types)) return;
  const validity = derivePenaltyValidity(decisionDate, types);
  if (validity.derived) {
    fields[spec.code] = validity.until;
    return;
  }
  rejections.push({
    field: spec.code,
    rule: 'NOT_DERIVABLE',
    value: null,
    message: `${spec.label} (${spec.code}) is required for ${validity.restrictions.join('、')}: a restriction lasts for the period its decision sets, which the hub cannot derive`,
  });
}

/** Each derivation rule's implementation: a Record, so a new rule cannot be left without one. */
const DERIVATIONS: Readonly<Record<NonNullable<FieldSpec['derivedBy']>, typeof derivePenaltyValidityInto>> = { penaltyValidity: derivePenaltyValidityInto };

function parseField(spec: FieldSpec, text: string, context: ValidationContext): { value: FieldValue } | { rejection: Rejection } {
  const fail = (rule: string, message: string, value: string | null = spec.type === 'identityNumber' ? maskIdentityNumber(text) : report(text)) => ({
    rejection: { field: spec.code, rule, value, message: `${spec.label} (${spec.code}) ${message}` },
  });
  if (spec.maxLength !== undefined && text.length > spec.maxLength) return fail('MAX_LENGTH', `must be at most ${spec.maxLength} characters`);
  switch (spec.type) {
    case 'text':
    case 'identifier':
      return { value: text };
    case 'date': {
      const verdict = parseCalendarDate(text);
      return verdict.ok ? { value: verdict.date } : fail('DATE', verdict.message);
    }
    case 'amountWan': {
      const verdict = parseAmountWan(text);
      return verdict.ok ? { value: verdict.value } : fail('AMOUNT', verdict.message);
    }
    case 'uscc': {
      const verdict = checkUscc(text);
      if (verdict.ok) return { value: verdict.uscc };
      if (verdict.rule === 'USCC_CHECKSUM' && context.acceptedChecksumFailures.has(verdict.normalized)) return { value: verdict.normalized };
      return fail(verdict.rule, verdict.message, verdict.normalized);
    }
    case 'enum': {
      const value = spec.values?.[text];
      return value === undefined ? fail('ENUM', `must be one of ${Object.keys(spec.values ?? {}).join(', ')}`) : { value };
    }
    case 'enumList': {
      const items = text
        .split(LIST_SEPARATORS)
        .map((item) => item.trim())
        .filter(Boolean);
      const unknown = items.filter((item) => spec.values?.[item] === undefined);
      if (items.length === 0 || unknown.length > 0) return fail('ENUM', `values ${unknown.join(', ') || '(none)'} are not in the code list`);
      return { value: [...new Set(items.map((item) => spec.values?.[item] ?? item))] };
    }
    case 'identityNumber':
      return { value: normalizeIdentifier(text) };
  }
}

/** 法人及非法人组织 need a USCC and a legal representative; 自然人 need an identity document and no USCC. */
function checkSubjectRules(layout: KindLayout, fields: Record<string, FieldValue>, present: ReadonlySet<string>): Rejection[] {
  const p = layout.prefix;
  const category = fields[`${p}_XDR_LB`];
  if (category === undefined) return [];
  const missing = (code: string, why: string): Rejection => ({ field: code, rule: 'CONDITIONAL_REQUIRED', value: null, message: `${code} is required ${why}` });
  const out: Rejection[] = [];
  if (category === NATURAL_PERSON) {
    if (!present.has(`${p}_XDR_ZJLX`)) out.push(missing(`${p}_XDR_ZJLX`, 'for a natural person (自然人)'));
    if (!present.has(`${p}_XDR_ZJHM`)) out.push(missing(`${p}_XDR_ZJHM`, 'for a natural person (自然人)'));
    if (fields[`${p}_XDR_SHXYM`]) {
      out.push({ field: `${p}_XDR_SHXYM`, rule: 'MUST_BE_EMPTY', value: report(fields[`${p}_XDR_SHXYM`]), message: 'a natural person (自然人) has no USCC' });
    }
    out.push(...checkResidentIdNumber(`${p}_XDR_ZJLX`, `${p}_XDR_ZJHM`, fields));
  } else {
    if (!present.has(`${p}_XDR_SHXYM`)) out.push(missing(`${p}_XDR_SHXYM`, 'for an organisation or individual business'));
    if (category !== '04' && !present.has(`${p}_FRDB`)) out.push(missing(`${p}_FRDB`, 'for a legal person or unincorporated organisation'));
  }
  out.push(...checkResidentIdNumber(`${p}_FR_ZJLX`, `${p}_FR_ZJHM`, fields));
  return out;
}

function checkResidentIdNumber(typeCode: string, numberCode: string, fields: Record<string, FieldValue>): Rejection[] {
  const type = asText(fields[typeCode]);
  const number = asText(fields[numberCode]);
  if (!number || !RESIDENT_ID_TYPES.has(type)) return [];
  const verdict = checkResidentId(number);
  return verdict.ok ? [] : [{ field: numberCode, rule: verdict.rule, value: maskIdentityNumber(number), message: `${numberCode} ${verdict.message}` }];
}

function checkDateOrder(layout: KindLayout, fields: Record<string, FieldValue>): Rejection[] {
  const from = layout.validFrom ? asText(fields[layout.validFrom]) : '';
  const to = layout.validTo ? asText(fields[layout.validTo]) : '';
  if (!from || !to || from <= to || !layout.validTo) return [];
  return [{ field: layout.validTo, rule: 'DATE_ORDER', value: to, message: `${layout.validTo} (${to}) is before ${layout.validFrom} (${from})` }];
}

function assemble(
  kind: RecordKind,
  layout: KindLayout,
  sourceRecordId: string,
  fields: Record<string, FieldValue>,
  context: ValidationContext,
): ValidatedRecord {
  const p = layout.prefix;
  const pick = (code: string | undefined): string | null => (code ? asText(fields[code]) || null : null);
  const eventDate = asText(fields[layout.eventDate]);
  const validTo = kind === 'INSPECTION' ? inspectionValidTo(eventDate) : pick(layout.validTo);
  const publicationEnd = kind === 'PENALTY' ? (pick(layout.publicationEnd) ?? derivePenaltyPublicationEnd(fields, context)) : pick(layout.publicationEnd);
  const removalDate = pick(layout.removalDate);
  const revoked = layout.status !== undefined && fields[layout.status] === 'REVOKED';
  // The last valid day is still valid; on its removal date an entry is already off the list.
  const lastValidDay = kind === 'PENALTY' ? publicationEnd : validTo;
  const ended = (lastValidDay !== null && lastValidDay < context.today) || (removalDate !== null && removalDate <= context.today);
  const status: RecordStatus = revoked ? 'REVOKED' : ended ? 'EXPIRED' : 'ACTIVE';
  const fieldsJson = JSON.stringify(fields);
  return {
    kind,
    sourceRecordId,
    subjectUscc: pick(`${p}_XDR_SHXYM`),
    subjectName: asText(fields[`${p}_XDR_MC`]),
    subjectCategory: asText(fields[`${p}_XDR_LB`]),
    eventDate,
    validFrom: pick(layout.validFrom),
    validTo,
    publicationEnd,
    documentNo: pick(layout.documentNo),
    status,
    fields,
    fieldsJson,
    contentHash: contentHash(kind, fieldsJson),
  };
}

function derivePenaltyPublicationEnd(fields: Record<string, FieldValue>, context: ValidationContext): string {
  const types = fields['CF_CFLB'];
  return penaltyPublicationEnd(
    {
      decisionDate: asText(fields['CF_JDRQ']),
      penaltyTypes: Array.isArray(types) ? types : [],
      fineWan: asText(fields['CF_NR_FK']) || undefined,
      restrictionUntil: asText(fields['CF_YXQ']) || undefined,
      violationText: `${asText(fields['CF_WFXW'])} ${asText(fields['CF_YJ'])}`,
    },
    context.publication,
  );
}

/**
 * Hash of the stored content: cosmetic differences in normalised columns (date format, full-width
 * digits in an amount or a USCC) are not changes; free text is hashed as sent. `fields` is filled in the layout's column order, so its JSON is canonical as it is.
 * The hashed text is `JSON.stringify([kind, fields])`, built from the JSON already made.
 */
function contentHash(kind: RecordKind, fieldsJson: string): string {
  return hash('sha256', `["${kind}",${fieldsJson}]`, 'hex');
}

function asText(value: FieldValue | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : value.join(';');
}

function report(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = Array.isArray(value) ? value.join(';') : textOf(value);
  return text.length > MAX_REPORTED_VALUE_LENGTH ? `${text.slice(0, MAX_REPORTED_VALUE_LENGTH)}…` : text;
}

function reject(rejections: readonly Rejection[]): ValidationResult {
  return { ok: false, rejections };
}
