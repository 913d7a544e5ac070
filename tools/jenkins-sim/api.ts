/** `…/api/json`: tree/depth/pretty handling around the export writer (reference §0). */
import type { Sim } from './context.js';
import { type Req, type Res, errorPage, html, json, oops } from './http.js';
import { type Pruner, type Ref, byDepth, exportTop, parseTree, TreeSyntaxError } from './tree.js';

export function apiJson(sim: Sim, req: Req, value: Ref): Res {
  if (req.query.has('jsonp')) return errorPage(sim, 403, 'jsonp is not allowed');
  const depthText = req.query.get('depth');
  if (depthText !== null && !/^-?[0-9]+$/.test(depthText.trim())) return oops(sim, 'Depth parameter must be a number');
  const treeSpec = req.query.get('tree');
  let pruner: Pruner;
  if (treeSpec !== null) {
    try {
      pruner = parseTree(treeSpec);
    } catch (e) {
      if (e instanceof TreeSyntaxError) return oops(sim, `Malformed tree expression: ${e.message}`);
      throw e;
    }
  } else {
    pruner = byDepth(depthText === null ? 0 : Number.parseInt(depthText, 10));
  }
  return json(sim, req, exportTop(value, pruner));
}

/** `…/api/` without a flavour: the API help page. */
export function apiRoute(sim: Sim, req: Req, rest: string[], value: () => Ref): Res | null {
  if (rest[0] !== 'api') return null;
  if (rest.length === 1 || rest[1] === '')
    return html(sim, 'REST API', '<h1>REST API</h1><p>Use api/json with tree=… to read this object.</p>');
  if (rest[1] === 'json' && rest.length === 2) return apiJson(sim, req, value());
  return null;
}
