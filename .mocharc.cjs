// Mocha's settings for `npm test`, `npm run test:unit` and a plain `npx mocha`: the compiled suite,
// the summary reporter, --forbid-only. Named files replace the default spec (mocha would add them).
const path = require('node:path');

/** Mocha's own option table; a short copy if a mocha upgrade moves that private file. */
function optionMetadata() {
  try {
    return require('mocha/lib/cli/run-option-metadata.cjs');
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
    return {
      types: { array: ['extension', 'file', 'ignore', 'require', 'spec', 'reporter-option', 'node-option'], number: ['retries', 'jobs'], string: ['config', 'fgrep', 'grep', 'package', 'reporter', 'ui', 'slow', 'timeout'] },
      aliases: { fgrep: ['f'], grep: ['g'], reporter: ['R'], require: ['r'], timeout: ['t', 'timeouts'], slow: ['s'], ui: ['u'], jobs: ['j'], 'reporter-option': ['O', 'reporter-options'], extension: [], file: [], ignore: ['exclude'], 'node-option': ['n'] },
    };
  }
}
const { types, aliases } = optionMetadata();

/** Options that take a value, with their one-letter aliases (`-g config`, `--timeout 5000`). */
const valued = new Set();
for (const name of [...types.array, ...types.number, ...types.string]) {
  valued.add(name);
  for (const alias of aliases[name] ?? []) valued.add(alias);
}

/** True when the command line names test files itself (a positional argument or --spec). */
function namesFiles(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return i + 1 < argv.length;
    if (!arg.startsWith('-') || arg === '-') return true;
    const name = arg.replace(/^--?/, '').split('=')[0];
    if (name === 'spec') return true;
    if (valued.has(name) && !arg.includes('=')) i++;
  }
  return false;
}

module.exports = {
  spec: namesFiles(process.argv.slice(2)) ? [] : ['dist/test/**/*.test.js'],
  reporter: path.join(__dirname, 'test', 'reporter.cjs'),
  timeout: 60000,
  'forbid-only': true,
  // A test that times out can leave a socket or child handle behind; without this mocha then waits
  // for it forever after the summary (a CI run was killed at its limit that way).
  exit: true,
  recursive: true,
};
