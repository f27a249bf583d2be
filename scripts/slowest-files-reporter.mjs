// A node:test reporter that sums the top-level tests' durations per file and, at the end, prints
// the slowest files: where the time of a test run goes (the phases run files in parallel, so the
// sums add up to more than the wall time).
// The runner's own summary counts end with a `todo` line: the table is printed then, as with
// --test-force-exit the process may exit before the event stream ends.
export default async function* slowestFiles(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      const file = event.data.file ?? '(unknown)';
      perFile.set(file, (perFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    } else if (
      event.type === 'test:diagnostic' &&
      event.data.file === undefined &&
      /^todo /.test(event.data.message)
    ) {
      yield table(perFile);
      perFile.clear();
    }
  }
  if (perFile.size > 0) yield table(perFile);
}

/** The table as one string: one write, before a forced exit can cut it. */
function table(perFile) {
  const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 15);
  const total = [...perFile.values()].reduce((sum, ms) => sum + ms, 0);
  const rows = slowest.map(
    ([file, ms]) => `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${file.replace(`${process.cwd()}/`, '')}\n`,
  );
  return `\nslowest files (${perFile.size} files, ${(total / 1000).toFixed(0)} s of test time in all):\n${rows.join('')}`;
}
