// One results object, four formats.
import type { OutputFormat } from '../options/choices.js';
import type { RunResult } from '../results.js';
import { renderHtmlReport } from './html.js';
import { renderMarkdown } from './markdown.js';
import { renderText } from './text.js';

export function renderJson(run: RunResult): string {
  return `${JSON.stringify(run, null, 2)}\n`;
}

export function renderReport(run: RunResult, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return renderJson(run);
    case 'markdown':
      return renderMarkdown(run);
    case 'text':
      return renderText(run);
    case 'html':
      return renderHtmlReport([run]);
  }
}
