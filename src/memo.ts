// Made once per run, then shared: the first caller starts the work, everyone after shares it.

/** The value stored under `key`, made (and stored) by `make` the first time. */
export function once<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Values made per object, told apart under it by one more object and a string: a short list each. */
export type SharedBy<O, V> = Map<O, Array<{ other: unknown; key: string; value: V }>>;

/**
 * The value `make` made for (object, other, key), made the first time. One entry per object and
 * a short list under it, rather than a Map per level of key: most objects are seen with one
 * (other, key) only, and a run may hold tens of thousands of them (README "Speed").
 */
export function sharedBy<O, V>(table: SharedBy<O, V>, object: O, other: unknown, key: string, make: () => V): V {
  let entries = table.get(object);
  if (entries === undefined) table.set(object, (entries = []));
  for (const e of entries) if (e.other === other && e.key === key) return e.value;
  const value = make();
  entries.push({ other, key, value });
  return value;
}
