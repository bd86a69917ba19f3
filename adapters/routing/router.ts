/**
 * Method + path -> value. Static paths are one Map lookup; parametrised paths walk a segment trie, so matching
 * costs one step per path segment however many routes there are (no linear scan of regular expressions).
 */
export type RouteMatch<T> =
  | { kind: 'found'; value: T; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' }
  /** A value for `param` that does not percent-decode to UTF-8. */
  | { kind: 'bad_path'; param: string };

interface Node<T> {
  children: Map<string, Node<T>>;
  param?: { name: string; node: Node<T> };
  methods?: Map<string, T>;
}

const newNode = <T>(): Node<T> => ({ children: new Map() });
const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export class Router<T> {
  readonly #static = new Map<string, Map<string, T>>();
  readonly #root: Node<T> = newNode();

  add(method: string, path: string, value: T): void {
    const segments = path.split('/').slice(1);
    let methods: Map<string, T>;
    if (!path.includes('{')) {
      methods = this.#static.get(path) ?? new Map();
      this.#static.set(path, methods);
    } else {
      let node = this.#root;
      for (const segment of segments) {
        const param = PARAM.exec(segment);
        if (param) {
          const name = param[1]!;
          if (node.param && node.param.name !== name) throw new Error(`route ${path}: parameter {${name}} clashes with {${node.param.name}}`);
          node.param ??= { name, node: newNode() };
          node = node.param.node;
        } else {
          if (segment.includes('{')) throw new Error(`route ${path}: a parameter must fill a whole segment`);
          let child = node.children.get(segment);
          if (!child) node.children.set(segment, (child = newNode()));
          node = child;
        }
      }
      node.methods ??= new Map();
      methods = node.methods;
    }
    if (methods.has(method)) throw new Error(`route ${method} ${path} is defined twice`);
    methods.set(method, value);
  }

  match(method: string, path: string): RouteMatch<T> {
    let params: Record<string, string> = {};
    let methods = this.#static.get(path);
    if (!methods) {
      const found = this.#walk(this.#root, path.split('/'), 1, []);
      if (found && 'bad' in found) return { kind: 'bad_path', param: found.bad };
      if (!found) return { kind: 'not_found' };
      methods = found.methods;
      params = found.params;
    }
    const value = methods.get(method) ?? (method === 'HEAD' ? methods.get('GET') : undefined);
    if (value !== undefined) return { kind: 'found', value, params };
    const allow = [...methods.keys()];
    if (allow.includes('GET')) allow.push('HEAD');
    return { kind: 'method_not_allowed', allow };
  }

  // Static children win over a parameter at the same depth; backtracks when the static branch dead-ends.
  #walk(node: Node<T>, segments: string[], i: number, values: string[]): { methods: Map<string, T>; params: Record<string, string> } | null | { bad: string } {
    if (i === segments.length) {
      if (!node.methods) return null;
      return { methods: node.methods, params: {} };
    }
    const segment = segments[i]!;
    const child = node.children.get(segment);
    if (child) {
      const found = this.#walk(child, segments, i + 1, values);
      if (found) return found;
    }
    if (node.param && segment !== '') {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        return { bad: node.param.name };
      }
      const found = this.#walk(node.param.node, segments, i + 1, values);
      if (found && 'bad' in found) return found;
      if (found) {
        found.params[node.param.name] = decoded;
        return found;
      }
    }
    return null;
  }
}
