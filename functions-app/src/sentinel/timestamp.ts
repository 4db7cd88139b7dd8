/**
 * ISO 8601 date-times as Sentinel sends them. A time zone designator is required: without one the
 * instant would depend on the server's zone. Fractions may have up to 9 digits (Sentinel sends 7,
 * which `Date.parse` does not promise to accept), so the fields are checked and combined here.
 */
const isoDateTime =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** Milliseconds since the epoch, or undefined when the text is not a valid ISO 8601 date-time. */
export function parseIsoTimestamp(text: string): number | undefined {
    const m = isoDateTime.exec(text);
    if (!m) return undefined;
    const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
        number,
        number,
        number,
        number,
        number,
    ];
    const second = m[6] === undefined ? 0 : Number(m[6]);
    const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    let offsetMinutes = 0;
    if (m[8] === undefined) {
        const offsetHours = Number(m[10]);
        const offsetMins = Number(m[11]);
        if (offsetHours > 23 || offsetMins > 59) return undefined;
        offsetMinutes = (m[9] === "-" ? -1 : 1) * (offsetHours * 60 + offsetMins);
    }
    const utc = new Date(0);
    // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
    utc.setUTCFullYear(year, month - 1, day);
    utc.setUTCHours(hour, minute, second, millis);
    return utc.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}
