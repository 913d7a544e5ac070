/**
 * Stapler's JSON export, re-created: the `tree` grammar (NamedPathPruner + Range), the `depth`
 * visibility rule (TreePruner.ByDepth) and the writer that emits `_class` (reference §0).
 *
 * A model object is exported through a Schema: an ordered list of properties, each with a
 * visibility (Jenkins' @Exported(visibility)), optionally `inline` (does not add a level), and a
 * getter that is only called when the pruner accepts the property — so a `tree` query over
 * 10,000 branch jobs computes only the fields asked for.
 */

export interface Prop<T> {
  name: string;
  vis: number;
  get: (o: T) => unknown;
  inline?: boolean;
  /** The declared type equals the runtime class, so no `_class` is written for the value(s). */
  sameClass?: boolean;
}

export interface Schema<T> {
  /** Runtime class; null = not an exported bean, written as `{}`. */
  cls: (o: T) => string | null;
  props: Prop<T>[];
}

/** A model object paired with its schema; values of this type are written as JSON objects. */
export class Ref<T = any> {
  constructor(
    readonly schema: Schema<T>,
    readonly obj: T,
  ) {}
}

export const ref = <T>(schema: Schema<T>, obj: T): Ref<T> => new Ref(schema, obj);

/** A plain `{}` for objects Jenkins cannot export (e.g. some entries of `actions`). */
export const OPAQUE: Ref<null> = new Ref({ cls: () => null, props: [] }, null);

// ---------------------------------------------------------------- pruners

export interface Range {
  min: number;
  max: number;
}
const ALL: Range = { min: 0, max: Number.MAX_SAFE_INTEGER };

export interface Pruner {
  accept(prop: Prop<any>): Pruner | null;
  range: Range;
}

class ByDepth implements Pruner {
  private nextPruner?: ByDepth;
  range = ALL;
  constructor(private readonly n: number) {}
  accept(prop: Prop<any>): Pruner | null {
    if (prop.vis < this.n) return null;
    if (prop.inline) return this;
    return (this.nextPruner ??= new ByDepth(this.n + 1));
  }
}

/** depth=N → ByDepth(1 - N), as hudson.model.Api does. */
export const byDepth = (depth: number): Pruner => new ByDepth(1 - depth);

interface TreeNode {
  children: Map<string, TreeNode>;
  range: Range;
}

class Named implements Pruner {
  constructor(private readonly node: TreeNode) {}
  get range(): Range {
    return this.node.range;
  }
  accept(prop: Prop<any>): Pruner | null {
    const sub = this.node.children.get(prop.name) ?? this.node.children.get('*');
    return sub ? new Named(sub) : null;
  }
}

export class TreeSyntaxError extends Error {}

/** Parses a `tree` spec exactly as NamedPathPruner does; throws TreeSyntaxError when malformed. */
export function parseTree(spec: string): Pruner {
  const r = new Reader(spec);
  const root: TreeNode = { children: new Map(), range: ALL };
  list(r, root);
  r.expect('EOF');
  return new Named(root);
}

type Token = ',' | '[' | ']' | '{' | '}' | 'EOF';

class Reader {
  pos = 0;
  private next = 0;
  constructor(private readonly text: string) {}
  peek(): Token | { name: string } {
    if (this.pos === this.text.length) return 'EOF';
    const c = this.text[this.pos];
    if (c === ',' || c === '[' || c === ']' || c === '{' || c === '}') {
      this.next = this.pos + 1;
      return c;
    }
    let end = this.text.length;
    for (const d of ',[]{}') {
      const x = this.text.indexOf(d, this.pos);
      if (x !== -1 && x < end) end = x;
    }
    this.next = end;
    return { name: this.text.slice(this.pos, end) };
  }
  advance(): void {
    this.pos = this.next;
  }
  expect(tok: Token): void {
    if (this.peek() !== tok) throw new TreeSyntaxError(`expected ${tok} at ${this.pos}`);
    this.advance();
  }
  accept(tok: Token): boolean {
    if (this.peek() !== tok) return false;
    this.advance();
    return true;
  }
  number(): number {
    const t = this.peek();
    if (typeof t !== 'object' || !/^[0-9]+$/.test(t.name)) throw new TreeSyntaxError(`expected number at ${this.pos}`);
    this.advance();
    return Number.parseInt(t.name, 10);
  }
}

function list(r: Reader, t: TreeNode): void {
  node(r, t);
  if (r.accept(',')) list(r, t);
}

function node(r: Reader, t: TreeNode): void {
  const actual = r.peek();
  if (typeof actual !== 'object') throw new TreeSyntaxError(`expected name at ${r.pos}`);
  r.advance();
  const sub: TreeNode = { children: new Map(), range: ALL };
  t.children.set(actual.name, sub);
  if (r.accept('[')) {
    list(r, sub);
    r.expect(']');
  }
  if (r.accept('{')) {
    sub.range = parseRange(r);
    r.expect('}');
  }
}

function parseRange(r: Reader): Range {
  if (r.accept(',')) return { min: 0, max: r.number() }; // {,N}
  const min = r.number();
  if (r.peek() === '}') return { min, max: min + 1 }; // {N}
  r.expect(',');
  if (r.peek() === '}') return { min, max: Number.MAX_SAFE_INTEGER }; // {M,}
  return { min, max: r.number() }; // {M,N}
}

// ---------------------------------------------------------------- writer

/** Writes the top-level object: `_class` always comes first there. */
export function exportTop(value: Ref, pruner: Pruner): Record<string, unknown> {
  return writeObject(value, pruner, true);
}

function writeObject(value: Ref, pruner: Pruner, withClass: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const cls = value.schema.cls(value.obj);
  if (cls === null) return out;
  if (withClass) out._class = cls;
  for (const prop of value.schema.props) {
    const child = pruner.accept(prop);
    if (!child) continue;
    // A getter answers undefined for a property the runtime class does not have.
    const v = prop.get(value.obj);
    if (v !== undefined) out[prop.name] = writeValue(v, child, !prop.sameClass);
  }
  return out;
}

function writeValue(v: unknown, pruner: Pruner, withClass: boolean): unknown {
  if (v === null || v === undefined) return null;
  if (v instanceof Ref) return writeObject(v, pruner, withClass);
  if (Array.isArray(v)) {
    const { min, max } = pruner.range;
    const slice = v.slice(Math.min(min, v.length), Math.min(max, v.length));
    return slice.map((item) => writeValue(item, pruner, withClass));
  }
  if (typeof v === 'object') {
    // A Java Map is written as a plain object whose values are exported with the same pruner.
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = writeValue(item, pruner, withClass);
    return out;
  }
  return v;
}
