/**
 * JSON → public shapes. Jenkins JSON is loosely typed and plugin-dependent: every field is
 * checked, lists may hold `{}` (objects without an exportable class) and actions are picked by
 * `_class`, never by position (reference §0, §8).
 */
import { decodeBranchName } from './paths.js';
import type { BranchInfo, BuildDetail, BuildSummary, LastBuild, LastCommit, ParamDef, PendingInput, QueueInfo } from './types.js';

export type Json = Record<string, unknown>;

export const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
export const list = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj).filter((x): x is Json => x !== null) : []);
export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown, fallback = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const bool = (v: unknown): boolean => v === true;

export const CAUSE_ACTION = 'hudson.model.CauseAction';
export const PARAMETERS_ACTION = 'hudson.model.ParametersAction';
export const PARAMETERS_PROPERTY = 'hudson.model.ParametersDefinitionProperty';
export const INPUT_ACTION = 'org.jenkinsci.plugins.workflow.support.steps.input.InputAction';
const LEFT_ITEM = 'hudson.model.Queue$LeftItem';

const withClass = (items: unknown, cls: string): Json[] => list(items).filter((x) => x._class === cls);

/** The newest commit of a run: the last item of the last non-empty change set. */
function lastCommit(run: Json): LastCommit | null {
  const sets = [...list(run.changeSets), ...list([run.changeSet])];
  for (let i = sets.length - 1; i >= 0; i--) {
    const items = list(sets[i].items);
    const c = items[items.length - 1];
    if (!c) continue;
    return { id: str(c.commitId) ?? str(c.id), message: str(c.msg) ?? '', author: str(obj(c.author)?.fullName) };
  }
  return null;
}

export function toLastBuild(v: unknown): LastBuild | null {
  const run = obj(v);
  if (!run || typeof run.number !== 'number') return null;
  return {
    number: run.number,
    result: str(run.result),
    building: bool(run.building),
    timestamp: num(run.timestamp),
    durationMs: num(run.duration),
    commit: lastCommit(run),
  };
}

export function toBranch(job: Json, standalone: boolean): BranchInfo {
  const itemName = standalone ? '' : (str(job.name) ?? '');
  return {
    name: standalone ? 'default' : decodeBranchName(itemName),
    itemName,
    buildable: job.buildable !== false,
    color: str(job.color),
    lastBuild: toLastBuild(job.lastBuild),
  };
}

const PARAM_TYPES: Record<string, ParamDef['type']> = {
  'hudson.model.StringParameterDefinition': 'string',
  'hudson.model.TextParameterDefinition': 'text',
  'hudson.model.BooleanParameterDefinition': 'boolean',
  'hudson.model.ChoiceParameterDefinition': 'choice',
  'hudson.model.PasswordParameterDefinition': 'password',
};

export function toParamDefs(job: Json): ParamDef[] {
  const out: ParamDef[] = [];
  for (const prop of withClass(job.property, PARAMETERS_PROPERTY)) {
    for (const d of list(prop.parameterDefinitions)) {
      const name = str(d.name);
      if (name === null) continue;
      const jenkinsClass = str(d._class) ?? '';
      const type = PARAM_TYPES[jenkinsClass] ?? 'other';
      // Password defaults are never exported (no `value` key): null, not "".
      const value = obj(d.defaultParameterValue)?.value;
      const def: ParamDef = {
        name,
        type,
        jenkinsClass,
        default: typeof value === 'string' || typeof value === 'boolean' ? value : null,
        description: str(d.description),
      };
      if (Array.isArray(d.choices)) def.choices = d.choices.filter((c): c is string => typeof c === 'string');
      out.push(def);
    }
  }
  return out;
}

export function toQueueInfo(q: Json): QueueInfo {
  const exe = obj(q.executable);
  return {
    id: num(q.id),
    why: str(q.why),
    cancelled: bool(q.cancelled),
    inQueueSince: num(q.inQueueSince),
    executable: exe && typeof exe.number === 'number' ? { number: exe.number, url: str(exe.url) ?? '' } : null,
    left: q._class === LEFT_ITEM,
  };
}

function causesOf(run: Json): string[] {
  return withClass(run.actions, CAUSE_ACTION)
    .flatMap((a) => list(a.causes))
    .map((c) => str(c.shortDescription))
    .filter((s): s is string => s !== null);
}

export function toBuildSummary(run: Json): BuildSummary {
  return {
    number: num(run.number),
    result: str(run.result),
    building: bool(run.building),
    timestamp: num(run.timestamp),
    durationMs: num(run.duration),
    estimatedDurationMs: num(run.estimatedDuration, -1),
    causes: causesOf(run),
  };
}

export function toBuildDetail(run: Json): BuildDetail {
  const parameters = withClass(run.actions, PARAMETERS_ACTION)
    .flatMap((a) => list(a.parameters))
    .filter((p) => typeof p.name === 'string')
    // Password values are never exported: null rather than a missing key.
    .map((p) => ({ name: p.name as string, value: p.value ?? null }));
  const artifacts = list(run.artifacts)
    .filter((a) => typeof a.relativePath === 'string')
    .map((a) => {
      const relativePath = a.relativePath as string;
      return { fileName: str(a.fileName) ?? relativePath.split('/').pop()!, relativePath, displayPath: str(a.displayPath) };
    });
  return { ...toBuildSummary(run), url: str(run.url) ?? '', parameters, artifacts };
}

/** Pending input steps from a run's InputAction (executions → input → parameters). */
export function toPendingInputs(run: Json): PendingInput[] {
  return withClass(run.actions, INPUT_ACTION)
    .flatMap((a) => list(a.executions))
    .map((ex) => {
      const input = obj(ex.input) ?? {};
      const id = str(ex.id) ?? str(input.id);
      if (id === null) return null;
      const inputs = list(input.parameters).map((p) => ({ name: str(p.name) ?? '', type: str(p.type) ?? str(p._class) ?? '' }));
      return { id, message: str(input.message) ?? '', proceedText: str(input.ok), inputs };
    })
    .filter((x): x is PendingInput => x !== null);
}
