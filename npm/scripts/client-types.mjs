// Generates client-schema.d.ts, the TypeScript types of `edgehooks/client`,
// from the API's OpenAPI document (worker/openapi.json): every component
// schema, the error codes, and for each operation its query, inline request
// body and response. Plain JS over the JSON Schema keywords the document
// uses; an unknown keyword or a missing named schema stops it, so the types
// never silently lose part of the document.
//
//   node scripts/client-types.mjs           writes client-schema.d.ts
//   node scripts/client-types.mjs --check   fails if the file is out of date
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const npm = dirname(dirname(fileURLToPath(import.meta.url)));
export const documentPath = join(npm, '../worker/openapi.json');
export const outputPath = join(npm, 'client-schema.d.ts');

/** Component schemas named otherwise in TypeScript (`Error` is the global class). */
const RENAMED = { Error: 'ErrorBody' };

/**
 * Schemas inside others given a name of their own (JSON pointers). An enum
 * met elsewhere with exactly the same values takes the same name.
 */
const EXTRACTED = {
  '#/components/schemas/Error/properties/error/properties/code': 'ApiErrorCode',
  '#/components/schemas/Attempt/properties/outcome': 'AttemptOutcome',
  '#/components/schemas/Attempt/properties/error/oneOf/1': 'AttemptError',
  '#/components/schemas/Attempt/properties/error/oneOf/1/properties/code': 'AttemptErrorCode',
  '#/components/schemas/KeyInput/properties/permissions/items': 'Permission',
  '#/components/schemas/WebhookInput/properties/mode': 'DeliveryMode',
  '#/components/schemas/WebhookInput/properties/ordering': 'Ordering',
  '#/components/schemas/DeliveryAuthInput/oneOf/0': 'OAuth2AuthInput',
  '#/components/schemas/DeliveryAuthInput/oneOf/1': 'BasicAuthInput',
  '#/components/schemas/DeliveryAuth/oneOf/0': 'OAuth2Auth',
  '#/components/schemas/DeliveryAuth/oneOf/1': 'BasicAuth',
  '#/paths/~1v1~1caches~1{cache}~1webhooks~1{name}~1undelivered/get/responses/200/content/application~1json/schema/properties/messages/items':
    'UndeliveredMessage',
};

/** Keywords that only constrain or describe values: documented, never typed. */
const ANNOTATIONS = new Set([
  'description', 'title', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength',
  'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'pattern', 'format', 'maxProperties', 'minProperties',
  'propertyNames', 'examples', 'deprecated', 'readOnly', 'writeOnly',
]);
const TYPED = new Set(['$ref', 'type', 'properties', 'required', 'additionalProperties', 'items', 'enum', 'const', 'oneOf', 'anyOf', 'allOf']);
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

const escapePointer = (key) => key.replaceAll('~', '~0').replaceAll('/', '~1');
const pascal = (id) => id[0].toUpperCase() + id.slice(1);

/** The TypeScript source of the types for `doc`, an OpenAPI 3.1 document. */
export function generate(doc) {
  const schemas = doc.components?.schemas ?? {};
  const declared = new Map(); // pointer -> name, of every declaration
  for (const name of Object.keys(schemas)) declared.set(`#/components/schemas/${escapePointer(name)}`, RENAMED[name] ?? name);
  for (const [pointer, name] of Object.entries(EXTRACTED)) {
    if (resolve(doc, pointer) === undefined) throw new Error(`${pointer} (${name}) is not in the document`);
    declared.set(pointer, name);
  }
  const names = new Set();
  const enums = new Map(); // the values of a named enum -> its name
  for (const [pointer, name] of declared) {
    if (names.has(name)) throw new Error(`two schemas named ${name}`);
    names.add(name);
    const schema = resolve(doc, pointer);
    if (schema.enum && !enums.has(JSON.stringify(schema.enum))) enums.set(JSON.stringify(schema.enum), name);
  }

  /** The TypeScript type of `schema`, found at `pointer`; `indent` for nested objects. */
  function type(schema, pointer, indent, { declaring = false } = {}) {
    if (!declaring && declared.has(pointer)) return declared.get(pointer);
    if (schema === true || (schema && typeof schema === 'object' && Object.keys(schema).every((k) => ANNOTATIONS.has(k)))) {
      return 'unknown';
    }
    if (schema === false) return 'never';
    for (const key of Object.keys(schema)) {
      if (!TYPED.has(key) && !ANNOTATIONS.has(key)) throw new Error(`${pointer}: unsupported keyword ${key}`);
    }
    if (schema.$ref !== undefined) {
      if (!schema.$ref.startsWith('#/')) throw new Error(`${pointer}: only local references are supported`);
      const target = resolve(doc, schema.$ref);
      if (target === undefined) throw new Error(`${pointer}: ${schema.$ref} not found`);
      return type(target, schema.$ref, indent);
    }
    if (schema.const !== undefined) return literal(schema.const);
    if (schema.enum !== undefined) {
      if (!declaring && enums.has(JSON.stringify(schema.enum))) return enums.get(JSON.stringify(schema.enum));
      return schema.enum.map(literal).join(' | ');
    }
    for (const combinator of ['oneOf', 'anyOf', 'allOf']) {
      if (schema[combinator] === undefined) continue;
      const parts = schema[combinator].map((s, i) => type(s, `${pointer}/${combinator}/${i}`, indent));
      if (combinator !== 'allOf') return parts.join(' | ');
      return parts.map((p) => (/[|]/.test(p) && !p.startsWith('{') ? `(${p})` : p)).join(' & ');
    }
    const types = schema.type === undefined ? [] : [schema.type].flat();
    if (types.length === 0) throw new Error(`${pointer}: no type`);
    return types.map((t) => typeOf(t, schema, pointer, indent)).join(' | ');
  }

  function typeOf(name, schema, pointer, indent) {
    switch (name) {
      case 'string': return 'string';
      case 'integer':
      case 'number': return 'number';
      case 'boolean': return 'boolean';
      case 'null': return 'null';
      case 'array': {
        if (schema.items === undefined) return 'unknown[]';
        const item = type(schema.items, `${pointer}/items`, indent);
        return /[|&\s]/.test(item) && !item.startsWith('{') ? `(${item})[]` : `${item}[]`;
      }
      case 'object': return objectType(schema, pointer, indent);
      default: throw new Error(`${pointer}: unsupported type ${name}`);
    }
  }

  function objectType(schema, pointer, indent) {
    const properties = Object.entries(schema.properties ?? {});
    const extra = schema.additionalProperties;
    if (properties.length === 0) {
      if (extra === false) return 'Record<string, never>';
      if (extra === undefined || extra === true) return 'Record<string, unknown>';
      return `{ [name: string]: ${type(extra, `${pointer}/additionalProperties`, indent)} }`;
    }
    const required = new Set(schema.required ?? []);
    for (const name of required) {
      if (!schema.properties[name]) throw new Error(`${pointer}: required ${name} is not a property`);
    }
    const inner = `${indent}  `;
    const lines = ['{'];
    for (const [name, property] of properties) {
      const at = `${pointer}/properties/${escapePointer(name)}`;
      lines.push(...comment(property, inner, at));
      const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
      lines.push(`${inner}${key}${required.has(name) ? '' : '?'}: ${type(property, at, inner)};`);
    }
    if (extra && typeof extra === 'object') lines.push(`${inner}[name: string]: unknown;`);
    lines.push(`${indent}}`);
    return lines.join('\n');
  }

  /** A JSDoc comment of the schema's description and constraints. */
  function comment(schema, indent, pointer) {
    if (!schema || typeof schema !== 'object') return [];
    let target = schema;
    if (schema.$ref && !declared.has(schema.$ref)) target = { ...resolve(doc, schema.$ref), ...schema };
    const text = [];
    if (target.title) text.push(`${target.title}.`);
    if (target.description) text.push(target.description);
    const facts = [];
    const range = (lo, hi, unit = '') => {
      if (lo !== undefined && hi !== undefined) facts.push(`${lo} to ${hi}${unit}`);
      else if (lo !== undefined) facts.push(`at least ${lo}${unit}`);
      else if (hi !== undefined) facts.push(`at most ${hi}${unit}`);
    };
    range(target.minimum, target.maximum);
    range(target.minLength, target.maxLength, ' characters');
    range(target.minItems, target.maxItems, ' items');
    range(target.minProperties, target.maxProperties, ' entries');
    if (target.uniqueItems) facts.push('no duplicates');
    if (target.format === 'uri') facts.push('a URL');
    if (facts.length) text.push(`${facts.join('; ')}.`);
    if (target.default !== undefined) text.push(`@default ${JSON.stringify(target.default)}`);
    if (text.length === 0) return [];
    const body = text.join('\n\n').replaceAll('*/', '*\\/').split('\n');
    if (body.length === 1) return [`${indent}/** ${body[0]} */`];
    return [`${indent}/**`, ...body.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)), `${indent} */`];
  }

  /** `export interface` for plain objects, `export type` for the rest. */
  function declaration(name, schema, pointer) {
    const ts = type(schema, pointer, '', { declaring: true });
    const doc = comment(schema.$ref ? { description: schema.description } : schema, '', pointer);
    const body = ts.startsWith('{\n') && !/\n}\s*[|&]/.test(ts) ? `export interface ${name} ${ts}` : `export type ${name} = ${ts};`;
    return [...doc, body].join('\n');
  }

  const out = [
    `// Generated by scripts/client-types.mjs from worker/openapi.json (${doc.info?.title} ${doc.info?.version}). Do not edit:`,
    '// change the document, then run `npm run client-types` in npm/.',
    '',
  ];

  out.push('// Schemas (components.schemas of the document).', '');
  for (const [pointer, name] of declared) {
    if (!pointer.startsWith('#/components/schemas/')) continue;
    out.push(declaration(name, resolve(doc, pointer), pointer), '');
  }

  // Operations, in the document's order.
  const operations = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      if (!op.operationId) throw new Error(`${method.toUpperCase()} ${path} has no operationId`);
      operations.push({ path, method, op, pointer: `#/paths/${escapePointer(path)}/${method}` });
    }
  }
  out.push('// Operations (paths of the document): queries, inline request bodies, successful responses.', '');
  const summary = [];
  for (const { path, method, op, pointer } of operations) {
    const id = op.operationId;
    const Name = pascal(id);
    const entry = { method: method.toUpperCase(), path, query: 'never', body: 'never', response: `${Name}Response` };

    const query = (op.parameters ?? []).map((p, i) => [p, i]).filter(([p]) => p.in === 'query');
    if (query.length) {
      const lines = [`/** Query parameters of \`${id}\`. */`, `export interface ${Name}Query {`];
      for (const [p, i] of query) {
        lines.push(...comment({ ...p.schema, description: p.description ?? p.schema?.description }, '  '));
        lines.push(`  ${p.name}${p.required ? '' : '?'}: ${type(p.schema, `${pointer}/parameters/${i}/schema`, '  ')};`);
      }
      lines.push('}');
      out.push(lines.join('\n'), '');
      entry.query = `${Name}Query`;
    }

    const json = op.requestBody?.content?.['application/json'];
    if (json && Object.keys(op.requestBody.content).length === 1) {
      const at = `${pointer}/requestBody/content/application~1json/schema`;
      if (json.schema.$ref) entry.body = type(json.schema, at, '');
      else {
        out.push(`/** Request body of \`${id}\`. */`, declaration(`${Name}Body`, json.schema, at), '');
        entry.body = `${Name}Body`;
      }
    } else if (op.requestBody) {
      entry.body = 'unknown';
    }

    const success = Object.keys(op.responses ?? {}).filter((s) => /^2\d\d$/.test(s));
    if (success.length === 0) throw new Error(`${id}: no successful response`);
    const types = [];
    for (const status of success) {
      const content = op.responses[status].content;
      if (!content) { types.push('void'); continue; }
      const [media, { schema }] = Object.entries(content)[0];
      types.push(type(schema, `${pointer}/responses/${status}/content/${escapePointer(media)}/schema`, ''));
    }
    const unique = [...new Set(types)];
    if (names.has(`${Name}Response`)) {
      // A schema of the document has the name already: it must be this response.
      if (unique.length !== 1 || unique[0] !== `${Name}Response`) throw new Error(`${Name}Response names two types`);
      summary.push([id, entry, op.summary]);
      continue;
    }
    const responseDoc = `/** ${success.map((s) => `${s}: ${op.responses[s].description}`).join('; ')} (\`${id}\`). */`;
    if (unique.length === 1 && unique[0].startsWith('{\n')) out.push(responseDoc, `export interface ${Name}Response ${unique[0]}`, '');
    else out.push(responseDoc, `export type ${Name}Response = ${unique.join(' | ')};`, '');
    summary.push([id, entry, op.summary]);
  }

  // Types extracted from operations (after those, as they are met there).
  for (const [pointer, name] of declared) {
    if (pointer.startsWith('#/components/schemas/')) continue;
    if (pointer.startsWith('#/paths/')) out.push(declaration(name, resolve(doc, pointer), pointer), '');
  }

  out.push('/** Every operation of the API by its `operationId`. */', 'export interface Operations {');
  for (const [id, entry, text] of summary) {
    if (text) out.push(`  /** ${text.replaceAll('*/', '*\\/')} */`);
    out.push(`  ${id}: { method: '${entry.method}'; path: '${entry.path}'; query: ${entry.query}; body: ${entry.body}; response: ${entry.response} };`);
  }
  out.push('}', '', '/** The `operationId` of every operation. */', 'export type OperationId = keyof Operations;', '');
  return out.join('\n');
}

/** The value at a local JSON pointer (`#/a/b`), or undefined. */
function resolve(doc, pointer) {
  let node = doc;
  for (const raw of pointer.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

const literal = (value) => (typeof value === 'string' ? `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'` : JSON.stringify(value));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const source = generate(JSON.parse(readFileSync(documentPath, 'utf8')));
  if (process.argv.includes('--check')) {
    let current = '';
    try { current = readFileSync(outputPath, 'utf8'); } catch { /* missing */ }
    if (current !== source) {
      console.error('client-schema.d.ts is out of date with worker/openapi.json: run `npm run client-types` in npm/');
      process.exit(1);
    }
  } else {
    writeFileSync(outputPath, source);
  }
}
