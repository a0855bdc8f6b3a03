import { wanToYuan } from '../ingestion/amounts.js';
import { maskIdentityNumber } from '../ingestion/identifiers.js';
import { KIND_LAYOUTS, isRecordKind } from '../ingestion/record-kinds.js';
import { regionOf } from '../ingestion/regions.js';
import type { StoredRecord } from '../store/record-queries.js';

type Fields = StoredRecord['fields'];

const CATEGORY_ENUM: Readonly<Record<string, string>> = {
  '01': 'NATURAL_PERSON',
  '02': 'LEGAL_PERSON',
  '03': 'UNINCORPORATED_ORGANISATION',
  '04': 'INDIVIDUAL_BUSINESS',
};

export const subjectCategoryEnum = (code: string): string => CATEGORY_ENUM[code] ?? 'LEGAL_PERSON';

const text = (fields: Fields, code: string): string | null => {
  const value = fields[code];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(';') : value;
};

const amount = (fields: Fields, code: string) => {
  const wan = text(fields, code);
  return wan === null ? null : { tenThousandYuan: wan, yuan: wanToYuan(wan) };
};

/** Columns holding identity numbers: never shown unmasked, whatever the client asks. */
const isIdentityNumberColumn = (code: string): boolean => code.endsWith('_ZJHM');

function party(prefix: string, fields: Fields) {
  const idNumber = text(fields, `${prefix}_XDR_ZJHM`);
  return {
    name: text(fields, `${prefix}_XDR_MC`),
    category: subjectCategoryEnum(text(fields, `${prefix}_XDR_LB`) ?? ''),
    uscc: text(fields, `${prefix}_XDR_SHXYM`),
    businessRegistrationNumber: text(fields, `${prefix}_XDR_GSZC`),
    organisationCode: text(fields, `${prefix}_XDR_ZZJG`),
    taxRegistrationNumber: text(fields, `${prefix}_XDR_SWDJ`),
    legalRepresentative: text(fields, `${prefix}_FRDB`),
    idType: text(fields, `${prefix}_XDR_ZJLX`),
    idNumberMasked: idNumber === null ? null : maskIdentityNumber(idNumber),
  };
}

function permitDetails(f: Fields) {
  return {
    decisionDocumentName: text(f, 'XK_XKWS'),
    category: text(f, 'XK_XKLB'),
    certificateName: text(f, 'XK_XKZS'),
    permitNumber: text(f, 'XK_XKBH'),
    content: text(f, 'XK_NR'),
    authority: text(f, 'XK_XKJG'),
    authorityUscc: text(f, 'XK_XKJGDM'),
    dataSource: text(f, 'XK_LYDW'),
    remarks: text(f, 'BZ'),
  };
}

function penaltyDetails(f: Fields) {
  const types = f['CF_CFLB'];
  return {
    violationType: text(f, 'CF_WFXW'),
    facts: text(f, 'CF_SY'),
    legalBasis: text(f, 'CF_YJ'),
    penaltyTypes: Array.isArray(types) ? types : types ? [types] : [],
    content: text(f, 'CF_NR'),
    fine: amount(f, 'CF_NR_FK'),
    confiscated: amount(f, 'CF_NR_WFFF'),
    licenceAffected: text(f, 'CF_NR_ZKDX'),
    authority: text(f, 'CF_CFJG'),
    authorityUscc: text(f, 'CF_CFJGDM'),
    dataSource: text(f, 'CF_SJLY'),
    remarks: text(f, 'BZ'),
  };
}

function listEntryDetails(f: Fields) {
  return {
    listName: text(f, 'MD_MDMC'),
    reason: text(f, 'MD_LRYY'),
    legalBasis: text(f, 'MD_YJ'),
    measures: text(f, 'MD_CJCS'),
    authority: text(f, 'MD_LRJG'),
    authorityUscc: text(f, 'MD_LRJGDM'),
    removedOn: text(f, 'MD_YCRQ'),
    removalReason: text(f, 'MD_YCYY'),
    dataSource: text(f, 'MD_LYDW'),
    remarks: text(f, 'BZ'),
  };
}

function standardFields(kind: string, fields: Fields) {
  if (!isRecordKind(kind)) return [];
  return KIND_LAYOUTS[kind].fields.flatMap((spec) => {
    const value = text(fields, spec.code);
    if (value === null) return [];
    const shown = isIdentityNumberColumn(spec.code) ? maskIdentityNumber(value) : value;
    return [{ code: spec.code, label: spec.label, value: shown, valueLabel: spec.valueLabels?.[value] ?? null }];
  });
}

/** The GraphQL view of a stored record: typed details per kind, identity numbers masked. */
export function recordView(row: StoredRecord) {
  const prefix = isRecordKind(row.kind) ? KIND_LAYOUTS[row.kind].prefix : 'CF';
  return {
    id: String(row.id),
    kind: row.kind,
    sourceRecordId: row.source_record_id,
    agencyCode: row.agency_code,
    subjectUscc: row.subject_uscc,
    party: party(prefix, row.fields),
    status: row.status,
    eventDate: row.event_date,
    validFrom: row.valid_from,
    validTo: row.valid_to,
    publicationEnd: row.publication_end,
    documentNumber: row.document_no,
    originRegion: regionOf(row.origin_region),
    originHub: row.origin_hub,
    version: String(row.version),
    recordedAt: row.created_at,
    updatedAt: row.updated_at,
    permit: row.kind === 'PERMIT' ? permitDetails(row.fields) : null,
    penalty: row.kind === 'PENALTY' ? penaltyDetails(row.fields) : null,
    listEntry: prefix === 'MD' ? listEntryDetails(row.fields) : null,
    standardFields: standardFields(row.kind, row.fields),
  };
}
export type RecordView = ReturnType<typeof recordView>;
