// Labels for every stage of a Dockerfile: a `LABEL` line is inserted after each `FROM`, so build
// stages and step images carry the app's labels too (the engine's build labels reach the last stage
// only, one step per label), and one more at the end labels the image the build produces.
import type { Labels } from '../../docker/index.js';

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(\S*)\s*$/;
const FROM = /^\s*from(\s|$)/i;
const COMMENT = /^\s*#/;

/** The escape character a leading `# escape=` parser directive chooses (a backslash by default). */
function escapeCharacter(lines: readonly string[]): string {
  for (const line of lines) {
    const directive = DIRECTIVE.exec(line);
    if (directive === null) break; // directives end at the first line that is not one
    if (directive[1]?.toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) return directive[2];
  }
  return '\\';
}

/** `LABEL "k"="v" …` with Dockerfile quoting (values here never hold quotes or the escape character). */
export function labelInstruction(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`);
  return `LABEL ${pairs.join(' ')}`;
}

/**
 * The Dockerfile with `LABEL stages…` after every `FROM` instruction (after its last continuation
 * line), and `LABEL image…` as its last instruction. Comments and blank lines inside a continued
 * instruction do not end it, as in Docker's parser.
 */
export function labelStages(dockerfile: string, stages: Labels, image: Labels): string {
  const newline = dockerfile.includes('\r\n') ? '\r\n' : '\n';
  const lines = dockerfile.split(/\r?\n/);
  const escape = escapeCharacter(lines);
  const label = labelInstruction(stages);
  const out: string[] = [];
  let continuing = false;
  let inFrom = false;
  for (const line of lines) {
    out.push(line);
    if (continuing && (COMMENT.test(line) || line.trim() === '')) continue;
    if (!continuing) {
      if (COMMENT.test(line) || line.trim() === '') continue;
      inFrom = FROM.test(line);
    }
    continuing = line.trimEnd().endsWith(escape);
    if (!continuing && inFrom) {
      out.push(label);
      inFrom = false;
    }
  }
  while (out.length > 0 && out[out.length - 1]?.trim() === '') out.pop();
  out.push(labelInstruction(image));
  return out.join(newline) + newline;
}
