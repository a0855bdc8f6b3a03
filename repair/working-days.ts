/** Which days are working days: Monday to Friday, less holidays, plus weekend days worked instead (调休). */
export interface WorkingCalendar {
  readonly holidays: readonly string[];
  readonly extraWorkingDays: readonly string[];
}

function nextDay(isoDate: string): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

function isWorkingDay(isoDate: string, calendar: WorkingCalendar): boolean {
  if (calendar.extraWorkingDays.includes(isoDate)) return true;
  const weekday = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !calendar.holidays.includes(isoDate);
}

/**
 * The date `days` working days after `start` (a China date; the start day itself does not count):
 * filed on a Friday with 5 working days, due the next Friday.
 */
export function addWorkingDays(start: string, days: number, calendar: WorkingCalendar): string {
  let date = start;
  for (let counted = 0; counted < days;) {
    date = nextDay(date);
    if (isWorkingDay(date, calendar)) counted += 1;
  }
  return date;
}
