/**
 * Six US federal holidays by rule, for labelling the daily births series (src/node/datasets/us-births.ts):
 *
 *   New Year's Day     January 1                    Act of June 28, 1870 (16 Stat. 168); 5 U.S.C. § 6103(a)
 *   Memorial Day       May 30, through 1970;        Act of 1888 (25 Stat. 277, "Decoration Day");
 *                      the last Monday in May from 1971   Uniform Monday Holiday Act, Pub. L. 90-363 (82 Stat. 250, 1968), in force 1 Jan 1971
 *   Independence Day   July 4                       Act of June 28, 1870; 5 U.S.C. § 6103(a)
 *   Labor Day          the first Monday in September   Act of June 28, 1894 (28 Stat. 96); 5 U.S.C. § 6103(a)
 *   Thanksgiving Day   the fourth Thursday in November Pub. L. 77-379 (55 Stat. 862, 1941), from 1942; 5 U.S.C. § 6103(a)
 *   Christmas Day      December 25                  Act of June 28, 1870; 5 U.S.C. § 6103(a)
 *
 * The dates are the holidays themselves, not the weekdays they are observed on when they fall on a
 * weekend (5 U.S.C. § 6103(b)). Not included: Washington's Birthday, Columbus Day and Veterans Day
 * (moved by the same 1968 act, Veterans Day back to November 11 from 1978) and Martin Luther King Jr. Day
 * (from 1986). Calendar arithmetic in UTC, proleptic Gregorian.
 */

/** The holidays {@link usFederalHolidays} gives, in calendar order. */
export const US_HOLIDAY_NAMES = ["New Year's Day", 'Memorial Day', 'Independence Day', 'Labor Day', 'Thanksgiving Day', 'Christmas Day'] as const;
export type UsHolidayName = (typeof US_HOLIDAY_NAMES)[number];

/** The first year Memorial Day is the last Monday in May (the Uniform Monday Holiday Act took effect on 1 January 1971). */
export const MONDAY_HOLIDAY_ACT_YEAR = 1971;

/** 'YYYY-MM-DD' of a date (month 1–12). */
export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Day of the week, 0 = Sunday … 6 = Saturday (month 1–12). */
export function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

export const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

/** The day of the month of the n-th (1-based) given weekday of a month (n = −1: the last). */
export function nthWeekday(year: number, month: number, dayOfWeek: number, n: number): number {
  if (n > 0) return 1 + ((dayOfWeek - weekday(year, month, 1) + 7) % 7) + 7 * (n - 1);
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return lastDay - ((weekday(year, month, lastDay) - dayOfWeek + 7) % 7);
}

const MONDAY = 1;
const THURSDAY = 4;

/**
 * The six holidays of a year by the rules above.
 * @returns one entry per holiday, in calendar order: its name and date 'YYYY-MM-DD'
 */
export function usFederalHolidays(year: number): Array<{ name: UsHolidayName; date: string }> {
  const memorial = year >= MONDAY_HOLIDAY_ACT_YEAR ? nthWeekday(year, 5, MONDAY, -1) : 30;
  return [
    { name: "New Year's Day", date: isoDate(year, 1, 1) },
    { name: 'Memorial Day', date: isoDate(year, 5, memorial) },
    { name: 'Independence Day', date: isoDate(year, 7, 4) },
    { name: 'Labor Day', date: isoDate(year, 9, nthWeekday(year, 9, MONDAY, 1)) },
    { name: 'Thanksgiving Day', date: isoDate(year, 11, nthWeekday(year, 11, THURSDAY, 4)) },
    { name: 'Christmas Day', date: isoDate(year, 12, 25) },
  ];
}

/** The holidays of the years [from, to] by date 'YYYY-MM-DD'. */
export function usFederalHolidaysByDate(from: number, to: number): Map<string, UsHolidayName> {
  const byDate = new Map<string, UsHolidayName>();
  for (let y = from; y <= to; y++) for (const h of usFederalHolidays(y)) byDate.set(h.date, h.name);
  return byDate;
}
