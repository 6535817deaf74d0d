// The results `merge` is given: files, and `-` for standard input (`kubectl logs … | wse-bench merge -`).
// Each input may hold several results with other output around them (documents.ts); each result
// is checked as input.ts says (the JSON schema, its histograms). Every mistake is one line naming the input.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../options/usage-error.js';
import { extractDocuments } from './documents.js';
import { checkedInput, type MergeInput } from './input.js';

/** The positional that stands for standard input. */
export const STDIN = '-';

export interface ReadInputs {
  inputs: MergeInput[];
  /** Per input that had any: how many lines of other output were skipped. */
  skipped: string[];
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`merge: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}`);
  }
}

/** Every result in `paths` (in order), named 'a.json', or 'stdin #2' where an input holds several. */
export async function readMergeInputs(paths: readonly string[], stdin: NodeJS.ReadableStream = process.stdin): Promise<ReadInputs> {
  if (paths.filter((p) => p === STDIN).length > 1) throw new UsageError('merge: - (standard input) can be given once');
  const inputs: MergeInput[] = [];
  const skipped: string[] = [];
  for (const path of paths) {
    const name = path === STDIN ? 'stdin' : basename(path);
    const text = path === STDIN ? await readAll(stdin) : readText(path);
    let found: ReturnType<typeof extractDocuments>;
    try {
      found = extractDocuments(text, name);
    } catch (error) {
      throw new UsageError(`merge: ${(error as Error).message}`);
    }
    if (found.documents.length === 0) {
      const hint = /^\[pod\//m.test(text) ? ' (kubectl logs --prefix puts text before every line: leave it out)' : '';
      throw new UsageError(`merge: ${name} holds no wse-bench JSON result${hint}`);
    }
    found.documents.forEach((document, k) => {
      const source = found.documents.length === 1 ? name : `${name} #${k + 1}`;
      inputs.push(checkedInput(document.value, source, document.text));
    });
    if (found.skippedLines > 0) skipped.push(`${name}: ${found.skippedLines} lines of other output skipped`);
  }
  return { inputs, skipped };
}
