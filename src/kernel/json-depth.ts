/**
 * Whether `value` nests deeper than `max` arrays/objects (the value itself at depth 1). Walks
 * with an explicit stack and stops at the first level past `max`, so any depth is safe to ask about.
 * Used wherever JSON from a request is kept whole (log payloads, policy obligations): readers that
 * recurse (JSON.stringify among them) fail on a few thousand levels.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth + 1 > max) return true;
    const members = Array.isArray(item) ? item : Object.values(item);
    for (const member of members)
      if (typeof member === 'object' && member !== null) stack.push([member, depth + 1]);
  }
  return false;
}
