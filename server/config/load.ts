import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema, envOverrides, type Config } from './schema.ts';

/** The directory holding package.json: this module runs from server/config or, compiled, from dist/node/server/config. */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Json = { [key: string]: unknown };

function readJson(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error('top level must be an object');
    }
    return value as Json;
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Json, v as Json)
        : v;
  }
  return out;
}

function setKey(target: Json, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Json;
  }
  node[parts[parts.length - 1]!] = value;
}

function envValue(raw: string, kind: 'string' | 'int' | 'nullable-string', env: string, key: string): unknown {
  if (kind === 'int') {
    if (!/^\d+$/.test(raw.trim())) {
      throw new ConfigError(`invalid configuration: ${key} (environment ${env}): expected a whole number, got "${raw}"`);
    }
    return Number(raw.trim());
  }
  if (kind === 'nullable-string' && raw === '') return null;
  return raw;
}

/**
 * Defaults from config/default.json, then config/local.json (if present), then the file named
 * by CONFIG_FILE, then environment variables. Throws ConfigError naming the first bad key.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, root = projectRoot): Config {
  let merged = readJson(path.join(root, 'config', 'default.json'));
  const local = path.join(root, 'config', 'local.json');
  try {
    merged = deepMerge(merged, readJson(local));
  } catch (err) {
    if (!(err instanceof ConfigError) || !/cannot read/.test(err.message)) throw err;
  }
  if (env.CONFIG_FILE) merged = deepMerge(merged, readJson(path.resolve(root, env.CONFIG_FILE)));

  const fromEnv = new Map<string, string>();
  for (const { env: name, key, kind } of envOverrides) {
    const raw = env[name];
    if (raw === undefined) continue;
    setKey(merged, key, envValue(raw, kind, name, key));
    fromEnv.set(key, name);
  }

  const result = configSchema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = issue.path.join('.') || '(root)';
    const source = fromEnv.has(key) ? ` (environment ${fromEnv.get(key)})` : '';
    throw new ConfigError(`invalid configuration: ${key}${source}: ${issue.message}`);
  }
  const config = result.data;
  config.recordingsDir = path.resolve(root, config.recordingsDir);
  config.dataDir = path.resolve(root, config.dataDir);
  config.recorderPath = path.resolve(root, config.recorderPath);
  return config;
}
