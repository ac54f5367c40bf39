// No import cycles in src/: every relative import (type-only ones too) is an edge, and each strongly
// connected set of more than one module is reported with one concrete path round it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/settings.js';

const srcRoot = path.join(packageRoot, 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/**
 * The module specifiers of a source text: `import … from`, `export … from`, `import '…'` and
 * `import('…')`. Statements start at a line's beginning in this codebase (the formatter keeps them
 * there), which keeps this a few expressions instead of a parser (TypeScript 7 has no JS API).
 */
export function specifiers(text: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\s[^;]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...text.matchAll(pattern)].map((m) => m[1]));
}

/** module → the modules it imports (relative specifiers, `.js` mapped back to the `.ts` source). */
export function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = specifiers(fs.readFileSync(file, 'utf8'))
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'))
      .filter((target) => known.has(target));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Tarjan's strongly connected components with more than one member (or a module importing itself). */
export function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const members: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      members.push(member);
    } while (member !== node);
    if (members.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(members);
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** One path round a component, start → … → start, for the failure message. */
function loopThrough(graph: Map<string, string[]>, members: string[]): string[] {
  const inside = new Set(members);
  const start = [...members].sort()[0];
  const seen = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!inside.has(to)) continue;
      if (to === start) {
        const loop = [start];
        for (let at = node; at !== start; at = seen.get(at)!) loop.splice(1, 0, at);
        return [...loop, start];
      }
      if (!seen.has(to)) {
        seen.set(to, node);
        queue.push(to);
      }
    }
  }
  return members;
}

describe('import graph of src/', () => {
  it('has no cycles (type-only imports count too)', () => {
    const graph = importGraph(sourceFiles(srcRoot));
    assert.ok(graph.size > 50, `expected the whole of src/, read ${graph.size} modules`);
    const loops = cycles(graph).map((members) => loopThrough(graph, members).map((f) => path.relative(srcRoot, f)).join(' → '));
    assert.deepEqual(loops, [], `import cycles:\n  ${loops.join('\n  ')}`);
  });

  it('reads every kind of import statement', () => {
    const text = [
      "import type { A } from './a.js';",
      'import {\n  b,\n  c,\n} from "../b.js";',
      "export { d } from './d.js';",
      "export * from './e.js';",
      "import './f.js';",
      "const g = await import('./g.js');",
      "import fs from 'node:fs';",
      "export const h = 1;",
    ].join('\n');
    assert.deepEqual(specifiers(text).sort(), ['../b.js', './a.js', './d.js', './e.js', './f.js', './g.js', 'node:fs']);
  });

  it('finds a cycle when there is one (the checker itself works)', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    assert.deepEqual(cycles(graph).map((c) => [...c].sort()), [['a', 'b', 'c']]);
    assert.deepEqual(loopThrough(graph, ['c', 'b', 'a']), ['a', 'b', 'c', 'a']);
    assert.deepEqual(cycles(new Map([['a', ['b']], ['b', []]])), []);
  });
});
