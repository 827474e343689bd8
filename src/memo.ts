// Asked once per run: the first caller starts the work, everyone after shares its promise.

/** The value stored under `key`, made (and stored) by `make` the first time. */
export function once<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
