// The engine answers builds and imports with newline-delimited JSON messages, and reports a failed
// step inside that stream (`error`/`errorDetail`) with HTTP 200: this reads it and surfaces both.
import { LineSplitter } from '../os/lines.js';

export interface ProgressMessage {
  stream?: string;
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
}

export interface ProgressResult {
  /** `aux.ID` of a build, or the `status` id of an import. */
  imageId?: string;
  /** The first error the engine reported, if any. */
  error?: string;
  /** The last `Step N/M : …` line seen, to say where a build failed. */
  lastStep?: string;
}

function parse(line: string): ProgressMessage {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null) return value as ProgressMessage;
  } catch {
    // Not JSON: a proxy or an old engine wrote plain text; keep it as output.
  }
  return { stream: `${line}\n` };
}

/**
 * Reads the whole stream; `onLine` gets each line of build output (`stream`) and status text as it
 * arrives. Resolves with the image id and the first error instead of throwing, so the caller
 * chooses the error type.
 */
export async function readProgress(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  onLine: (line: string) => void,
): Promise<ProgressResult> {
  const result: ProgressResult = {};
  const messages = new LineSplitter();
  const output = new LineSplitter();
  const emit = (text: string): void => {
    for (const line of output.push(text)) {
      if (/^Step \d+\/\d+ : /.test(line)) result.lastStep = line;
      onLine(line);
    }
  };
  const handle = (raw: string): void => {
    if (raw.trim() === '') return;
    const message = parse(raw);
    if (message.error !== undefined || message.errorDetail?.message !== undefined) {
      result.error ??= (message.errorDetail?.message ?? message.error ?? 'unknown error').trim();
      return;
    }
    if (message.aux?.ID !== undefined) result.imageId = message.aux.ID;
    if (message.stream !== undefined) emit(message.stream);
    else if (message.status !== undefined) {
      if (/^sha256:[a-f0-9]{64}$/.test(message.status)) result.imageId = message.status;
      else emit(`${message.id ? `${message.id}: ` : ''}${message.status}\n`);
    }
  };
  for await (const chunk of source) for (const raw of messages.push(chunk)) handle(raw);
  for (const raw of messages.flush()) handle(raw);
  for (const line of output.flush()) onLine(line);
  return result;
}
