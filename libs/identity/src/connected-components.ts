/**
 * Union-find over identifier keys: each set of keys (one event's identifiers) joins its members.
 * Returns each key's component, named by its smallest key. The rule-free graph must come out as
 * exactly these groups, whatever the order or concurrency of the events.
 */
export function connectedComponents(keySets: readonly (readonly string[])[]): Map<string, string> {
  const parent = new Map<string, string>();
  const find = (key: string): string => {
    const up = parent.get(key) ?? key;
    if (up === key) return key;
    const root = find(up);
    parent.set(key, root);
    return root;
  };
  for (const keys of keySets) {
    for (const key of keys) if (!parent.has(key)) parent.set(key, key);
    for (const key of keys.slice(1)) {
      const [low, high] = [find(key), find(keys[0])].sort();
      parent.set(high, low);
    }
  }
  return new Map([...parent.keys()].map((key) => [key, find(key)]));
}
