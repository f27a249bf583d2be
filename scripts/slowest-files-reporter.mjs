// A node:test reporter that sums the top-level tests' durations per file and, at the end, prints
// the slowest files: where the time of a test run goes (the phases run files in parallel, so the
// sums add up to more than the wall time).
export default async function* slowestFiles(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      const file = event.data.file ?? '(unknown)';
      perFile.set(file, (perFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
  }
  const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, 15);
  const total = [...perFile.values()].reduce((sum, ms) => sum + ms, 0);
  yield `\nslowest files (${perFile.size} files, ${(total / 1000).toFixed(0)} s of test time in all):\n`;
  for (const [file, ms] of slowest)
    yield `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${file.replace(`${process.cwd()}/`, '')}\n`;
}
