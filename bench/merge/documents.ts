// What `merge` reads from one input (a file, or standard input): one or more JSON results, one after
// another, possibly with other output around them, as `kubectl logs` prints a shard's stdout and
// stderr together (the timetable, warnings, progress lines). The rules:
// - A result starts on a line whose first non-blank character is `{` and runs to the brace that
//   closes that one (braces inside strings do not count); --output json writes it that way.
// - Everything else is other output, and is skipped: lines that start otherwise, and JSON objects
//   that are not wse-bench results (a structured log line such as {"level":"info"}).
// - A result that does not parse, or ends before its closing brace (a truncated log), is an error
//   that names the input and the line. It is known as one by its first line: `{` alone (as
//   --output json writes it) or `{"schemaVersion"` (compact); any other line that starts with `{`
//   and does not parse is other output.

export interface FoundDocument {
  /** 1-based line of the input on which the document starts. */
  line: number;
  value: unknown;
  /** Its text as it stood in the input (what identifies the same result given twice). */
  text: string;
}

export interface Extraction {
  documents: FoundDocument[];
  /** Lines of other output that were skipped. */
  skippedLines: number;
}

/** The first line of a result: `{` alone (pretty-printed) or `{"schemaVersion"…` (compact). */
const RESULT_FIRST_LINE = /^\s*\{\s*("schemaVersion"|$)/;

/** Whether a parsed object calls itself a wse-bench result (the schema check comes later). */
function isResultShaped(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'schemaVersion' in value && 'tool' in value;
}

/** The offset just past the brace that closes the one at `start`, or -1 if the text ends first. */
function closingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */) {
      depth++;
    } else if (c === 0x7d /* } */) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** The documents in `text`; throws an Error naming `input` and the line for a broken result. */
export function extractDocuments(text: string, input: string): Extraction {
  const documents: FoundDocument[] = [];
  let skippedLines = 0;
  let offset = 0;
  let line = 1;
  while (offset < text.length) {
    const lineEnd = text.indexOf('\n', offset);
    const end = lineEnd === -1 ? text.length : lineEnd;
    const content = text.slice(offset, end);
    const brace = content.search(/\S/);
    if (brace === -1 || content[brace] !== '{') {
      if (brace !== -1) skippedLines++;
      offset = end + 1;
      line++;
      continue;
    }
    const start = offset + brace;
    const startsResult = RESULT_FIRST_LINE.test(content);
    const stop = closingBrace(text, start);
    let value: unknown;
    if (stop !== -1) {
      try {
        value = JSON.parse(text.slice(start, stop));
      } catch (error) {
        if (startsResult) throw new Error(`${input}: the JSON result on line ${line} does not parse (${error instanceof Error ? error.message : String(error)}; other output inside it?)`);
      }
    } else if (startsResult) {
      throw new Error(`${input} ends inside the JSON result that starts on line ${line} (a truncated log?)`);
    }
    if (value === undefined) {
      // A line of other output that happens to start with a brace.
      skippedLines++;
      offset = end + 1;
      line++;
      continue;
    }
    const candidate = text.slice(start, stop);
    const lines = candidate.split('\n').length;
    if (isResultShaped(value)) documents.push({ line, value, text: candidate });
    else skippedLines += lines;
    // Whatever follows the closing brace on its line is other output.
    const afterEnd = text.indexOf('\n', stop);
    const rest = text.slice(stop, afterEnd === -1 ? text.length : afterEnd);
    if (rest.trim() !== '') skippedLines++;
    offset = afterEnd === -1 ? text.length : afterEnd + 1;
    line += lines;
  }
  return { documents, skippedLines };
}
