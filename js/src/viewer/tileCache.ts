/** Least recently used entries, bounded by the bytes they hold; `onEvict` frees GPU textures. */
export class TileCache<V extends { bytes: number }> {
  private _items = new Map<string, V>();
  private _bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly _onEvict: (value: V) => void = () => undefined
  ) {}

  get bytes(): number {
    return this._bytes;
  }

  get size(): number {
    return this._items.size;
  }

  get(key: string): V | undefined {
    const value = this._items.get(key);
    if (value !== undefined) {
      this._items.delete(key);
      this._items.set(key, value);
    }
    return value;
  }

  /** Every entry, oldest first, without touching their recency. */
  values(): IterableIterator<V> {
    return this._items.values();
  }

  has(key: string): boolean {
    return this._items.has(key);
  }

  set(key: string, value: V, keep: ReadonlySet<string> = new Set()): void {
    const old = this._items.get(key);
    if (old !== undefined) {
      this._items.delete(key);
      this._bytes -= old.bytes;
      if (old !== value) {
        this._onEvict(old);
      }
    }
    this._items.set(key, value);
    this._bytes += value.bytes;
    for (const [k, v] of this._items) {
      if (this._bytes <= this.maxBytes) {
        break;
      }
      if (keep.has(k) || k === key) {
        continue; // what is on screen stays, even over budget
      }
      this._items.delete(k);
      this._bytes -= v.bytes;
      this._onEvict(v);
    }
  }

  clear(): void {
    for (const value of this._items.values()) {
      this._onEvict(value);
    }
    this._items.clear();
    this._bytes = 0;
  }
}
