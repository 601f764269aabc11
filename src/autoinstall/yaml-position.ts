import {
  isMap,
  isNode,
  isScalar,
  LineCounter,
  parseDocument,
  type Document,
  type DocumentOptions,
} from 'yaml';
import { RecipeError } from '../errors.ts';

/** A parsed YAML file with what it takes to turn a data path back into "line:col". */
export interface PositionedYaml {
  doc: Document;
  lineCounter: LineCounter;
}

/**
 * Parses TEXT (named NAME in messages) as one YAML document; a syntax error becomes the one line
 * "NAME:LINE:COL message" that every input file of a recipe reports.
 */
export function parseYamlDocument(text: string, name: string, options: DocumentOptions = {}): PositionedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...options, lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = lineCounter.linePos(yamlError.pos[0]);
    throw new RecipeError(`${name}:${pos.line}:${pos.col} ${yamlError.message.split('\n')[0]}`, {
      hint: 'fix the YAML syntax',
    });
  }
  return { doc, lineCounter };
}

/** "line:col" of the node at PATH, or of its nearest ancestor that exists (a missing key). */
export function positionOf({ doc, lineCounter }: PositionedYaml, path: readonly PropertyKey[]): string {
  for (let length = path.length; length >= 0; length--) {
    const node = doc.getIn(path.slice(0, length) as (string | number)[], true);
    if (isNode(node) && node.range) {
      const pos = lineCounter.linePos(node.range[0]);
      return `${pos.line}:${pos.col}`;
    }
  }
  return '1:1';
}

/** "line:col" of the key KEY in the map at PATH: where an unknown key is written, not its value. */
export function positionOfKey(yaml: PositionedYaml, path: readonly PropertyKey[], key: string): string {
  const map = yaml.doc.getIn(path as (string | number)[], true);
  if (isMap(map)) {
    const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
    if (isScalar(pair?.key) && pair.key.range) {
      const pos = yaml.lineCounter.linePos(pair.key.range[0]);
      return `${pos.line}:${pos.col}`;
    }
  }
  return positionOf(yaml, [...path, key]);
}

/** The value at PATH in data parsed from YAML (a zod issue's path), or undefined. */
export function getIn(data: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = data;
  for (const key of path) node = (node as Record<PropertyKey, unknown> | undefined)?.[key];
  return node;
}
