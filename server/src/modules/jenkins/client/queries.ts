/**
 * The `tree` specs the client sends (reference §0): each asks for exactly the fields the mappers in
 * parse.ts read, so one request per question and no depth=N over big instances.
 */

/** How many levels of `jobs` listItems asks for (top-level items are level 1). */
export const ITEM_LEVELS = 5;

const ITEM_FIELDS = 'name,url,description';

/** jobs[name,url,description,jobs[…]] nested ITEM_LEVELS deep. */
export function itemsTree(levels = ITEM_LEVELS): string {
  let spec = ITEM_FIELDS;
  for (let i = 1; i < levels; i++) spec = `${ITEM_FIELDS},jobs[${spec}]`;
  return `jobs[${spec}]`;
}

const COMMITS = 'items[commitId,msg,author[fullName]]';
/** Pipeline runs carry `changeSets` (a list), freestyle runs `changeSet`; unknown names are ignored. */
const LAST_BUILD = `lastBuild[number,result,building,timestamp,duration,changeSets[${COMMITS}],changeSet[${COMMITS}]]`;

/** A multibranch project with its branch jobs, or a standalone job (its own fields), in one request. */
export const PROJECT_TREE = `description,color,buildable,${LAST_BUILD},jobs[name,color,buildable,${LAST_BUILD}]`;

export const PARAMS_TREE = 'property[parameterDefinitions[name,type,description,defaultParameterValue[value],choices]]';

export const QUEUE_TREE = 'id,why,cancelled,inQueueSince,executable[number,url]';

const SUMMARY = 'number,result,building,timestamp,duration,estimatedDuration';

export function buildsTree(offset: number, limit: number): string {
  return `allBuilds[${SUMMARY},actions[causes[shortDescription]]]{${offset},${offset + limit}}`;
}

export const BUILD_TREE = `${SUMMARY},url,actions[causes[shortDescription],parameters[name,value]],artifacts[fileName,relativePath,displayPath]`;

export const INPUTS_TREE = 'actions[executions[id,input[id,message,ok,parameters[name,type]]]]';

/** "api/json?tree=…" with the spec encoded as a query value. */
export const api = (tree: string): string => `api/json?tree=${encodeURIComponent(tree)}`;
