// The command line of `run APP WORDS…` for the release's shell, as Dokku users expect it:
// - a first word that names a Procfile entry runs that entry's command, the other words appended;
// - one word is a whole command line (`run APP 'echo "$X"; exit 3'`);
// - several words keep their boundaries (`run APP sh -c 'exit 3'` exits 3): a word holding white
//   space, a quote or a backslash is double-quoted, so those stay inside it while $VAR and $(…)
//   still expand in the app's environment; other words go to the shell as they are, so
//   `run APP echo a; echo b` (unquoted over ssh) is still two commands, as it always was here.

function word(text: string): string {
  return text !== '' && !/[\s'"\\]/.test(text) ? text : `"${text.replace(/["\\]/g, '\\$&')}"`;
}

export function oneOffCommand(words: readonly string[], processTypes: Readonly<Record<string, string>>): string {
  const [first, ...rest] = words;
  if (first !== undefined && Object.hasOwn(processTypes, first)) {
    return [processTypes[first], ...rest.map(word)].join(' ');
  }
  if (words.length === 1) return words[0];
  return words.map(word).join(' ');
}
