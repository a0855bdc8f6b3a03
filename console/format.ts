/** Times as people in China read them: China time with its offset stated, e.g. 2026-03-05 16:00:00 +08:00. */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const shifted = new Date(at.getTime() + 8 * 3_600_000).toISOString();
  return `${shifted.slice(0, 10)} ${shifted.slice(11, 19)} +08:00`;
}

/** The China-time calendar day of a time, YYYY-MM-DD. */
export const chinaDay = (iso: string): string => new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
