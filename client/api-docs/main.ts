import { applyTranslations, languageToggle, t, type MessageKey } from '../i18n/index.ts';
import { $, h } from '../public-services/dom.ts';

/** The parts of the OpenAPI 3.1 document (server/http/openapi.ts) this page shows. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}
interface Parameter { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required: boolean; schema: Schema; description?: string }
interface Response { $ref?: string; description?: string; content?: Record<string, { schema?: Schema }>; 'x-error-codes'?: string[] }
interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  'x-roles'?: string[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, Response>;
}
interface Document {
  info: { title: string; description?: string };
  tags: Array<{ name: string; description?: string }>;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Response> };
}

const status = $('#status');
const reference = $('#reference');
const toc = $('#toc');
const tocList = $('#toc-list');
const filter = $<HTMLInputElement>('#filter');
let doc: Document | null = null;
let loadError: string | null = null;

/** Text from the document itself: English, marked so for screen readers. */
const english = (text: string, tag: 'span' | 'p' = 'span', className?: string) => h(tag, { lang: 'en', class: className, text });

function resolve<T extends { $ref?: string }>(node: T): T {
  if (!doc || !node.$ref) return node;
  const target = node.$ref.replace(/^#\//, '').split('/').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], doc);
  return (target as T | undefined) ?? node;
}

function typeName(schema: Schema): string {
  const s = resolve(schema);
  if (s.anyOf ?? s.oneOf) return (s.anyOf ?? s.oneOf)!.map(typeName).join(' | ');
  if (s.allOf) return s.allOf.map(typeName).filter((n) => n !== t('apiDocs.type.any')).join(' & ') || 'object';
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length === 0) return s.properties ? 'object' : s.enum ? 'enum' : s.const !== undefined ? typeof s.const : t('apiDocs.type.any');
  return types.map((ty) => (ty === 'array' && s.items ? `${typeName(s.items)}[]` : ty)).join(' | ');
}

function rules(schema: Schema, closedNote = true): string[] {
  const s = resolve(schema);
  const list: string[] = [];
  // nullable and union types: the rules of their non-null parts
  for (const variant of (s.anyOf ?? s.oneOf ?? []).map(resolve).filter((v) => v.type !== 'null')) list.push(...rules(variant, closedNote));
  const add = (key: MessageKey, value: unknown) => list.push(t(key, { value: typeof value === 'string' ? value : JSON.stringify(value) }));
  if (s.format) add('apiDocs.rule.format', s.format);
  if (s.enum) add('apiDocs.rule.enum', s.enum.map((v) => String(v)).join(', '));
  if (s.const !== undefined) add('apiDocs.rule.const', s.const);
  if (s.minimum !== undefined && s.minimum > -9007199254740991) add('apiDocs.rule.minimum', s.minimum);
  if (s.exclusiveMinimum !== undefined) list.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined && s.maximum < 9007199254740991) add('apiDocs.rule.maximum', s.maximum);
  if (s.exclusiveMaximum !== undefined) list.push(`< ${s.exclusiveMaximum}`);
  if (s.minLength !== undefined) add('apiDocs.rule.minLength', s.minLength);
  if (s.maxLength !== undefined) add('apiDocs.rule.maxLength', s.maxLength);
  if (s.minItems !== undefined) add('apiDocs.rule.minItems', s.minItems);
  if (s.maxItems !== undefined) add('apiDocs.rule.maxItems', s.maxItems);
  if (s.pattern) add('apiDocs.rule.pattern', s.pattern);
  if (s.default !== undefined) add('apiDocs.rule.default', s.default);
  if (closedNote && s.properties && s.additionalProperties === false) list.push(t('apiDocs.rule.closed'));
  if (typeof s.additionalProperties === 'object') list.push(`${t('apiDocs.rule.map')} → ${typeName(s.additionalProperties)}`);
  const items = s.items ? resolve(s.items) : undefined;
  if (items && !items.properties) list.push(...rules(items).map((r) => t('apiDocs.rule.items', { value: r })));
  return list;
}

/** The object (or array of objects) whose properties a schema lists, if any. */
function fieldsOf(schema: Schema): Schema | undefined {
  const s = resolve(schema);
  if (s.properties) return s;
  if (s.items) return fieldsOf(s.items);
  const variants = (s.anyOf ?? s.oneOf ?? []).map(resolve).filter((v) => v.type !== 'null');
  if (variants.length === 1) return fieldsOf(variants[0]!);
  return undefined;
}

/** closedNote: say that other properties are refused (request bodies; an answer simply has no others). */
function fieldList(schema: Schema, closedNote: boolean, depth = 0): HTMLElement {
  const object = fieldsOf(schema);
  if (!object?.properties || Object.keys(object.properties).length === 0) return h('p', { text: t('apiDocs.noFields') });
  const list = h('ul', { class: 'fields' });
  for (const [name, property] of Object.entries(object.properties)) {
    const required = object.required?.includes(name) ?? false;
    const ruleText = rules(property, closedNote).join(' · ');
    const description = resolve(property).description;
    const nested = depth < 6 ? fieldsOf(property) : undefined;
    list.append(
      h('li', {},
        h('code', { class: 'field-name', text: name }), ' ',
        h('code', { class: 'type', text: typeName(property) }), ' ',
        h('span', { class: required ? 'req' : 'opt', text: t(required ? 'apiDocs.required' : 'apiDocs.optional') }),
        ruleText ? h('span', {}, ' · ', h('span', { class: 'rules', text: ruleText })) : null,
        description ? h('span', {}, ' — ', english(description)) : null,
        nested ? fieldList(property, closedNote, depth + 1) : null),
    );
  }
  return list;
}

function parameterList(parameters: Parameter[]): HTMLElement {
  const list = h('ul', { class: 'fields' });
  for (const p of parameters) {
    const ruleText = rules(p.schema).join(' · ');
    list.append(
      h('li', {},
        h('code', { class: 'field-name', text: p.name }), ' ',
        h('span', { class: 'opt', text: `(${t(`apiDocs.in.${p.in}` as MessageKey)})` }), ' ',
        h('code', { class: 'type', text: typeName(p.schema) }), ' ',
        h('span', { class: p.required ? 'req' : 'opt', text: t(p.required ? 'apiDocs.required' : 'apiDocs.optional') }),
        ruleText ? h('span', {}, ' · ', h('span', { class: 'rules', text: ruleText })) : null,
        p.description ? h('span', {}, ' — ', english(p.description)) : null),
    );
  }
  return list;
}

function responseList(responses: Record<string, Response>): HTMLElement {
  const list = h('ul', { class: 'responses' });
  for (const [code, raw] of Object.entries(responses)) {
    const response = resolve(raw);
    const codes = raw['x-error-codes'] ?? [];
    const success = code.startsWith('2');
    const item = h('li', {},
      h('span', { class: `status-code ${success ? 'ok' : 'bad'}`, text: code }), ' ',
      // the codes are listed below, not repeated in the text
      english((response.description ?? '').replace(/\. error\.code: .*$/, '')),
      codes.length ? h('div', { class: 'codes' }, `${t('apiDocs.errorCodes')} `, ...codes.flatMap((c, i) => [i > 0 ? ' ' : null, h('code', { text: c })])) : null);
    // Error bodies share one shape (shown at the top of the page); success bodies are listed field by field.
    for (const [mediaType, media] of Object.entries(success ? response.content ?? {} : {})) {
      item.append(h('div', { class: 'opt', text: t('apiDocs.responseBody', { mediaType }) }));
      if (media.schema) item.append(fieldsOf(media.schema) ? fieldList(media.schema, false) : h('code', { class: 'type', text: typeName(media.schema) }));
    }
    list.append(item);
  }
  return list;
}

function accessBadge(op: OperationObject): HTMLElement {
  const roles = op['x-roles'];
  if (!roles) return h('span', { class: 'access', text: t('apiDocs.access.public') });
  const names = roles.map((r) => t(`apiDocs.role.${r}` as MessageKey)).join(', ');
  return h('span', { class: 'access officer', text: t('apiDocs.access.officer', { roles: names }) });
}

function operationView(method: string, path: string, op: OperationObject): HTMLDetailsElement {
  const body = h('div', { class: 'op-body' }, h('p', {}, accessBadge(op)));
  const description = op.description?.replace(/\n*Officer token required; roles: [^\n]*$/, '').trim();
  if (description) body.append(english(description, 'p', 'description'));
  if (op.parameters?.length) body.append(h('h3', { text: t('apiDocs.parameters') }), parameterList(op.parameters));
  for (const [mediaType, media] of Object.entries(op.requestBody?.content ?? {})) {
    body.append(h('h3', { text: t('apiDocs.body', { mediaType }) }), fieldList(media.schema, true));
  }
  if (op.requestBody && !op.requestBody.required) body.append(h('p', { class: 'opt', text: t('apiDocs.bodyOptional') }));
  body.append(h('h3', { text: t('apiDocs.responses') }), responseList(op.responses));
  const details = h('details', { class: 'op', id: op.operationId },
    h('summary', {},
      h('span', { class: `method ${method}`, text: method.toUpperCase() }),
      h('code', { class: 'path', text: path }),
      english(op.summary, 'span', 'summary')),
    body);
  details.dataset.search = [method, path, op.summary, op.tags.join(' '), ...Object.values(op.responses).flatMap((r) => r['x-error-codes'] ?? [])].join(' ').toLowerCase();
  return details;
}

function renderReference(d: Document): void {
  const byTag = new Map<string, Array<[string, string, OperationObject]>>(d.tags.map((tag) => [tag.name, []]));
  for (const [path, item] of Object.entries(d.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags[0] ?? '';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push([method, path, op]);
    }
  }
  const sections: HTMLElement[] = [];
  const links: HTMLElement[] = [];
  for (const [tag, ops] of byTag) {
    if (ops.length === 0) continue;
    const id = `tag-${tag.replace(/[^\w-]/g, '-')}`;
    const about = d.tags.find((x) => x.name === tag)?.description;
    sections.push(h('section', { class: 'tag-section', id, 'aria-labelledby': `${id}-title` },
      h('h2', { id: `${id}-title`, text: tag }),
      about ? english(about, 'p') : null,
      ...ops.map(([method, path, op]) => operationView(method, path, op))));
    links.push(h('li', {}, h('a', { href: `#${id}`, text: tag }), about ? h('span', {}, ' — ', english(about)) : null));
  }
  reference.replaceChildren(...sections);
  tocList.replaceChildren(...links);
  toc.hidden = false;
  applyFilter();
  openFromHash();
}

function applyFilter(): void {
  const words = filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
  let shown = 0;
  for (const section of reference.querySelectorAll<HTMLElement>('.tag-section')) {
    let inSection = 0;
    for (const op of section.querySelectorAll<HTMLDetailsElement>('details.op')) {
      const match = words.every((w) => op.dataset.search!.includes(w));
      op.hidden = !match;
      if (match) inSection++;
    }
    section.hidden = inSection === 0;
    shown += inSection;
  }
  status.className = 'status';
  status.textContent = shown === 0 ? t('apiDocs.noMatch') : t('apiDocs.count', { count: shown });
}

/** /api-docs/#postVisits opens that operation. */
function openFromHash(): void {
  const target = location.hash.length > 1 ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
  if (target instanceof HTMLDetailsElement) {
    target.open = true;
    target.scrollIntoView();
  }
}

function render(): void {
  applyTranslations();
  if (doc) renderReference(doc);
  else if (loadError) {
    status.className = 'status error';
    status.textContent = t('apiDocs.loadFailed', { status: loadError });
  }
}

async function load(): Promise<void> {
  status.textContent = t('apiDocs.loading');
  try {
    const res = await fetch('/api/openapi.json', { headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(String(res.status));
    doc = (await res.json()) as Document;
  } catch (err) {
    loadError = err instanceof Error ? err.message : String(err);
  }
  render();
}

filter.addEventListener('input', applyFilter);
window.addEventListener('hashchange', openFromHash);
$('#lang').append(languageToggle(render));
applyTranslations();
void load();
