/**
 * What a command prints: text for people, or with --json one JSON document for scripts.
 */
export interface Output {
  readonly json: boolean;
  /** Prints `human`, or `data` as JSON with --json. */
  print(human: string, data: unknown): void;
}

export function consoleOutput(json: boolean): Output {
  return {
    json,
    print(human, data) {
      console.log(json ? JSON.stringify(data, null, 2) : human);
    },
  };
}

/** Epoch milliseconds as an ISO 8601 UTC time. */
export const isoTime = (epochMs: number): string => new Date(epochMs).toISOString();

/** Rows of cells as aligned columns (the last column is never padded). */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** Key-value lines under a heading, e.g. a record's fields. */
export function fields(heading: string, entries: readonly (readonly [string, string | undefined])[]): string {
  const shown = entries.filter((entry): entry is readonly [string, string] => entry[1] !== undefined);
  const width = Math.max(0, ...shown.map(([name]) => name.length));
  return [heading, ...shown.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)].join('\n');
}
